"""The client list to Excel, and «Загрузка клиентов» from xlsx and csv: upload, map the columns
with a preview, import with a per-row report."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig

from clients import exports, imports, jobs, services
from clients import extra_fields as extra
from clients.filters import ClientFilterSet
from clients.forms import ImportMappingForm, ImportUploadForm
from clients.models import Client, ClientExport, ClientImport
from clients.tables import ClientTable
from clients.views.cards import visible_columns
from crm import roles
from crm.access import role_required

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_ERRORS_SHOWN = 1000


def _client_fields() -> list:
    return [f for f in extra.definitions() if not f.for_contacts]


@require_GET
@role_required()
def client_export(request: HttpRequest) -> HttpResponse:
    """«Excel» on the client list: the same filter, columns and order as the list, all pages. A
    large list is written by a Celery job: the user lands on the export's page and downloads the
    file from there when it is ready."""
    fields = _client_fields()
    filterset = ClientFilterSet(request.GET or None, queryset=Client.objects.for_list(), extra_fields=fields)
    clients = filterset.qs if filterset.is_bound and filterset.is_valid() else Client.objects.for_list()
    table = ClientTable(clients, visible=visible_columns(request, fields), extra_fields=fields)
    RequestConfig(request, paginate=False).configure(table)  # the list's sorting (`sort`)
    names = exports.exportable_columns([c.name for c in table.columns], fields)
    headers = {c.name: str(c.header) for c in table.columns}
    columns = [(name, headers[name]) for name in names]
    total = clients.count()
    if total > services.export_sync_limit():
        export = ClientExport.objects.create(
            author=request.user, query=request.GET.urlencode(), columns=columns, total=total
        )
        jobs.export_clients.delay_on_commit(export.pk)
        return redirect(export)
    out = tempfile.TemporaryFile()
    exports.write_clients(table.data.data, columns, fields, out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=_export_name(), content_type=XLSX)


def _export_name() -> str:
    return f"clients-{timezone.localdate():%Y-%m-%d}.xlsx"


def _own_export(request: HttpRequest, pk: int) -> ClientExport:
    return get_object_or_404(ClientExport, pk=pk, author=request.user)


@require_GET
@role_required()
def client_export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A large export: its progress, then «Скачать»."""
    export = _own_export(request, pk)
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
def client_export_download(request: HttpRequest, pk: int) -> FileResponse:
    export = _own_export(request, pk)
    if export.state != ClientExport.State.DONE or not export.file:
        raise Http404
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=_export_name(), content_type=XLSX)


@require_http_methods(["GET", "POST"])
@role_required(roles.SUPERVISOR, roles.ADMINISTRATOR)
def client_import(request: HttpRequest) -> HttpResponse:
    """Step 1: the file."""
    form = ImportUploadForm(request.POST, request.FILES) if request.method == "POST" else ImportUploadForm()
    if request.method == "POST" and form.is_valid():
        try:
            record = services.create_client_import(form.cleaned_data["file"], user=request.user)
        except imports.ImportFileError as error:
            form.add_error("file", str(error))
        else:
            return redirect(record)
    return render(
        request,
        "clients/import.html",
        {
            "form": form,
            "max_megabytes": f"{imports.max_bytes() / 1024 / 1024:g}",
            "targets": [str(label) for label in imports.BUILTIN_TARGETS.values()],
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(roles.SUPERVISOR, roles.ADMINISTRATOR)
def client_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2, map the columns and preview (a POST without «import», or an htmx POST on every
    change); step 3, import (a POST with «import»); then the report."""
    record = get_object_or_404(ClientImport, pk=pk, user=request.user)
    if record.finished:
        return _report(request, record, services.ImportReport.from_json(record.report))
    fields = _client_fields()
    if request.method == "POST":
        data = request.POST
    else:
        # Bound from the guess, so that a header naming neither «Наименование» nor «ИНН» says so at once.
        guessed = imports.guess_mapping(record.headers, fields)
        data = {ImportMappingForm.column_name(index): target for index, target in guessed.items()}
    form = ImportMappingForm(data, headers=record.headers, fields=fields)
    if request.method == "POST" and "import" in request.POST and form.is_valid():
        try:
            report = services.run_client_import(record, form.mapping(), fields, user=request.user)
        except imports.ImportFileError as error:
            messages.error(request, str(error))
            return redirect("clients:import")
        messages.success(
            request,
            _("Загрузка завершена: создано %(created)s, обновлено %(updated)s, с ошибками %(errors)s.")
            % {"created": report.created, "updated": report.updated, "errors": len(report.errors)},
        )
        return redirect(record)
    preview = None
    if form.is_valid():
        try:
            preview = services.preview_client_import(record, form.mapping(), fields)
        except imports.ImportFileError as error:
            messages.error(request, str(error))
            return redirect("clients:import")
    context = {"record": record, "form": form, "preview": preview, "fields": fields}
    template = "clients/_import_preview.html" if request.htmx else "clients/import_mapping.html"
    return render(request, template, context)


def _report(request: HttpRequest, record: ClientImport, report: services.ImportReport) -> HttpResponse:
    return render(
        request,
        "clients/import_report.html",
        {
            "record": record,
            "report": report,
            "errors": report.errors[:REPORT_ERRORS_SHOWN],
            "errors_hidden": max(0, len(report.errors) - REPORT_ERRORS_SHOWN),
        },
    )
