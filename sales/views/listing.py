"""What the document lists share: filter, sort, page, and the table alone for htmx."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_filters import FilterSet
from django_tables2 import RequestConfig

from sales.tables import SalesTable

PAGE_SIZES = (25, 50, 100, 200)


def per_page(request: HttpRequest) -> int:
    try:
        size = int(request.GET.get("per_page", 50))
    except ValueError:
        return 50
    return size if size in PAGE_SIZES else 50


def render_list(
    request: HttpRequest,
    *,
    queryset: QuerySet,
    filterset_class: type[FilterSet],
    table_class: type[SalesTable],
    template: str,
    context: dict | None = None,
) -> HttpResponse:
    filterset = filterset_class(request.GET or None, queryset=queryset)
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
    table = table_class(rows)
    size = per_page(request)
    RequestConfig(request, paginate={"per_page": size}).configure(table)
    context = {"filter": filterset, "table": table, "page_sizes": PAGE_SIZES, "per_page": size, **(context or {})}
    if request.htmx and not request.htmx.boosted:
        return render(request, "sales/_table.html", context)
    return render(request, template, context)
