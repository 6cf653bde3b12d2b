"""«Карточка клиента» and «Акт сверки», declared on crm.reports.ReportView: for every role, of the
clients whose documents the user sees. Their filter is a form (a client found by name or ИНН), their
tables are documents of their own (reports.ledger.tables), and their print view is ?export=print."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy

from clients import access as client_access
from crm.reports import Filtered, Report, ReportView, query
from crm.xlsx import xlsx_response
from reports.ledger import exports, figures, tables
from reports.ledger.filters import LedgerForm
from sales import access


class LedgerReport(ReportView):
    """A client's ledger over a period: nothing to export or print until a client is found."""

    parameters = ("export",)
    print_param = ("export", "print")
    notes = [figures.LEDGER_NOTE]
    template_name = "reports/ledger.html"

    def read_filter(self) -> Filtered:
        """The form read from the request and the client's ledger under it (None until a client is
        found); 403 for a client whose documents the user may not see."""
        data = self.filter_data()
        self.form = LedgerForm(data or None, user=self.request.user)
        self.ledger = None
        if self.form.is_bound:
            self.form.is_valid()
            if self.form.client is not None and not access.documents_visible(self.form.client, self.request.user):
                raise PermissionDenied
            scope = self.form.scope()
            self.ledger = figures.client_ledger(scope) if scope else None
        self.problems += self.form.problems
        return Filtered(self.form)

    @property
    def exporting(self) -> bool:
        return self.ledger is not None and super().exporting

    @property
    def printing(self) -> bool:
        return self.ledger is not None and super().printing

    def query_data(self, **changes) -> str:
        return query(self.form.data if self.form.is_bound else QueryDict(), **changes)

    def report(self, filtered: Filtered) -> Report:
        ledger, form, path = self.ledger, self.form, self.request.path
        context = {
            "form": form,
            "ledger": ledger,
            "client_name": figures.client_title(ledger.scope.client) if ledger else "",
            "note": figures.LEDGER_NOTE,
            "candidates": [(c, f"{path}?{form.candidate_query(c)}") for c in form.candidates],
            "more_candidates": form.more_candidates,
            "printed_on": figures.day(timezone.localdate()),
        }
        conditions = figures.conditions(ledger.scope) if ledger else []
        return self.make(filtered, [], conditions=conditions, context=context)


class ClientLedger(LedgerReport):
    """«Карточка клиента»: the opening balance, the client's shipments and payments of the period in
    date order with the running balance, and the closing balance; Excel and a printable A4 page."""

    title = pgettext_lazy("report", "Карточка клиента")
    filename = "client-ledger"
    print_template_name = "reports/client_ledger_print.html"

    def report(self, filtered: Filtered) -> Report:
        report = super().report(filtered)
        if self.ledger is not None and not self.exporting:
            titles = tables.contract_titles(self.form.contracts)
            report.context["table_html"] = tables.ledger_table_html(self.ledger, titles)
        return report

    def xlsx(self, report: Report) -> HttpResponse:
        titles = tables.contract_titles(self.form.contracts)
        content = exports.client_ledger_xlsx(self.ledger, titles, title=report.title, conditions=report.conditions)
        return xlsx_response(content, f"{self.filename}.xlsx")


class Reconciliation(LedgerReport):
    """«Акт сверки взаиморасчетов с покупателем»: the two-sided statement for a client (and a
    contract) over a period, with the closing sentence and the signature blocks; Excel and A4."""

    title = gettext_lazy("Акт сверки взаиморасчетов с покупателем")
    filename = "reconciliation"
    print_template_name = "reports/reconciliation_print.html"

    def report(self, filtered: Filtered) -> Report:
        report = super().report(filtered)
        if self.ledger is not None:
            act = figures.reconciliation_act(self.ledger, settings.COMPANY_NAME)
            report.context["act"] = act
            if not self.exporting and not self.printing:
                report.context["make_act_url"] = self.make_act_url()
            if not self.exporting:
                report.context["table_html"] = tables.reconciliation_table_html(
                    self.ledger, act.company, act.counterparty
                )
        return report

    def make_act_url(self) -> str:
        """«Сформировать акт»: the act of this client, contract and period as a document (sales), for
        whoever works with the client."""
        scope = self.ledger.scope
        if not client_access.works_with(scope.client, self.request.user):
            return ""
        contract = str(scope.contract.pk) if scope.contract else ("none" if scope.without_contract else "")
        data = {"client": scope.client.pk, "contract": contract, "end": scope.end.isoformat()}
        if scope.start:
            data["start"] = scope.start.isoformat()
        return f"{reverse('sales:reconciliation_create')}?{urlencode(data)}"

    def xlsx(self, report: Report) -> HttpResponse:
        return xlsx_response(exports.reconciliation_xlsx(self.ledger, report.context["act"]), f"{self.filename}.xlsx")
