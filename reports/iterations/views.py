"""«Итерации задач», declared on crm.reports.ReportView, and its drill-down: one executor's tasks."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from crm.access import role_required
from crm.reports import (
    Filtered,
    Report,
    ReportView,
    filter_conditions,
    filter_data,
    filter_errors,
    pagination,
    read_filter,
)
from crm.users import user_name
from reports.base import MANAGEMENT_ROLES
from reports.iterations import figures
from reports.iterations.filters import TaskIterationsFilterSet
from reports.iterations.tables import iteration_grid
from tasks.models import Task

TASKS_PER_PAGE = 50
DRILLED_INVALID = gettext_lazy("Отбор задан неверно: показаны все задачи исполнителя.")


class TaskIterations(ReportView):
    """By executor, the tasks accepted, open and waiting for review, and the rounds the accepted
    ones took, on average and at most."""

    roles = MANAGEMENT_ROLES
    title = gettext_lazy("Итерации задач")
    filterset_class = TaskIterationsFilterSet
    parameters = ("export", "state", "page")
    invalid = gettext_lazy("Отбор задан неверно (см. поля отбора): отчёт построен по всем задачам.")
    notes = [figures.PERIOD_NOTE, figures.ITERATIONS_NOTE]
    filename, sheet = "task-iterations", gettext_lazy("Итерации")
    printable = False

    def report(self, filtered: Filtered) -> Report:
        table = figures.iteration_table(filtered.rows, base_params=filtered.params)
        conditions = [str(figures.PERIOD_NOTE), *filter_conditions(filtered.used)]
        return self.make(filtered, [("", iteration_grid(table))], conditions=conditions, context={"table": table})


@require_GET
@role_required(*MANAGEMENT_ROLES)
def task_iterations_tasks(request: HttpRequest, executor_id: int) -> HttpResponse:
    """The drill-down of «Итерации задач»: one executor's tasks under the report's filter, the most
    rounds first, each with a link to the task for those who may open it."""
    executor = get_object_or_404(get_user_model(), pk=executor_id)
    problems: list[str] = []
    data = filter_data(request, TaskIterations.parameters)
    filtered = read_filter(
        data, TaskIterationsFilterSet, Task.objects.all(), problems=problems, invalid=DRILLED_INVALID
    )
    problems += filter_errors(filtered.shown)  # the page has no filter fields to show them beside
    state = request.GET.get("state", "")
    if state and state not in figures.STATE_GROUPS:
        problems.append(_("Нет отбора по состоянию «%(value)s»: показаны задачи в любом состоянии.") % {"value": state})
        state = ""
    tasks = figures.executor_tasks(filtered.rows, executor.pk, state)
    page = Paginator(tasks, TASKS_PER_PAGE).get_page(request.GET.get("page"))
    for task in page:
        task.may_open = task.visible_to(request.user)
    report_url, report_query = reverse("reports:task_iterations"), urlencode(filtered.params)
    context = {
        "title": _("Итерации задач: %(executor)s") % {"executor": user_name(executor)},
        "executor": executor,
        "state_label": figures.STATE_LABELS.get(state, ""),
        "page": page,
        "pagination": pagination(request, page),
        "conditions": filter_conditions(filtered.shown),
        "problems": problems,
        "back_url": f"{report_url}?{report_query}" if report_query else report_url,
    }
    return render(request, "reports/task_iterations_tasks.html", context)
