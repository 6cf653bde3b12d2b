"""«Итерации задач»: by executor, how many of the tasks given are accepted, still open or waiting for
review, and how many rounds the accepted ones took (Task.iteration: a task returned for rework
once is accepted in its second round) — from one GROUP BY query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from crm.reversing import url_maker
from reports.base import Totalled, user_names
from tasks.models import Task

Param = tuple[str, str]

# The groups of states the table counts, as the drill-down's `state` parameter names them.
OPEN, WAITING, ACCEPTED = "open", "done", "accepted"
STATE_GROUPS: dict[str, tuple[str, ...]] = {
    OPEN: tuple(Task.OPEN_STATES),
    WAITING: (Task.State.DONE,),
    ACCEPTED: (Task.State.ACCEPTED,),
}
STATE_LABELS = {OPEN: _("К выполнению"), WAITING: _("На проверке"), ACCEPTED: _("Принятые")}
HUNDREDTHS = Decimal("0.01")
# The table's columns, on the page and in the xlsx file alike.
COLUMNS = (
    _("Исполнитель"),
    _("Всего задач"),
    _("К выполнению"),
    _("На проверке"),
    _("Принято"),
    _("Итераций в среднем"),
    _("Итераций максимум"),
)
PERIOD_NOTE = _(
    "Период — по дате создания задачи, как «Дата» задачи в 1С: в отчёт входят задачи, выданные за период, "
    "в их текущем состоянии."
)
ITERATIONS_NOTE = _(
    "Итерация — круг «выполнена → проверена»: задача, один раз возвращённая на доработку, принята со 2-й "
    "итерации. Среднее и максимум — по принятым задачам."
)


@dataclass
class Counts(Totalled):
    total: int = 0
    open: int = 0
    waiting: int = 0
    accepted: int = 0
    iterations: int = 0  # the rounds of the accepted tasks, summed
    max_iteration: int | None = None

    highest = ("max_iteration",)

    @property
    def average(self) -> Decimal | None:
        """Rounds per accepted task, to two places; None when nothing is accepted."""
        if not self.accepted:
            return None
        return (Decimal(self.iterations) / self.accepted).quantize(HUNDREDTHS)


@dataclass
class ExecutorRow:
    executor_id: int
    name: str
    counts: Counts
    # The drill-down: "all" and one link per group of STATE_GROUPS.
    links: dict[str, str] = field(default_factory=dict)


@dataclass
class IterationTable:
    rows: list[ExecutorRow]
    total: Counts


class DrillDown:
    """Links to the drill-down with the report's filter: the address is reversed and the filter
    encoded once for all rows."""

    def __init__(self, base_params: Sequence[Param] = ()):
        self.address = url_maker("reports:task_iterations_tasks")
        self.query = urlencode(list(base_params))

    def url(self, executor_id: int, state: str = "") -> str:
        query = "&".join(p for p in (self.query, urlencode({"state": state}) if state else "") if p)
        return f"{self.address(executor_id)}?{query}" if query else self.address(executor_id)


def counts_by(tasks: QuerySet[Task], field: str) -> dict:
    """{value of `field`: the Counts of its tasks} of `tasks`, in one GROUP BY query."""
    accepted = Q(state=Task.State.ACCEPTED)
    grouped = (
        tasks.order_by()
        .values(field)
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(state__in=Task.OPEN_STATES)),
            waiting=Count("pk", filter=Q(state=Task.State.DONE)),
            accepted=Count("pk", filter=accepted),
            iterations=Coalesce(Sum("iteration", filter=accepted), 0),
            max_iteration=Max("iteration", filter=accepted),
        )
    )
    return {
        r[field]: Counts(r["total"], r["open"], r["waiting"], r["accepted"], r["iterations"], r["max_iteration"])
        for r in grouped
    }


def iteration_table(tasks: QuerySet[Task], *, base_params: Sequence[Param] = ()) -> IterationTable:
    """Count `tasks` by executor in one GROUP BY query, then name the executors found in one more:
    joining the users before grouping would cost half as much again as the counting. The total
    row is summed from the rows."""
    grouped = counts_by(tasks, "executor_id")
    rows, total = [], Counts()
    drill_down = DrillDown(base_params)
    names = user_names(list(grouped))
    for executor_id, counts in grouped.items():
        total.add(counts)
        links = {"all": drill_down.url(executor_id)}
        links.update({state: drill_down.url(executor_id, state) for state in STATE_GROUPS})
        rows.append(ExecutorRow(executor_id, names[executor_id], counts, links))
    rows.sort(key=lambda row: (row.name.casefold(), row.executor_id))
    return IterationTable(rows, total)


def executor_tasks(tasks: QuerySet[Task], executor_id: int, state: str = "") -> QuerySet[Task]:
    """The executor's tasks among `tasks` (of one group of states if given), the most rounds first."""
    tasks = tasks.filter(executor_id=executor_id)
    if state in STATE_GROUPS:
        tasks = tasks.filter(state__in=STATE_GROUPS[state])
    return tasks.select_related("project", "reviewer").order_by("-iteration", "-created_at", "-id")
