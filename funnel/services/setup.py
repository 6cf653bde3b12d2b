"""Funnels and their stages («Настройки воронок»): creating a funnel with its stages, adding,
changing, reordering, retiring and restoring a stage (the deals on a retired stage move on)."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from funnel.models import Deal, Funnel, LostReason, Stage, StageTransition
from funnel.services.deals import FunnelError

ORDER_STEP = 10


@transaction.atomic
def create_funnel(*, name: str, kind: str, requires_amount: bool) -> Funnel:
    """A funnel with its two closing stages, «Успех» and «Провал»; open stages are added next."""
    funnel = Funnel.objects.create(name=name.strip(), kind=kind, requires_amount=requires_amount)
    with override(settings.LANGUAGE_CODE):  # stage names are data, stored in the site's language
        Stage.objects.bulk_create(
            [
                Stage(funnel=funnel, name=_("Успех"), kind=Stage.Kind.WON, probability=100, order=ORDER_STEP),
                Stage(funnel=funnel, name=_("Провал"), kind=Stage.Kind.LOST, probability=0, order=2 * ORDER_STEP),
            ]
        )
    return funnel


def _renumber(stages: Sequence[Stage]) -> None:
    for position, stage in enumerate(stages, start=1):
        stage.order = position * ORDER_STEP
    Stage.objects.bulk_update(stages, ["order"])


@transaction.atomic
def add_stage(funnel: Funnel, stage: Stage) -> Stage:
    """Add a stage: an open one goes before the first closing stage, a closing one at the end."""
    Funnel.objects.select_for_update().filter(pk=funnel.pk).values_list("pk").get()
    stage.funnel = funnel
    stage.name = stage.name.strip()
    stage.save()
    others = list(funnel.stages.exclude(pk=stage.pk).order_by("order", "pk"))
    position = len(others)
    if stage.kind == Stage.Kind.OPEN:
        position = next((i for i, s in enumerate(others) if s.is_closed and s.is_active), position)
    others.insert(position, stage)
    _renumber(others)
    return stage


@transaction.atomic
def update_stage(stage: Stage, *, name: str, kind: str, probability: int, expected_days: int | None) -> Stage:
    """Rename a stage or change its probability and expected time; its kind only while no deal
    is on it (a deal on a stage that becomes «Успех» would be won without being moved)."""
    locked = Stage.objects.select_for_update().get(pk=stage.pk)
    if kind != locked.kind and locked.deals.exists():
        raise FunnelError(
            _("На этапе «%(stage)s» есть сделки: его вид не изменить. Сначала перенесите их на другой этап.")
            % {"stage": locked.name}
        )
    if locked.kind == Stage.Kind.OPEN and kind != Stage.Kind.OPEN and locked.is_active:
        _keep_an_open_stage(locked)
    locked.name, locked.kind, locked.probability, locked.expected_days = name.strip(), kind, probability, expected_days
    locked.save(update_fields=["name", "kind", "probability", "expected_days"])
    return locked


def _keep_an_open_stage(stage: Stage) -> None:
    others = stage.funnel.stages.filter(is_active=True, kind=Stage.Kind.OPEN).exclude(pk=stage.pk)
    if not others.exists():
        raise FunnelError(
            _("В воронке должен остаться хотя бы один этап «В работе»: новые сделки встают на первый из них.")
        )


@transaction.atomic
def reorder_stages(funnel: Funnel, stage_ids: Sequence[int]) -> None:
    """Put the funnel's stages in use in the given order (a drop on «Настройки воронок»); stages
    no longer used keep their place after them."""
    Funnel.objects.select_for_update().filter(pk=funnel.pk).values_list("pk").get()
    stages = {s.pk: s for s in funnel.stages.filter(is_active=True)}
    if sorted(stage_ids) != sorted(stages):
        raise FunnelError(_("Этапы воронки изменились, пока страница была открыта. Обновите страницу."))
    retired = list(funnel.stages.filter(is_active=False).order_by("order", "pk"))
    _renumber([stages[pk] for pk in stage_ids] + retired)


@transaction.atomic
def move_stage_deals(
    from_stage: Stage, to_stage: Stage, *, user, lost_reason: LostReason | None = None, comment: str = ""
) -> int:
    """Move every deal of a stage to another one of its funnel, in bulk, writing a transition for
    each deal (as `move` does). Returns how many deals moved."""
    if to_stage.funnel_id != from_stage.funnel_id:
        raise FunnelError(_("Этап «%(stage)s» относится к другой воронке.") % {"stage": to_stage.name})
    if to_stage.pk == from_stage.pk or not to_stage.is_active:
        raise FunnelError(_("Выберите другой этап, который используется."))
    ids = list(Deal.objects.select_for_update().filter(stage=from_stage).order_by("pk").values_list("pk", flat=True))
    if not ids:
        return 0
    deals = Deal.objects.filter(pk__in=ids)
    if to_stage.kind == Stage.Kind.WON and to_stage.funnel.requires_amount:
        without = deals.filter(Q(amount=None) | Q(amount=0)).count()
        if without:
            raise FunnelError(
                _("Сделок без суммы: %(count)s. Без суммы сделку в этой воронке не выиграть: выберите другой этап.")
                % {"count": without}
            )
    changes: dict = {}
    if to_stage.kind == Stage.Kind.LOST:
        if lost_reason is not None:
            changes["lost_reason"] = lost_reason
        elif from_stage.kind != Stage.Kind.LOST:  # from one lost stage to another the reasons stay
            raise FunnelError(_("Укажите причину проигрыша."))
    else:
        changes["lost_reason"] = None
    now = timezone.now()
    StageTransition.objects.bulk_create(
        (
            StageTransition(deal_id=pk, from_stage=from_stage, to_stage=to_stage, at=now, by=user, comment=comment)
            for pk in ids
        ),
        batch_size=5000,
    )
    deals.update(stage=to_stage, stage_entered_at=now, closed_at=now if to_stage.is_closed else None, **changes)
    return len(ids)


@transaction.atomic
def retire_stage(stage: Stage, *, user, move_to: Stage | None = None, lost_reason: LostReason | None = None) -> int:
    """Stop using a stage. Its deals go to `move_to` first — each with a transition — and without
    a `move_to` a stage that still has deals is not retired. Returns how many deals moved."""
    stage = Stage.objects.select_for_update().select_related("funnel").get(pk=stage.pk)
    if not stage.is_active:
        return 0
    if stage.kind == Stage.Kind.OPEN:
        _keep_an_open_stage(stage)
    count = stage.deals.count()
    moved = 0
    if count:
        if move_to is None:
            raise FunnelError(
                _("На этапе «%(stage)s» сделок: %(count)s. Выберите, на какой этап их перенести.")
                % {"stage": stage.name, "count": count}
            )
        with override(settings.LANGUAGE_CODE):
            comment = _("Этап «%(stage)s» больше не используется.") % {"stage": stage.name}
        moved = move_stage_deals(stage, move_to, user=user, lost_reason=lost_reason, comment=comment)
    stage.is_active = False
    stage.save(update_fields=["is_active"])
    return moved


@transaction.atomic
def restore_stage(stage: Stage) -> Stage:
    """Use a retired stage again; it goes back after the stages in use of its kind."""
    stage = Stage.objects.select_for_update().get(pk=stage.pk)
    if stage.is_active:
        return stage
    stage.is_active = True
    stage.save(update_fields=["is_active"])
    active = list(stage.funnel.stages.filter(is_active=True).exclude(pk=stage.pk).order_by("order", "pk"))
    position = len(active)
    if stage.kind == Stage.Kind.OPEN:
        position = next((i for i, s in enumerate(active) if s.is_closed), position)
    active.insert(position, stage)
    _renumber(active + list(stage.funnel.stages.filter(is_active=False).order_by("order", "pk")))
    return stage
