"""Deals: creating one, moving it between stages (the only way its stage changes, always with a
StageTransition), and its lines with the margin guard."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import roles
from funnel.models import Deal, DealLine, LostReason, MarginConfirmation, Stage, StageTransition
from sales.models import Product

CENT = Decimal("0.01")


class FunnelError(Exception):
    """What the funnel's rules do not allow; the message is for the user."""


def may_move(user, deal: Deal) -> bool:
    """The deal's manager (or anyone, for a deal without one) among managers; sales heads,
    supervisors and administrators move any deal."""
    if roles.has_any_role(user, roles.SALES_HEAD, roles.SUPERVISOR, roles.ADMINISTRATOR):
        return True
    return roles.has_any_role(user, roles.MANAGER) and deal.manager_id in (None, user.pk)


@transaction.atomic
def create_deal(deal: Deal, *, user) -> Deal:
    """Save a new deal on its funnel's first open stage (unless a stage is given) and record it as
    the first transition."""
    if deal.stage_id is None:
        deal.stage = deal.funnel.stages.filter(is_active=True, kind=Stage.Kind.OPEN).order_by("order", "pk").first()
        if deal.stage is None:
            raise FunnelError(_("В воронке нет ни одного этапа."))
    if deal.stage.funnel_id != deal.funnel_id:
        raise FunnelError(_("Этап относится к другой воронке."))
    now = timezone.now()
    deal.created_at = deal.stage_entered_at = now
    deal.save()
    StageTransition.objects.create(deal=deal, from_stage=None, to_stage=deal.stage, at=now, by=user)
    return deal


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
    StageTransition.objects.create(
        deal=deal, from_stage=deal.stage, to_stage=to_stage, at=now, by=user, comment=comment.strip()
    )
    deal.stage = to_stage
    deal.stage_entered_at = now
    deal.closed_at = now if to_stage.is_closed else None
    deal.save(update_fields=["stage", "stage_entered_at", "closed_at", "lost_reason", "amount"])
    return deal


# --- lines and the margin guard ------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    product: Product
    quantity: Decimal
    price: Decimal
    discount: Decimal = Decimal(0)

    @property
    def unit_price(self) -> Decimal:
        """The price after the discount."""
        return (self.price * (100 - self.discount) / 100).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def cost(self) -> Decimal:
        return (self.quantity * self.product.cost).quantize(CENT, rounding=ROUND_HALF_UP)


def margin(lines: Sequence[Line]) -> Decimal | None:
    """The deal's «рентабельность»: (revenue − cost) / revenue, in %; None without revenue."""
    revenue = sum((line.amount for line in lines), Decimal(0))
    if not revenue:
        return None
    cost = sum((line.cost for line in lines), Decimal(0))
    return ((revenue - cost) * 100 / revenue).quantize(CENT, rounding=ROUND_HALF_UP)


def margin_warnings(lines: Sequence[Line]) -> list[str]:
    """What the guard says about the lines: each line sold below its product's cost, and a deal
    margin under the minimum (settings.FUNNEL_MIN_MARGIN, %)."""
    warnings = []
    for number, line in enumerate(lines, start=1):
        if line.unit_price < line.product.cost:
            warnings.append(
                _("Строка %(n)s «%(product)s»: цена со скидкой %(price)s ниже себестоимости %(cost)s.")
                % {"n": number, "product": line.product.name, "price": line.unit_price, "cost": line.product.cost}
            )
    deal_margin = margin(lines)
    minimum = Decimal(str(settings.FUNNEL_MIN_MARGIN))
    if deal_margin is not None and deal_margin < minimum:
        warnings.append(
            _("Рентабельность сделки %(margin)s %% ниже минимальной %(minimum)s %%.")
            % {"margin": deal_margin, "minimum": minimum}
        )
    return warnings


class MarginNotConfirmed(FunnelError):
    def __init__(self, warnings: list[str]):
        super().__init__(" ".join(warnings))
        self.warnings = warnings


@transaction.atomic
def save_lines(deal: Deal, lines: Sequence[Line], *, user, confirmed: bool = False) -> Deal:
    """Replace the deal's lines; its amount becomes their sum. If the margin guard warns, saving
    needs `confirmed`, and the confirmation is logged with the numbers."""
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
    deal.lines.all().delete()
    DealLine.objects.bulk_create(
        DealLine(
            deal=deal,
            product=line.product,
            quantity=line.quantity,
            price=line.price,
            discount=line.discount,
            amount=line.amount,
        )
        for line in lines
    )
    deal.amount = sum((line.amount for line in lines), Decimal(0))
    deal.save(update_fields=["amount"])
    if warnings:
        MarginConfirmation.objects.create(deal=deal, user=user, margin=margin(lines) or 0, warnings=warnings)
    return deal
