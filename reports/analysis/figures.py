"""«Анализ клиентской базы»: counts of clients in a table with rows by one dimension and columns by
another, from one GROUP BY query.

A dimension knows the expression it groups by, how to name its values (one query at most, whatever
the number of values) and which client-list filter parameter selects exactly the clients of a
value, so that each cell links to the list showing as many clients as the cell counts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import Count, F, FilteredRelation, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients import extra_fields as extra
from clients.filters import NOT_SET, ClientFilterSet, extra_filter_name
from clients.models import BusinessRegion, Client, ExtraField, Segment
from crm.users import user_name

EMPTY_LABEL = gettext_lazy("<не заполнено>")
NO_COLUMNS = "none"
DEFAULT_ROWS = "responsible"
DEFAULT_COLUMNS = "business_region"

Param = tuple[str, str]


@dataclass
class Member:
    """One value of a dimension as a row or column: its label, where it sorts and the client-list
    filter parameter that selects its clients (None when the list cannot express it)."""

    value: object
    label: str
    sort: tuple
    param: Param | None

    @cached_property
    def encoded_param(self) -> str:
        return urlencode([self.param]) if self.param else ""


def _empty_member(value: object, param: Param | None) -> Member:
    return Member(value, str(EMPTY_LABEL), (1,), param)


def _null_param(filterset: ClientFilterSet, name: str) -> Param | None:
    """The «not set» choice of a model-choice filter, if it offers one (`null_label`)."""
    flt = filterset.filters.get(name)
    if flt is None or flt.extra.get("null_label") is None:
        return None
    return name, flt.null_value


def _choice_param(filterset: ClientFilterSet, name: str, value: str) -> Param | None:
    """`name=value` if the filter offers that choice."""
    flt = filterset.filters.get(name)
    if flt is None:
        return None
    choices = flt.extra.get("choices", ())
    choices = choices() if callable(choices) else choices
    return (name, value) if value in {str(c[0]) for c in choices} else None


class Dimension:
    key: str = ""
    label: str = ""
    # A client may have several values (segments): cells then overlap and totals are counted apart.
    multi_valued: bool = False

    def annotate(self, queryset: QuerySet[Client], alias: str) -> QuerySet[Client]:
        """The queryset with the dimension's value of each client as `alias`."""
        raise NotImplementedError

    def members(self, values: Iterable, filterset: ClientFilterSet) -> dict[object, Member]:
        raise NotImplementedError


class ChoiceDimension(Dimension):
    """A client column with fixed choices (Вид, ABC-класс, XYZ-класс); "" means not set."""

    def __init__(self, key: str, label: str, choices: Sequence[tuple[str, str]]):
        self.key, self.label, self.choices = key, label, list(choices)

    def annotate(self, queryset, alias):
        return queryset.annotate(**{alias: F(self.key)})

    def members(self, values, filterset):
        order = {value: i for i, (value, _label) in enumerate(self.choices)}
        labels = dict(self.choices)
        result = {}
        for value in values:
            if value in (None, ""):
                result[value] = _empty_member(value, _choice_param(filterset, self.key, NOT_SET))
            else:
                label = str(labels.get(value, value))
                result[value] = Member(value, label, (0, order.get(value, len(order)), label), (self.key, value))
        return result


class ModelDimension(Dimension):
    """A foreign key or many-to-many relation of the client (Ответственный, Бизнес-регион,
    Сегмент): the names of the values found are read in one query."""

    def __init__(self, key: str, label: str, model, *, multi_valued: bool = False):
        self.key, self.label, self.model, self.multi_valued = key, label, model, multi_valued

    def annotate(self, queryset, alias):
        return queryset.annotate(**{alias: F(self.key)})

    def name(self, obj) -> str:
        return str(obj)

    def selectable(self, obj) -> bool:
        """Whether the list's filter offers this object as a choice."""
        return True

    def members(self, values, filterset):
        ids = [v for v in values if v is not None]
        objects = {o.pk: o for o in self.model._default_manager.filter(pk__in=ids)} if ids else {}
        result = {}
        for value in values:
            obj = objects.get(value)
            if obj is None:
                result[value] = _empty_member(value, _null_param(filterset, self.key))
                continue
            label = self.name(obj)
            param = (self.key, str(value)) if self.selectable(obj) else None
            result[value] = Member(value, label, (0, label.casefold(), value), param)
        return result


class ResponsibleDimension(ModelDimension):
    def __init__(self):
        super().__init__("responsible", _("Ответственный"), get_user_model())

    def name(self, user) -> str:
        return user_name(user)

    def selectable(self, user) -> bool:
        # The list offers active users only: a former employee's clients have no exact link.
        return user.is_active


class ExtraDimension(Dimension):
    """A list or flag extra field of clients, joined once through a FilteredRelation: clients
    without a value get NULL, never a missing row."""

    def __init__(self, extra_field: ExtraField):
        self.field = extra_field
        self.key = extra_filter_name(extra_field)
        self.label = _("%(field)s (Клиент)") % {"field": extra_field.name}

    def annotate(self, queryset, alias):
        relation = f"{alias}_value"
        column = extra.type_of(self.field).column
        return queryset.alias(
            **{relation: FilteredRelation("extra_values", condition=Q(extra_values__field_id=self.field.pk))}
        ).annotate(**{alias: F(f"{relation}__{column}")})

    def members(self, values, filterset):
        choices = extra.type_of(self.field).choices(self.field)
        known = {value: (order, label, param) for order, (value, label, param) in enumerate(choices)}
        result = {}
        for value in values:
            if value is None or value not in known:
                result[value] = _empty_member(value, (self.key, NOT_SET))
            else:
                order, label, param = known[value]
                result[value] = Member(value, label, (0, order), (self.key, param))
        return result


