from __future__ import annotations

import operator
import re
from functools import reduce

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from clients import extra_fields as extra
from clients import segments as segment_rules
from clients.models import BusinessRegion, Client, ContactInfo, ExtraField, ExtraValue, RecheckProposal, Segment
from crm.forms import DateRangeWidget, list_as_rows
from crm.users import NAME_COLUMNS, name_of, staff_users, user_name

NOT_FILLED = _("— не заполнено —")


class _RowsChoiceField(django_filters.fields.ModelChoiceField):
    """A filter's choice of one row, listed as (id, label) rows (crm.forms.list_as_rows)."""

    def __init__(self, *args, label_columns: tuple[str, ...] = ("name",), label_of=str, **kwargs):
        super().__init__(*args, **kwargs)
        list_as_rows(self, label_columns=label_columns, label_of=label_of)


class _RowsChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = _RowsChoiceField


def _one_of(queryset, label, *, null_label=NOT_FILLED, **columns) -> django_filters.ModelChoiceFilter:
    """A filter by one related row: «Все», the rows, and «none» (`null_label`). The rows are shown
    by their name, or by `label_of(*label_columns)`."""
    return _RowsChoiceFilter(
        queryset=queryset, label=label, empty_label=_("Все"), null_label=null_label, widget=_select(), **columns
    )


def _responsible(**kwargs) -> django_filters.ModelChoiceFilter:
    """By the responsible manager: «Все», the active users, «— не назначен —»."""
    return _one_of(
        get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name"),
        _("Ответственный"),
        null_label=_("— не назначен —"),
        label_columns=NAME_COLUMNS,
        label_of=name_of,
        **kwargs,
    )


def _select(multiple: bool = False):
    if multiple:
        return forms.SelectMultiple(attrs={"class": "form-select form-select-sm", "size": 3})
    return forms.Select(attrs={"class": "form-select form-select-sm"})


NOT_SET, IS_SET = "__none__", "__any__"


def _extra_values(field: ExtraField) -> QuerySet[ExtraValue]:
    return ExtraValue.objects.filter(client=OuterRef("pk"), field=field)


def _set_condition(field: ExtraField, value: str) -> Q | None:
    if value == IS_SET:
        return Q(Exists(_extra_values(field)))
    if value == NOT_SET:
        return ~Q(Exists(_extra_values(field)))
    return None


class ExtraListFilter(django_filters.MultipleChoiceFilter):
    """Any of the chosen values; «не заполнено» and «заполнено» are choices too."""

    def __init__(self, extra_field: ExtraField, **kwargs):
        self.extra_field = extra_field
        choices = [(str(o.pk), o.name) for o in extra_field.option_list]
        choices += [(IS_SET, _("— заполнено —")), (NOT_SET, _("— не заполнено —"))]
        super().__init__(choices=choices, label=extra_field.name, widget=_select(multiple=True), **kwargs)

    def filter(self, qs: QuerySet[Client], value: list[str]) -> QuerySet[Client]:
        if not value:
            return qs
        conditions = [_set_condition(self.extra_field, v) for v in value if v in (IS_SET, NOT_SET)]
        options = [int(v) for v in value if v not in (IS_SET, NOT_SET)]
        if options:
            conditions.append(Q(Exists(_extra_values(self.extra_field).filter(value_option__in=options))))
        return qs.filter(reduce(operator.or_, conditions))


class ExtraFlagFilter(django_filters.ChoiceFilter):
    def __init__(self, extra_field: ExtraField, **kwargs):
        self.extra_field = extra_field
        choices = [("yes", _("Да")), ("no", _("Нет")), (NOT_SET, _("— не заполнено —"))]
        super().__init__(choices=choices, label=extra_field.name, empty_label=_("Все"), widget=_select(), **kwargs)

    def filter(self, qs: QuerySet[Client], value: str) -> QuerySet[Client]:
        if not value:
            return qs
        if value == NOT_SET:
            return qs.filter(_set_condition(self.extra_field, NOT_SET))
        return qs.filter(Exists(_extra_values(self.extra_field).filter(value_bool=value == "yes")))


