"""«Загрузка клиентов» from xlsx and csv: upload, map the columns with a preview, import with a
per-row report."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clients import extra_fields as extra
from clients import import_files, imports, services
from clients.forms import ImportMappingForm, ImportUploadForm
from clients.models import ClientImport
from crm import roles
from crm.access import role_required

REPORT_ERRORS_SHOWN = 1000


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
            "max_megabytes": import_files.megabytes(import_files.max_bytes()),
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
    fields = extra.client_definitions()
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
