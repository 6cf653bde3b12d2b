"""«Сегменты»: the segments with their kind and their count now, a dynamic one made from the client
list's filter («Сохранить как сегмент»), edited and deleted by supervisors; «Рассылка» of a
segment or of the filtered list. A segment's clients are the client list filtered by it."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from clients import segments as segment_rules
from clients import services
from clients.forms.segments import SegmentForm
from clients.models import Client, ClientExport, Segment
from clients.services import mailing
from clients.services.segments import SegmentRefused, create_segment, delete_segment, update_segment
from clients.views.exports import send_export_file
from crm import roles, runs
from crm.access import role_required

KEEPERS = (roles.SUPERVISOR, roles.ADMINISTRATOR)


@require_http_methods(["GET", "HEAD"])
@role_required()
def segment_list(request: HttpRequest) -> HttpResponse:
    segments = list(Segment.objects.all())
    counts = segment_rules.counts(segments, request.user)
    rows = [
        (segment, counts.get(segment.pk), segment_rules.segment_problem(segment) if segment.pk not in counts else None)
        for segment in segments
    ]
    return render(
        request, "clients/segments.html", {"rows": rows, "may_keep": roles.has_any_role(request.user, *KEEPERS)}
    )


def _segment_page(request: HttpRequest, form: SegmentForm, segment: Segment | None) -> HttpResponse:
    return render(request, "clients/segment_form.html", {"form": form, "segment": segment})


@require_http_methods(["GET", "POST"])
@role_required(*KEEPERS)
def segment_create(request: HttpRequest) -> HttpResponse:
    """A new segment; opened from the client list with its filter, a dynamic one of that filter."""
    if request.method == "POST":
        form = SegmentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                segment = create_segment(name=data["name"], kind=data["kind"], query=data["query"])
            except SegmentRefused as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Сегмент «%(name)s» создан.") % {"name": segment.name})
                return redirect("clients:segments")
        return _segment_page(request, form, None)
    query = segment_rules.filter_query(request.GET)
    kind = Segment.Kind.DYNAMIC if query else Segment.Kind.MANUAL
    return _segment_page(request, SegmentForm(initial={"kind": kind, "query": query}), None)


@require_http_methods(["GET", "POST"])
@role_required(*KEEPERS)
def segment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    segment = get_object_or_404(Segment, pk=pk)
    if request.method == "POST":
        form = SegmentForm(request.POST, segment=segment)
        if form.is_valid():
            try:
                update_segment(segment, name=form.cleaned_data["name"], query=form.cleaned_data.get("query", ""))
            except SegmentRefused as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Сегмент «%(name)s» сохранён.") % {"name": segment.name})
                return redirect("clients:segments")
        segment.refresh_from_db()
        return _segment_page(request, form, segment)
    return _segment_page(
        request, SegmentForm(initial={"name": segment.name, "query": segment.query}, segment=segment), segment
    )


@require_POST
@role_required(*KEEPERS)
def segment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    segment = get_object_or_404(Segment, pk=pk)
    try:
        delete_segment(segment)
    except SegmentRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Сегмент «%(name)s» удалён.") % {"name": segment.name})
    return redirect("clients:segments")


@require_http_methods(["GET", "POST"])
@role_required()
def client_mailing(request: HttpRequest) -> HttpResponse:
    """«Рассылка» of the client list's filter (a segment: `segments=<id>`): the page says what the
    file holds; its buttons write it (xlsx or csv), in the request or, when large, by the export's
    job, and record it in the clients' history."""
    params = request.POST if request.method == "POST" else request.GET
    query = params.get("query") if request.method == "POST" else segment_rules.filter_query(params)
    query = query or ""
    context = {"query": query, "list_url": f"{reverse('clients:list')}?{query}" if query else reverse("clients:list")}
    try:
        clients = mailing.mailing_clients(query, request.user)
    except mailing.MailingRefused as error:
        return render(request, "clients/mailing.html", {**context, "problem": str(error)})
    if request.method == "POST":
        file_format = params.get("file_format")
        if file_format in ClientExport.Format.values:
            return _send_mailing(request, clients, query, file_format)
        messages.error(request, _("Выберите формат файла: xlsx или csv."))
    context.update(
        total=clients.count(),
        refused=mailing.refused_contacts(clients),
        formats=ClientExport.Format.values,
    )
    return render(request, "clients/mailing.html", context)


def _send_mailing(request: HttpRequest, clients: QuerySet[Client], query: str, file_format: str) -> HttpResponse:
    total = clients.count()
    if total > services.export_sync_limit():
        try:
            export = services.start_export(
                author=request.user,
                query=query,
                columns=[],
                total=total,
                purpose=ClientExport.Purpose.MAILING,
                file_format=file_format,
            )
        except runs.QueueUnavailable as error:
            messages.error(request, str(error))
            return redirect(f"{reverse('clients:mailing')}?{query}")
        return redirect(export)
    out = tempfile.TemporaryFile()
    mailing.write_recorded(clients, file_format, out, user=request.user)
    out.seek(0)
    return send_export_file(out, f"mailing-{timezone.localdate():%Y-%m-%d}.{file_format}", file_format)