class ExtraRangeFilter(django_filters.RangeFilter):
    """From–to for numbers (`_min`, `_max`); either end may be left open."""

    def __init__(self, extra_field: ExtraField, **kwargs):
        self.extra_field = extra_field
        self.column = extra.type_of(extra_field).column
        kwargs.setdefault(
            "widget",
            django_filters.widgets.RangeWidget(attrs={"class": "form-control form-control-sm", "inputmode": "decimal"}),
        )
        super().__init__(label=extra_field.name, **kwargs)

    def filter(self, qs: QuerySet[Client], value) -> QuerySet[Client]:
        if not value or (value.start is None and value.stop is None):
            return qs
        values = _extra_values(self.extra_field)
        if value.start is not None:
            values = values.filter(**{f"{self.column}__gte": value.start})
        if value.stop is not None:
            values = values.filter(**{f"{self.column}__lte": value.stop})
        return qs.filter(Exists(values))


class ExtraDateRangeFilter(ExtraRangeFilter):
    """From–to for dates (`_after`, `_before`)."""

    field_class = django_filters.fields.DateRangeField

    def __init__(self, extra_field: ExtraField, **kwargs):
        widget = DateRangeWidget()
        super().__init__(extra_field, widget=widget, **kwargs)


class ExtraTextFilter(django_filters.CharFilter):
    def __init__(self, extra_field: ExtraField, **kwargs):
        self.extra_field = extra_field
        widget = forms.TextInput(attrs={"class": "form-control form-control-sm", "placeholder": _("содержит")})
        super().__init__(label=extra_field.name, widget=widget, **kwargs)

    def filter(self, qs: QuerySet[Client], value: str) -> QuerySet[Client]:
        value = (value or "").strip()
        if not value:
            return qs
        return qs.filter(Exists(_extra_values(self.extra_field).filter(value_text__icontains=value)))


class ExtraSetFilter(django_filters.ChoiceFilter):
    """Filled or not, for the types whose value widget cannot say it (string, number, date)."""

    def __init__(self, extra_field: ExtraField, **kwargs):
        self.extra_field = extra_field
        choices = [(IS_SET, _("заполнено")), (NOT_SET, _("не заполнено"))]
        label = _("%(field)s: заполнено?") % {"field": extra_field.name}
        super().__init__(choices=choices, label=label, empty_label=_("Все"), widget=_select(), **kwargs)

    def filter(self, qs: QuerySet[Client], value: str) -> QuerySet[Client]:
        condition = _set_condition(self.extra_field, value) if value else None
        return qs if condition is None else qs.filter(condition)


def segment_label(name: str, kind: str) -> str:
    """A segment as the filter offers it: a dynamic one says it is a saved filter."""
    return _("%(name)s (по отбору)") % {"name": name} if kind == Segment.Kind.DYNAMIC else name


def extra_filter_name(field: ExtraField) -> str:
    return field.key


