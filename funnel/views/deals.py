"""A deal: its page (stage buttons, transitions, lines with the margin guard, lead → client), the
form that creates or changes it, and its moves. Views parse and render; funnel.services changes
the deals."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.services import Duplicate
from crm import merge
from crm.access import role_required
from funnel import access, services
from funnel.board_cards import render_cards
from funnel.forms import DealForm, DealLineFormSet, MoveForm, products_for, warnings_token
from funnel.models import Deal, DealLine, Stage
from funnel.querysets import cards
from funnel.services import FunnelError, Line, LinesChanged, MarginNotConfirmed
from sales import services as sales_services
from sales.views.choices import client_options

DEAL_RELATED = ("funnel", "stage", "client", "manager", "lost_reason", "invoice")


def _visible_deal(request: HttpRequest, pk: int) -> Deal:
    return access.visible_deal_or_404(Deal.objects.select_related(*DEAL_RELATED), pk, request.user)


def _changeable_deal(request: HttpRequest, pk: int) -> Deal:
    deal = _visible_deal(request, pk)
    if not access.may_change(request.user, deal):
        raise PermissionDenied
    return deal


def _history(deal: Deal) -> list[dict]:
    """The transitions, each with how long the deal stayed on the stage it reached."""
    transitions = list(deal.transitions.select_related("from_stage", "to_stage", "by"))
    rows = []
    for current, following in zip(transitions, [*transitions[1:], None], strict=False):
        until = following.at if following else timezone.now()
        rows.append({"transition": current, "until": until, "current": following is None})
    return rows


def render_detail(
    request: HttpRequest,
    deal: Deal,
    *,
    status: int = 200,
    formset=None,
    warnings: list[str] = (),
    duplicates: list[Duplicate] = (),
    move_form: MoveForm | None = None,
    lines_conflict: str = "",
    lines_seen: str | None = None,
) -> HttpResponse:
    may_change = access.may_change(request.user, deal)
    saved = list(deal.lines.select_related("product"))
    saved_lines = [Line(x.product, x.quantity, x.price, x.discount) for x in saved]
    if may_change and formset is None:
        formset = DealLineFormSet(
            instance=deal, prefix="lines", products=products_for(deal), queryset=DealLine.objects.filter(deal=deal)
        )
    context = {
        "deal": deal,
        "stages": list(deal.funnel.stages.filter(is_active=True).order_by("order", "pk")),
        "history": _history(deal),
        "lines": saved,
        "margin": services.margin(saved_lines),
        "confirmations": list(deal.margin_confirmations.select_related("user")[:5]),
        "may_change": may_change,
        "formset": formset,
        "warnings": warnings,
        "lines_conflict": lines_conflict,
        # The lines as the user saw them: kept while they correct the form, so a colleague's
        # change in between is still noticed.
        "lines_seen": lines_seen
        if lines_seen is not None
        else request.POST.get("lines_seen") or sales_services.lines_fingerprint(saved),
        "warnings_token": warnings_token(list(warnings)) if warnings else "",
        "duplicates": duplicates,
        "move_form": move_form or MoveForm(initial={"amount": deal.amount}),
        "may_make_invoice": may_change and bool(saved) and not services.invoice_refusal(deal, request.user),
    }
    return render(request, "funnel/deal_detail.html", context, status=status)


@require_GET
@role_required()
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_detail(request, _visible_deal(request, pk))


@require_http_methods(["GET", "POST"])
@role_required()
def deal_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create a deal (on its funnel's first stage, through services.create_deal) or change its
    header; its stage changes only by a move."""
    if pk is None:
        deal = Deal()
        initial = {k: request.GET[k] for k in ("funnel", "client") if request.GET.get(k, "").isdigit()}
    else:
        deal = _changeable_deal(request, pk)
        initial = {}
    data = request.POST if request.method == "POST" else None
    clients = access.clients_for_deals(request.user)
    form = DealForm(data, instance=deal, initial=initial, user=request.user, clients=clients)
    status = 200
    if data is not None:
        if form.is_valid():
            try:
                if pk is None:
                    deal = services.create_deal(form.save(commit=False), user=request.user)
                    messages.success(request, _("Сделка «%(deal)s» создана.") % {"deal": deal.title})
                else:
                    deal = services.update_deal(deal, **form.changes())
                    messages.success(request, _("Сделка «%(deal)s» записана.") % {"deal": deal.title})
            except FunnelError as error:
                messages.error(request, str(error))
                status = 409
            except merge.EditConflict as conflict:
                form.rebase(form.stored(conflict.row), conflict.theirs)
                messages.error(request, merge.CONFLICT_MESSAGE)
                status = 409
            else:
                return redirect(deal)
        else:
            status = 400
    return render(request, "funnel/deal_form.html", {"deal": deal, "form": form}, status=status)


def deal_create(request: HttpRequest) -> HttpResponse:
    return deal_edit(request)


