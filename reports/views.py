from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET
from django_filters import FilterSet

from clients import extra_fields as extra
from clients.filters import ClientFilterSet
from clients.models import Client
from crm import numbers, roles
from crm.access import role_required
from crm.users import user_name
from crm.xlsx import xlsx_response
from reports import analysis, completeness, exports, iterations, ledger, ledger_exports, ledger_tables, tables
from reports.filters import CompletenessFilterSet, TaskIterationsFilterSet
from reports.ledger_filters import LedgerForm
from sales import access
from tasks.models import Task

REPORT_PARAMS = ("rows", "columns", "export")
# Reports on how people work are for management; a manager sees their own tasks in «Мои дела» and
# a card's «Заполненность» on the card and in the client list.
MANAGEMENT_ROLES = (roles.SUPERVISOR, roles.SALES_HEAD, roles.ADMINISTRATOR)
TASK_REPORT_PARAMS = ("export", "state", "page")
TASKS_PER_PAGE = 50


@require_GET
@role_required()
def index(request: HttpRequest) -> HttpResponse:
    context = {"may_see_management_reports": roles.has_any_role(request.user, *MANAGEMENT_ROLES)}
    return render(request, "reports/index.html", context)


def _choose(data, name: str, default: str, known: dict, problems: list[str], *, allow_none: bool = False) -> str:
    """The dimension key asked for in `name`, or the default with a message when it is unknown."""
    value = data.get(name, default)
    if value in known or (allow_none and value == analysis.NO_COLUMNS):
        return value
    problems.append(
        _("Нет группировки «%(value)s»: %(axis)s сгруппированы по полю «%(default)s».")
        % {"value": value, "axis": _("строки") if name == "rows" else _("колонки"), "default": known[default].label}
    )
    return default


def _shown(value, form_field) -> str:
    """A cleaned filter value as the user chose it."""
    if isinstance(value, Model):
        label_from_instance = getattr(form_field, "label_from_instance", str)
        return str(label_from_instance(value))
    if isinstance(value, slice):
        ends = [_shown(v, form_field) if v is not None else "…" for v in (value.start, value.stop)]
        return " – ".join(ends)
    if isinstance(value, datetime):
        return date_format(localtime(value) if value.tzinfo else value, "d.m.Y")
    if isinstance(value, date):
        return date_format(value, "d.m.Y")
    if isinstance(value, (int, float)) or hasattr(value, "as_tuple"):
        return numbers.number(value)
    choices = {str(k): str(v) for k, v in getattr(form_field, "choices", ()) if not isinstance(v, (list, tuple))}
    if isinstance(value, (list, tuple)):
        return ", ".join(choices.get(str(v), str(v)) for v in value)
    if getattr(form_field, "null_label", None) is not None and value == getattr(form_field, "null_value", None):
        return str(form_field.null_label)
    return choices.get(str(value), str(value))


def filter_conditions(filterset: FilterSet) -> list[str]:
    """The filter as lines of text («Бизнес-регион: Москва»), for the page and the xlsx file."""
    if not filterset.is_bound or not filterset.is_valid():
        return []
    lines = []
    for name, form_field in filterset.form.fields.items():
        value = filterset.form.cleaned_data.get(name)
        if value in (None, "", [], ()) or (isinstance(value, slice) and value.start is None and value.stop is None):
            continue
        lines.append(f"{form_field.label}: {_shown(value, form_field)}")
    return lines


def filter_errors(filterset: FilterSet) -> list[str]:
    """The errors of an invalid filter as lines of text («Проект: Выберите корректный вариант…»)."""
    if not filterset.is_bound or filterset.is_valid():
        return []
    lines = []
    for name, errors in filterset.errors.items():
        field = filterset.form.fields.get(name)
        lines += [f"{field.label}: {error}" if field else str(error) for error in errors]
    return lines


@require_GET
@role_required()
def client_analysis(request: HttpRequest) -> HttpResponse:
    """«Анализ клиентской базы»: clients counted by two dimensions, filtered like the client list."""
    fields = extra.client_definitions()
    dimensions = analysis.dimensions(fields)
    problems: list[str] = []
    rows_key = _choose(request.GET, "rows", analysis.DEFAULT_ROWS, dimensions, problems)
    columns_key = _choose(request.GET, "columns", analysis.DEFAULT_COLUMNS, dimensions, problems, allow_none=True)
    if columns_key == rows_key:
        problems.append(_("Строки и колонки сгруппированы по одному полю: колонки убраны."))
        columns_key = analysis.NO_COLUMNS

    data = request.GET.copy()
    for name in REPORT_PARAMS:
        data.pop(name, None)
    filterset = ClientFilterSet(data or None, queryset=Client.objects.all(), extra_fields=fields)
    clients, base_params = Client.objects.all(), []
    if filterset.is_bound:
        if filterset.is_valid():
            clients, base_params = filterset.qs, analysis.drill_down_base(filterset)
        else:
            problems.append(_("Отбор задан неверно (см. поля отбора): отчёт построен по всем клиентам."))

    table = analysis.count_table(
        clients,
        dimensions[rows_key],
        dimensions.get(columns_key),
        filterset,
        base_params=base_params,
    )
    title = _("Анализ клиентской базы")
    if request.GET.get("export") == "xlsx":
        content = exports.client_analysis_xlsx(table, title=title, conditions=filter_conditions(filterset))
        return xlsx_response(content, "client-analysis.xlsx")

    export_query = request.GET.copy()
    export_query["export"] = "xlsx"
    context = {
        "title": title,
        "conditions": filter_conditions(filterset),
        "filter": filterset,
        "table": table,
        "table_html": tables.count_table_html(table),
        "dimension_choices": [(key, d.label) for key, d in dimensions.items()],
        "rows_key": rows_key,
        "columns_key": columns_key,
        "no_columns": analysis.NO_COLUMNS,
        "problems": problems,
        "export_url": f"{request.path}?{export_query.urlencode()}",
    }
    return render(request, "reports/client_analysis.html", context)


