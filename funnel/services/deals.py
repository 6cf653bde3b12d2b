"""Deals: creating one, moving it between stages (the only way its stage changes, always with a
StageTransition), and its lines with the margin guard."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from clients import access as client_access
from clients import services as client_services
from clients.models import Client, ClientChange, ContactInfo, ContactInfoKind
from clients.services import Duplicate, find_duplicates
from clients.validators import clean_email, clean_phone
from crm import events, merge, numbers, roles
from funnel.models import Deal, Funnel, LostReason, MarginConfirmation, Stage, StageTransition
from sales import services as sales_services
from sales.models import Contract, Invoice

DEAL_MOVED = events.declare("deal.moved", gettext_lazy("Сделка перемещена на другой этап"))
DEAL_WON = events.declare("deal.won", gettext_lazy("Сделка выиграна"))
DEAL_LOST = events.declare("deal.lost", gettext_lazy("Сделка проиграна"))


class FunnelError(Exception):
    """What the funnel's rules do not allow; the message is for the user."""


# Who sees and works every deal (and the clients of deals): the rest are managers, with their own.
ALL_DEALS_ROLES = (roles.SALES_HEAD, roles.SUPERVISOR, roles.ADMINISTRATOR)


def may_move(user, deal: Deal) -> bool:
    """The deal's manager (or anyone, for a deal without one) among managers; sales heads,
    supervisors and administrators move any deal."""
    if roles.has_any_role(user, *ALL_DEALS_ROLES):
        return True
    return roles.has_any_role(user, roles.MANAGER) and deal.manager_id in (None, user.pk)


@transaction.atomic
def create_deal(deal: Deal, *, user, comment: str = "") -> Deal:
    """Save a new deal on its funnel's first open stage (unless a stage is given) and record it as
    the first transition (with `comment`)."""
    if deal.stage_id is None:
        first = deal.funnel.stages.filter(is_active=True, kind=Stage.Kind.OPEN).order_by("order", "pk").first()
        if first is None:
            raise FunnelError(_("В воронке нет ни одного этапа."))
        deal.stage = first
    if deal.stage.funnel_id != deal.funnel_id:
        raise FunnelError(_("Этап относится к другой воронке."))
    now = timezone.now()
    deal.created_at = deal.stage_entered_at = now
    deal.save()
    StageTransition.objects.create(deal=deal, from_stage=None, to_stage=deal.stage, at=now, by=user, comment=comment)
    return deal


@transaction.atomic
def update_deal(deal: Deal, **values) -> Deal:
    """Change a deal's header (never its stage: that is a move). Values as crm.merge.merge_into
    takes them: what the user changed is applied, a field someone else changed meanwhile is a
    conflict."""
    locked = Deal.objects.select_for_update().get(pk=deal.pk)
    if "stage" in values or "funnel" in values:
        raise ValueError("a deal changes its stage only by a move")
    changed = merge.merge_into(locked, values)
    if changed:
        locked.save(update_fields=changed)
    return locked


