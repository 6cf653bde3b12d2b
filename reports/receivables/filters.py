"""The filters of the sales reports: the document's manager and project, the client by name or ИНН,
and a period of document dates or the date receivables are judged on («На дату»)."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from crm.forms import DateInput
from crm.users import user_name
from sales.filters import DocumentFilterSet, PeriodForm
from sales.models import Invoice, Payment


def document_managers() -> QuerySet:
    """The users a document may name as its manager: the active ones and whoever is named on a
    document (former employees included: the reports read history)."""
    named = Exists(Invoice.objects.filter(manager=OuterRef("pk"))) | Exists(
        Payment.objects.filter(manager=OuterRef("pk"))
    )
    return get_user_model().objects.filter(Q(is_active=True) | named).order_by("last_name", "first_name", "username")


class SalesReportFilterSet(django_filters.FilterSet):
    """The invoice and payment lists' own filters of manager, project and client; the manager's
    choices also name whoever is named on a document."""

    manager = DocumentFilterSet.declared_filters["manager"]
    project = DocumentFilterSet.declared_filters["project"]
    q = DocumentFilterSet.declared_filters["q"]
    search = DocumentFilterSet.search  # the method q names

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["manager"].queryset = document_managers()
        self.filters["manager"].field.label_from_instance = user_name


class PeriodFilterSet(SalesReportFilterSet):
    """A report of the documents of a period (by the document's date)."""

    period = DocumentFilterSet.declared_filters["period"]

    class Meta:
        fields = ["period", "manager", "project", "q"]
        form = PeriodForm


class InvoiceRegisterFilterSet(PeriodFilterSet):
    class Meta(PeriodFilterSet.Meta):
        model = Invoice


class ReceivablesFilterSet(SalesReportFilterSet):
    """«На дату» is not a filter: it is the day the due dates are compared with (today when empty)."""

    on = django_filters.DateFilter(label=_("На дату"), method="as_of", widget=DateInput())

    class Meta:
        model = Invoice
        fields = ["on", "manager", "project", "q"]

    def as_of(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset


class PaymentsFilterSet(PeriodFilterSet):
    class Meta(PeriodFilterSet.Meta):
        model = Payment
