"""«Дубли» and «Объединение карточек»: the groups the last search found (a crm.lists.ListView over
stored groups), «Найти дубли» (a run), the side-by-side preview with a choice per field, the merge,
its record and its undo."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients import access
from clients.filters import DuplicateGroupFilterSet
from clients.models import UNDO_DAYS, Client, ClientMerge, DuplicateGroup, DuplicateSearch
from clients.services import duplicates, merging
from clients.tables import DuplicateGroupTable
from crm import roles, runs
from crm.access import role_required
from crm.lists import ListView

MERGE_ROLES = (roles.MANAGER, roles.SUPERVISOR, roles.ADMINISTRATOR)
RECENT_MERGES = 10


class DuplicateList(ListView):
    """The groups of the last finished search, largest first; a manager sees the groups whose every
    card is theirs (or unassigned), as they may merge only those."""

    filterset_class = DuplicateGroupFilterSet
    table_class = DuplicateGroupTable
    template_name = "clients/duplicates.html"

    def get_queryset(self) -> QuerySet:
        shown = duplicates.shown_search()
        groups = DuplicateGroup.objects.filter(search=shown) if shown else DuplicateGroup.objects.none()
        user = self.request.user
        if not roles.can_manage_all_clients(user):
            others = DuplicateGroup.clients.through.objects.filter(duplicategroup_id=OuterRef("pk")).exclude(
                Q(client__responsible=None) | Q(client__responsible=user)
            )
            groups = groups.exclude(Exists(others))
        members = Client.objects.select_related("responsible").order_by("pk")
        return groups.prefetch_related(Prefetch("clients", queryset=members))

    def get_context_data(self, **context) -> dict:
        user = self.request.user
        search = duplicates.latest_search()
        if search is not None:
            search = runs.revive(search)
        merges = ClientMerge.objects.filter(at__gte=timezone.now() - timezone.timedelta(days=UNDO_DAYS))
        if not roles.can_manage_all_clients(user):
            merges = merges.filter(author=user)
        return {
            **context,
            "search": search,
            "shown": duplicates.shown_search(),
            "may_search": roles.can_manage_all_clients(user),
            "merges": merges.select_related("survivor")[:RECENT_MERGES],
            **_search_progress(search),
        }


def _search_progress(search: DuplicateSearch | None) -> dict:
    done = runs.progress(search) if search is not None and not search.finished else 0
    return {"step": done, "steps": duplicates.STEPS, "percent": round(100 * done / duplicates.STEPS)}


duplicate_list = role_required(*MERGE_ROLES)(DuplicateList.as_view())


@require_POST
@role_required(roles.SUPERVISOR, roles.ADMINISTRATOR)
def duplicates_find(request: HttpRequest) -> HttpResponse:
    """«Найти дубли»: a search over the whole base, by a Celery job."""
    try:
        duplicates.start_search(user=request.user)
    except runs.QueueUnavailable as error:
        messages.error(request, str(error))
    return redirect("clients:duplicates")


@require_GET
@role_required(*MERGE_ROLES)
def duplicate_search(request: HttpRequest, pk: int) -> HttpResponse:
    """A search's progress, polled by the duplicates page while it runs."""
    search = runs.revive(get_object_or_404(DuplicateSearch, pk=pk))
    return render(request, "clients/_duplicate_search.html", {"search": search, **_search_progress(search)})


def _ids(values: list[str]) -> list[int]:
    return list(dict.fromkeys(int(v) for v in values if v.isascii() and v.isdigit()))


@require_http_methods(["GET", "POST"])
@role_required(*MERGE_ROLES)
def merge(request: HttpRequest) -> HttpResponse:
    """The preview of merging `?ids=` (the first, or `survivor`, stays), and the merge (POST)."""
    params = request.POST if request.method == "POST" else request.GET
    ids = _ids(params.getlist("ids"))
    if len(ids) < 2:
        messages.error(request, _("Для объединения выберите две карточки или больше."))
        return redirect("clients:duplicates")
    clients = access.mergeable_clients(request.user, ids)
    survivor = params.get("survivor", "")
    survivor_id = int(survivor) if survivor.isdigit() and int(survivor) in ids else ids[0]
    if request.method == "POST":
        choices = {
            key.removeprefix("field_"): int(v) for key, v in params.items() if key.startswith("field_") and v.isdigit()
        }
        versions = {
            int(key.removeprefix("version_")): int(v)
            for key, v in params.items()
            if key.startswith("version_") and key.removeprefix("version_").isdigit() and v.isdigit()
        }
        try:
            record = merging.merge(ids, survivor_id, choices, versions, user=request.user)
        except merging.MergeRefused as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Карточки объединены. Отменить объединение можно в течение %(days)s дней.") % {"days": UNDO_DAYS},
            )
            return redirect(record)
    plan = merging.preview(clients, survivor_id)
    return render(request, "clients/merge.html", {"plan": plan, "ids": ids})


def _merge_record(request: HttpRequest, pk: int) -> ClientMerge:
    record = get_object_or_404(ClientMerge.objects.select_related("survivor", "author", "undone_by"), pk=pk)
    if not roles.can_manage_all_clients(request.user) and record.author_id != request.user.pk:
        raise Http404
    return record


@require_GET
@role_required(*MERGE_ROLES)
def merge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = _merge_record(request, pk)
    merged = Client.all_objects.filter(pk__in=record.merged).order_by("pk")
    context = {"record": record, "merged": merged, "counts": merging.labelled(record.counts)}
    return render(request, "clients/merge_detail.html", context)


@require_POST
@role_required(*MERGE_ROLES)
def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    record = _merge_record(request, pk)
    try:
        merging.undo(record.pk, user=request.user)
    except merging.MergeRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Объединение отменено: карточки восстановлены."))
    return redirect(record)
