"""Faults of the queue and of the worker, on the real services: a Redis server of the test's own that
is stopped and started again (without persistence, as bin/test and many installations run it), and
a real `celery worker` process that is killed with SIGKILL mid-job. Each ends with nothing lost
(what the user asked for is done exactly once, or refused with a message and nothing kept) and
nothing stuck (no run stays «В очереди» or «Выполняется»).

The probe behind issue 13: with Redis stopped, «Готово» of a wizard, a large «Изменить выделенные»,
a large export and «Обязательные реквизиты» answered 500 after saving their record, which then
stayed «ждёт очереди» for good; a worker killed mid-job left its run «Выполняется» for an hour."""

from __future__ import annotations

import datetime
import time

import psycopg2
import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from clients import services
from clients.models import BulkEditRun, Client, ClientChange, ClientExport, RequiredProperty
from clients.tests import factories
from crm.models import Run
from crm.tests.processes import wait_for
from quality.models import WizardRun
from tasks.models import Task

BULK_URL = reverse("clients:bulk_edit")
UNAVAILABLE = "Очередь фоновых задач сейчас недоступна"

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def boss(django_user_model):
    # A superuser (administrator): the role groups are restored, but a superuser needs none.
    return django_user_model.objects.create_superuser("boss", password="boss-password-1")


@pytest.fixture
def many(settings):
    """Five clients, above the bulk edit's and the export's limits for working in the request."""
    settings.CLIENTS_BULK_EDIT_SYNC_LIMIT = 2
    settings.CLIENTS_EXPORT_SYNC_LIMIT = 2
    return factories.ClientFactory.create_batch(5, abc_class="")


def _bulk_edit(page: HttpClient, clients, abc_class: str):
    return page.post(BULK_URL, {"pk": [c.pk for c in clients], "change_abc_class": "on", "abc_class": abc_class})


def _finished(page: HttpClient, run: Run) -> bool:
    """Whether the run's page (which sweeps the run when it is overdue) shows it finished."""
    page.get(run.get_absolute_url(), headers={"HX-Request": "true"})
    run.refresh_from_db()
    return run.finished


def _draft_wizard(boss) -> WizardRun:
    email = factories.kind("Email")
    check = f"info:{email.pk}"
    return WizardRun.objects.create(
        kind="contact_info", author=boss, client_checks=[check], contact_checks=[], filter_query=""
    )


def test_with_the_queue_down_the_pages_say_so_keep_nothing_and_work_once_it_is_back(queue, worker, boss, many):
    worker.start()
    page = HttpClient()
    page.force_login(boss)
    wizard = _draft_wizard(boss)
    for client in many:
        client.responsible = boss
        client.save()
    required_before = set(RequiredProperty.objects.values_list("name", flat=True))
    waiting = services.create_bulk_edit_run([many[0].pk], services.BulkChanges(builtin={"abc_class": "B"}), user=boss)
    queue.stop()

    # A run's page reads its progress from the cache (Redis): shown without it.
    response = page.get(waiting.get_absolute_url())
    assert response.status_code == 200 and "Изменение ждёт очереди" in response.content.decode()

    # Logging in does not need Redis (the login limiter lets people in when its cache is down).
    assert HttpClient().post(reverse("login"), {"username": "boss", "password": "boss-password-1"}).status_code == 302
    # «Изменить выделенные» above the limit: the form again, with the choice kept and the reason.
    response = _bulk_edit(page, many, "A")
    assert response.status_code == 200 and UNAVAILABLE in response.content.decode()
    assert 'value="A" selected' in response.content.decode()
    # «Готово» of the wizard: the run stays a draft, to be sent again.
    wizard_step4 = reverse("quality:run_step", args=[wizard.pk, 4])
    response = page.post(wizard_step4, {"distribution": "responsible", "reviewer": boss.pk})
    assert UNAVAILABLE in response.content.decode()
    # «Обязательные реквизиты»: not saved, since «Заполненность» could not be recomputed.
    response = page.post(reverse("clients:required_fields"), {"properties": ["inn", "legal_address"]})
    assert response.status_code == 400 and UNAVAILABLE in response.content.decode()
    # A large «Excel»: back to the list with the message.
    response = page.get(reverse("clients:export"), follow=True)
    assert UNAVAILABLE in response.content.decode()
    # ABC/XYZ on demand.
    response = page.post(reverse("sales:recalculate_classes"), follow=True)
    assert UNAVAILABLE in response.content.decode()
    # Nothing was kept that would wait for the queue.
    assert list(BulkEditRun.objects.all()) == [waiting] and not ClientExport.objects.exists()
    waiting.delete()
    assert WizardRun.objects.get(pk=wizard.pk).state == WizardRun.State.DRAFT
    assert set(RequiredProperty.objects.values_list("name", flat=True)) == required_before
    assert not Client.objects.filter(abc_class="A").exists()

    queue.start()  # the same address, empty: the worker reconnects by itself
    response = _bulk_edit(page, many, "A")
    run = BulkEditRun.objects.get()
    assert response.url == run.get_absolute_url()
    assert page.post(wizard_step4, {"distribution": "responsible", "reviewer": boss.pk}).status_code == 302
    wait_for(lambda: _finished(page, run), 60, "the bulk edit after the queue came back")
    wizard.refresh_from_db()
    wait_for(lambda: _finished(page, wizard), 60, "the wizard's tasks after the queue came back")
    assert run.state == Run.State.DONE and run.changed == 5
    assert Client.objects.filter(abc_class="A").count() == 5
    assert ClientChange.objects.filter(source=ClientChange.Source.BULK).count() == 5  # once each
    assert wizard.state == WizardRun.State.DONE
    assert Task.objects.filter(origin=wizard.origin).count() == 1


