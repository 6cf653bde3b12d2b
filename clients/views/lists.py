"""«Клиенты»: the client list, a declaration on crm.lists.ListView — the FilterSet and the «Колонки»
of the base's extra fields, tick boxes for «Изменить выделенные», and «Excel» through the export's
own path (a job when the list is large)."""

from __future__ import annotations

from functools import cached_property

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clients import extra_fields as extra
from clients.filters import ClientFilterSet, uses_extra_filters
from clients.models import Client, ExtraField, Segment
from clients.tables import ClientTable, extra_column_name
from clients.views.exports import export_clients
from crm.access import role_required
from crm.lists import ListView
from crm.tables import FastTable


class ClientList(ListView):
    table_class = ClientTable
    template_name = "clients/client_list.html"
    table_template_name = "clients/_client_table.html"
    columns_key = "clients"
    export_name = "clients"

    @cached_property
    def every_filter(self) -> bool:
        """Whether the extra fields' filters are drawn or used: the panel «Дополнительные поля» is
        opened (an htmx request of its own) or the query string uses one. Otherwise the page
        neither builds them nor reads the fields' list values."""
        request = self.request
        return bool(request.htmx and request.GET.get("extra_filters")) or uses_extra_filters(request.GET)

    @cached_property
    def fields(self) -> list[ExtraField]:
        return extra.client_definitions(options=self.every_filter or self.exporting)

    def get_queryset(self):
        return Client.objects.all()

    def get_filterset(self, rows) -> ClientFilterSet:
        return ClientFilterSet(
            self.request.GET or None,
            queryset=rows,
            extra_fields=self.fields,
            lazy_extra=not self.every_filter,
            user=self.request.user,
        )

    def column_choices(self) -> list[tuple[str, str]]:
        return [*super().column_choices(), *((extra_column_name(f), f.name) for f in self.fields)]

    def get_table(self, rows, columns: list[str]) -> ClientTable:
        rows = rows.for_list(None if self.exporting else columns)
        return ClientTable(rows, visible=columns, extra_fields=self.fields)

    def get_context_data(self, **context) -> dict:
        """A segment's page is the list filtered by it: the heading names the segment."""
        context = super().get_context_data(**context)
        filterset = context.get("filter")
        chosen = filterset.form.cleaned_data.get("segments") if filterset and filterset.is_valid() else None
        return {**context, "segment": chosen if isinstance(chosen, Segment) else None}

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.htmx and request.GET.get("extra_filters"):
            filterset = self.get_filterset(self.get_queryset())
            return render(request, "clients/_extra_filters.html", {"filter": filterset})
        return super().get(request, *args, **kwargs)

    def export(self, table: FastTable) -> HttpResponse:
        return export_clients(self.request, table, self.fields)


client_list = role_required()(ClientList.as_view())
client_export = role_required()(ClientList.as_view(exporting=True))
