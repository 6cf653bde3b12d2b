"""«Проверка по ИНН» (clients.services.recheck): the open proposals, by client, to accept or reject
one by one or ticked; the last run's state and «Проверить сейчас»."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients import services
from clients.filters import RecheckFilterSet
from clients.models import RecheckRun
from clients.tables import RecheckTable
from crm import roles, runs
from crm.access import role_required
from crm.lists import ListView

WHO = (roles.MANAGER, roles.SUPERVISOR, roles.ADMINISTRATOR)


class RecheckList(ListView):
    table_class = RecheckTable
    filterset_class = RecheckFilterSet
    template_name = "clients/recheck_list.html"
    table_template_name = "clients/_recheck_table.html"

    def get_queryset(self) -> QuerySet:
        return services.visible_proposals(self.request.user).select_related("client", "client__responsible")

    def get_context_data(self, **context) -> dict:
        may_start = roles.can_manage_all_clients(self.request.user)
        run = RecheckRun.objects.first() if may_start else None
        run = runs.revive(run) if run else None
        # The table is drawn without the request's context: its form's token comes from here.
        return {**context, "run": run, "may_start": may_start, "csrf_token": get_token(self.request)}


recheck_list = role_required(*WHO)(RecheckList.as_view())


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the list, filtered as it was."""
    query = request.POST.get("query", "")
    return redirect(reverse("clients:recheck") + (f"?{query}" if query else ""))


def _id(text: str) -> int | None:
    """A row id sent by the page; None for anything else (a bigint's range, not an error 500)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


@require_POST
@role_required(*WHO)
def recheck_decide(request: HttpRequest) -> HttpResponse:
    """Accept or reject one proposal (its row's button) or the ticked ones."""
    if _id(request.POST.get("accept", "")) or _id(request.POST.get("reject", "")):
        accept = bool(_id(request.POST.get("accept", "")))
        ids = [_id(request.POST["accept" if accept else "reject"])]
    else:
        accept = request.POST.get("bulk") == "accept"
        ids = [pk for pk in map(_id, request.POST.getlist("proposal")) if pk]
        if not ids or request.POST.get("bulk") not in ("accept", "reject"):
            messages.warning(request, _("Отметьте изменения, которые нужно принять или отклонить."))
            return _back(request)
    decision = services.decide(ids, accept=accept, user=request.user)
    if decision.accepted:
        messages.success(request, _("Принято изменений: %(count)s.") % {"count": decision.accepted})
    if decision.rejected:
        messages.info(request, _("Отклонено изменений: %(count)s.") % {"count": decision.rejected})
    for message in decision.refused:
        messages.warning(request, message)
    if not (decision.accepted or decision.rejected or decision.refused):
        messages.warning(request, _("Эти изменения уже рассмотрены или недоступны."))
    return _back(request)


@require_POST
@role_required(roles.SUPERVISOR, roles.ADMINISTRATOR)
def recheck_start(request: HttpRequest) -> HttpResponse:
    """«Проверить сейчас»: a new run, or the failed one continued."""
    try:
        run = services.start_recheck(user=request.user)
    except runs.QueueUnavailable as error:
        messages.error(request, str(error))
        return redirect("clients:recheck")
    run.refresh_from_db()  # done already where jobs run in the request (the demo)
    if run.state != RecheckRun.State.FAILED:
        messages.info(request, _("Проверка по ИНН запущена: изменения появятся здесь по мере проверки."))
    return redirect("clients:recheck")