@transaction.atomic
def move(
    deal: Deal,
    to_stage: Stage,
    *,
    user,
    seen_stage: Stage | int | None = None,
    lost_reason: LostReason | None = None,
    amount: Decimal | None = None,
    comment: str = "",
) -> Deal:
    """Move a deal to `to_stage`, once: `seen_stage` is the stage the user saw it on — if someone
    moved it meanwhile, the move is refused and the user told where it is now. Won needs an amount
    (when the funnel requires one), lost a reason; reopening clears the close."""
    # Lock the row alone: with a join, a row moved by the other transaction would not be found again.
    Deal.objects.select_for_update().filter(pk=deal.pk).values_list("pk").get()
    deal = Deal.objects.select_related("funnel", "stage").get(pk=deal.pk)
    if not may_move(user, deal):
        raise FunnelError(_("Перемещать сделку может её менеджер или руководитель."))
    seen_id = getattr(seen_stage, "pk", seen_stage)
    if seen_id is not None and seen_id != deal.stage_id:
        raise FunnelError(
            _("Сделку уже переместили на этап «%(stage)s». Обновите страницу.") % {"stage": deal.stage.name}
        )
    if to_stage.funnel_id != deal.funnel_id:
        raise FunnelError(_("Этап «%(stage)s» относится к другой воронке.") % {"stage": to_stage.name})
    if not to_stage.is_active:
        raise FunnelError(_("Этап «%(stage)s» больше не используется.") % {"stage": to_stage.name})
    if to_stage.pk == deal.stage_id:
        return deal
    if amount is not None:
        if amount < 0:
            raise FunnelError(_("Сумма сделки не может быть отрицательной."))
        deal.amount = amount
    if to_stage.kind == Stage.Kind.WON and deal.funnel.requires_amount and not deal.amount:
        raise FunnelError(_("Укажите сумму сделки: без неё сделку в этой воронке не выиграть."))
    if to_stage.kind == Stage.Kind.LOST:
        if lost_reason is None:
            raise FunnelError(_("Укажите причину проигрыша."))
        deal.lost_reason = lost_reason
    else:
        deal.lost_reason = None
    now = timezone.now()
    from_stage = deal.stage
    StageTransition.objects.create(
        deal=deal, from_stage=from_stage, to_stage=to_stage, at=now, by=user, comment=comment.strip()
    )
    deal.stage = to_stage
    deal.stage_entered_at = now
    deal.closed_at = now if to_stage.is_closed else None
    deal.save(update_fields=["stage", "stage_entered_at", "closed_at", "lost_reason", "amount"])
    payload = _moved_event(deal, from_stage, user)
    events.emit(DEAL_MOVED, payload)
    if to_stage.kind in (Stage.Kind.WON, Stage.Kind.LOST):
        events.emit(DEAL_WON if to_stage.kind == Stage.Kind.WON else DEAL_LOST, payload)
    return deal


def _stage_data(stage: Stage) -> dict:
    return {"id": stage.pk, "name": stage.name, "kind": stage.kind}


def _moved_event(deal: Deal, from_stage: Stage, user):
    """The payload of a move: the deal, where from and where to, by whom."""

    def payload() -> dict:
        return {
            "id": deal.pk,
            "title": deal.title,
            "funnel": {"id": deal.funnel_id, "name": deal.funnel.name},
            "from_stage": _stage_data(from_stage),
            "to_stage": _stage_data(deal.stage),
            "amount": None if deal.amount is None else str(deal.amount),
            "client_id": deal.client_id,
            "manager_id": deal.manager_id,
            "lost_reason": deal.lost_reason.name if deal.lost_reason else None,
            "moved_by": getattr(user, "pk", None),
            "at": deal.stage_entered_at.isoformat(),
            "url": events.absolute_url(deal.get_absolute_url()),
        }

    return payload


# --- lines and the margin guard ------------------------------------------------------------------------


@dataclass(frozen=True)
class Line(sales_services.Line):
    """A deal's line: an invoice line (the same amount, so the invoice made from the deal comes to
    the deal's sum) with what the margin guard compares."""

    @property
    def unit_price(self) -> Decimal:
        """The price after the discount."""
        return sales_services.money(self.price * (100 - self.discount) / 100)

    @property
    def cost(self) -> Decimal:
        return sales_services.money(self.quantity * self.product.cost)


def margin(lines: Sequence[Line]) -> Decimal | None:
    """The deal's «рентабельность»: (revenue − cost) / revenue, in %; None without revenue."""
    revenue = sum((line.amount for line in lines), Decimal(0))
    if not revenue:
        return None
    cost = sum((line.cost for line in lines), Decimal(0))
    return sales_services.money((revenue - cost) * 100 / revenue)


def number(value: Decimal, places: int = 2) -> str:
    """A number as the user reads it: the locale's separators and a true minus («−6,67»)."""
    return numbers.number(value, places)


def percent(value: Decimal) -> str:
    """«−6,67», and «10» for a whole number."""
    return number(value, 0 if value == value.to_integral_value() else 2)


