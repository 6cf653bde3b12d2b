"""The one registry of extra-field types: everything a type means is its entry in FIELD_TYPES —
the value column and sort path, the card's form field, the client list's filter, how a value is
shown, how bulk edit carries it as JSON, how an import cell is read, whether «Анализ клиентской
базы» can group by it. Adding a type is one entry. Definitions are read once per process and kept
while their tables stay the same (definitions())."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.db import connections, router
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients import cells
from clients.models import Client, ExtraField, ExtraFieldOption, ExtraValue, FieldGroup
from crm import numbers
from crm.forms import DateInput, TypedDecimalField

EMPTY = "—"


@dataclass(frozen=True)
class FieldType:
    column: str  # the ExtraValue column that holds this type's values
    form_field: Callable[[ExtraField, object], forms.Field]  # (definition, current value) → field
    display: Callable[[object], str]
    parse: Callable[[ExtraField, object], object]  # an import cell → a value (ValidationError)
    filter: str  # the client list's filter class (clients.filters imports this module)
    offers_isset: bool = False  # the list also filters on «заполнено?»
    # A short closed set of values, so that «Анализ клиентской базы» can group by it: (value, label,
    # the list filter's value for it), in their order; None for the types it cannot.
    choices: Callable[[ExtraField], list[tuple[object, str, str]]] | None = None
    from_form: Callable[[ExtraField, object], object] = lambda field, value: value  # cleaned → stored
    to_json: Callable[[object], object] = lambda value: value  # bulk edit's run keeps values as JSON
    from_json: Callable[[ExtraField, object], object] = lambda field, value: value  # LookupError if gone

    @property
    def groups(self) -> bool:
        return self.choices is not None

    @property
    def sort(self) -> str:
        """What the list sorts a column of this type by: a list value by its place in the list."""
        return "value_option__order" if self.column == "value_option" else self.column


def _option_by_pk(field: ExtraField, pk: int) -> ExtraFieldOption:
    option = next((o for o in field.option_list if o.pk == pk), None)
    if option is None:
        raise LookupError(pk)
    return option


def _list_field(field: ExtraField, current: ExtraFieldOption | None) -> forms.Field:
    # Retired values are not offered, except the one this owner already has: it is kept.
    options = [o for o in field.option_list if not o.retired or (current is not None and o.pk == current.pk)]
    return forms.TypedChoiceField(
        choices=[("", EMPTY), *((o.pk, o.name) for o in options)],
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": gettext_lazy("Значения «%(value)s» нет в списке.")},
    )


def _number_field(field: ExtraField, current) -> forms.Field:
    return TypedDecimalField(max_digits=18, decimal_places=4)


def _date_field(field: ExtraField, current) -> forms.Field:
    return forms.DateField(widget=DateInput())


def _flag_field(field: ExtraField, current) -> forms.Field:
    # NullBooleanSelect shows a stored True/False as its option; a plain Select matched neither, so
    # every save of a card cleared its flags.
    widget = forms.NullBooleanSelect()
    widget.choices = [("unknown", EMPTY), ("true", _("Да")), ("false", _("Нет"))]
    return forms.NullBooleanField(widget=widget)


def _string_field(field: ExtraField, current) -> forms.Field:
    return forms.CharField(max_length=1000)


def _initial(value):
    """A stored value as the form field takes it."""
    if isinstance(value, ExtraFieldOption):
        return value.pk
    if isinstance(value, Decimal):
        return numbers.plain(value)
    return value


FILTERS = "clients.filters."
FIELD_TYPES: dict[str, FieldType] = {
    ExtraField.ValueType.LIST: FieldType(
        "value_option",
        _list_field,
        lambda v: v.name,
        parse=cells.parse_option,
        filter=FILTERS + "ExtraListFilter",
        choices=lambda field: [(o.pk, o.name, str(o.pk)) for o in field.option_list],
        from_form=_option_by_pk,
        to_json=lambda option: option.pk,
        from_json=_option_by_pk,
    ),
    ExtraField.ValueType.STRING: FieldType(
        "value_text",
        _string_field,
        str,
        parse=lambda field, raw: cells.parse_text(raw),
        filter=FILTERS + "ExtraTextFilter",
        offers_isset=True,
        from_form=lambda field, text: text or None,
    ),
    ExtraField.ValueType.NUMBER: FieldType(
        "value_number",
        _number_field,
        numbers.number,
        parse=lambda field, raw: cells.parse_number(raw),
        filter=FILTERS + "ExtraRangeFilter",
        offers_isset=True,
        to_json=str,
        from_json=lambda field, value: Decimal(value),
    ),
    ExtraField.ValueType.FLAG: FieldType(
        "value_bool",
        _flag_field,
        lambda v: _("Да") if v else _("Нет"),
        parse=lambda field, raw: cells.parse_flag(raw),
        filter=FILTERS + "ExtraFlagFilter",
        choices=lambda field: [(True, _("Да"), "yes"), (False, _("Нет"), "no")],
    ),
    ExtraField.ValueType.DATE: FieldType(
        "value_date",
        _date_field,
        lambda v: date_format(v, "d.m.Y"),
        parse=lambda field, raw: cells.parse_date(raw),
        filter=FILTERS + "ExtraDateRangeFilter",
        offers_isset=True,
        to_json=lambda day: day.isoformat(),
        from_json=lambda field, value: datetime.date.fromisoformat(value),
    ),
}


def type_of(field: ExtraField) -> FieldType:
    return FIELD_TYPES[field.value_type]


def form_field_name(field: ExtraField) -> str:
    return field.key


def parse(field: ExtraField, raw: object) -> object:
    """An import cell as a value of the field's type (ValidationError with the row's message)."""
    return type_of(field).parse(field, raw)


def to_json(field: ExtraField, value: object) -> object:
    return None if value is None else type_of(field).to_json(value)


def from_json(field: ExtraField, value: object) -> object:
    """A value kept as JSON back as the field's value; LookupError if its list value is gone."""
    return None if value is None else type_of(field).from_json(field, value)


