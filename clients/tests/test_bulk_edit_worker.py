"""«Изменить выделенные» above the in-request limit: a real Celery worker does the stored run."""

import time

import pytest
from django.urls import reverse

from clients import services
from clients.jobs import bulk_edit_clients
from clients.models import BulkEditRun, Client, ClientChange, ExtraValue
from clients.tests import factories

pytestmark = pytest.mark.celery_worker


def _wait_for_run(pk: int, timeout: float = 30.0) -> BulkEditRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = BulkEditRun.objects.get(pk=pk)
        if run.finished:
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {pk} did not finish within {timeout} s (state {run.state})")


def test_a_large_bulk_edit_runs_on_the_worker(celery_worker, reference_data, client, settings):
    settings.CLIENTS_BULK_EDIT_SYNC_LIMIT = 5
    boss = factories.supervisor(username="boss")
    manager = factories.manager(username="anna")
    loyalty = factories.list_field("Лояльность", ["Высокая", "Низкая"])
    high = factories.option(loyalty, "Высокая")
    clients = factories.ClientFactory.create_batch(8)
    client.force_login(boss)

    response = client.post(
        reverse("clients:bulk_edit"),
        {
            "pk": [c.pk for c in clients],
            "change_responsible": "on",
            "responsible": manager.pk,
            f"change_extra_{loyalty.pk}": "on",
            f"extra_{loyalty.pk}": high.pk,
        },
    )
    assert response.status_code == 302
    run = _wait_for_run(BulkEditRun.objects.get().pk)

    assert (run.state, run.total, run.changed, run.skipped) == (BulkEditRun.State.DONE, 8, 8, 0)
    assert Client.objects.filter(responsible=manager, version=2).count() == 8
    assert ExtraValue.objects.filter(field=loyalty, value_option=high).count() == 8
    entries = ClientChange.objects.filter(source=ClientChange.Source.BULK, user=boss)
    assert entries.count() == 8
    for entry in entries:
        assert {c["field"] for c in entry.changes} == {"responsible", f"extra:{loyalty.pk}"}
        assert entry.version == 2
    page = client.get(response["Location"]).content.decode()
    assert "Изменено клиентов: 8" in page


def test_a_duplicated_job_does_the_run_once(celery_worker, reference_data):
    boss = factories.supervisor(username="boss")
    clients = factories.ClientFactory.create_batch(6, abc_class="C")
    run = services.create_bulk_edit_run(
        [c.pk for c in clients], services.BulkChanges(builtin={"abc_class": "A"}), user=boss
    )

    first, second = bulk_edit_clients.delay(run.pk), bulk_edit_clients.delay(run.pk)

    assert sorted([first.get(timeout=30), second.get(timeout=30)], key=str) == [6, None]
    assert BulkEditRun.objects.get(pk=run.pk).state == BulkEditRun.State.DONE
    assert ClientChange.objects.count() == 6
    assert Client.objects.filter(abc_class="A", version=2).count() == 6
