"""`manage.py bench_generation [--clients N] [--executors N]`: time task generation end to end.

The budget of DESIGN.md: tasks for 10k clients across 20 executors through a real Celery worker in
≤ 10 s. The command picks the ABC class whose clients lacking an e-mail come nearest to --clients,
submits a «Контроль заполнения контактной информации» run for them shared among the first
--executors managers, waits for the worker to finish it, prints the time from submit to done, and
deletes the run and its tasks again. It needs REDIS_URL and a worker on the same database:

    celery -A crm worker --pool solo -c 1 &
    manage.py bench_generation
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from clients import completeness
from clients.models import Client, ContactInfoKind
from crm import roles
from quality import services
from quality.models import WizardRun
from tasks.models import Task, TaskItem

BUDGET_SECONDS = 10.0


class Command(BaseCommand):
    help = "Time wizard task generation through the Celery worker (see the module docstring)."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=10_000)
        parser.add_argument("--executors", type=int, default=20)
        parser.add_argument("--timeout", type=float, default=120.0)

    def handle(self, *args, clients: int, executors: int, timeout: float, **options):
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError("set REDIS_URL and start a worker: an eager run measures no worker")
        User = get_user_model()
        email = ContactInfoKind.objects.filter(value_type=ContactInfoKind.ValueType.EMAIL).order_by("pk").first()
        author = User.objects.filter(groups__name=roles.SUPERVISOR).order_by("pk").first()
        chosen = list(User.objects.filter(groups__name=roles.MANAGER).order_by("pk").values_list("pk", flat=True))
        if email is None or author is None or len(chosen) < executors:
            raise CommandError("seed the data set first (manage.py seed_demo --size L)")
        check = completeness.info_check(email)
        lacking = completeness.lacking_any(Client.objects.all(), [check])
        counts = {c: lacking.filter(abc_class=c).count() for c in Client.ABC.values}
        abc = min(counts, key=lambda c: abs(counts[c] - clients))
        run = WizardRun.objects.create(
            kind=WizardRun.Kind.CONTACT_INFO,
            author=author,
            client_checks=[check],
            filter_query=f"abc_class={abc}",
            distribution=WizardRun.Distribution.EXECUTORS,
            executor_ids=chosen[:executors],
            reviewer=author,
        )
        try:
            started = time.perf_counter()
            services.submit(run)  # queues the run's job
            while not run.finished:
                if time.perf_counter() - started > timeout:
                    raise CommandError(f"the run did not finish in {timeout:.0f} s: is a worker running?")
                time.sleep(0.05)
                run.refresh_from_db()
            elapsed = time.perf_counter() - started
            items = TaskItem.objects.filter(task__origin=run.origin).count()
            verdict = "ok" if run.state == WizardRun.State.DONE and elapsed <= BUDGET_SECONDS else "OVER BUDGET"
            self.stdout.write(
                f"{run.get_state_display()}: {run.tasks_count} tasks, {run.clients_count} clients, {items} items "
                f"in {elapsed:.2f} s from submit to done (budget {BUDGET_SECONDS:.0f} s) {verdict} {run.error}"
            )
        finally:
            Task.objects.filter(origin=run.origin).delete()
            run.delete()
