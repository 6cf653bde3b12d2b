"""«Акты сверки»: making one from the report's client, contract and period, its page (the file sent,
the state buttons, the client's answer, the history), and its two files. Everyone who sees the
client's documents sees its acts (sales.access); whoever works with the client makes and moves them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients import access as client_access
from clients.models import Client
from crm.access import role_required
from sales import access
from sales.forms import MakeReconciliationForm, ReconciliationAnswerForm
from sales.models import Reconciliation
from sales.services import SalesError
from sales.services import reconciliations as services


def _acts() -> QuerySet[Reconciliation]:
    return Reconciliation.objects.select_related("client", "contract", "manager", "author")


def _visible_act(request: HttpRequest, pk: int) -> Reconciliation:
    return access.visible_document_or_404(_acts(), pk, request.user)


def _changeable_act(request: HttpRequest, pk: int) -> Reconciliation:
    act = _visible_act(request, pk)
    if not client_access.works_with(act.client, request.user):
        raise PermissionDenied
    return act


@role_required()
def reconciliation_create(request: HttpRequest) -> HttpResponse:
    """The act's client, contract and period as the report passes them (GET), made on «Сформировать акт» (POST)."""
    data = request.POST if request.method == "POST" else request.GET
    pk = data.get("client", "")
    client = get_object_or_404(Client, pk=pk) if pk.isascii() and pk.isdigit() else None
    if client is None:
        raise Http404
    if not client_access.works_with(client, request.user):
        raise PermissionDenied
    if request.method != "POST":
        form = MakeReconciliationForm(initial=_initial(client, data), client=client)
        return render(request, "sales/reconciliation_create.html", {"form": form, "client": client})
    form = MakeReconciliationForm(data, client=client)
    if form.is_valid():
        try:
            act = services.make_reconciliation(form.scope(), request.user)
        except SalesError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Сформирован %(act)s.") % {"act": act})
            return redirect(act)
    return render(request, "sales/reconciliation_create.html", {"form": form, "client": client}, status=400)


def _initial(client: Client, data: QueryDict) -> dict:
    """The form's values as the report's link gives them (ISO dates; one that cannot be read is left empty)."""
    initial = {"client": client.pk, "contract": data.get("contract", "")}
    for name in ("start", "end"):
        try:
            initial[name] = parse_date(data.get(name, ""))
        except ValueError:
            initial[name] = None
    return initial


def _page(request: HttpRequest, act: Reconciliation, *, answer_form=None, status: int = 200) -> HttpResponse:
    may_change = client_access.works_with(act.client, request.user)
    context = {
        "act": act,
        "scope": services.scope_of(act),
        "may_change": may_change,
        "moves": services.allowed_moves(act) if may_change else [],
        "answer_form": answer_form or ReconciliationAnswerForm(initial=_answer_initial(act)),
        "events": list(act.events.select_related("user")),
    }
    return render(request, "sales/reconciliation_detail.html", context, status=status)


def _answer_initial(act: Reconciliation) -> dict:
    return {"answered_on": act.answered_on, "their_closing": act.their_closing, "comment": act.comment}


@role_required()
def reconciliation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _visible_act(request, pk))


@require_POST
@role_required()
def reconciliation_move(request: HttpRequest, pk: int) -> HttpResponse:
    act = _changeable_act(request, pk)
    try:
        act = services.move(act, request.POST.get("state", ""), request.user)
    except SalesError as error:
        messages.error(request, str(error))
        return _page(request, act, status=400)
    messages.success(request, _("Акт сверки: «%(state)s».") % {"state": act.get_state_display()})
    return redirect(act)


@require_POST
@role_required()
def reconciliation_answer(request: HttpRequest, pk: int) -> HttpResponse:
    act = _changeable_act(request, pk)
    form = ReconciliationAnswerForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, act, answer_form=form, status=400)
    try:
        services.record_answer(
            act,
            request.user,
            answered_on=form.cleaned_data["answered_on"],
            their_closing=form.cleaned_data["their_closing"],
            comment=form.cleaned_data["comment"],
            scan=form.cleaned_data["scan"],
        )
    except SalesError as error:
        form.add_error(None, str(error))
        return _page(request, act, answer_form=form, status=400)
    messages.success(request, _("Ответ клиента записан."))
    return redirect(act)


@role_required()
def reconciliation_file(request: HttpRequest, pk: int) -> FileResponse:
    act = _visible_act(request, pk)
    return FileResponse(act.file.open("rb"), as_attachment=True, filename=f"akt-sverki-{act.year}-{act.number}.xlsx")


@role_required()
def reconciliation_scan(request: HttpRequest, pk: int) -> FileResponse:
    act = _visible_act(request, pk)
    if not act.answer_file:
        raise Http404
    return FileResponse(act.answer_file.open("rb"), as_attachment=True, filename=act.answer_name)
