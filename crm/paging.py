"""Paging of long lists (a million clients): a count that is exact while it is cheap and the
planner's estimate beyond, said so on the page («около 1 000 000»), and keyset paging for deep pages.

A list whose filter matches at most `LIST_OFFSET_ROWS` rows (a setting, 10,000 by default) is paged
as it always was: COUNT(*), OFFSET, every page number. A longer one:

- is counted exactly up to `LIST_EXACT_COUNT_UP_TO` rows (100,000 by default; the count stops
  reading there), beyond that the count is the planner's estimate (EXPLAIN), shown as «около N»;
- is sorted with the primary key last, so that every row has a place of its own;
- offers page numbers only for its first LIST_OFFSET_ROWS rows; from there on, «Следующая» carries
  the sort key of the page's last row (`?after=`) and «Предыдущая» that of its first (`?before=`),
  and the page is found through the index from that key, as fast at page 20,000 as at page 2
  (an OFFSET reads and drops every row before the page). A sort by a nullable or related column
  has no keyset: its deep pages are offset ones, reached by «Следующая» too.

`paginate(table, request, per_page, page)` is what crm.lists.ListView calls. A page that counts its
rows its own way (wizard step 3 estimates from a sample) pages them with `CountedPaginator`.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from functools import partial

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import EmptyPage, Page, Paginator
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_tables2.rows import BoundRows

from crm import numbers
from crm.tables import FastTable

DEFAULT_OFFSET_ROWS = 10_000
DEFAULT_EXACT_COUNT_UP_TO = 100_000
AFTER, BEFORE = "after", "before"


def offset_rows() -> int:
    """Rows a list pages through with OFFSET and page numbers; beyond them, keyset paging."""
    return getattr(settings, "LIST_OFFSET_ROWS", DEFAULT_OFFSET_ROWS)


def exact_count_limit() -> int:
    """Up to how many rows a list is counted exactly; beyond, the planner's estimate is shown."""
    return getattr(settings, "LIST_EXACT_COUNT_UP_TO", DEFAULT_EXACT_COUNT_UP_TO)


def bounded_count(rows: QuerySet, limit: int) -> int | None:
    """How many `rows` there are, reading at most `limit` + 1 of them: None when more than `limit`."""
    found = rows.order_by().values("pk")[: limit + 1].count()
    return found if found <= limit else None


def planned_count(rows: QuerySet) -> int:
    """The planner's estimate of how many `rows` there are (EXPLAIN, nothing is read)."""
    if connection.vendor != "postgresql":
        return rows.count()
    sql, params = rows.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def rounded(n: int) -> int:
    """An estimate to two significant digits: 1 034 567 → 1 000 000, 56 789 → 57 000."""
    if n < 100:
        return n
    scale = 10 ** (int(math.log10(n)) - 1)
    return round(n / scale) * scale


class Found(int):
    """A count that may be an estimate (`estimated`); pages do arithmetic with it as with any int."""

    estimated: bool = False

    def __new__(cls, value: int, *, estimated: bool = False):
        found = super().__new__(cls, value)
        found.estimated = estimated
        return found


def count_text(count: int) -> int | str:
    """A count as a page shows it: «около 1 000 000» when it is an estimate, the number otherwise."""
    if getattr(count, "estimated", False):
        return _("около %(count)s") % {"count": numbers.number(count)}
    return count


