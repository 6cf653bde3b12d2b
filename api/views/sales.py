"""Contracts, invoices with their lines, payments with their allocations: read as the lists show
them (sales.access: a manager sees the documents of their own and unassigned clients)."""

from __future__ import annotations

from api import serializers
from api.views.base import ReadViewSet, documented
from sales import access
from sales.filters import InvoiceFilterSet, PaymentFilterSet
from sales.models import Contract, Invoice, Payment


@documented
class ContractViewSet(ReadViewSet):
    """Contracts are part of the client card: whoever reads the card reads them."""

    queryset = Contract.objects.all()
    serializer_class = serializers.ContractSerializer
    filterset_fields = ["client", "is_active"]


class DocumentViewSet(ReadViewSet):
    def visible(self, queryset):
        return access.visible_documents(queryset, self.request.user)


@documented
class InvoiceViewSet(DocumentViewSet):
    queryset = Invoice.objects.prefetch_related("lines__product")
    serializer_class = serializers.InvoiceSerializer
    filterset_class = InvoiceFilterSet


@documented
class PaymentViewSet(DocumentViewSet):
    queryset = Payment.objects.prefetch_related("allocations")
    serializer_class = serializers.PaymentSerializer
    filterset_class = PaymentFilterSet