def test_a_message_lost_with_a_redis_restart_is_queued_again_when_its_page_is_viewed(queue, worker, boss, many):
    page = HttpClient()
    page.force_login(boss)
    run_url = _bulk_edit(page, many, "B").url
    run = BulkEditRun.objects.get()
    assert run.state == Run.State.QUEUED
    queue.stop()
    queue.start()  # no persistence: the message is gone
    worker.start()
    time.sleep(2)
    run.refresh_from_db()
    assert run.state == Run.State.QUEUED  # and nothing would ever come for it

    # Minutes pass (the sweep's clock); the author looks at the run's page.
    BulkEditRun.objects.filter(pk=run.pk).update(queued_at=timezone.now() - datetime.timedelta(minutes=6))
    assert page.get(run_url).status_code == 200
    wait_for(lambda: _finished(page, run), 60, "the run queued again by its page")
    assert run.state == Run.State.DONE
    assert Client.objects.filter(abc_class="B").count() == 5
    assert ClientChange.objects.filter(source=ClientChange.Source.BULK).count() == 5


def test_a_worker_killed_mid_job_leaves_nothing_half_done_and_the_run_can_be_run_again(queue, worker, boss, many):
    worker.start()
    page = HttpClient()
    page.force_login(boss)
    # Another session holds one of the clients, so the job stops in the middle of its transaction.
    holder = psycopg2.connect(**connection.get_connection_params())
    try:
        with holder.cursor() as cursor:
            cursor.execute("BEGIN; SELECT id FROM clients_client WHERE id = %s FOR UPDATE", [many[-1].pk])
        run_url = _bulk_edit(page, many, "C").url
        run = BulkEditRun.objects.get()
        wait_for(lambda: BulkEditRun.objects.get(pk=run.pk).state == Run.State.RUNNING, 60, "the job to start")
        time.sleep(0.5)
        worker.kill()
    finally:
        holder.rollback()
        holder.close()

    run.refresh_from_db()
    assert run.state == Run.State.RUNNING  # as the worker left it
    # Its server-side session ends once it finds its client gone; then nothing holds the run.
    wait_for(lambda: not _held(run), 30, "the killed worker's transaction to end")
    assert not Client.objects.filter(abc_class="C").exists()  # rolled back: nothing half done

    # A minute later the author looks at the run: failed, with a message and «Запустить ещё раз».
    BulkEditRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - datetime.timedelta(minutes=2))
    page_text = page.get(run_url).content.decode()
    run.refresh_from_db()
    assert run.state == Run.State.FAILED and "прервалось" in run.error
    assert "Запустить ещё раз" in page_text

    worker.start()
    assert page.post(run.get_retry_url()).url == run_url
    wait_for(lambda: _finished(page, run), 60, "the run started again")
    assert run.state == Run.State.DONE and run.changed == 5
    assert Client.objects.filter(abc_class="C").count() == 5
    assert ClientChange.objects.filter(source=ClientChange.Source.BULK).count() == 5  # once each


def _held(run: Run) -> bool:
    """Whether some transaction holds the run's row (a live job does, for all of its work)."""
    with psycopg2.connect(**connection.get_connection_params()) as probe, probe.cursor() as cursor:
        cursor.execute("SELECT 1 FROM clients_bulkeditrun WHERE id = %s FOR UPDATE SKIP LOCKED", [run.pk])
        free = cursor.fetchone() is not None
    probe.close()
    return not free
