"""The client list to Excel: in the request when small, by a Celery job when large, then
downloaded from the export's page."""

from __future__ import annotations

import tempfile
from typing import IO

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from clients import exports, services
from clients.models import ClientExport, ExtraField
from clients.tables import ClientTable
from crm import runs
from crm.access import role_required
from crm.xlsx import xlsx_response


def export_clients(request: HttpRequest, table: ClientTable, fields: list[ExtraField]) -> HttpResponse:
    """«Excel» on the client list (clients.views.lists.ClientList): the list's filter, columns and
    order, all pages. A large list is written by a Celery job: the user lands on the export's page
    and downloads the file from there when it is ready."""
    clients = table.data.data
    names = exports.exportable_columns([c.name for c in table.columns], fields)
    headers = {c.name: str(c.header) for c in table.columns}
    columns = [(name, headers[name]) for name in names]
    total = clients.count()
    if total > services.export_sync_limit():
        try:
            export = services.start_export(
                author=request.user, query=request.GET.urlencode(), columns=columns, total=total
            )
        except runs.QueueUnavailable as error:
            messages.error(request, str(error))
            return redirect(f"{reverse('clients:list')}?{request.GET.urlencode()}")
        return redirect(export)
    out = tempfile.TemporaryFile()
    exports.write_clients(clients, columns, fields, out)
    out.seek(0)
    return xlsx_response(out, _export_name())


def _export_name(export: ClientExport | None = None) -> str:
    mailing = export is not None and export.purpose == ClientExport.Purpose.MAILING
    extension = export.file_format if export is not None else ClientExport.Format.XLSX
    return f"{'mailing' if mailing else 'clients'}-{timezone.localdate():%Y-%m-%d}.{extension}"


def send_export_file(content: IO[bytes], filename: str, file_format: str) -> HttpResponse:
    """An export's file as a download: a workbook, or csv text."""
    if file_format == ClientExport.Format.CSV:
        return FileResponse(content, as_attachment=True, filename=filename, content_type="text/csv; charset=utf-8")
    return xlsx_response(content, filename)


def _own_export(request: HttpRequest, pk: int) -> ClientExport:
    return get_object_or_404(ClientExport, pk=pk, author=request.user)


@require_GET
@role_required()
def client_export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A large export: its progress, then «Скачать»."""
    export = runs.revive(_own_export(request, pk))
    done = export.rows if export.finished else services.export_progress(export)
    context = {
        "export": export,
        "done": done,
        "percent": round(100 * done / export.total) if export.total else 0,
        "keep_days": services.export_keep_days(),
    }
    template = "clients/_export_progress.html" if request.htmx else "clients/export.html"
    return render(request, template, context)


@require_GET
@role_required()
def client_export_download(request: HttpRequest, pk: int) -> HttpResponse:
    export = _own_export(request, pk)
    if export.state != ClientExport.State.DONE or not export.file:
        raise Http404
    return send_export_file(export.file.open("rb"), _export_name(export), export.file_format)