def display(field: ExtraField, value) -> str:
    return EMPTY if value is None else FIELD_TYPES[field.value_type].display(value)


def definitions(*, include_hidden: bool = False, options: bool = True) -> list[ExtraField]:
    """Every extra field with its group and (unless `options` is False: a page that neither draws
    nor checks a list value) its list values as `option_list`.

    Kept per process while the fields', groups' and list values' tables stay the same: one small
    query reads a digest of every column of their rows (any change, by any process, in this
    transaction or a committed one, is a new digest), a tenth of reading and building the fields
    again. The fields are shared by the requests of the process: read them, do not change them."""
    using = router.db_for_read(ExtraField)
    digest = _tables_digest(using)
    key = (digest, include_hidden, options)
    fields = _kept.get(key) if digest is not None else None
    if fields is None:
        fields = _read_definitions(using, include_hidden=include_hidden, options=options)
        if digest is not None:
            if len(_kept) >= 8:
                _kept.clear()
            _kept[key] = fields
    return list(fields)


_kept: dict[tuple, list[ExtraField]] = {}


def forget() -> None:
    """Drop the kept definitions (tests that count what a page reads)."""
    _kept.clear()


def _tables_digest(using: str) -> str | None:
    """md5 of every row of the definitions' tables as text, on PostgreSQL (None elsewhere: the
    definitions are read every time)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    tables = [connection.ops.quote_name(m._meta.db_table) for m in (FieldGroup, ExtraField, ExtraFieldOption)]
    parts = " || '#' || ".join(
        f"coalesce((SELECT string_agg(t::text, '|' ORDER BY t.id) FROM {table} t), '')" for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT md5({parts})")
        return cursor.fetchone()[0]


def _read_definitions(using: str, *, include_hidden: bool, options: bool) -> list[ExtraField]:
    """The fields in two queries, whatever their number. The list values are read by the fields'
    ids and dealt out by hand: a prefetch would bind the field objects into its query one by one
    and build a filtered queryset per field, which cost more than reading them."""
    fields = ExtraField.objects.using(using).select_related("group")
    if not include_hidden:
        fields = fields.filter(hidden=False)
    fields = list(fields)
    if options:
        by_id = {field.pk: field for field in fields}
        for field in fields:
            field.option_list = []
        for option in ExtraFieldOption.objects.using(using).filter(field_id__in=list(by_id)):
            option.field = by_id[option.field_id]
            option.field.option_list.append(option)
    return fields


def signature(fields: Iterable[ExtraField]) -> tuple:
    """Everything about `fields` that their form fields show — every stored attribute and list
    value — as a key for a kept fragment (crm.fragments)."""
    attributes = [f.attname for f in ExtraField._meta.concrete_fields]
    return tuple(
        (
            tuple(getattr(field, name) for name in attributes),
            tuple((o.pk, o.name, o.order, o.retired) for o in field.option_list),
        )
        for field in fields
    )


def client_definitions(*, options: bool = True) -> list[ExtraField]:
    """The fields of clients (not of contact persons): the list's filters and columns, exports."""
    return [f for f in definitions(options=options) if not f.for_contacts]


