"""The lists of «Заявки-накладные», «Оплаты от покупателей», «Акты сверки» and «Договоры»: declarations on
crm.lists.ListView, each with «Excel»."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _

from clients import access as client_access
from clients.models import Client
from crm.access import role_required
from crm.lists import ListView
from crm.tables import FastTable
from sales import access
from sales.filters import InvoiceFilterSet, PaymentFilterSet, ReconciliationFilterSet
from sales.models import Contract, Invoice, Payment, Reconciliation
from sales.tables import ContractTable, InvoiceTable, PaymentTable, ReconciliationTable


class DocumentList(ListView):
    """Invoices or payments of the clients the user sees; «Создать» for those who make them."""

    template_name = "sales/document_list.html"
    model: type[Invoice | Payment | Reconciliation]
    title: str

    @property
    def document(self) -> str:
        return self.model._meta.model_name

    @property
    def export_name(self) -> str:
        return f"{self.document}s"

    def get_queryset(self) -> QuerySet:
        documents = self.model.objects.select_related("client", "manager", "project")
        return access.visible_documents(documents, self.request.user)

    def get_context_data(self, **context) -> dict:
        return {
            **context,
            "title": self.title,
            "create_route": f"sales:{self.document}_create",
            "document": self.document,
            "may_create": access.may_create_documents(self.request.user),
        }


class InvoiceList(DocumentList):
    model = Invoice
    views_key = "invoices"
    title = _("Заявки-накладные")
    filterset_class = InvoiceFilterSet
    table_class = InvoiceTable


class PaymentList(DocumentList):
    model = Payment
    views_key = "payments"
    title = _("Оплаты от покупателей")
    filterset_class = PaymentFilterSet
    table_class = PaymentTable


class ContractList(ListView):
    """The contracts of one client (`?client=`), or of every client."""

    table_class = ContractTable
    template_name = "sales/contract_list.html"
    export_name = "contracts"
    views_key = "contracts"
    client: Client | None = None

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        pk = request.GET.get("client", "")
        if pk and not pk.isdigit():
            return redirect("sales:contract_list")
        self.client = get_object_or_404(Client, pk=pk) if pk else None
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet:
        contracts = Contract.objects.select_related("client")
        return contracts.filter(client=self.client) if self.client else contracts

    def get_table(self, rows: QuerySet, columns: list[str] | None) -> FastTable:
        return ContractTable(rows, exclude=["client"] if self.client else [])

    def get_context_data(self, **context) -> dict:
        may_create = self.client is not None and client_access.works_with(self.client, self.request.user)
        return {**context, "client": self.client, "may_create": may_create}


invoice_list = role_required()(InvoiceList.as_view())
invoice_export = role_required()(InvoiceList.as_view(exporting=True))
payment_list = role_required()(PaymentList.as_view())
payment_export = role_required()(PaymentList.as_view(exporting=True))
contract_list = role_required()(ContractList.as_view())
contract_export = role_required()(ContractList.as_view(exporting=True))


class ReconciliationList(DocumentList):
    """«Акты сверки» of the clients the user sees; they are made from the report, not here."""

    model = Reconciliation
    title = _("Акты сверки")
    template_name = "sales/reconciliation_list.html"
    filterset_class = ReconciliationFilterSet
    table_class = ReconciliationTable

    def get_queryset(self) -> QuerySet:
        acts = Reconciliation.objects.select_related("client", "manager")
        return access.visible_documents(acts, self.request.user)

    def get_context_data(self, **context) -> dict:
        return {**super().get_context_data(**context), "may_create": False}


reconciliation_list = role_required()(ReconciliationList.as_view())
reconciliation_export = role_required()(ReconciliationList.as_view(exporting=True))