class CountedPaginator(Paginator):
    """Django's paginator over rows counted beforehand (`count`, a Found that may be an estimate).
    With an estimate, a page reads one row more to know whether another follows, and a page number
    past the real end gives the first page instead of an empty one."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count = count  # the cached property, filled

    @property
    def estimated(self) -> bool:
        return getattr(self.count, "estimated", False)

    @property
    def num_pages(self) -> int:
        return Found(Paginator.num_pages.func(self), estimated=self.estimated)

    def page(self, number) -> Page:
        if not self.estimated:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        records = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not records and number > 1:
            number, records = 1, list(self.object_list[: self.per_page + 1])
        return CountedPage(records[: self.per_page], number, self, has_next=len(records) > self.per_page)


class CountedPage(Page):
    def __init__(self, records: list, number: int, paginator: CountedPaginator, *, has_next: bool):
        super().__init__(records, number, paginator)
        self._has_next = has_next

    def has_next(self) -> bool:
        return self._has_next


# --- keyset ----------------------------------------------------------------------------------------


def sort_keys(rows: QuerySet) -> list[tuple[str, bool]] | None:
    """The list's order as (field name, descending) with the primary key last, or None when a keyset
    cannot follow it (an expression, a related or a nullable column)."""
    order = list(rows.query.order_by) or (list(rows.model._meta.ordering) if rows.query.default_ordering else [])
    meta = rows.model._meta
    keys: list[tuple[str, bool]] = []
    for term in order:
        if not isinstance(term, str) or "__" in term or term == "?":
            return None
        name, descending = term.removeprefix("-"), term.startswith("-")
        if name in ("pk", meta.pk.name):
            keys.append((meta.pk.name, descending))
            return keys  # the rest cannot change the order
        try:
            field = meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if not field.concrete or field.null or field.many_to_many:
            return None
        keys.append((field.attname, descending))
    return [*keys, (meta.pk.name, keys[-1][1] if keys else False)]


def ordered(rows: QuerySet, keys: list[tuple[str, bool]]) -> QuerySet:
    return rows.order_by(*(f"-{name}" if descending else name for name, descending in keys))


def key_of(record, keys: list[tuple[str, bool]]) -> str:
    """The sort key of a row as the text of an address parameter."""
    values = []
    for name, _descending in keys:
        value = getattr(record, name)
        values.append(value.isoformat() if isinstance(value, date | datetime) else str(value))
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def parse_key(text: str, rows: QuerySet, keys: list[tuple[str, bool]]) -> list | None:
    """The values of a key made by key_of (None if it is not one: an edited address)."""
    try:
        values = json.loads(text)
        if not isinstance(values, list) or len(values) != len(keys):
            return None
        fields = [rows.model._meta.get_field(name) for name, _descending in keys]
        return [field.to_python(value) for field, value in zip(fields, values, strict=True)]
    except (ValueError, TypeError, ValidationError, FieldDoesNotExist, ArithmeticError):
        return None


def beyond(rows: QuerySet, keys: list[tuple[str, bool]], values: list, *, backwards: bool) -> QuerySet:
    """The rows after the key (`backwards`: before it), in the list's order (`backwards`: reversed).
    The first column's bound is stated alone as well, so that the index scan starts at the key."""
    conditions = Q()
    for i in range(len(keys) - 1, -1, -1):
        name, descending = keys[i]
        later = f"{name}__lt" if descending != backwards else f"{name}__gt"
        term = Q(**{later: values[i]})
        conditions = term if i == len(keys) - 1 else term | (Q(**{name: values[i]}) & conditions)
    first, descending = keys[0]
    start = Q(**{f"{first}__lte" if descending != backwards else f"{first}__gte": values[0]})
    flipped = [(name, descending != backwards) for name, descending in keys]
    return ordered(rows.filter(start & conditions), flipped)


# --- the paginator --------------------------------------------------------------------------------