def _report_filter(
    request: HttpRequest,
    filterset_class: type[FilterSet],
    queryset: QuerySet,
    *,
    ignored: Sequence[str],
    problems: list[str],
    invalid: str,
) -> tuple[FilterSet, QuerySet, list]:
    """The report's filter read from the request (less the `ignored` parameters), the rows it
    selects and its parameters for the links; all rows, with the message `invalid`, when it is not
    valid."""
    data = request.GET.copy()
    for name in ignored:
        data.pop(name, None)
    filterset = filterset_class(data or None, queryset=queryset)
    rows, base_params = queryset, []
    if filterset.is_bound:
        if filterset.is_valid():
            rows, base_params = filterset.qs, analysis.drill_down_base(filterset)
        else:
            problems.append(invalid)
    return filterset, rows, base_params


def _task_filter(
    request: HttpRequest, problems: list[str], invalid: str
) -> tuple[TaskIterationsFilterSet, QuerySet[Task], list]:
    """The task filter of «Итерации задач» and its drill-down."""
    return _report_filter(
        request,
        TaskIterationsFilterSet,
        Task.objects.all(),
        ignored=TASK_REPORT_PARAMS,
        problems=problems,
        invalid=invalid,
    )


@require_GET
@role_required(*MANAGEMENT_ROLES)
def task_iterations(request: HttpRequest) -> HttpResponse:
    """«Итерации задач»: by executor, the tasks accepted, open and waiting for review, and the rounds
    the accepted ones took, on average and at most."""
    problems: list[str] = []
    invalid = _("Отбор задан неверно (см. поля отбора): отчёт построен по всем задачам.")
    filterset, tasks, base_params = _task_filter(request, problems, invalid)
    table = iterations.iteration_table(tasks, base_params=base_params)
    title = _("Итерации задач")
    if request.GET.get("export") == "xlsx":
        conditions = [str(iterations.PERIOD_NOTE), *filter_conditions(filterset)]
        content = exports.task_iterations_xlsx(table, title=title, conditions=conditions)
        return xlsx_response(content, "task-iterations.xlsx")

    export_query = request.GET.copy()
    export_query["export"] = "xlsx"
    context = {
        "title": title,
        "filter": filterset,
        "table": table,
        "table_html": tables.iteration_table_html(table),
        "period_note": iterations.PERIOD_NOTE,
        "iterations_note": iterations.ITERATIONS_NOTE,
        "problems": problems,
        "export_url": f"{request.path}?{export_query.urlencode()}",
    }
    return render(request, "reports/task_iterations.html", context)


