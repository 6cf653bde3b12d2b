"""The filters of the invoice and payment lists: client (name or ИНН), status, manager, project,
period."""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from crm.forms import DateRangeWidget
from crm.models import Project
from crm.users import user_name
from sales.models import Contract, Invoice, Payment, Reconciliation
from sales.services.reconciliations import answer_overdue


def _select() -> forms.Select:
    return forms.Select(attrs={"class": "form-select form-select-sm"})


# The years a period may name: a date far outside (9999-12-31) is a typo or a probe, and the
# reports' arithmetic on it (the day after the end) would overflow.
PERIOD_YEARS = (1900, 2100)


class PeriodForm(forms.Form):
    period_field = "period"  # the date range whose ends are checked

    def clean(self):
        cleaned = super().clean()
        period = cleaned.get(self.period_field)
        ends = [end for end in (period.start, period.stop) if end] if period else []
        if any(not PERIOD_YEARS[0] <= end.year <= PERIOD_YEARS[1] for end in ends):
            self.add_error(
                self.period_field,
                _("Дата периода вне допустимого: годы от %(first)s до %(last)s.")
                % {"first": PERIOD_YEARS[0], "last": PERIOD_YEARS[1]},
            )
        elif period and period.start and period.stop and period.start > period.stop:
            self.add_error(self.period_field, _("Конец периода раньше его начала."))
        return cleaned


def _tick(label: str, method: str) -> django_filters.BooleanFilter:
    """A tick box that narrows the list when ticked (and does nothing when not)."""
    return django_filters.BooleanFilter(
        label=label, method=method, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )


def matching_clients(value: str) -> QuerySet[Client]:
    """Client ids whose name contains the text (a trigram index) or whose ИНН starts with it."""
    value = value.strip()
    by_name = Client.objects.filter(name__icontains=value).order_by().values("pk")
    digits = re.sub(r"\D", "", value)
    if digits and digits == value:
        return by_name.union(Client.objects.filter(inn__startswith=digits).order_by().values("pk"))
    return by_name


class DocumentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Клиент"),
        method="search",
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "placeholder": _("Наименование, ИНН")}),
    )
    # The client card's links: one client's documents (not a choice list of the whole base).
    client = django_filters.NumberFilter(field_name="client_id", widget=forms.HiddenInput)
    contract = django_filters.NumberFilter(field_name="contract_id", widget=forms.HiddenInput)
    manager = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name", "username"),
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
    period = django_filters.DateFromToRangeFilter(field_name="date", label=_("Период"), widget=DateRangeWidget())

    class Meta:
        form = PeriodForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["manager"].field.label_from_instance = user_name

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value.strip():
            return queryset
        return queryset.filter(client_id__in=matching_clients(value))

    def chosen_client(self) -> Client | None:
        """The client the list is narrowed to, for the heading."""
        pk = self.form.cleaned_data.get("client") if self.is_bound and self.form.is_valid() else None
        return Client.objects.filter(pk=pk).first() if pk else None

    def chosen_contract(self) -> Contract | None:
        pk = self.form.cleaned_data.get("contract") if self.is_bound and self.form.is_valid() else None
        return Contract.objects.filter(pk=pk).first() if pk else None


class InvoiceFilterSet(DocumentFilterSet):
    status = django_filters.ChoiceFilter(
        choices=Invoice.Status.choices, label=_("Статус"), empty_label=_("Все"), widget=_select()
    )
    unpaid = _tick(_("Отгружены и не оплачены"), "only_unpaid")

    class Meta(DocumentFilterSet.Meta):
        model = Invoice
        fields = ["q", "client", "contract", "status", "unpaid", "manager", "project", "period"]

    def only_unpaid(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        if not value:
            return queryset
        # The receivables' own condition, so that the partial index on open invoices serves it.
        return queryset.filter(status=Invoice.Status.SHIPPED, open_amount__gt=0)


class PaymentFilterSet(DocumentFilterSet):
    unallocated = _tick(_("Только с нераспределённым остатком"), "only_unallocated")

    class Meta(DocumentFilterSet.Meta):
        model = Payment
        fields = ["q", "client", "contract", "unallocated", "manager", "project", "period"]

    def only_unallocated(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(unallocated__gt=0) if value else queryset


class ReconciliationFilterSet(DocumentFilterSet):
    state = django_filters.ChoiceFilter(
        choices=Reconciliation.State.choices, label=_("Состояние"), empty_label=_("Все"), widget=_select()
    )
    overdue = _tick(_("Ответ просрочен"), "only_overdue")
    ends = django_filters.DateFromToRangeFilter(
        field_name="end", label=_("Конец периода сверки"), widget=DateRangeWidget()
    )

    class Meta(DocumentFilterSet.Meta):
        model = Reconciliation
        fields = ["q", "client", "contract", "state", "overdue", "manager", "period", "ends"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters.pop("project")
        self.filters["manager"].field.label = _("Ответственный")

    def only_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        # The services' own condition, so that the list and «Мои дела» count the same acts.
        return queryset.filter(answer_overdue()) if value else queryset
