"""The client card's «Сделки» (registered as a card panel in FunnelConfig.ready): the client's deals
the user sees — the ones in work first, then the latest closed — with how many are in work, won and
lost and their sums. Two queries however many deals the client has."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Sum, Value, When

from clients.models import Client
from funnel import access
from funnel.models import Deal, Stage

CARD_DEALS = 10


def deals_panel(client: Client, user) -> dict | None:
    if not access.works_with_deals(user):
        return None
    deals = access.visible_deals(Deal.objects.filter(client=client), user)
    summary = {kind: {"count": 0, "total": Decimal(0)} for kind in Stage.Kind.values}
    for kind, count, total in deals.order_by().values_list("stage__kind").annotate(n=Count("pk"), total=Sum("amount")):
        summary[kind] = {"count": count, "total": total or Decimal(0)}
    in_work_first = Case(
        When(stage__kind=Stage.Kind.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    shown = list(
        deals.select_related("funnel", "stage", "manager").order_by(in_work_first, "-stage_entered_at", "-pk")[
            :CARD_DEALS
        ]
    )
    return {
        "client": client,
        "deals": shown,
        "summary": summary,
        "count": sum(s["count"] for s in summary.values()),
        "may_create": access.may_create_for(client, user),
    }