def dimensions(extra_fields: Iterable[ExtraField]) -> dict[str, Dimension]:
    """The dimensions a report may group by, by key: built-in ones, then every list and flag extra
    field of clients."""
    builtin: list[Dimension] = [
        ResponsibleDimension(),
        ModelDimension("business_region", _("Бизнес-регион"), BusinessRegion),
        ChoiceDimension("kind", _("Вид"), Client.Kind.choices),
        ChoiceDimension("abc_class", _("ABC-класс"), Client.ABC.choices),
        ChoiceDimension("xyz_class", _("XYZ-класс"), Client.XYZ.choices),
        ModelDimension("segments", _("Сегмент"), Segment, multi_valued=True),
    ]
    result = {d.key: d for d in builtin}
    for f in extra_fields:
        if not f.for_contacts and extra.type_of(f).groups:
            dimension = ExtraDimension(f)
            result[dimension.key] = dimension
    return result


# --- the table ------------------------------------------------------------------------------------


@dataclass
class Cell:
    count: int
    url: str | None = None


@dataclass
class Row:
    member: Member
    cells: list[Cell]
    total: Cell


@dataclass
class CountTable:
    rows_dimension: Dimension
    columns_dimension: Dimension | None
    columns: list[Member]
    rows: list[Row]
    totals: list[Cell]
    grand_total: Cell

    @property
    def corner(self) -> str:
        if self.columns_dimension is None:
            return self.rows_dimension.label
        return f"{self.rows_dimension.label} / {self.columns_dimension.label}"


def count_table(
    clients: QuerySet[Client],
    rows: Dimension,
    columns: Dimension | None,
    filterset: ClientFilterSet,
    *,
    base_params: Sequence[Param] = (),
) -> CountTable:
    """Count `clients` by (row, column) values: one GROUP BY query, one query per model dimension
    for the names, and only with a multi-valued dimension three more for the totals (its cells
    overlap, so their sums would count a client twice)."""
    dims = [rows] + ([columns] if columns else [])
    multi = any(d.multi_valued for d in dims)
    if multi and any(key == d.key for key, _value in base_params for d in dims if d.multi_valued):
        # A filter on the same relation would otherwise narrow the grouped join to the chosen value.
        clients = Client.objects.filter(pk__in=clients.values("pk"))
    grouped = rows.annotate(clients.order_by(), "row_value")
    if columns:
        grouped = columns.annotate(grouped, "column_value")
    keys = ["row_value"] + (["column_value"] if columns else [])
    counts = {tuple(r[k] for k in keys): r["n"] for r in grouped.values(*keys).annotate(n=Count("pk", distinct=multi))}

    row_members = rows.members({k[0] for k in counts}, filterset)
    column_members = columns.members({k[1] for k in counts}, filterset) if columns else {}
    ordered_rows = sorted(row_members.values(), key=lambda m: m.sort)
    ordered_columns = sorted(column_members.values(), key=lambda m: m.sort)

    if multi:
        row_totals = dict(
            rows.annotate(clients.order_by(), "v").values_list("v").annotate(n=Count("pk", distinct=True))
        )
        column_totals = (
            dict(columns.annotate(clients.order_by(), "v").values_list("v").annotate(n=Count("pk", distinct=True)))
            if columns
            else {}
        )
        grand = clients.order_by().count()
    else:
        row_totals, column_totals = {}, {}
        for key, n in counts.items():
            row_totals[key[0]] = row_totals.get(key[0], 0) + n
            if columns:
                column_totals[key[1]] = column_totals.get(key[1], 0) + n
        grand = sum(counts.values())

    links = _Links(base_params, dims)
    result_rows = []
    for member in ordered_rows:
        cells = []
        for column in ordered_columns:
            n = counts.get((member.value, column.value), 0)
            cells.append(Cell(n, links.url((rows, member), (columns, column)) if n else None))
        result_rows.append(Row(member, cells, Cell(row_totals[member.value], links.url((rows, member)))))
    totals = [Cell(column_totals[c.value], links.url((columns, c))) for c in ordered_columns]
    return CountTable(
        rows_dimension=rows,
        columns_dimension=columns,
        columns=ordered_columns,
        rows=result_rows,
        totals=totals,
        grand_total=Cell(grand, links.url()),
    )


class _Links:
    """Links from cells to the client list: the report's filter with the grouped fields' values of
    the cell in place of the filter's own values of those fields. Every counted client matches the
    filter, so the cell's value lies within it, except for a multi-valued field (a client with
    two segments): its members link only while the filter does not name that field.

    A table has up to a few thousand cells: the list's address and each encoded part are made once."""

    def __init__(self, base_params: Sequence[Param], dims: Sequence[Dimension]):
        self.list_url = reverse("clients:list")
        self.base = list(base_params)
        named = {key for key, _value in self.base}
        self.unlinkable = {d.key for d in dims if d.multi_valued and d.key in named}
        self.encoded_bases: dict[frozenset, str] = {}

    def _base(self, keys: frozenset) -> str:
        if keys not in self.encoded_bases:
            self.encoded_bases[keys] = urlencode([p for p in self.base if p[0] not in keys])
        return self.encoded_bases[keys]

    def url(self, *pairs: tuple[Dimension, Member]) -> str | None:
        keys = frozenset(d.key for d, _m in pairs)
        if keys & self.unlinkable or any(m.param is None for _d, m in pairs):
            return None
        parts = [self._base(keys), *(m.encoded_param for _d, m in pairs)]
        return f"{self.list_url}?{'&'.join(p for p in parts if p)}"