class LongPage(Page):
    """A page of a long list: it knows whether a next one follows without the count, and gives the
    pager its links (see LongListPaginator)."""

    def __init__(self, records: list, number: int, paginator: LongListPaginator, *, has_next: bool):
        super().__init__(BoundRows(records, table=paginator.table), number, paginator)
        self.records, self._has_next = records, has_next

    def has_next(self) -> bool:
        return self._has_next

    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def numbers(self) -> list[int | None]:
        """The page numbers offered (None: a gap), all within the offset-paged rows."""
        paginator = self.paginator
        last = max(1, min(paginator.num_pages, offset_rows() // paginator.per_page))
        shown = sorted({1, *range(max(1, self.number - 3), min(last, self.number + 3) + 1)})
        if self.number not in shown:
            shown.append(self.number)
        numbers: list[int | None] = []
        for n in shown:
            if numbers and n - numbers[-1] > 1:
                numbers.append(None)
            numbers.append(n)
        return numbers

    @property
    def next_query(self) -> str:
        return self.paginator.link(self, forward=True)

    @property
    def previous_query(self) -> str:
        return self.paginator.link(self, forward=False)


class LongListPaginator(Paginator):
    """Django's paginator for ListView, with the count and the deep pages of long lists (see the
    module's docstring); `long` tells the table's template to draw the long list's pager."""

    def __init__(self, object_list, per_page, *args, table: FastTable, request: HttpRequest, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.table, self.request = table, request
        self.long = False
        self.keys: list[tuple[str, bool]] | None = None

    def page(self, number) -> Page:
        number = int(number)
        rows: QuerySet = self.table.data.data
        small = offset_rows()
        found = bounded_count(rows, max(small, exact_count_limit()))
        if found is not None and found <= small:
            self.count = found  # the cached property, filled: one COUNT, as before
            return super().page(number)
        self.long = True
        if found is None:
            found = Found(rounded(max(planned_count(rows), exact_count_limit() + 1)), estimated=True)
        self.count = found
        self.keys = sort_keys(rows)
        if self.keys:
            rows = self.table.data.data = ordered(rows, self.keys)
        direction = next((d for d in (AFTER, BEFORE) if d in self.request.GET), None)
        values = parse_key(self.request.GET[direction], rows, self.keys) if direction and self.keys else None
        if values is None:
            return self._offset_page(rows, max(number, 1))
        records = list(beyond(rows, self.keys, values, backwards=direction == BEFORE)[: self.per_page + 1])
        more = len(records) > self.per_page
        records = records[: self.per_page]
        if direction == AFTER:
            return LongPage(records, number, self, has_next=more)
        records.reverse()
        return LongPage(records, number if more else 1, self, has_next=True)

    def _offset_page(self, rows: QuerySet, number: int) -> Page:
        bottom = (number - 1) * self.per_page
        records = list(rows[bottom : bottom + self.per_page + 1])
        if not records and number > 1 and not getattr(self.count, "estimated", False):
            raise EmptyPage(self.error_messages["no_results"])  # past the end: the last page instead
        return LongPage(records[: self.per_page], number, self, has_next=len(records) > self.per_page)

    def link(self, page: LongPage, *, forward: bool) -> str:
        """The query string of the next (previous) page: by its number while it is offset-paged,
        by the sort key of this page's last (first) row beyond."""
        query = self.request.GET.copy()
        for name in (AFTER, BEFORE, "page"):
            query.pop(name, None)
        target = page.number + 1 if forward else page.number - 1
        if self.keys and page.records and (target - 1) * self.per_page >= offset_rows():
            record = page.records[-1] if forward else page.records[0]
            query[AFTER if forward else BEFORE] = key_of(record, self.keys)
        if target > 1:
            query["page"] = str(target)
        return f"?{query.urlencode()}"


def paginate(table: FastTable, request: HttpRequest, per_page: int, page: int) -> None:
    """Page the table of a ListView: long lists as the module says, the others as before (a list
    sorted by an extra field pages itself: ClientQuerySet.page_and_count)."""
    rows = getattr(table.data, "data", None)
    long_lists = isinstance(rows, QuerySet) and not getattr(rows, "_sorted_by_extra", False)
    paginator = partial(LongListPaginator, table=table, request=request) if long_lists else Paginator
    try:
        table.paginate(paginator_class=paginator, per_page=per_page, page=page)
    except EmptyPage:
        table.page = table.paginator.page(table.paginator.num_pages)
