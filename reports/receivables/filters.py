"""The filters of the sales reports: the document's manager and project, the client by name or ИНН,
and a period of document dates or the date receivables are judged on («На дату»)."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from crm.forms import DateInput, DateRangeWidget
from crm.models import Project
from crm.users import user_name
from sales.filters import PeriodForm, matching_clients
from sales.models import Invoice, Payment


def _select() -> forms.Select:
    return forms.Select(attrs={"class": "form-select form-select-sm"})


def _date_range() -> django_filters.widgets.DateRangeWidget:
    return DateRangeWidget()


def document_managers() -> QuerySet:
    """The users a document may name as its manager: the active ones and whoever is named on a
    document (former employees included: the reports read history)."""
    named = Exists(Invoice.objects.filter(manager=OuterRef("pk"))) | Exists(
        Payment.objects.filter(manager=OuterRef("pk"))
    )
    return get_user_model().objects.filter(Q(is_active=True) | named).order_by("last_name", "first_name", "username")


class SalesReportFilterSet(django_filters.FilterSet):
    manager = django_filters.ModelChoiceFilter(
        queryset=document_managers(),
        label=_("Менеджер"),
        empty_label=_("Все"),
        null_label=_("— не назначен —"),
        widget=_select(),
    )
    project = django_filters.ModelChoiceFilter(
        queryset=Project.objects.order_by("name"),
        label=_("Проект"),
        empty_label=_("Все"),
        null_label=_("— без проекта —"),
        widget=_select(),
    )
    q = django_filters.CharFilter(
        label=_("Клиент"),
        method="search",
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "placeholder": _("Наименование, ИНН")}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["manager"].field.label_from_instance = user_name

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value.strip():
            return queryset
        return queryset.filter(client_id__in=matching_clients(value))


class InvoiceRegisterFilterSet(SalesReportFilterSet):
    period = django_filters.DateFromToRangeFilter(field_name="date", label=_("Период"), widget=_date_range())

    class Meta:
        model = Invoice
        fields = ["period", "manager", "project", "q"]
        form = PeriodForm


class ReceivablesFilterSet(SalesReportFilterSet):
    """«На дату» is not a filter: it is the day the due dates are compared with (today when empty)."""

    on = django_filters.DateFilter(
        label=_("На дату"),
        method="as_of",
        widget=DateInput(),
    )

    class Meta:
        model = Invoice
        fields = ["on", "manager", "project", "q"]

    def as_of(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset


class PaymentsFilterSet(SalesReportFilterSet):
    period = django_filters.DateFromToRangeFilter(field_name="date", label=_("Период"), widget=_date_range())

    class Meta:
        model = Payment
        fields = ["period", "manager", "project", "q"]
        form = PeriodForm
