"""Contracts, invoices with their lines, payments with their allocations: read as the lists show
them (sales.access: a manager sees the documents of their own and unassigned clients); invoices
and payments made by sales.services, by whoever may make them for that client."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from api import serializers
from api.errors import Refused
from api.views.base import ReadViewSet, documented
from api.writes import InvoiceInput, PaymentInput
from clients import access as client_access
from crm import numbers
from sales import access
from sales import services as sales_services
from sales.filters import InvoiceFilterSet, PaymentFilterSet
from sales.models import Contract, Invoice, Payment


@documented
class ContractViewSet(ReadViewSet):
    """Contracts are part of the client card: whoever reads the card reads them."""

    queryset = Contract.objects.all()
    serializer_class = serializers.ContractSerializer
    filterset_fields = ["client", "is_active"]


class DocumentViewSet(ReadViewSet):
    http_method_names = ["get", "post", "head", "options"]

    def visible(self, queryset):
        return access.visible_documents(queryset, self.request.user)

    def checked(self, form_class):
        """The request's document, checked: who may make documents, for which client."""
        if not access.may_create_documents(self.request.user):
            raise exceptions.PermissionDenied
        form = form_class(data=self.request.data, user=self.request.user)
        form.is_valid(raise_exception=True)
        if not client_access.works_with(form.validated_data["client"], self.request.user):
            raise exceptions.PermissionDenied(_("Документы этого клиента оформляет его менеджер."))
        return form

    def made(self, make) -> Response:
        try:
            document = make()
        except sales_services.SalesError as error:
            raise exceptions.ValidationError({"detail": str(error)})
        row = self.get_queryset().get(pk=document.pk)
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)


@documented
class InvoiceViewSet(DocumentViewSet):
    queryset = Invoice.objects.prefetch_related("lines__product")
    serializer_class = serializers.InvoiceSerializer
    filterset_class = InvoiceFilterSet

    @extend_schema(request=InvoiceInput, responses={201: serializers.InvoiceSerializer})
    def create(self, request):
        """A заявка-накладная with its lines (a line's price is the product's unless given)."""
        form = self.checked(InvoiceInput)
        invoice, lines = form.document(Invoice), form.lines_of()
        total = sum((line.amount for line in lines), Decimal("0.00"))
        limit = sales_services.would_exceed_limit(invoice.client, invoice.contract, total)
        if limit is not None and not form.validated_data["confirm_over_limit"]:
            raise Refused(
                _("Превышена сумма кредита по договору (%(limit)s): подтвердите, передав confirm_over_limit.")
                % {"limit": numbers.money(limit)}
            )
        return self.made(lambda: sales_services.save_invoice(invoice, lines))


@documented
class PaymentViewSet(DocumentViewSet):
    queryset = Payment.objects.prefetch_related("allocations")
    serializer_class = serializers.PaymentSerializer
    filterset_class = PaymentFilterSet

    @extend_schema(request=PaymentInput, responses={201: serializers.PaymentSerializer})
    def create(self, request):
        """A payment, allocated to the client's open invoices oldest first unless told not to."""
        form = self.checked(PaymentInput)
        payment = form.document(Payment)
        payment.amount = form.validated_data["amount"]
        return self.made(
            lambda: sales_services.create_payment(payment, allocate_oldest=form.validated_data["allocate_oldest"])
        )