@require_GET
@role_required(*MANAGEMENT_ROLES)
def task_iterations_tasks(request: HttpRequest, executor_id: int) -> HttpResponse:
    """The drill-down of «Итерации задач»: one executor's tasks under the report's filter, the most
    rounds first, each with a link to the task for those who may open it."""
    executor = get_object_or_404(get_user_model(), pk=executor_id)
    problems: list[str] = []
    invalid = _("Отбор задан неверно: показаны все задачи исполнителя.")
    filterset, tasks, base_params = _task_filter(request, problems, invalid)
    problems += filter_errors(filterset)  # the page has no filter fields to show them beside
    state = request.GET.get("state", "")
    if state and state not in iterations.STATE_GROUPS:
        problems.append(_("Нет отбора по состоянию «%(value)s»: показаны задачи в любом состоянии.") % {"value": state})
        state = ""
    page = Paginator(iterations.executor_tasks(tasks, executor.pk, state), TASKS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    for task in page:
        task.may_open = task.visible_to(request.user)
    report_url, report_query = reverse("reports:task_iterations"), urlencode(base_params)
    context = {
        "title": _("Итерации задач: %(executor)s") % {"executor": user_name(executor)},
        "executor": executor,
        "state_label": iterations.STATE_LABELS.get(state, ""),
        "page": page,
        "conditions": filter_conditions(filterset),
        "problems": problems,
        "back_url": f"{report_url}?{report_query}" if report_query else report_url,
    }
    return render(request, "reports/task_iterations_tasks.html", context)


@require_GET
@role_required(*MANAGEMENT_ROLES)
def completeness_by_manager(request: HttpRequest) -> HttpResponse:
    """«Заполненность карточек по менеджерам»: by responsible, the clients, their average
    «Заполненность» and the cards complete, below half and not scored; each count opens the
    manager's clients in the list, the emptiest cards first."""
    problems: list[str] = []
    filterset, clients, base_params = _report_filter(
        request,
        CompletenessFilterSet,
        Client.objects.all(),
        ignored=("export",),
        problems=problems,
        invalid=_("Отбор задан неверно (см. поля отбора): отчёт построен по всем клиентам."),
    )
    table = completeness.completeness_table(clients, base_params=base_params)
    required = completeness.required_labels()
    title = _("Заполненность карточек по менеджерам")
    if request.GET.get("export") == "xlsx":
        required_line = ", ".join(required) if required else _("не заданы — карточки не оцениваются")
        conditions = [f"{_('Обязательные реквизиты')}: {required_line}", *filter_conditions(filterset)]
        content = exports.completeness_by_manager_xlsx(table, title=title, conditions=conditions)
        return xlsx_response(content, "completeness-by-manager.xlsx")

    export_query = request.GET.copy()
    export_query["export"] = "xlsx"
    context = {
        "title": title,
        "filter": filterset,
        "table": table,
        "table_html": tables.completeness_table_html(table),
        "required": required,
        "score_note": completeness.SCORE_NOTE,
        "problems": problems,
        "export_url": f"{request.path}?{export_query.urlencode()}",
    }
    return render(request, "reports/completeness_by_manager.html", context)


# --- «Карточка клиента» and «Акт сверки»: for every role, of the clients whose documents the user sees


def _ledger(request: HttpRequest) -> tuple[LedgerForm, ledger.Ledger | None]:
    """The filter read from the request and the client's ledger under it (None until a client is
    found); 403 for a client whose documents the user may not see."""
    data = request.GET.copy()
    data.pop("export", None)
    form = LedgerForm(data or None, user=request.user)
    if not form.is_bound:
        return form, None
    form.is_valid()
    if form.client is not None and not access.documents_visible(form.client, request.user):
        raise PermissionDenied
    scope = form.scope()
    return form, ledger.client_ledger(scope) if scope else None


def _ledger_context(request: HttpRequest, form: LedgerForm, report: ledger.Ledger | None, title: str) -> dict:
    query = form.data.copy() if form.is_bound else QueryDict(mutable=True)
    query.pop("export", None)
    report_url = f"{request.path}?{query.urlencode()}"
    query["export"] = "xlsx"
    export_url = f"{request.path}?{query.urlencode()}"
    query["export"] = "print"
    return {
        "title": title,
        "form": form,
        "ledger": report,
        "client_name": ledger.client_title(report.scope.client) if report else "",
        "conditions": ledger.conditions(report.scope) if report else [],
        "note": ledger.LEDGER_NOTE,
        "problems": form.problems,
        "candidates": [(c, f"{request.path}?{form.candidate_query(c)}") for c in form.candidates],
        "more_candidates": form.more_candidates,
        "export_url": export_url,
        "print_url": f"{request.path}?{query.urlencode()}",
        "back_url": report_url,
        "printed_on": ledger.day(timezone.localdate()),
    }


@require_GET
@role_required()
def client_ledger(request: HttpRequest) -> HttpResponse:
    """«Карточка клиента»: the opening balance, the client's shipments and payments of the period in
    date order with the running balance, and the closing balance; Excel and a printable A4 page."""
    form, report = _ledger(request)
    title = pgettext("report", "Карточка клиента")
    export = request.GET.get("export")
    if report is not None and export == "xlsx":
        titles = ledger_tables.contract_titles(form.contracts)
        content = ledger_exports.client_ledger_xlsx(
            report, titles, title=title, conditions=ledger.conditions(report.scope)
        )
        return xlsx_response(content, "client-ledger.xlsx")
    context = _ledger_context(request, form, report, title)
    if report is not None:
        context["table_html"] = ledger_tables.ledger_table_html(report, ledger_tables.contract_titles(form.contracts))
        if export == "print":
            return render(request, "reports/client_ledger_print.html", context)
    return render(request, "reports/client_ledger.html", context)


@require_GET
@role_required()
def reconciliation(request: HttpRequest) -> HttpResponse:
    """«Акт сверки взаиморасчетов с покупателем»: the two-sided statement for a client (and a
    contract) over a period, with the closing sentence and the signature blocks; Excel and A4."""
    form, report = _ledger(request)
    title = _("Акт сверки взаиморасчетов с покупателем")
    export = request.GET.get("export")
    act = ledger.reconciliation_act(report, settings.COMPANY_NAME) if report is not None else None
    if act is not None and export == "xlsx":
        return xlsx_response(ledger_exports.reconciliation_xlsx(report, act), "reconciliation.xlsx")
    context = _ledger_context(request, form, report, title)
    if act is not None:
        context["act"] = act
        context["table_html"] = ledger_tables.reconciliation_table_html(report, act.company, act.counterparty)
        if export == "print":
            return render(request, "reports/reconciliation_print.html", context)
    return render(request, "reports/reconciliation.html", context)
