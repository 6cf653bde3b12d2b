"""What the kanban board reads. However many deals a funnel holds, a board is a fixed number of
queries: the counts and sums of every column in one GROUP BY, the first page of every column in
one UNION ALL of index scans (deal_board_idx: stage, newest on the stage first), and the cards of
that page in one more query; «Ещё» reads the next page of one column from where the last ended."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db import connections
from django.db.models import Count, Q, QuerySet, Sum

from funnel.models import Deal, Stage

BOARD_PAGE = 20
CARD_ORDER = ("-stage_entered_at", "-id")
# What a card shows, read as plain rows: a board draws up to 140 cards, and a deal, its client and
# its manager as model objects cost more than the query.
CARD_COLUMNS = (
    "id",
    "title",
    "lead_name",
    "amount",
    "stage_id",
    "stage_entered_at",
    "client_id",
    "client__name",
    "manager__username",
    "manager__first_name",
    "manager__last_name",
)


class Card(NamedTuple):
    """A deal as its card on the board shows it (funnel/board_cards.py)."""

    id: int
    title: str
    lead_name: str
    amount: Decimal | None
    stage_id: int
    stage_entered_at: datetime.datetime
    client_id: int | None
    client_name: str | None
    manager_username: str | None
    manager_first_name: str | None
    manager_last_name: str | None

    @property
    def pk(self) -> int:
        return self.id

    @property
    def manager_name(self) -> str | None:
        """As crm.users.user_name names the manager; None without one."""
        if self.manager_username is None:
            return None
        return f"{self.manager_first_name} {self.manager_last_name}".strip() or self.manager_username


@dataclass
class Column:
    stage: Stage
    count: int = 0
    total: Decimal = Decimal(0)
    deals: list[Card] = field(default_factory=list)

    @property
    def more(self) -> bool:
        return self.count > len(self.deals)

    @property
    def cursor(self) -> str:
        return cursor_of(self.deals[-1]) if self.deals else ""


def cursor_of(deal: Deal | Card) -> str:
    """Where a page of a column ended: the last card's time on the stage and id."""
    return f"{deal.stage_entered_at.isoformat()}_{deal.pk}"


def parse_cursor(text: str) -> tuple[datetime.datetime, int] | None:
    at, _sep, pk = text.rpartition("_")
    try:
        moment = datetime.datetime.fromisoformat(at)
    except ValueError:
        return None
    if not pk.isdigit() or moment.tzinfo is None:
        return None
    return moment, int(pk)


def stage_totals(deals: QuerySet[Deal], stage_ids: Sequence[int]) -> dict[int, tuple[int, Decimal]]:
    """{stage id: (deals, sum of amounts)} in one GROUP BY; for a whole funnel an index-only scan of
    deal_stage_totals_idx (COUNT(*): counting the ids would read the deals)."""
    rows = (
        deals.filter(stage_id__in=stage_ids)
        .order_by()
        .values_list("stage_id")
        .annotate(n=Count("*"), total=Sum("amount"))
    )
    return {stage_id: (n, total or Decimal(0)) for stage_id, n, total in rows}


def cards(ids: Sequence[int]) -> list[Card]:
    """The deals shown as cards, newest on their stage first."""
    found = [Card(*row) for row in Deal.objects.filter(pk__in=ids).values_list(*CARD_COLUMNS)]
    return sorted(found, key=lambda card: (card.stage_entered_at, card.id), reverse=True)


def first_cards(deals: QuerySet[Deal], stage_ids: Sequence[int], size: int = BOARD_PAGE) -> dict[int, list[Card]]:
    """The newest `size` deals of every stage: the ids in one UNION ALL, then the cards. (SQLite,
    the demo's database, takes no LIMIT inside a UNION: there, a query per stage.)"""
    if not stage_ids:
        return {}
    ids = _first_ids(deals, stage_ids, size)
    by_stage: dict[int, list[Card]] = {pk: [] for pk in stage_ids}
    for deal in cards(ids):
        by_stage[deal.stage_id].append(deal)
    return by_stage


# A stage id no stage has, marking where a column's own id goes in the compiled SQL of one column.
_ANY_STAGE = -7_654_321


def _first_ids(deals: QuerySet[Deal], stage_ids: Sequence[int], size: int) -> list[int]:
    """The ids of the newest `size` deals of every stage. Django would compile the same query once
    per column for its UNION; it is compiled once here, for a stage marked by _ANY_STAGE, and each
    column binds its own stage id in its place."""

    def column(stage: int) -> QuerySet:
        return deals.filter(stage_id=stage).order_by(*CARD_ORDER).values_list("pk", flat=True)[:size]

    marked = column(_ANY_STAGE)
    db = connections[marked.db]
    sql, params = marked.query.get_compiler(using=marked.db).as_sql()
    if not db.features.supports_slicing_ordering_in_compound or list(params).count(_ANY_STAGE) != 1:
        return [pk for stage in stage_ids for pk in column(stage)]  # SQLite: a query per column
    at = list(params).index(_ANY_STAGE)
    bound = [value for stage in stage_ids for value in (*params[:at], stage, *params[at + 1 :])]
    with db.cursor() as cursor:
        cursor.execute(" UNION ALL ".join([f"({sql})"] * len(stage_ids)), bound)
        return [row[0] for row in cursor.fetchall()]


def next_cards(deals: QuerySet[Deal], stage: Stage, after: tuple[datetime.datetime, int], size: int = BOARD_PAGE):
    """The page of a column after the card `after` (its time on the stage and id), and whether
    more follow."""
    at, pk = after
    older = Q(stage_entered_at__lt=at) | Q(stage_entered_at=at, id__lt=pk)
    ids = list(deals.filter(older, stage=stage).order_by(*CARD_ORDER).values_list("pk", flat=True)[: size + 1])
    return cards(ids[:size]), len(ids) > size


def board_columns(deals: QuerySet[Deal], stages: Sequence[Stage]) -> list[Column]:
    ids = [s.pk for s in stages]
    totals = stage_totals(deals, ids)
    shown = first_cards(deals, ids)
    columns = []
    for stage in stages:
        count, total = totals.get(stage.pk, (0, Decimal(0)))
        columns.append(Column(stage=stage, count=count, total=total, deals=shown.get(stage.pk, [])))
    return columns
