"""The background-run protocol (crm.runs): a run whose queue message was lost is queued again by
the sweep and done once; a run whose worker died is failed with a message instead of staying
«Выполняется»; a live run is left alone; a late duplicate message does nothing."""

import datetime
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from clients import services
from clients.models import BulkEditRun, Client, ClientExport, DuplicateSearch, RecheckRun
from clients.tests import factories
from crm import runs
from crm.models import Run
from notifications.models import Scan
from quality.models import WizardRun
from reports.models import CompletenessSnapshot


def test_every_stored_run_follows_the_protocol():
    assert set(runs.run_models()) == {
        BulkEditRun,
        ClientExport,
        DuplicateSearch,
        RecheckRun,
        WizardRun,
        CompletenessSnapshot,
        Scan,
    }
    assert all(model.job for model in runs.run_models())


def _lost_bulk_edit(minutes_ago: int) -> BulkEditRun:
    """A stored bulk edit (ABC-класс A for one client) whose job was never sent."""
    boss = factories.supervisor(username="boss")
    target = factories.ClientFactory(abc_class="")
    changes = services.BulkChanges(builtin={"abc_class": "A"})
    run = services.create_bulk_edit_run([target.pk], changes, user=boss)  # and no job was sent
    BulkEditRun.objects.filter(pk=run.pk).update(queued_at=timezone.now() - datetime.timedelta(minutes=minutes_ago))
    return run


@pytest.mark.celery_worker
def test_a_run_whose_queue_message_was_lost_is_queued_again_and_done_once(celery_worker, reference_data):
    run = _lost_bulk_edit(minutes_ago=10)
    fresh = _lost_bulk_edit(minutes_ago=0)  # still within its time: left to its own message

    assert runs.sweep() == {"queued": 1, "failed": 0}

    deadline = time.monotonic() + 30
    while not BulkEditRun.objects.get(pk=run.pk).finished and time.monotonic() < deadline:
        time.sleep(0.1)
    run.refresh_from_db()
    assert run.state == Run.State.DONE, run.error
    assert Client.objects.get(pk=run.parameters["ids"][0]).abc_class == "A"
    assert BulkEditRun.objects.get(pk=fresh.pk).state == Run.State.QUEUED
    # The broker redelivers the lost message after all: the claim refuses it.
    assert services.execute_bulk_edit_run(run.pk) is None


def test_a_run_whose_worker_died_is_failed_with_a_message(db):
    run = _lost_bulk_edit(minutes_ago=60)
    BulkEditRun.objects.filter(pk=run.pk).update(
        state=Run.State.RUNNING, started_at=timezone.now() - datetime.timedelta(minutes=30)
    )

    assert runs.sweep()["failed"] == 1

    run.refresh_from_db()
    assert run.state == Run.State.FAILED and "прервалось" in run.error
    assert services.execute_bulk_edit_run(run.pk) is None  # the redelivered message, an hour late
    assert Client.objects.get(pk=run.parameters["ids"][0]).abc_class == ""


@pytest.mark.django_db(transaction=True)
def test_a_run_its_worker_still_holds_is_left_alone(reference_data):
    run = _lost_bulk_edit(minutes_ago=60)
    BulkEditRun.objects.filter(pk=run.pk).update(
        state=Run.State.RUNNING, started_at=timezone.now() - datetime.timedelta(minutes=30)
    )
    locked, release = threading.Event(), threading.Event()

    def worker():  # a long job holding its run's row, as execute_bulk_edit_run does
        with transaction.atomic():
            BulkEditRun.objects.select_for_update().get(pk=run.pk)
            locked.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert locked.wait(10)
        assert runs.sweep()["failed"] == 0
    finally:
        release.set()
        thread.join()
    assert BulkEditRun.objects.get(pk=run.pk).state == Run.State.RUNNING


def test_a_run_that_cannot_be_queued_again_says_so(db, monkeypatch):
    run = _lost_bulk_edit(minutes_ago=10)

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr("crm.celery.app.send_task", broker_down)
    assert runs.sweep() == {"queued": 0, "failed": 1}
    run.refresh_from_db()
    assert run.state == Run.State.FAILED and "недоступна" in run.error


def test_a_failed_run_is_run_again_by_whom_it_belongs_to(db, client, django_capture_on_commit_callbacks, monkeypatch):
    run = _lost_bulk_edit(minutes_ago=10)
    BulkEditRun.objects.filter(pk=run.pk).update(state=Run.State.FAILED, error="Выполнение прервалось")
    sent = []
    monkeypatch.setattr(runs, "_send", lambda name, args: sent.append((name, args)))
    stranger = factories.manager(username="stranger")
    client.force_login(stranger)
    assert client.post(run.get_retry_url()).status_code == 404
    assert client.post(f"/runs/auth.user/{stranger.pk}/retry/").status_code == 404  # not a run
    assert client.get(run.get_retry_url()).status_code == 405

    client.force_login(run.author)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(run.get_retry_url()).url == run.get_absolute_url()
        assert client.post(run.get_retry_url()).url == run.get_absolute_url()  # a double click
    run.refresh_from_db()
    assert (run.state, run.error, run.started_at) == (Run.State.QUEUED, "", None)
    assert sent == [("clients.bulk_edit_clients", [str(run.pk)])]
