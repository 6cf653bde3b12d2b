"""Celery jobs run on a real worker consuming from Redis, against committed PostgreSQL rows."""

import time

import pytest
import redis
from celery.result import EagerResult
from django.db import transaction

from clients import services
from clients.jobs import bulk_edit_clients
from clients.models import BulkEditRun, Client, ClientChange

pytestmark = pytest.mark.celery_worker


def _wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _run(client_ids: list[int], abc_class: str, user) -> BulkEditRun:
    changes = services.BulkChanges(builtin={"abc_class": abc_class})
    return services.create_bulk_edit_run(client_ids, changes, user=user)


def test_bulk_edit_runs_on_worker(celery_worker, django_user_model):
    user = django_user_model.objects.create_user("bulk-editor", password="not-used-here", is_superuser=True)
    first = Client.objects.create(name="ООО Альфа", kind="company")
    second = Client.objects.create(name="ООО Бета", kind="company")

    result = bulk_edit_clients.delay(_run([first.pk, second.pk], "A", user).pk)

    assert not isinstance(result, EagerResult)
    assert result.get(timeout=30) == 2
    for client in (first, second):
        client.refresh_from_db()
        assert client.abc_class == "A"
        assert client.version == 2
        changes = list(ClientChange.objects.filter(client=client))
        assert len(changes) == 1
        assert changes[0].source == ClientChange.Source.BULK
        assert changes[0].user_id == user.id
        assert changes[0].version == 2


@pytest.mark.django_db(transaction=True)
def test_delay_on_commit_queues_after_commit(celery_app, django_user_model):
    """No worker here: the message must appear in the Redis queue only when the transaction commits."""
    user = django_user_model.objects.create_user("bulk-editor-0", password="not-used-here", is_superuser=True)
    queue = redis.Redis.from_url(celery_app.conf.broker_url)
    queue_name = celery_app.conf.task_default_queue
    assert queue.llen(queue_name) == 0

    with transaction.atomic():
        client = Client.objects.create(name="ООО Гамма", kind="company")
        bulk_edit_clients.delay_on_commit(_run([client.pk], "B", user).pk)
        assert queue.llen(queue_name) == 0, "job sent before the transaction committed"

    assert queue.llen(queue_name) == 1


def test_delay_on_commit_job_sees_committed_rows(celery_worker, django_user_model):
    """With a worker running, a job asked for inside a transaction finds the rows it created: had it
    been sent before the commit, the worker would have run it on an empty set during the pause."""
    user = django_user_model.objects.create_user("bulk-editor-2", password="not-used-here", is_superuser=True)
    with transaction.atomic():
        client = Client.objects.create(name="ООО Дельта", kind="company")
        bulk_edit_clients.delay_on_commit(_run([client.pk], "C", user).pk)
        time.sleep(0.5)

    def updated():
        client.refresh_from_db()
        return client.abc_class == "C"

    assert _wait_for(updated), "the job did not update the committed client within 30 s"
    assert client.version == 2
    assert ClientChange.objects.filter(client=client, source=ClientChange.Source.BULK).count() == 1
