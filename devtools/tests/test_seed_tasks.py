"""The tasks of the demo data set (devtools/seed/tasks.py) and `seed_demo --missing`."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from clients.models import Client
from devtools.seed.tasks import BIG_TASK_TITLE
from tasks.models import Task, TaskEvent


@pytest.fixture
def seeded(db):
    call_command("seed_demo", size="XS", verbosity=0)


def test_tasks_come_in_every_state_with_a_history_that_matches(seeded):
    assert set(Task.objects.values_list("state", flat=True)) == set(Task.State.values)
    for task in Task.objects.prefetch_related("events"):
        kinds = [e.kind for e in task.events.all()]
        assert kinds[0] == TaskEvent.Kind.CREATED
        assert kinds.count(TaskEvent.Kind.RETURNED) == task.iteration - 1, task.pk
        if task.state == Task.State.ACCEPTED:
            assert kinds[-1] == TaskEvent.Kind.ACCEPTED
        if task.items.exists():
            assert task.items.filter(client__responsible=task.executor).count() == task.items.count()


def test_the_big_task_is_there_for_the_benchmark(seeded):
    big = Task.objects.get(title=BIG_TASK_TITLE)
    # at XS all the executor's clients and their first contacts (500 items at L)
    own = Client.objects.filter(responsible=big.executor).count()
    assert own < big.items.count() <= 2 * own
    assert big.state == Task.State.IN_PROGRESS


def test_missing_seeds_only_the_apps_without_data(db):
    call_command("seed_demo", size="XS", verbosity=0)
    clients = set(Client.objects.values_list("pk", flat=True))
    Task.objects.all().delete()
    out = io.StringIO()
    call_command("seed_demo", size="XS", missing=True, stdout=out)
    assert Task.objects.exists()
    assert set(Client.objects.values_list("pk", flat=True)) == clients
    call_command("seed_demo", size="XS", missing=True, stdout=(out := io.StringIO()))
    assert "nothing to seed" in out.getvalue()
    with pytest.raises(CommandError, match="one of them"):
        call_command("seed_demo", size="XS", missing=True, reset=True, stdout=io.StringIO())
