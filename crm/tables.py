"""The base of our list tables: django-tables2 keeps headers, sorting, paging and column choice;
the body is rendered from plain per-column cell functions, without tables2's per-cell
introspection that costs more than the SQL on a page of 50–200 rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property, partial

import django_tables2 as tables
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django_tables2.templatetags.django_tables2 import table_page_range
from django_tables2.utils import AttributeDict

from crm.html import esc


def short_date(value) -> str:
    """«07.12.2026»: date_format(value, "d.m.Y") without its per-call lookup of the format."""
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"


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
        cells = []
        for column in self.columns:
            header = esc(column.header)
            if column.orderable:
                query = self._query_with(self.prefixed_order_by_field, column.order_by_alias.next)
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

    @cached_property
    def pager_html(self) -> SafeString:
        """The page links as django_tables2/bootstrap5.html's block pagination draws them (its
        whitespace included), without a template node and a querystring tag per link."""
        page = getattr(self, "page", None)
        if not page or self.paginator.num_pages <= 1:
            return mark_safe("\n        \n    ")

        def query(number) -> str:
            return self._query_with(self.prefixed_page_field, number)

        parts = [
            '\n        \n        <nav aria-label="Table navigation">\n'
            '            <ul class="pagination justify-content-center">\n            '
        ]
        if page.has_previous():
            parts.append(
                '\n                \n                <li class="previous page-item">\n'
                f'                    <a href="{query(page.previous_page_number())}" class="page-link">\n'
                '                        <span aria-hidden="true">&laquo;</span>\n'
                f"                        {gettext('previous')}\n"
                "                    </a>\n                </li>\n                \n            "
            )
        parts.append("\n            ")
        if page.has_previous() or page.has_next():
            parts.append("\n            \n            ")
            for number in table_page_range(page, self.paginator):
                active = " active" if page.number == number else ""
                link = f'href="{query(number)}"' if number != "..." else ""
                parts.append(
                    f'\n                <li class="page-item{active}">\n'
                    f'                    <a class="page-link" {link}>\n'
                    f"                        {esc(localize(number))}\n"
                    "                    </a>\n                </li>\n            "
                )
            parts.append("\n            \n            ")
        parts.append("\n            ")
        if page.has_next():
            parts.append(
                '\n                \n                <li class="next page-item">\n'
                f'                    <a href="{query(page.next_page_number())}" class="page-link">\n'
                f"                        {gettext('next')}\n"
                '                        <span aria-hidden="true">&raquo;</span>\n'
                "                    </a>\n                </li>\n                \n            "
            )
        parts.append("\n            </ul>\n        </nav>\n        \n    ")
        return mark_safe("".join(parts))

    def _query_with(self, key: str, value) -> str:
        """The page's query string with `key` set to `value`, escaped: what django_tables2's
        querystring_replace tag gives."""
        params = dict(self.request.GET) if getattr(self, "request", None) is not None else {}
        return escape("?" + urlencode({**params, key: value}, doseq=True))

    def html_rows(self) -> list[SafeString]:
        columns = [(self.cells[c.name], ' class="text-end"' if c.name in self.numeric else "") for c in self.columns]
        return [
            mark_safe("".join([f"<td{css}>{esc(render(row.record))}</td>" for render, css in columns]))
            for row in self.page.object_list
        ]
