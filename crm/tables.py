"""The base of our list tables: django-tables2 keeps headers, sorting, paging and column choice;
the body is rendered from plain per-column cell functions, without tables2's per-cell
introspection that costs more than the SQL on a page of 50–200 rows."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from functools import cached_property, partial

import django_tables2 as tables
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.utils.html import conditional_escape, escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django_tables2.utils import AttributeDict


def short_date(value) -> str:
    """«07.12.2026»: date_format(value, "d.m.Y") without its per-call lookup of the format."""
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"


def cell_html(value) -> str:
    """A cell's content as HTML: django.utils.html.conditional_escape without its lazy-string
    wrapper, which cost more than the escaping on a page of a thousand cells."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


class CountingPaginator(Paginator):
    """Django's paginator over a table whose queryset gives a page and the total together
    (`page_and_count(bottom, top)`, see ClientQuerySet): the list's filter runs once per page
    instead of once for COUNT(*) and again for the page. Only past the last page, where no row
    carries the total, does it count the usual way (and tables2 then shows the last page)."""

    def __init__(self, object_list, per_page, *args, table: tables.Table, queryset, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.table = table
        self.queryset = queryset

    def page(self, number) -> Page:
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        bottom = (number - 1) * self.per_page
        records, total = self.queryset.page_and_count(bottom, bottom + self.per_page)
        if total is None:
            raise EmptyPage(self.error_messages["no_results"])
        self.count = total  # the cached property, filled
        return self._get_page(tables.rows.BoundRows(records, table=self.table), number, self)


class FastTable(tables.Table):
    # column name → function(record) returning the cell's HTML (escaped) or text
    cells: dict[str, Callable[[object], str]] = {}
    # column name → function(record) returning what Excel gets (a number, a date, text); a column
    # without one is left out of the file (the tick boxes, say)
    values: dict[str, Callable[[object], object]] = {}
    # the columns «Колонки» may hide, and those it hides until the user chooses
    OPTIONAL: tuple[str, ...] = ()
    DEFAULT_HIDDEN: tuple[str, ...] = ()
    # the columns whose cells are right-aligned (numbers)
    numeric: tuple[str, ...] = ()

    class Meta:
        template_name = "crm/_table.html"

    def __init__(self, data, *, visible: Iterable[str] | None = None, **kwargs):
        """`visible`: the optional columns to show (None: the table as declared)."""
        if visible is not None:
            hidden = [name for name in self.OPTIONAL if name not in visible]
            kwargs["exclude"] = [*kwargs.get("exclude", ()), *hidden]
        super().__init__(data, **kwargs)

    @classmethod
    def default_columns(cls) -> list[str]:
        return [name for name in cls.OPTIONAL if name not in cls.DEFAULT_HIDDEN]

    def paginate(self, paginator_class=Paginator, per_page=None, page=1, *args, **kwargs):
        queryset = getattr(self.data, "data", None)
        if paginator_class is Paginator and hasattr(queryset, "page_and_count"):
            paginator_class = partial(CountingPaginator, table=self, queryset=queryset)
        return super().paginate(paginator_class, per_page, page, *args, **kwargs)

    @cached_property
    def body(self) -> list[SafeString]:
        """The page's rows as HTML, drawn once. crm.lists.ListView draws them in the view, before
        the page's nested templates: CPython 3.11 frees and maps again a 16 KiB chunk of its frame
        stack on every call that crosses the chunk's end, and a list's body drawn deep in the
        templates sat right there (the client list's rows: 6 ms in the view, 26 ms in the
        template)."""
        request = getattr(self, "request", None)
        if request is not None:
            self.before_render(request)  # the columns hidden for this user (render_table does it again)
        return self.html_rows()

    @cached_property
    def head_html(self) -> SafeString:
        """The header row as django_tables2/bootstrap5.html's block table.thead draws it (its
        whitespace included), without a template node and a querystring tag per column."""
        if not self.show_header:
            return mark_safe("\n            \n            ")
        params = dict(self.request.GET) if getattr(self, "request", None) is not None else {}
        cells = []
        for column in self.columns:
            header = conditional_escape(column.header)
            if column.orderable:
                query = escape(
                    "?" + urlencode({**params, self.prefixed_order_by_field: column.order_by_alias.next}, doseq=True)
                )
                inside = f'\n                            <a href="{query}">{header}</a>\n                        '
            else:
                inside = f"\n                            {header}\n                        "
            th = column.attrs["th"].as_html()
            cells.append(
                f'\n                    <th {th} scope="col">\n                        {inside}'
                "\n                    </th>\n                "
            )
        return mark_safe(
            f"\n            \n                <thead {self.attrs.get('thead', AttributeDict()).as_html()}>\n"
            f"                <tr>\n                {''.join(cells)}\n                </tr>\n"
            "                </thead>\n            \n            "
        )

    def html_rows(self) -> list[SafeString]:
        columns = [(self.cells[c.name], ' class="text-end"' if c.name in self.numeric else "") for c in self.columns]
        return [
            mark_safe("".join([f"<td{css}>{cell_html(render(row.record))}</td>" for render, css in columns]))
            for row in self.page.object_list
        ]
