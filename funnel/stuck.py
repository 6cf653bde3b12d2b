"""Deals stuck on a stage: in work on it longer than the stage's expected time («Ожидаемое время на
этапе»). «Мои дела» shows the user's own (registered as a panel in FunnelConfig.ready)."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from crm import roles
from funnel import access
from funnel.models import Deal, Stage

STUCK_SHOWN = 10


def stuck_condition(stages: list[Stage], now: datetime.datetime) -> Q | None:
    """Deals on one of `stages` (each with its expected days) since before their limit; None
    when no stage has a limit."""
    condition = None
    for stage in stages:
        if stage.expected_days is None:
            continue
        late = Q(stage=stage, stage_entered_at__lt=now - datetime.timedelta(days=stage.expected_days))
        condition = late if condition is None else condition | late
    return condition


def stuck_deals(deals: QuerySet[Deal], now: datetime.datetime | None = None) -> QuerySet[Deal]:
    """Those of `deals` that are stuck: the stages with a limit in one query, the deals' filter
    built from them (an index scan per stage on (manager, stage) or (stage, time on it))."""
    stages = list(
        Stage.objects.filter(
            kind=Stage.Kind.OPEN, is_active=True, funnel__is_active=True, expected_days__isnull=False
        ).only("pk", "expected_days")
    )
    condition = stuck_condition(stages, now or timezone.now())
    return deals.none() if condition is None else deals.filter(condition)


def stuck_deals_panel(user) -> dict | None:
    """The user's stuck deals, the longest on their stage first; nothing when none is stuck."""
    if not roles.has_any_role(user, roles.MANAGER, *access.ALL_DEALS_ROLES):
        return None
    now = timezone.now()
    stuck = stuck_deals(Deal.objects.filter(manager=user), now)
    shown = list(stuck.select_related("funnel", "stage", "client").order_by("stage_entered_at", "pk")[:STUCK_SHOWN])
    if not shown:
        return None
    count = len(shown) if len(shown) < STUCK_SHOWN else stuck.count()
    for deal in shown:
        deal.days_on_stage = (now - deal.stage_entered_at).days
    return {"deals": shown, "count": count, "user_id": user.pk}