def for_client(fields: Iterable[ExtraField], client: Client) -> list[ExtraField]:
    return [f for f in fields if f.applies_to_client(client)]


def for_contacts(fields: Iterable[ExtraField]) -> list[ExtraField]:
    return [f for f in fields if f.for_contacts]


def values_of_clients(
    client_ids: Iterable[int], fields: Iterable[ExtraField] | None = None
) -> dict[int, dict[int, object]]:
    """{client id: {field id: value}} for a page of clients, in one query; only of `fields` when given."""
    result: dict[int, dict[int, object]] = {}
    rows = ExtraValue.objects.filter(client_id__in=list(client_ids)).select_related("value_option")
    if fields is not None:
        rows = rows.filter(field__in=list(fields))
    for row in rows:
        result.setdefault(row.client_id, {})[row.field_id] = row.value
    return result


def values_of_contacts(client: Client) -> dict[int, dict[int, object]]:
    """{contact person id: {field id: value}} for all contact persons of a client, in one query."""
    result: dict[int, dict[int, object]] = {}
    for row in ExtraValue.objects.filter(contact__client=client).select_related("value_option"):
        result.setdefault(row.contact_id, {})[row.field_id] = row.value
    return result


def values_of_contact(contact) -> dict[int, object]:
    """{field id: value} of one contact person, in one query."""
    return {
        row.field_id: row.value for row in ExtraValue.objects.filter(contact=contact).select_related("value_option")
    }


def stored_form_values(fields: Iterable[ExtraField], values: dict[int, object] | None) -> dict[str, object]:
    """An owner's stored values as the form holds them: {form field name: value}, None when empty."""
    values = values or {}
    return {form_field_name(f): None if values.get(f.pk) is None else _initial(values[f.pk]) for f in fields}


def add_form_fields(form: forms.Form, fields: Iterable[ExtraField], values: dict[int, object]) -> None:
    """Add one form field per extra field to `form`, with the owner's current values."""
    for field in fields:
        current = values.get(field.pk)
        form_field = FIELD_TYPES[field.value_type].form_field(field, current)
        form_field.label = field.name
        form_field.required = field.required
        form_field.extra_field = field
        form.fields[form_field_name(field)] = form_field
        if current is not None and not form.is_bound:
            form.initial[form_field_name(field)] = _initial(current)


def cleaned_values(form: forms.Form, fields: Iterable[ExtraField]) -> dict[ExtraField, object]:
    """The submitted values, list values as option objects; None means «clear»."""
    result = {}
    for field in fields:
        value = form.cleaned_data.get(form_field_name(field))
        result[field] = None if value is None else type_of(field).from_form(field, value)
    return result


def sections(
    fields: Iterable[ExtraField], values: dict[int, object]
) -> list[tuple[object, list[tuple[ExtraField, str]]]]:
    """The card's user sections in their order, each with (field, shown value) pairs."""
    result: dict[object, list[tuple[ExtraField, str]]] = {}
    for field in fields:
        result.setdefault(field.group, []).append((field, display(field, values.get(field.pk))))
    return list(result.items())
