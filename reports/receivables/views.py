"""The sales reports' pages, declared on crm.reports.ReportView. Whoever works in the CRM may open
them; the figures are those of the documents the user may see (sales.access: a manager sees their
own and unassigned clients', the supervisors, sales heads and administrators everything). Each page
has an Excel file (?export=xlsx) and an A4 print view (?print=1) of the same grids; bad input is
said on the page, never a 500."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.reports import Counted, Filtered, Report, ReportView, choose, filter_conditions, pagination
from reports.receivables import figures, tables
from reports.receivables.filters import InvoiceRegisterFilterSet, PaymentsFilterSet, ReceivablesFilterSet
from sales.access import visible_documents

VARIANT_UNKNOWN = gettext_lazy("Нет варианта «%(value)s» (%(what)s): показан вариант «%(default)s».")


class SalesReport(ReportView):
    parameters = ("export", "print", "page", "variant", "group")

    def rows(self) -> QuerySet:
        return visible_documents(self.filterset_class._meta.model.objects.all(), self.request.user)

    def choose(self, name: str, known: dict, default: str, what: str) -> str:
        return choose(self.request.GET, name, known, default, self.problems, VARIANT_UNKNOWN, what=what)


class InvoiceRegister(SalesReport):
    """«Реестр заявок-накладных»: the invoices of the period counted and summed by status, and the
    list of those in work or ready to ship, the longest waiting first."""

    title = gettext_lazy("Реестр заявок-накладных")
    filterset_class = InvoiceRegisterFilterSet
    notes = [gettext_lazy("Период — по дате заявки. Итого — без отменённых заявок.")]
    filename, sheet, landscape = "invoice-register", gettext_lazy("Реестр"), True

    def report(self, filtered: Filtered) -> Report:
        summary = figures.register_summary(filtered.rows)
        waiting = Counted(figures.in_progress(filtered.rows), summary.count(*figures.IN_PROGRESS))
        page, shown, notes = self.page_of(waiting)
        sections = [
            (_("По статусам"), tables.register_summary_grid(summary)),
            (_("В работе и готовые к отгрузке"), tables.in_progress_grid(shown, notes=notes)),
        ]
        context = {"pagination": pagination(self.request, page), "summary": summary, "page": page}
        return self.make(filtered, sections, context=context)


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


class ReceivablesReport(SalesReport):
    """A report of what is unpaid on a day («На дату», today when left empty)."""

    filterset_class = ReceivablesFilterSet

    def on(self, filtered: Filtered) -> tuple[datetime.date, datetime.date]:
        """The report date and today."""
        today = timezone.localdate()
        return filtered.cleaned.get("on") or today, today

    def date_conditions(self, filtered: Filtered, on: datetime.date) -> list[str]:
        """The filter as text, with «На дату» even when it was left empty (today)."""
        lines = filter_conditions(filtered.used)
        label = str(filtered.used.form.fields["on"].label)
        if not any(line.startswith(f"{label}:") for line in lines):
            lines.insert(0, f"{label}: {date_format(on, 'd.m.Y')}")
        return lines

    def notes_on(self, variant: str, on: datetime.date, today: datetime.date) -> list[str]:
        return [str(TO_PAY_NOTES[variant])] + ([str(PAST_AMOUNTS)] if on < today else [])


class InvoicesToPay(ReceivablesReport):
    """«Накладные к оплате» in four variants: by client in short, with the invoices, the overdue ones
    with their breach, and the contracts over their credit limit."""

    def settings(self) -> None:
        self.variant = self.choose("variant", tables.VARIANTS, tables.SHORT, _("вид отчёта"))

    def report(self, filtered: Filtered) -> Report:
        variant = self.variant
        visible = self.rows()
        (on, today), invoices = self.on(filtered), filtered.rows
        all_open, invoices = figures.receivable(visible, on, today), figures.receivable(invoices, on, today)
        if variant == tables.OVER_LIMIT:
            page, shown, notes = self.page_of(figures.over_limit(all_open, invoices, on))
            grid = tables.over_limit_grid(shown, notes=notes)
        else:
            selected = invoices.filter(due_date__lt=on) if variant == tables.OVERDUE else invoices
            clients = figures.debt_by_client(selected, on)
            page, shown, notes = self.page_of(clients)
            if variant != tables.SHORT:
                details = selected if self.exporting else selected.filter(client_id__in=[c.client_id for c in shown])
                figures.attach_invoices(shown, details, on)
            total = figures.debt_total(clients)
            if variant == tables.OVERDUE:
                figures.attach_contracts(shown, all_open)
            grid = tables.DEBT_GRIDS[variant](shown, total, notes=notes)
            if page is not None and page.paginator.num_pages > 1:
                grid.notes.append(_("Итого — по всем клиентам отчёта, не только по этой странице."))

        label = str(tables.VARIANTS[variant])
        tabs = [
            (key, name, self.url(variant=key, page=None, export=None, print=None))
            for key, name in tables.VARIANTS.items()
        ]
        context = {
            "heading": _("Накладные к оплате"),
            "notes": self.notes_on(variant, on, today),
            "tabs": tabs,
            "variant": variant,
            "hidden": {"variant": variant},
            "reset_url": f"{self.request.path}?{urlencode({'variant': variant})}",
            "pagination": pagination(self.request, page),
            "on": on,
        }
        return Report(
            title=f"{_('Накладные к оплате')}: {label}",
            sections=[("", grid)],
            conditions=self.date_conditions(filtered, on),
            filename=f"invoices-to-pay-{variant.replace('_', '-')}",
            sheet=label,
            landscape=variant != tables.SHORT,
            context=context,
        )


# --- by managers or projects ------------------------------------------------------------------------


class GroupedReport(SalesReport):
    """A report by the documents' managers or projects (?group=)."""

    titles: dict = {}

    def settings(self) -> None:
        choices = {key: g.choice for key, g in figures.GROUPINGS.items()}
        self.grouping = figures.GROUPINGS[self.choose("group", choices, figures.MANAGER, _("группировка"))]

    def grouped(self, filtered: Filtered, grouping: figures.Grouping, grid, **more) -> Report:
        groupings = [(key, str(g.choice), key == grouping.key) for key, g in figures.GROUPINGS.items()]
        return self.make(
            filtered,
            [("", grid)],
            title=str(self.titles[grouping.key]),
            filename=f"{self.filename}-{grouping.key}",
            context={"groupings": groupings, **more},
        )


