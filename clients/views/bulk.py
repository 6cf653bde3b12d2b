"""«Изменить выделенные»: the clients ticked on the list, or all that match its filter, get the same
values of built-in and extra fields. Small runs are done in the request, large ones by a Celery job
whose progress the run page polls."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.db.models.fields.json import KT
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from clients import extra_fields as extra
from clients import services
from clients.filters import ClientFilterSet
from clients.forms import BulkEditForm
from clients.models import BulkEditRun, Client, ExtraField
from crm import roles, runs
from crm.access import role_required

# Who may change clients at all; a sales head only reads.
BULK_EDIT_ROLES = (roles.MANAGER, roles.SUPERVISOR, roles.ADMINISTRATOR)
PREVIEW_SIZE = 10


@dataclass
class Selection:
    clients: QuerySet[Client]
    all_matching: bool
    filter_query: str  # the list's filter, to go back to it (and, for «all», what selects)
    ticked: list[str]  # the ticked ids as sent, to send them on with the form
    missing: int  # ticked ids that are not (or no longer) clients


class BadFilter(Exception):
    pass


def _selection(params: QueryDict, fields: list[ExtraField], user) -> Selection:
    query = params.get("filter", "")
    if "\x00" in query:  # no list sends it, and PostgreSQL stores no NUL in text
        raise BadFilter
    if params.get("all"):
        data = QueryDict(query)
        filterset = ClientFilterSet(data or None, queryset=Client.objects.all(), extra_fields=fields, user=user)
        if filterset.is_bound and not filterset.is_valid():
            raise BadFilter
        return Selection(filterset.qs, True, query, [], 0)
    ticked = params.getlist("pk")
    ids = {int(value) for value in ticked if value.isdigit()}
    clients = Client.objects.filter(pk__in=ids)
    missing = len(set(ticked)) - clients.count() if ticked else 0
    return Selection(clients, False, query, ticked, missing)


def _list_url(selection_query: str) -> str:
    url = reverse("clients:list")
    return f"{url}?{selection_query}" if selection_query else url


@require_http_methods(["GET", "POST"])
@role_required(*BULK_EDIT_ROLES)
def bulk_edit(request: HttpRequest) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    fields = extra.client_definitions()
    try:
        selection = _selection(params, fields, request.user)
    except BadFilter:
        messages.error(request, _("Условия отбора не распознаны: задайте отбор в списке ещё раз."))
        return redirect("clients:list")
    count = selection.clients.count()
    if count == 0:
        messages.warning(
            request,
            _("Не выбрано ни одного клиента. Отметьте клиентов в списке или «все, подходящие под отбор»."),
        )
        return redirect(_list_url(selection.filter_query))
    if selection.missing:
        messages.warning(
            request,
            ngettext(
                "%(count)d из выбранных клиентов не найден (возможно, его удалили) и пропущен.",
                "%(count)d из выбранных клиентов не найдены (возможно, их удалили) и пропущены.",
                selection.missing,
            )
            % {"count": selection.missing},
        )
    form = BulkEditForm(request.POST if request.method == "POST" else None, extra_fields=fields)
    if request.method == "POST" and form.is_valid():
        ids = list(selection.clients.order_by("pk").values_list("pk", flat=True))
        try:
            run = services.start_bulk_edit(ids, form.changes(), user=request.user, filter_query=selection.filter_query)
        except runs.QueueUnavailable as error:
            form.add_error(None, str(error))  # nothing stored; the form keeps what was chosen
        else:
            return redirect(run)
    if roles.can_manage_all_clients(request.user):
        editable = count
    else:
        editable = selection.clients.filter(Q(responsible=None) | Q(responsible=request.user)).count()
    preview = list(selection.clients.order_by("name", "pk").values_list("pk", "name")[:PREVIEW_SIZE])
    context = {
        "form": form,
        "selection": selection,
        "count": count,
        "editable": editable,
        "not_editable": count - editable,
        "preview": preview,
        "more": count - len(preview),
        "list_url": _list_url(selection.filter_query),
    }
    return render(request, "clients/bulk_edit.html", context)


@require_GET
@role_required(*BULK_EDIT_ROLES)
def bulk_edit_run(request: HttpRequest, pk: int) -> HttpResponse:
    """A run: its progress while a job does it (the partial polls itself), then the result."""
    # The ids in the parameters can be many: only the filter is read, to link back to the list.
    stored = BulkEditRun.objects.defer("parameters").annotate(filter_query=KT("parameters__filter"))
    run = runs.revive(get_object_or_404(stored, pk=pk))
    if run.author_id != request.user.pk and not roles.can_manage_all_clients(request.user):
        raise Http404
    progress = services.bulk_edit_progress(run)
    context = {
        "run": run,
        "progress": progress,
        "percent": round(100 * progress / run.total) if run.total else 0,
        "unchanged": run.total - run.changed - run.skipped if run.state == BulkEditRun.State.DONE else 0,
        "list_url": _list_url(run.filter_query or ""),
    }
    template = "clients/_bulk_edit_progress.html" if request.htmx else "clients/bulk_edit_run.html"
    return render(request, template, context)