@require_POST
@role_required()
def deal_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a deal to `stage` through services.move, from the board (JSON) or the deal's stage
    buttons. `seen_stage` is the stage the page showed it on: a deal moved by someone else
    meanwhile stays where it is, and the user is told."""
    deal = _visible_deal(request, pk)  # another's deal is not found, as one that does not exist
    as_json = "application/json" in request.headers.get("Accept", "")
    form = MoveForm(request.POST)

    def refuse(message: str, status: int, need: str = "") -> HttpResponse:
        if as_json:
            return JsonResponse({"error": message, "need": need}, status=status)
        messages.error(request, message)
        return render_detail(request, deal, status=status, move_form=form)

    if not form.is_valid():
        return refuse(form.error_text(), 400)
    if not services.may_move(request.user, deal):
        return refuse(_("Перемещать сделку может её менеджер или руководитель."), 403)
    data = form.cleaned_data
    to_stage, seen = data["stage"], data["seen_stage"]
    try:
        moved = services.move(
            deal,
            to_stage,
            user=request.user,
            seen_stage=seen,
            lost_reason=data["lost_reason"],
            amount=data["amount"],
            comment=data["comment"],
        )
    except FunnelError as error:
        fresh = seen is None or seen == deal.stage_id
        return refuse(str(error), 409, _need(deal, to_stage, data) if fresh else "")
    text = _("Сделка «%(deal)s» перенесена на этап «%(stage)s».") % {"deal": moved.title, "stage": to_stage.name}
    if as_json:
        html = render_cards(cards([moved.pk]))
        return JsonResponse({"deal": moved.pk, "stage": to_stage.pk, "message": text, "card": html})
    messages.success(request, text)
    return redirect(moved)


def _need(deal: Deal, to_stage: Stage, data: dict) -> str:
    """What the target stage asks for that the move lacked: «amount» or «reason»."""
    if to_stage.kind == Stage.Kind.WON and deal.funnel.requires_amount and not (data["amount"] or deal.amount):
        return "amount"
    if to_stage.kind == Stage.Kind.LOST and data["lost_reason"] is None:
        return "reason"
    return ""


@require_POST
@role_required()
def deal_lines(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the lines through services.save_lines. When the margin guard warns, the page shows the
    warnings with «Подтверждаю скидку»; ticked for the same warnings, the lines are saved and the
    confirmation logged."""
    deal = _changeable_deal(request, pk)
    formset = DealLineFormSet(
        request.POST,
        instance=deal,
        prefix="lines",
        products=products_for(deal),
        queryset=DealLine.objects.filter(deal=deal),
    )
    if not formset.is_valid():
        messages.error(request, _("Строки не записаны: исправьте отмеченные поля."))
        return render_detail(request, deal, status=400, formset=formset)
    if not formset.has_changed() or request.POST.get("lines-keep") == merge.THEIRS:
        messages.info(request, _("Строки не изменились."))
        return redirect(f"{deal.get_absolute_url()}#lines")
    lines = formset.lines()
    warnings = services.margin_warnings(lines)
    confirmed = bool(warnings) and request.POST.get("confirm_discount") == warnings_token(warnings)
    try:
        deal = services.save_lines(
            deal, lines, user=request.user, confirmed=confirmed, lines_seen=request.POST.get("lines_seen") or None
        )
    except MarginNotConfirmed as refusal:
        return render_detail(request, deal, formset=formset, warnings=refusal.warnings)
    except LinesChanged as changed:
        messages.error(request, str(changed))
        return render_detail(
            request, deal, status=409, formset=formset, lines_conflict=changed.theirs, lines_seen=changed.fingerprint
        )
    except FunnelError as error:
        messages.error(request, str(error))
        return render_detail(request, deal, status=409, formset=formset)
    amount = services.number(deal.amount or Decimal(0))
    if warnings:
        messages.warning(request, _("Строки записаны со скидкой ниже допустимой: подтверждение сохранено."))
    messages.success(request, _("Строки записаны, сумма сделки %(amount)s.") % {"amount": amount})
    return redirect(f"{deal.get_absolute_url()}#lines")


@require_POST
@role_required()
def deal_convert(request: HttpRequest, pk: int) -> HttpResponse:
    """Lead → client. Cards with the lead's e-mail or phone are offered first: link one of them
    (`client`) or create a new card anyway (`create`)."""
    deal = _changeable_deal(request, pk)
    if deal.client_id is not None:
        messages.error(request, _("Сделка уже связана с клиентом «%(client)s».") % {"client": deal.client.name})
        return redirect(deal)
    duplicates = services.lead_duplicates(deal)
    chosen = request.POST.get("client", "")
    client = None
    if chosen:
        client = next((d.client for d in duplicates if str(d.client.pk) == chosen), None)
        if client is None:
            messages.error(request, _("Этот клиент не найден среди похожих на лида: выберите из списка."))
            return render_detail(request, deal, status=400, duplicates=duplicates)
    elif duplicates and not request.POST.get("create"):
        messages.warning(request, _("В базе уже есть клиенты с теми же контактами: свяжите сделку с одним из них."))
        return render_detail(request, deal, duplicates=duplicates)
    try:
        client = services.convert_lead(deal, user=request.user, client=client)
    except FunnelError as error:
        messages.error(request, str(error))
        return redirect(deal)
    if chosen:
        messages.success(request, _("Сделка связана с клиентом «%(client)s».") % {"client": client.name})
    else:
        messages.success(request, _("Создана карточка клиента «%(client)s».") % {"client": client.name})
    return redirect(deal)


@require_POST
@role_required()
def deal_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    """«Создать заявку-накладную» of a won order (services.create_invoice), then its page."""
    deal = _changeable_deal(request, pk)
    try:
        invoice = services.create_invoice(deal, user=request.user)
    except FunnelError as error:
        messages.error(request, str(error))
        return redirect(deal)
    text = _("Создана заявка-накладная № %(number)s по сделке.") % {"number": invoice.number}
    if invoice.contract_id is None:
        text += " " + _("Выберите в ней договор: у клиента нет единственного действующего.")
    messages.success(request, text)
    return redirect("sales:invoice_detail", invoice.pk)


@require_GET
@role_required()
def client_choices(request: HttpRequest) -> HttpResponse:
    """Up to 20 of the clients the user may make deals for, matching the typed text."""
    return client_options(request, access.clients_for_deals(request.user))
