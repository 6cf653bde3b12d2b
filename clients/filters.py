from __future__ import annotations

import re

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from clients.models import BusinessRegion, Client, ContactInfo, Segment


def _select(multiple: bool = False):
    if multiple:
        return forms.SelectMultiple(attrs={"class": "form-select form-select-sm", "size": 3})
    return forms.Select(attrs={"class": "form-select form-select-sm"})


class ClientFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Поиск"),
        method="search",
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": _("Наименование, ИНН, телефон, e-mail")}
        ),
    )
    kind = django_filters.ChoiceFilter(
        choices=Client.Kind.choices, label=_("Вид"), empty_label=_("Все"), widget=_select()
    )
    responsible = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name"),
        label=_("Ответственный"),
        empty_label=_("Все"),
        null_label=_("— не назначен —"),
        widget=_select(),
    )
    business_region = django_filters.ModelChoiceFilter(
        queryset=BusinessRegion.objects.all(), label=_("Бизнес-регион"), empty_label=_("Все"), widget=_select()
    )
    segments = django_filters.ModelChoiceFilter(
        queryset=Segment.objects.all(), label=_("Сегмент"), empty_label=_("Все"), widget=_select()
    )
    abc_class = django_filters.MultipleChoiceFilter(
        choices=Client.ABC.choices, label=_("ABC-класс"), widget=forms.CheckboxSelectMultiple
    )
    xyz_class = django_filters.MultipleChoiceFilter(
        choices=Client.XYZ.choices, label=_("XYZ-класс"), widget=forms.CheckboxSelectMultiple
    )
    created = django_filters.DateFromToRangeFilter(
        field_name="created_at",
        label=_("Создан"),
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )

    class Meta:
        model = Client
        fields = ["q", "kind", "responsible", "business_region", "segments", "abc_class", "xyz_class", "created"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["responsible"].field.label_from_instance = lambda u: u.get_full_name() or u.username

    def search(self, queryset: QuerySet[Client], name: str, value: str) -> QuerySet[Client]:
        """Name contains the text, or ИНН starts with it, or a contact value (phone, e-mail) contains it.

        Each condition is its own index scan and the ids are united: an OR across the client table
        and an EXISTS over contact info would read all 100k clients instead."""
        value = value.strip()
        if not value:
            return queryset
        matches = [Client.objects.filter(name__icontains=value).order_by().values("pk")]
        digits = re.sub(r"\D", "", value)
        if digits and len(digits) == len(re.sub(r"[\s()+\-]", "", value)):
            matches.append(Client.objects.filter(inn__startswith=digits).order_by().values("pk"))
            if len(digits) >= 5:
                # Phones are stored as +7XXXXXXXXXX; a typed 8XXXXXXXXXX means the same number.
                tail = digits[1:] if len(digits) == 11 and digits[0] in "78" else digits
                matches.append(ContactInfo.objects.filter(value__icontains=tail).order_by().values("client_id"))
        elif "@" in value or "." in value:
            matches.append(ContactInfo.objects.filter(value__icontains=value).order_by().values("client_id"))
        if len(matches) == 1:
            return queryset.filter(name__icontains=value)
        return queryset.filter(pk__in=matches[0].union(*matches[1:]))