def margin_warnings(lines: Sequence[Line]) -> list[str]:
    """What the guard says about the lines: each line sold below its product's cost, and a deal
    margin under the minimum (settings.FUNNEL_MIN_MARGIN, %)."""
    warnings = []
    for n, line in enumerate(lines, start=1):
        if line.unit_price < line.product.cost:
            warnings.append(
                _("Строка %(n)s «%(product)s»: цена со скидкой %(price)s ниже себестоимости %(cost)s.")
                % {
                    "n": n,
                    "product": line.product.name,
                    "price": number(line.unit_price),
                    "cost": number(line.product.cost),
                }
            )
    deal_margin = margin(lines)
    minimum = Decimal(str(settings.FUNNEL_MIN_MARGIN))
    if deal_margin is not None and deal_margin < minimum:
        warnings.append(
            _("Рентабельность сделки %(margin)s %% ниже минимальной %(minimum)s %%.")
            % {"margin": percent(deal_margin), "minimum": percent(minimum)}
        )
    return warnings


class MarginNotConfirmed(FunnelError):
    def __init__(self, warnings: list[str]):
        super().__init__(" ".join(warnings))
        self.warnings = warnings


class LinesChanged(FunnelError):
    """Someone else changed the deal's lines after the user saw them (`lines_seen`)."""

    def __init__(self, theirs: str, fingerprint: str):
        super().__init__(_("Строки сделки изменил другой пользователь, пока вы их редактировали."))
        self.theirs = theirs
        self.fingerprint = fingerprint


@transaction.atomic
def save_lines(
    deal: Deal, lines: Sequence[Line], *, user, confirmed: bool = False, lines_seen: str | None = None
) -> Deal:
    """Replace the deal's lines; its amount becomes their sum. If the margin guard warns, saving
    needs `confirmed`, and the confirmation is logged with the numbers. Lines someone else changed
    since the user saw them (`lines_seen`, sales.services.lines_fingerprint) raise LinesChanged."""
    for number, line in enumerate(lines, start=1):
        if line.quantity <= 0:
            raise FunnelError(_("Строка %(n)s: количество должно быть больше нуля.") % {"n": number})
        if line.price < 0:
            raise FunnelError(_("Строка %(n)s: цена не может быть отрицательной.") % {"n": number})
        if not 0 <= line.discount <= 100:
            raise FunnelError(_("Строка %(n)s: скидка — от 0 до 100 %%.") % {"n": number})
    warnings = margin_warnings(lines)
    if warnings and not confirmed:
        raise MarginNotConfirmed(warnings)
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    stored = sales_services.lines_fingerprint(deal.lines.all())
    if lines_seen is not None and stored != lines_seen:
        raise LinesChanged(sales_services.lines_text(deal.lines), stored)
    sales_services.replace_lines(deal.lines, lines)
    deal.amount = sum((line.amount for line in lines), Decimal(0))
    deal.save(update_fields=["amount"])
    if warnings:
        MarginConfirmation.objects.create(deal=deal, user=user, margin=margin(lines) or 0, warnings=warnings)
    return deal


# --- a won order → «Заявка-накладная» -----------------------------------------------------------------


def invoice_refusal(deal: Deal, user) -> str:
    """Why `user` cannot make an invoice from the deal, or "" when they can: the deal must be a won
    one of an orders funnel, with a client, and have no invoice yet; documents of the client are
    made by whoever may change its card (sales.access)."""
    if deal.invoice_id is not None:
        return _("Заявка-накладная по сделке уже создана.")
    if deal.funnel.kind != Funnel.Kind.ORDERS:
        return _("Заявку-накладную создают по сделкам воронки заказов.")
    if deal.stage.kind != Stage.Kind.WON:
        return _("Заявку-накладную создают по выигранной сделке.")
    if deal.client_id is None:
        return _("Сначала создайте клиента из лида: заявка-накладная выписывается клиенту.")
    if not client_access.works_with(deal.client, user):
        return _("Заявки-накладные клиента выписывает его менеджер или руководитель.")
    return ""