class DebtByManager(GroupedReport, ReceivablesReport):
    """«Задолженность по менеджерам (проектам)»: the debt of the open shipped invoices and what of it
    is overdue on the report date, by the invoices' manager or project; each line opens «Накладные к
    оплате» of that manager (project) under the same filter."""

    titles = {
        figures.MANAGER: gettext_lazy("Задолженность по менеджерам"),
        figures.PROJECT: gettext_lazy("Задолженность по проектам"),
    }
    filename, sheet = "debt-by", gettext_lazy("Задолженность")

    def report(self, filtered: Filtered) -> Report:
        grouping = self.grouping
        on, today = self.on(filtered)
        table = figures.debt_by(figures.receivable(filtered.rows, on, today), grouping, on)
        to_pay = reverse("reports:invoices_to_pay")
        # The drill-down keeps the filter, less the grouping's own parameter, which the line sets.
        kept = [(k, v) for k, v in filtered.params if k != grouping.key]

        def url(key: int | None) -> str:
            value = "null" if key is None else str(key)
            return f"{to_pay}?{urlencode([*kept, (grouping.key, value)])}"

        report = self.grouped(
            filtered,
            grouping,
            tables.debt_grid(table, url),
            table=table,
            on=on,
            notes=self.notes_on(tables.SHORT, on, today),
        )
        report.conditions = self.date_conditions(filtered, on)
        return report


class PaymentsByManager(GroupedReport):
    """«Оплаты по менеджерам (проектам)»: the payments received in the period, by the payments'
    manager or project."""

    titles = {
        figures.MANAGER: gettext_lazy("Оплаты по менеджерам"),
        figures.PROJECT: gettext_lazy("Оплаты по проектам"),
    }
    filterset_class = PaymentsFilterSet
    notes = [gettext_lazy("Период — по дате оплаты. Не распределено — аванс или переплата, не зачтённые в накладные.")]
    filename, sheet = "payments-by", gettext_lazy("Оплаты")

    def report(self, filtered: Filtered) -> Report:
        grouping = self.grouping
        table = figures.payments_by(filtered.rows, grouping)
        return self.grouped(filtered, grouping, tables.payments_grid(table), table=table)
