"""Deals stuck on a stage: in work on it longer than the stage's expected time («Ожидаемое время на
этапе»). «Мои дела» shows the user's own (registered as a panel in FunnelConfig.ready)."""

from __future__ import annotations

import datetime
import operator
from functools import reduce

from django.db.models import Q, QuerySet
from django.utils import timezone

from funnel import access
from funnel.models import Deal, Stage

STUCK_SHOWN = 10


def stuck_deals(deals: QuerySet[Deal], now: datetime.datetime | None = None) -> QuerySet[Deal]:
    """Those of `deals` that are stuck: the stages with a limit in one query, then a condition per
    stage (an index scan each on (manager, stage) or (stage, time on it))."""
    now = now or timezone.now()
    limits = Stage.objects.filter(
        kind=Stage.Kind.OPEN, is_active=True, funnel__is_active=True, expected_days__isnull=False
    ).values_list("pk", "expected_days")
    late = [Q(stage_id=pk, stage_entered_at__lt=now - datetime.timedelta(days=days)) for pk, days in limits]
    return deals.filter(reduce(operator.or_, late)) if late else deals.none()


def stuck_deals_panel(user) -> dict | None:
    """The user's stuck deals, the longest on their stage first; nothing when none is stuck."""
    if not access.works_with_deals(user):
        return None
    stuck = stuck_deals(Deal.objects.filter(manager=user))
    # The first ten picked from the deals' own index, then joined: joined first, PostgreSQL read the
    # client, stage and funnel of every stuck deal before sorting (size L: 19 → 3 ms for a manager
    # with 1,100 stuck deals).
    first = stuck.order_by("stage_entered_at", "pk").values("pk")[:STUCK_SHOWN]
    shown = list(
        Deal.objects.filter(pk__in=first).select_related("funnel", "stage", "client").order_by("stage_entered_at", "pk")
    )
    if not shown:
        return None
    count = len(shown) if len(shown) < STUCK_SHOWN else stuck.count()
    return {"deals": shown, "count": count, "user_id": user.pk}
