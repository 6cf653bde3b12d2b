"""The one list page of the house, in the manner of NetBox's ObjectListView: a list is a declaration
— its rows, FilterSet, Table and template — and ListView filters, sorts and pages it, answers htmx
with the table alone, remembers the user's «Колонки» and writes what the page shows to Excel.

    class ContractList(ListView):
        table_class = ContractTable              # a crm.tables.FastTable: cells, and values for Excel
        template_name = "sales/contract_list.html"   # extends crm/list.html
        export_name = "contracts"

        def get_queryset(self):                  # or `queryset = ...` when everyone sees every row
            return Contract.objects.select_related("client")

    contract_list = role_required()(ContractList.as_view())
    contract_export = role_required()(ContractList.as_view(exporting=True))  # at "contracts/export/"
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from functools import cached_property
from io import BytesIO

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django_filters import FilterSet
from django_tables2 import RequestConfig
from openpyxl import Workbook

from crm import paging, saved_views, xlsx
from crm.models import ListSettings
from crm.numbers import XLSX_MONEY, number
from crm.tables import FastTable

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
# A larger page number counts as this one (past the end: the last page), not as an OFFSET PostgreSQL refuses.
LAST_PAGE = 1_000_000
# The rows one request writes to Excel; a larger list is narrowed first (the client list has a job).
EXPORT_LIMIT = 20_000
XLSX_DATE = "DD.MM.YYYY"


def page_size(request: HttpRequest, sizes: Iterable[int] = PAGE_SIZES) -> int:
    """`?per_page=`, one of the offered sizes; anything else is the default."""
    value = request.GET.get("per_page", "")
    return next((size for size in sizes if value == str(size)), DEFAULT_PAGE_SIZE)


def page_number(request: HttpRequest) -> int:
    """`?page=`, a page number; anything else is the first page (past the last is the last)."""
    value = request.GET.get("page", "")
    number = int(value) if value.isascii() and value.isdigit() else 0
    return min(number, LAST_PAGE) if number >= 1 else 1


def chosen_columns(request: HttpRequest, key: str, known: Iterable[str], default: list[str]) -> list[str]:
    """The columns the user chose for the list `key` («Колонки» sends `?columns=`), kept per user
    in ListSettings and mirrored in the session, so that a page does not pay a query for them."""
    known = set(known)
    session_key = f"list-columns:{key}"
    in_session = request.session.get(session_key, "")  # "" is never a choice: not looked up yet
    if "columns" in request.GET:
        stored = [name for name in request.GET.getlist("columns") if name in known]
        choice = ListSettings(user=request.user, key=key, columns=stored)
        ListSettings.objects.bulk_create(
            [choice], update_conflicts=True, unique_fields=["user", "key"], update_fields=["columns"]
        )
    elif in_session != "":
        stored = in_session
    else:  # the first page of a session: the choice of an earlier login, or none yet
        stored = ListSettings.objects.filter(user=request.user, key=key).values_list("columns", flat=True).first()
    if stored != in_session:
        request.session[session_key] = stored
    return default if stored is None else [name for name in stored if name in known]


class ListView(View):
    """A filtered, sorted, paged table. Declare the rows (`queryset`, or `get_queryset()` for access
    rules), `filterset_class`, `table_class` (a FastTable) and `template_name` (extending
    crm/list.html); `columns_key` offers «Колонки» (the table's OPTIONAL columns); `export_name`
    gives the «Excel» button, served by the same class with `exporting=True` at the list's address
    + "export/", with the list's query string. «Сохранённые отборы» (crm.saved_views) are kept
    under `views_key`, the `columns_key` by default."""

    http_method_names = ["get", "head"]
    queryset: QuerySet | None = None
    filterset_class: type[FilterSet] | None = None
    table_class: type[FastTable]
    template_name: str
    table_template_name = "crm/_list_table.html"
    page_sizes = PAGE_SIZES
    columns_key = ""
    views_key = ""
    export_name = ""
    exporting = False

    def get_queryset(self) -> QuerySet:
        return self.queryset.all()

    def get_filterset(self, rows: QuerySet) -> FilterSet | None:
        if self.filterset_class is None:
            return None
        return self.filterset_class(self.request.GET or None, queryset=rows)

    def column_choices(self) -> list[tuple[str, str]]:
        """(name, label) of the columns «Колонки» offers."""
        return [(name, self.table_class.base_columns[name].verbose_name) for name in self.table_class.OPTIONAL]

    @cached_property
    def saved_views(self) -> saved_views.Picker | None:
        key = self.views_key or self.columns_key
        return saved_views.Picker(self.request, key) if key else None

    def visible_columns(self) -> list[str] | None:
        """The optional columns shown: those of the saved view picked, or the user's own choice,
        where the page offers one."""
        if not self.columns_key:
            return None
        known = [name for name, _label in self.column_choices()]
        if self.saved_views is not None and (of_view := self.saved_views.current_columns(known)) is not None:
            return of_view
        return chosen_columns(self.request, self.columns_key, known, self.table_class.default_columns())

    def get_table(self, rows: QuerySet, columns: list[str] | None) -> FastTable:
        return self.table_class(rows, visible=columns)

    def get_context_data(self, **context) -> dict:
        """What the page adds to the list's own context."""
        return context

    def filtered_table(self) -> tuple[FilterSet | None, FastTable, list[str] | None]:
        """The filter, and the table of its rows (all of them when the filter is invalid) with the
        visible columns, sorted as asked (`?sort=`), not yet paged."""
        rows = self.get_queryset()
        filterset = self.get_filterset(rows)
        if filterset is not None and filterset.is_bound and filterset.is_valid():
            rows = filterset.qs
        columns = self.visible_columns()
        table = self.get_table(rows, columns)
        # Sorting only: RequestConfig would take `per_page` and `page` from the address unchecked.
        RequestConfig(self.request, paginate=False).configure(table)
        return filterset, table, columns

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        filterset, table, columns = self.filtered_table()
        if self.exporting:
            return self.export(table)
        per_page = page_size(request, self.page_sizes)
        if self.saved_views is not None:
            self.saved_views.columns = columns
        paging.paginate(table, request, per_page, page_number(request))  # long lists: crm/paging.py
        table.body  # drawn here, at a shallow stack (see FastTable.body)  # noqa: B018
        context = self.get_context_data(
            filter=filterset,
            table=table,
            page_sizes=self.page_sizes,
            per_page=per_page,
            columns=self.column_menu(columns),
            export_url=f"{request.path}export/" if self.export_name else None,
            saved_views=self.saved_views,
        )
        # The table is drawn here, not included deep in the page's templates (see FastTable.body).
        table_html = render_to_string(self.table_template_name, {**context, "request": request})
        if request.htmx and not request.htmx.boosted:
            return HttpResponse(table_html)
        return render(request, self.template_name, {**context, "table_html": table_html})

    def column_menu(self, columns: list[str] | None) -> list[tuple[str, str, bool]]:
        if columns is None:
            return []
        return [(name, label, name in columns) for name, label in self.column_choices()]

    def export(self, table: FastTable) -> HttpResponse:
        """The visible columns of the whole filtered, sorted list as a workbook."""
        rows = table.data.data
        total = rows.count()
        if total > EXPORT_LIMIT:
            message = _("В Excel выгружается не больше %(limit)s строк, а отобрано %(count)s. Сузьте отбор.")
            messages.warning(self.request, message % {"limit": number(EXPORT_LIMIT), "count": number(total)})
            return redirect(f"{self.request.path.removesuffix('export/')}?{self.request.GET.urlencode()}")
        return xlsx.xlsx_response(write_table(table, rows), f"{self.export_name}-{timezone.localdate():%Y-%m-%d}.xlsx")


def write_table(table: FastTable, rows: QuerySet) -> bytes:
    """The table's exportable columns, a row per record: dates and amounts (a Decimal is money in
    our tables) in Excel's formats."""
    columns = [column for column in table.columns if column.name in table.values]
    workbook = Workbook()
    sheet = workbook.active
    for index, column in enumerate(columns, start=1):
        xlsx.write(sheet, 1, index, str(column.header), bold=True)
    sheet.freeze_panes = "A2"
    values = [table.values[column.name] for column in columns]
    for row, record in enumerate(rows.iterator(chunk_size=2000), start=2):
        for index, value in enumerate(values, start=1):
            cell = xlsx.write(sheet, row, index, value(record))
            if isinstance(cell.value, Decimal):
                cell.number_format = XLSX_MONEY
            elif isinstance(cell.value, date):
                cell.number_format = XLSX_DATE
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()
