"""Bench scenarios of «Мои дела» and the task page (see runner.py), each with the raw SQL
floor that answers the same question."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from clients.models import ContactInfo, ContactInfoKind, ContactPerson
from devtools.bench.runner import BenchContext, Scenario, register, run_sql, table
from devtools.seed.tasks import BIG_TASK_TITLE
from tasks.models import Task, TaskItem


def _open_tasks_floor(cursor, user_id: int) -> None:
    run_sql(
        cursor,
        f"""
        SELECT t.*, u.username, u.first_name, u.last_name
        FROM {table(Task)} t LEFT JOIN auth_user u ON u.id = t.reviewer_id
        WHERE t.executor_id = %s AND t.state IN ('new', 'in_progress', 'returned')
          AND (t.postponed_until IS NULL OR t.postponed_until <= %s)
        ORDER BY t.due_date, t.importance DESC, t.id DESC LIMIT 50
        """,
        [user_id, timezone.now()],
    )


def _items_floor(cursor, task_ids: list[int]) -> None:
    """The items of the tasks and whether each has an e-mail: the heart of a progress figure."""
    run_sql(
        cursor,
        f"""
        SELECT i.task_id, i.client_id, i.contact_id, EXISTS (
            SELECT 1 FROM {table(ContactInfo)} ci JOIN {table(ContactInfoKind)} k ON k.id = ci.kind_id
            WHERE ci.client_id = i.client_id AND ci.contact_id IS NOT DISTINCT FROM i.contact_id
              AND k.value_type = 'email')
        FROM {table(TaskItem)} i WHERE i.task_id = ANY(%s)
        """,
        [task_ids],
    )


@register
class MyTasks(Scenario):
    """«Мои дела» of the manager with the most open tasks: page 1 of 50, and the reminders."""

    name = "tasks:my"

    def setup(self, ctx: BenchContext) -> None:
        busiest = (
            Task.objects.filter(state__in=Task.OPEN_STATES)
            .values("executor")
            .annotate(n=Count("pk"))
            .order_by("-n", "executor")
            .first()
        )
        if busiest is None:
            raise RuntimeError("no open task: seed the data set again (manage.py seed_demo --missing)")
        self.executor = get_user_model().objects.get(pk=busiest["executor"])

    def user(self, ctx: BenchContext):
        return self.executor

    def url(self, i: int) -> str:
        return reverse("tasks:my")

    def floor(self, cursor, i: int) -> None:
        _open_tasks_floor(cursor, self.executor.pk)
        run_sql(cursor, f"SELECT count(*) FROM {table(Task)} WHERE executor_id = %s", [self.executor.pk])


@register
class MyTasksReviewer(Scenario):
    """«Мои дела» of the supervisor: the reminders — up to 50 done tasks waiting for review, each
    with its live progress — beside the supervisor's own tasks."""

    name = "tasks:my reviewer"

    def setup(self, ctx: BenchContext) -> None:
        waiting = Task.objects.filter(reviewer=ctx.user, state=Task.State.DONE).order_by("done_at", "id")
        self.ids = list(waiting.values_list("pk", flat=True)[:50])
        if not self.ids:
            raise RuntimeError("no task waits for the bench user's review: seed the data set again")

    def url(self, i: int) -> str:
        return reverse("tasks:my")

    def floor(self, cursor, i: int) -> None:
        run_sql(cursor, f"SELECT * FROM {table(Task)} WHERE id = ANY(%s)", [self.ids])
        _items_floor(cursor, self.ids)


@register
class BigTask(Scenario):
    """The task page of the seeded task with 500 items (clients and contact persons to fill an
    e-mail for), opened by its executor."""

    name = "tasks:detail 500 items"

    def setup(self, ctx: BenchContext) -> None:
        self.task = Task.objects.filter(title=BIG_TASK_TITLE).select_related("executor").first()
        if self.task is None:
            raise RuntimeError("no big task: seed the data set again (manage.py seed_demo --missing)")

    def user(self, ctx: BenchContext):
        return self.task.executor

    def url(self, i: int) -> str:
        return reverse("tasks:detail", args=[self.task.pk])

    def floor(self, cursor, i: int) -> None:
        run_sql(cursor, f"SELECT * FROM {table(Task)} WHERE id = %s", [self.task.pk])
        _items_floor(cursor, [self.task.pk])
        run_sql(
            cursor,
            f"""SELECT c.id, c.name, p.id, p.name FROM {table(TaskItem)} i
            JOIN clients_client c ON c.id = i.client_id LEFT JOIN {table(ContactPerson)} p ON p.id = i.contact_id
            WHERE i.task_id = %s""",
            [self.task.pk],
        )
        run_sql(cursor, "SELECT * FROM tasks_taskevent WHERE task_id = %s ORDER BY at, id", [self.task.pk])