@transaction.atomic
def create_invoice(deal: Deal, *, user) -> Invoice:
    """A «Заявка-накладная» of the won order: the deal's client and manager, its lines with their
    prices and discounts, and the client's contract when it has exactly one in force. Once per deal."""
    Deal.objects.select_for_update().filter(pk=deal.pk).values_list("pk").get()
    deal = Deal.objects.select_related("funnel", "stage", "client").get(pk=deal.pk)
    refusal = invoice_refusal(deal, user)
    if refusal:
        raise FunnelError(refusal)
    lines = [
        sales_services.Line(product=x.product, quantity=x.quantity, price=x.price, discount=x.discount)
        for x in deal.lines.select_related("product")
    ]
    if not lines:
        raise FunnelError(_("В сделке нет строк: добавьте товары, чтобы выписать заявку-накладную."))
    contracts = list(Contract.objects.filter(client=deal.client, is_active=True)[:2])
    with override(settings.LANGUAGE_CODE):  # the comment is data, stored in the site's language
        comment = _("По сделке «%(deal)s».") % {"deal": deal.title}
    invoice = Invoice(
        date=timezone.localdate(),
        client=deal.client,
        contract=contracts[0] if len(contracts) == 1 else None,
        manager=deal.manager,
        comment=comment,
    )
    try:
        invoice = sales_services.save_invoice(invoice, lines)
    except sales_services.SalesError as error:
        raise FunnelError(str(error)) from error
    deal.invoice = invoice
    deal.save(update_fields=["invoice"])
    return invoice


# --- lead → client -------------------------------------------------------------------------------------


def lead_contacts(deal: Deal) -> tuple[list[str], list[str]]:
    """The lead's e-mail and phone as the client cards store them (a phone in E.164); a value
    that does not parse is left out."""
    emails, phones = [], []
    if deal.lead_email:
        try:
            emails.append(clean_email(deal.lead_email))
        except ValidationError:
            pass
    if deal.lead_phone:
        try:
            phones.append(clean_phone(deal.lead_phone))
        except ValidationError:
            pass
    return emails, phones


def lead_duplicates(deal: Deal) -> list[Duplicate]:
    """Client cards that already have the lead's ИНН, e-mail or phone."""
    emails, phones = lead_contacts(deal)
    if not emails and not phones and not deal.lead_inn:
        return []
    return find_duplicates(inn=deal.lead_inn, emails=emails, phones=phones)


def _client_from_lead(deal: Deal, user) -> Client:
    """A card from the lead: an organisation when its ИНН has 10 digits, a person otherwise."""
    client = Client(
        kind=Client.Kind.COMPANY if len(deal.lead_inn) == 10 else Client.Kind.INDIVIDUAL,
        name=deal.lead_name,
        inn=deal.lead_inn,
        responsible=deal.manager,
    )
    emails, phones = lead_contacts(deal)
    contact_info = []
    for values, value_type in ((emails, ContactInfoKind.ValueType.EMAIL), (phones, ContactInfoKind.ValueType.PHONE)):
        kind = ContactInfoKind.objects.filter(value_type=value_type, for_clients=True).order_by("order", "pk").first()
        if kind is not None:
            contact_info += [ContactInfo(kind=kind, value=v) for v in values]
    change = client_services.ClientChangeSet(client, contact_info=contact_info, snapshot=True)
    client_services.write([change], user=user, source=ClientChange.Source.CREATED)
    return client


@transaction.atomic
def convert_lead(deal: Deal, *, user, client: Client | None = None) -> Client:
    """Lead → client: link the deal to `client` (a card found by lead_duplicates) or, without one,
    create a card from the lead's name, e-mail and phone, with the deal's manager responsible."""
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    if deal.client_id is not None:
        raise FunnelError(_("Сделка уже связана с клиентом «%(client)s».") % {"client": deal.client.name})
    if client is None:
        if not client_access.works_with(Client(responsible=deal.manager), user):
            raise FunnelError(_("Создать карточку клиента вы не можете: её создаст менеджер сделки или руководитель."))
        client = _client_from_lead(deal, user)
    elif not client_access.works_with(client, user, everyone=ALL_DEALS_ROLES):
        raise FunnelError(
            _("Клиент «%(client)s» не из ваших: связать с ним сделку может его менеджер.") % {"client": client.name}
        )
    deal.client = client
    deal.save(update_fields=["client"])
    return client
