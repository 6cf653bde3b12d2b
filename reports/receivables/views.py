"""The sales reports' pages. Whoever works in the CRM may open them; the figures are those of the
documents the user may see (sales.access: a manager sees their own and unassigned clients', the
supervisors, sales heads and administrators everything). Each page has an Excel file (?export=xlsx)
and an A4 print view (?print=1) of the same grids; bad input is said on the page, never a 500."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django_filters import FilterSet

from crm.access import role_required
from crm.xlsx import xlsx_response
from reports.receivables import figures, tables
from reports.receivables.exports import grids_xlsx
from reports.receivables.filters import (
    InvoiceRegisterFilterSet,
    PaymentsFilterSet,
    ReceivablesFilterSet,
)
from reports.receivables.grid import Grid, grid_html
from reports.views import _report_filter, filter_conditions
from sales.access import visible_documents
from sales.models import Invoice, Payment

# The parameters that are not the filter's.
REPORT_PARAMS = ("export", "print", "page", "variant", "group")
PER_PAGE = 100  # clients (or invoices, contracts) on a page
PRINT_LIMIT = 2000  # a print view longer than this is a job for Excel
INVALID = gettext_lazy("Отбор задан неверно (см. поля отбора): отчёт построен без отбора.")


class Counted:
    """A queryset whose length is already known (from the register's summary): the paginator slices
    it without counting it once more."""

    def __init__(self, queryset: QuerySet, count: int):
        self.queryset, self.count = queryset, count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index):
        return self.queryset[index]


@dataclass
class Report:
    """What the three outputs of a report share."""

    title: str
    sections: Sequence[tuple[str, Grid]]
    conditions: list[str]
    filename: str
    sheet: str  # the xlsx sheet's name: at most 31 characters, none of []:*?/\\
    landscape: bool = False


def _query(request: HttpRequest, **changes) -> str:
    """The request's parameters with `changes` (None drops a parameter), encoded."""
    data: QueryDict = request.GET.copy()
    for name, value in changes.items():
        data.pop(name, None)
        if value is not None:
            data[name] = value
    return data.urlencode()


def paged(request: HttpRequest, rows, *, printing: bool) -> tuple[Page | None, Sequence, list[str]]:
    """The page of `rows` to show (or, to print, all of them up to PRINT_LIMIT, with a note when cut)."""
    if printing:
        shown = rows[:PRINT_LIMIT]
        notes = []
        if len(rows) > PRINT_LIMIT:
            notes.append(
                _("Напечатаны первые %(shown)s строк из %(count)s: сузьте отбор или выгрузите отчёт в Excel.")
                % {"shown": PRINT_LIMIT, "count": len(rows)}
            )
        return None, shown, notes
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return page, page.object_list, []


def pagination(request: HttpRequest, page: Page | None) -> dict | None:
    if page is None or page.paginator.num_pages < 2:
        return None
    return {
        "page": page,
        "previous": f"?{_query(request, page=str(page.previous_page_number()))}" if page.has_previous() else None,
        "next": f"?{_query(request, page=str(page.next_page_number()))}" if page.has_next() else None,
    }


def respond(request: HttpRequest, report: Report, context: dict) -> HttpResponse:
    if request.GET.get("export") == "xlsx":
        content = grids_xlsx(
            report.sections, title=report.title, conditions=report.conditions, sheet_title=report.sheet
        )
        return xlsx_response(content, f"{report.filename}.xlsx")
    common = {
        "report": report,
        "title": report.title,
        "conditions": report.conditions,
        "sections": [(caption, grid_html(grid)) for caption, grid in report.sections],
    }
    if request.GET.get("print"):
        context = {
            **common,
            "landscape": report.landscape,
            "formed_at": timezone.localtime(),
            "back_url": f"{request.path}?{_query(request, print=None)}",
        }
        return render(request, "reports/sales_report_print.html", context)
    context = {
        **common,
        **context,
        "export_url": f"{request.path}?{_query(request, export='xlsx', print=None, page=None)}",
        "print_url": f"{request.path}?{_query(request, print='1', export=None, page=None)}",
        "reset_url": request.path,
    }
    return render(request, "reports/sales_report.html", context)


def _report_date(filterset: FilterSet) -> datetime.date:
    """«На дату» of a valid filter, or today."""
    if filterset.is_bound and filterset.is_valid() and filterset.form.cleaned_data.get("on"):
        return filterset.form.cleaned_data["on"]
    return timezone.localdate()


def _date_conditions(filterset: FilterSet, on: datetime.date) -> list[str]:
    """The filter as text, with «На дату» even when it was left empty (today)."""
    lines = filter_conditions(filterset)
    label = str(filterset.form.fields["on"].label)
    if not any(line.startswith(f"{label}:") for line in lines):
        lines.insert(0, f"{label}: {date_format(on, 'd.m.Y')}")
    return lines


def _choose(request: HttpRequest, name: str, known: dict, default: str, what: str, problems: list[str]) -> str:
    value = request.GET.get(name, default)
    if value in known:
        return value
    problems.append(
        _("Нет варианта «%(value)s» (%(what)s): показан вариант «%(default)s».")
        % {"value": value, "what": what, "default": known[default]}
    )
    return default


# --- «Реестр заявок-накладных» -------------------------------------------------------------------------


@require_GET
@role_required()
def invoice_register(request: HttpRequest) -> HttpResponse:
    """«Реестр заявок-накладных»: the invoices of the period counted and summed by status, and the
    list of those in work or ready to ship, the longest waiting first."""
    problems: list[str] = []
    visible = visible_documents(Invoice.objects.all(), request.user)
    filterset, invoices, _params = _report_filter(
        request, InvoiceRegisterFilterSet, visible, ignored=REPORT_PARAMS, problems=problems, invalid=str(INVALID)
    )
    summary = figures.register_summary(invoices)
    waiting = Counted(figures.in_progress(invoices), summary.count(*figures.IN_PROGRESS))
    printing = bool(request.GET.get("print"))
    if request.GET.get("export") == "xlsx":
        page, shown, notes = None, waiting.queryset, []
    else:
        page, shown, notes = paged(request, waiting, printing=printing)
    report = Report(
        title=_("Реестр заявок-накладных"),
        sections=[
            (_("По статусам"), tables.register_summary_grid(summary)),
            (_("В работе и готовые к отгрузке"), tables.in_progress_grid(shown, notes=notes)),
        ],
        conditions=filter_conditions(filterset),
        filename="invoice-register",
        sheet=_("Реестр"),
        landscape=True,
    )
    context = {
        "filter": filterset,
        "problems": problems,
        "notes": [_("Период — по дате заявки. Итого — без отменённых заявок.")],
        "pagination": pagination(request, page),
        "summary": summary,
        "page": page,
    }
    return respond(request, report, context)


# --- «Накладные к оплате» -------------------------------------------------------------------------------


TO_PAY_NOTES = {
    tables.SHORT: gettext_lazy(
        "Задолженность — не оплаченное по отгруженным накладным; просрочено — то, срок оплаты чего (дата "
        "отгрузки + глубина кредита по договору) раньше даты отчёта."
    ),
    tables.DETAILED: gettext_lazy(
        "Под каждым клиентом — его неоплаченные накладные, начиная с самого раннего срока оплаты."
    ),
    tables.OVERDUE: gettext_lazy(
        "Только просроченные накладные: сколько дней прошло сверх глубины кредита, и насколько задолженность "
        "по договору превышает сумму кредита (по всем неоплаченным накладным договора)."
    ),
    tables.OVER_LIMIT: gettext_lazy(
        "Договоры, задолженность по которым (по всем неоплаченным накладным договора) больше суммы кредита; "
        "договор без суммы кредита не ограничен."
    ),
}
PAST_AMOUNTS = gettext_lazy(
    "На прошедшую дату — задолженность, какой она была в тот день: отгрузки по эту дату за вычетом оплат по эту дату."
)


@require_GET
@role_required()
def invoices_to_pay(request: HttpRequest) -> HttpResponse:
    """«Накладные к оплате» in four variants: by client in short, with the invoices, the overdue ones
    with their breach, and the contracts over their credit limit."""
    problems: list[str] = []
    variant = _choose(request, "variant", tables.VARIANTS, tables.SHORT, _("вид отчёта"), problems)
    visible = visible_documents(Invoice.objects.all(), request.user)
    filterset, invoices, _params = _report_filter(
        request, ReceivablesFilterSet, visible, ignored=REPORT_PARAMS, problems=problems, invalid=str(INVALID)
    )
    on, today = _report_date(filterset), timezone.localdate()
    all_open, invoices = figures.receivable(visible, on, today), figures.receivable(invoices, on, today)
    printing = bool(request.GET.get("print"))
    everything = request.GET.get("export") == "xlsx"

    if variant == tables.OVER_LIMIT:
        rows = figures.over_limit(all_open, invoices, on)
        page, shown, notes = (None, rows, []) if everything else paged(request, rows, printing=printing)
        grid = tables.over_limit_grid(shown, notes=notes)
    else:
        selected = invoices.filter(due_date__lt=on) if variant == tables.OVERDUE else invoices
        clients = figures.debt_by_client(selected, on)
        page, shown, notes = (None, clients, []) if everything else paged(request, clients, printing=printing)
        if variant != tables.SHORT:
            details = selected if everything else selected.filter(client_id__in=[c.client_id for c in shown])
            figures.attach_invoices(shown, details, on)
        total = figures.debt_total(clients)
        if variant == tables.SHORT:
            grid = tables.short_grid(shown, total, notes=notes)
        elif variant == tables.DETAILED:
            grid = tables.detailed_grid(shown, total, notes=notes)
        else:
            figures.attach_contracts(shown, all_open)
            grid = tables.overdue_grid(shown, total, notes=notes)
        if page is not None and page.paginator.num_pages > 1:
            grid.notes.append(_("Итого — по всем клиентам отчёта, не только по этой странице."))

    variant_label = str(tables.VARIANTS[variant])
    notes = [str(TO_PAY_NOTES[variant])]
    if on < today:
        notes.append(str(PAST_AMOUNTS))
    report = Report(
        title=f"{_('Накладные к оплате')}: {variant_label}",
        sections=[("", grid)],
        conditions=_date_conditions(filterset, on),
        filename=f"invoices-to-pay-{variant.replace('_', '-')}",
        sheet=variant_label,
        landscape=variant in (tables.DETAILED, tables.OVERDUE, tables.OVER_LIMIT),
    )
    tabs = [
        (key, label, f"{request.path}?{_query(request, variant=key, page=None, export=None, print=None)}")
        for key, label in tables.VARIANTS.items()
    ]
    context = {
        "heading": _("Накладные к оплате"),
        "filter": filterset,
        "problems": problems,
        "notes": notes,
        "tabs": tabs,
        "variant": variant,
        "hidden": {"variant": variant},
        "pagination": pagination(request, page),
        "on": on,
    }
    return respond(request, report, context)


# --- by managers or projects ------------------------------------------------------------------------


def _grouping(request: HttpRequest, problems: list[str]) -> figures.Grouping:
    choices = {key: g.choice for key, g in figures.GROUPINGS.items()}
    return figures.GROUPINGS[_choose(request, "group", choices, figures.MANAGER, _("группировка"), problems)]


def _grouping_choices(grouping: figures.Grouping) -> list[tuple[str, str, bool]]:
    return [(key, str(g.choice), key == grouping.key) for key, g in figures.GROUPINGS.items()]


DEBT_TITLES = {
    figures.MANAGER: gettext_lazy("Задолженность по менеджерам"),
    figures.PROJECT: gettext_lazy("Задолженность по проектам"),
}
PAYMENT_TITLES = {
    figures.MANAGER: gettext_lazy("Оплаты по менеджерам"),
    figures.PROJECT: gettext_lazy("Оплаты по проектам"),
}


@require_GET
@role_required()
def debt_by_manager(request: HttpRequest) -> HttpResponse:
    """«Задолженность по менеджерам (проектам)»: the debt of the open shipped invoices and what of it
    is overdue on the report date, by the invoices' manager or project; each line opens «Накладные к
    оплате» of that manager (project) under the same filter."""
    problems: list[str] = []
    grouping = _grouping(request, problems)
    filterset, invoices, params = _report_filter(
        request,
        ReceivablesFilterSet,
        visible_documents(Invoice.objects.all(), request.user),
        ignored=REPORT_PARAMS,
        problems=problems,
        invalid=str(INVALID),
    )
    on, today = _report_date(filterset), timezone.localdate()
    table = figures.debt_by(figures.receivable(invoices, on, today), grouping, on)
    to_pay = reverse("reports:invoices_to_pay")
    # The drill-down keeps the filter, less the grouping's own parameter, which the line sets.
    kept = [(k, v) for k, v in params if k != grouping.key]

    def url(key: int | None) -> str:
        value = "null" if key is None else str(key)
        return f"{to_pay}?{urlencode([*kept, (grouping.key, value)])}"

    notes = [str(TO_PAY_NOTES[tables.SHORT])]
    if on < today:
        notes.append(str(PAST_AMOUNTS))
    report = Report(
        title=str(DEBT_TITLES[grouping.key]),
        sections=[("", tables.debt_grid(table, url))],
        conditions=_date_conditions(filterset, on),
        filename=f"debt-by-{grouping.key}",
        sheet=_("Задолженность"),
    )
    context = {
        "filter": filterset,
        "problems": problems,
        "notes": notes,
        "groupings": _grouping_choices(grouping),
        "table": table,
        "on": on,
    }
    return respond(request, report, context)


@require_GET
@role_required()
def payments_by_manager(request: HttpRequest) -> HttpResponse:
    """«Оплаты по менеджерам (проектам)»: the payments received in the period, by the payments'
    manager or project."""
    problems: list[str] = []
    grouping = _grouping(request, problems)
    visible = visible_documents(Payment.objects.all(), request.user)
    filterset, payments, _params = _report_filter(
        request, PaymentsFilterSet, visible, ignored=REPORT_PARAMS, problems=problems, invalid=str(INVALID)
    )
    table = figures.payments_by(payments, grouping)
    report = Report(
        title=str(PAYMENT_TITLES[grouping.key]),
        sections=[("", tables.payments_grid(table))],
        conditions=filter_conditions(filterset),
        filename=f"payments-by-{grouping.key}",
        sheet=_("Оплаты"),
    )
    context = {
        "filter": filterset,
        "problems": problems,
        "notes": [_("Период — по дате оплаты. Не распределено — аванс или переплата, не зачтённые в накладные.")],
        "groupings": _grouping_choices(grouping),
        "table": table,
    }
    return respond(request, report, context)