def uses_extra_filters(data) -> bool:
    """Whether a filter's query string names an extra field's filter (`extra_<id>…`)."""
    return any(key.startswith("extra_") for key in data or ())


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
    responsible = _responsible()
    business_region = _one_of(BusinessRegion.objects.all(), _("Бизнес-регион"))
    segments = _one_of(
        Segment.objects.all(), _("Сегмент"), method="in_segment", label_columns=("name", "kind"), label_of=segment_label
    )
    abc_class = django_filters.MultipleChoiceFilter(
        choices=[*Client.ABC.choices, (NOT_SET, _("не заполнено"))],
        label=_("ABC-класс"),
        widget=forms.CheckboxSelectMultiple,
        method="by_class",
    )
    xyz_class = django_filters.MultipleChoiceFilter(
        choices=[*Client.XYZ.choices, (NOT_SET, _("не заполнено"))],
        label=_("XYZ-класс"),
        widget=forms.CheckboxSelectMultiple,
        method="by_class",
    )
    created = django_filters.DateFromToRangeFilter(
        field_name="created_at",
        label=_("Создан"),
        widget=DateRangeWidget(),
    )
    # What «Проверка по ИНН» last found: the liquidated and closing counterparties at a glance.
    registry_status = django_filters.ChoiceFilter(
        choices=[*Client.RegistryStatus.choices, (NOT_SET, _("не проверено"))],
        label=_("Состояние по ЕГРЮЛ"),
        empty_label=_("Все"),
        widget=_select(),
        method="by_choice",
    )

    class Meta:
        model = Client
        fields = [
            "q",
            "kind",
            "responsible",
            "business_region",
            "segments",
            "abc_class",
            "xyz_class",
            "created",
            "registry_status",
        ]

    def __init__(
        self,
        *args,
        extra_fields: list[ExtraField] = (),
        lazy_extra: bool = False,
        user=None,
        nested: bool = False,
        **kwargs,
    ):
        """`lazy_extra`: build the extra fields' filters only when the data use one — a page that
        draws them on demand (the list's «Дополнительные поля») saves their building and checking,
        three quarters of the filter's time with 25 fields. `user`: a segment's clients are those
        the user works with (clients.segments). `nested`: a dynamic segment's own filter, which may
        not name a dynamic segment."""
        super().__init__(*args, **kwargs)
        self.user = user
        self.nested = nested
        # Extra fields of clients (not of contact persons) filter by their type.
        self.extra_filter_names = []
        extra_fields = [field for field in extra_fields if not field.for_contacts]
        self.has_extra_fields = bool(extra_fields)
        if lazy_extra and not uses_extra_filters(self.data):
            extra_fields = []
        for field in extra_fields:
            name = extra_filter_name(field)
            field_type = extra.type_of(field)
            self.filters[name] = import_string(field_type.filter)(field)
            self.extra_filter_names.append(name)
            if field_type.offers_isset:
                self.filters[f"{name}_isset"] = ExtraSetFilter(field)
                self.extra_filter_names.append(f"{name}_isset")

    @property
    def form(self) -> forms.Form:
        if not hasattr(self, "_form"):
            form = super().form
            form.clean_segments = lambda: self.clean_segment(form.cleaned_data.get("segments"))
        return self._form

    def clean_segment(self, segment):
        """A dynamic segment is refused inside a dynamic segment's filter, and when its own filter
        went wrong: the page then says why instead of showing every client."""
        if isinstance(segment, Segment) and segment.kind == Segment.Kind.DYNAMIC:
            if self.nested:
                raise ValidationError(
                    _("Отбор динамического сегмента не может ссылаться на другой динамический сегмент.")
                )
            problem = segment_rules.segment_problem(segment)
            if problem:
                raise ValidationError(problem)
        return segment

    def in_segment(self, queryset: QuerySet[Client], name: str, value) -> QuerySet[Client]:
        if isinstance(value, Segment):
            return segment_rules.in_segment(queryset, value, self.user)
        return queryset.filter(segments__isnull=True)  # «— не заполнено —»

    def builtin_fields(self) -> list[forms.BoundField]:
        return [self.form[name] for name in self.form.fields if name not in self.extra_filter_names]

    def extra_fields(self) -> list[forms.BoundField]:
        return [self.form[name] for name in self.extra_filter_names]

    def has_active_extra_filters(self) -> bool:
        """Whether the user narrowed by an extra field: the page then shows those filters open."""
        return any(value and key.startswith(tuple(self.extra_filter_names)) for key, value in self.data.items())

    def by_class(self, queryset: QuerySet[Client], name: str, value: list[str]) -> QuerySet[Client]:
        """Any of the ticked classes; «не заполнено» is a client without a class."""
        if not value:
            return queryset
        return queryset.filter(**{f"{name}__in": ["" if v == NOT_SET else v for v in value]})

    def by_choice(self, queryset: QuerySet[Client], name: str, value: str) -> QuerySet[Client]:
        """The chosen value; NOT_SET is a client without one."""
        return self.by_class(queryset, name, [value] if value else [])

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


class RecheckFilterSet(django_filters.FilterSet):
    """«Проверка по ИНН»: the open proposals by the card's responsible and the requisite."""

    responsible = _responsible(field_name="client__responsible")
    field = django_filters.ChoiceFilter(
        choices=RecheckProposal.Field.choices, label=_("Что изменилось"), empty_label=_("Все"), widget=_select()
    )

    class Meta:
        model = RecheckProposal
        fields = ["responsible", "field"]


class DuplicateGroupFilterSet(django_filters.FilterSet):
    """«Дубли»: the groups with a card of this responsible manager, of this business region."""

    responsible = django_filters.ModelChoiceFilter(
        queryset=staff_users(),
        label=_("Ответственный"),
        empty_label=_("Все"),
        method="with_member",
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    region = django_filters.ModelChoiceFilter(
        queryset=BusinessRegion.objects.all(),
        label=_("Бизнес-регион"),
        empty_label=_("Все"),
        method="with_member",
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["responsible"].field.label_from_instance = user_name

    def with_member(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if value is None:
            return queryset
        field = {"responsible": "client__responsible", "region": "client__business_region"}[name]
        members = queryset.model.clients.through.objects.filter(duplicategroup_id=OuterRef("pk"), **{field: value})
        return queryset.filter(Exists(members))
