"""Completed wizard runs of the demo data set (see devtools/seed/__init__.py): the
contact-information tasks that devtools/seed/tasks.py made are grouped under two finished runs of
«Контроль заполнения контактной информации», one task per executor, as a run would have made them."""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from clients import completeness
from clients.models import ContactInfoKind
from crm import roles
from devtools.seed.common import no_progress
from quality.models import WizardRun
from tasks.models import Task, TaskItem

RUNS = 2


def seed_runs(size: str, rng_seed: int, progress=no_progress) -> dict[str, int]:
    rng = random.Random(f"quality:{rng_seed}")
    author = get_user_model().objects.filter(groups__name=roles.SUPERVISOR).order_by("pk").first()
    email = ContactInfoKind.objects.filter(value_type=ContactInfoKind.ValueType.EMAIL).order_by("pk").first()
    if author is None or email is None:
        return {"wizard runs": 0}
    check = completeness.info_check(email)
    candidates = Task.objects.filter(kind=Task.Kind.CONTACT_INFO, origin="").order_by("executor_id", "pk")
    by_executor: dict[int, list[int]] = {}
    for task_id, executor_id in candidates.values_list("pk", "executor_id"):
        by_executor.setdefault(executor_id, []).append(task_id)
    made = 0
    for n in range(RUNS):
        chosen = [ids[n] for ids in by_executor.values() if len(ids) > n]
        if not chosen:
            break
        created = timezone.now() - timedelta(days=rng.randint(10, 60))
        run = WizardRun.objects.create(
            kind=WizardRun.Kind.CONTACT_INFO,
            author=author,
            state=WizardRun.State.DONE,
            client_checks=[check],
            contact_checks=[check],
            distribution=WizardRun.Distribution.RESPONSIBLE,
            reviewer=author,
            submitted_at=created,
            finished_at=created + timedelta(seconds=2),
        )
        tasks = Task.objects.filter(pk__in=chosen)
        tasks.update(origin=run.origin)
        run.tasks_count = len(chosen)
        run.clients_count = tasks.aggregate(n=Count("items__client", distinct=True))["n"]
        run.contacts_count = TaskItem.objects.filter(task__in=tasks, contact__isnull=False).count()
        run.save()
        made += 1
    return {"wizard runs": made}


# The seeder interface (see devtools/seed/__init__.py).
seed = seed_runs
SEED_MODELS = (WizardRun,)
SEED_GUARD = WizardRun
