"""The figures of the funnel reports, from the deals and their transitions (funnel.models): pure
functions over querysets already narrowed to what the user sees and asked for (filters.Scope).

«Конверсия воронки» — the cohort is the deals given. A deal *reached* an open stage when it ever
entered that stage, or any open stage ordered after it, or ever entered a won stage: a deal that
skipped a stage still passed it, and a deal moved back and forward (or reopened) counts once, at its
deepest point. Conversion to the next stage is reached(next) / reached(this); the last open stage
converts to «Успех» (deals ever won); «от начала» is reached / cohort. «Успех», «Провал» and «В
работе» are where the cohort's deals are now; the overall conversion is now-won / cohort. «Проиграно
на этапе»: the deals now lost, by the stage they were lost from (a deal lost straight from «Успех»
counts on no stage). One query groups the deals by their deepest stage and present kind, one more
counts the losses.

«Время на этапах» — a stay is a transition into a stage; it ends at the deal's next transition
(by time, then id). A deal entering a stage twice stays twice; a skipped stage has no stay. Per
open stage: the completed stays entered in the period, their mean and median length, and the stays
not ended yet (the deals on the stage now) with their mean length so far. The next transition is
found with LEAD() over all the deal's transitions; the median is percentile_cont() on PostgreSQL and
the middle rows by ROW_NUMBER() and COUNT() windows elsewhere (SQLite): one query either way.

«Воронка по менеджерам» — the deals by manager: won, lost, in work, conversion (won / deals), the
average cycle of the won deals (created → closed) and their revenue; one GROUP BY.

«Повторные продажи» — the won deals by client: how many, the revenue, the first and last win and
the average days between wins (last − first) / (wins − 1); one GROUP BY for the page and one for
the summary (clients by number of wins)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Avg, Case, Count, F, IntegerField, Max, Min, Q, QuerySet, Sum, Value, When, Window
from django.db.models.functions import Coalesce, Lead

from crm.grids import percent
from funnel.models import Deal, Stage, StageTransition

ZERO = Decimal("0.00")
DAY = 86_400
OPEN, WON, LOST = Stage.Kind.OPEN, Stage.Kind.WON, Stage.Kind.LOST
# The median of the stays: percentile_cont on PostgreSQL, else (SQLite) the middle rows by ROW_NUMBER().
PERCENTILE = True


def days(seconds: float | Decimal | None) -> Decimal | None:
    """Seconds as days: to one decimal (a half up) from a day on; under a day to the minute, so
    that a stay of hours reads «5 ч 20 мин» (crm.numbers.days)."""
    if seconds is None:
        return None
    value = Decimal(str(seconds)) / DAY
    if value < 1:
        minutes = (Decimal(str(seconds)) / 60).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return (minutes / 1440).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _rows(sql: str, params: Sequence) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _seconds(later: str, earlier: str) -> str:
    """SQL: the seconds between two timestamps, on PostgreSQL and on SQLite."""
    if connection.vendor == "postgresql":
        return f"date_part('epoch', {later} - {earlier})"  # a float8: sorts faster than EXTRACT's numeric
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


def _moment(value: datetime.datetime):
    """A timestamp as a raw query's parameter, stored the way the backend stores them."""
    return connection.ops.adapt_datetimefield_value(value)


# --- «Конверсия воронки» ---------------------------------------------------------------------------------


@dataclass
class StageLine:
    stage: Stage
    reached: int = 0
    entered: int = 0  # entered the stage itself (a retired stage is shown only then)
    lost: int = 0  # lost from this stage
    next_conversion: Decimal | None = None  # reached(next) / reached(this), %
    from_start: Decimal | None = None  # reached / cohort, %

    @property
    def retired(self) -> bool:
        return not self.stage.is_active


@dataclass
class Conversion:
    cohort: int = 0
    stages: list[StageLine] = field(default_factory=list)
    ever_won: int = 0  # reached «Успех»
    won: int = 0  # now on a won stage
    lost: int = 0
    open: int = 0

    @property
    def overall(self) -> Decimal | None:
        return percent(Decimal(self.won), Decimal(self.cohort))


def conversion(deals: QuerySet[Deal], stages: Sequence[Stage]) -> Conversion:
    """The conversion of `deals` (the cohort) through `stages` (all of its funnel's, in order)."""
    opened = [s for s in stages if s.kind == OPEN]
    won_ids = [s.pk for s in stages if s.kind == WON]
    won_rank = len(opened) + 1
    whens = [When(transitions__to_stage_id=s.pk, then=Value(rank)) for rank, s in enumerate(opened, start=1)]
    if won_ids:
        whens.append(When(transitions__to_stage_id__in=won_ids, then=Value(won_rank)))
    retired = [s for s in opened if not s.is_active]
    entered = {
        f"entered_{s.pk}": Max(Case(When(transitions__to_stage_id=s.pk, then=Value(1)), default=Value(0)))
        for s in retired
    }
    per_deal = (
        deals.order_by()
        .values("pk", now=F("stage__kind"))
        .annotate(deepest=Max(Case(*whens, default=Value(0), output_field=IntegerField())), **entered)
    )
    sql, params = per_deal.query.sql_with_params()
    sums = "".join(f", SUM(d.entered_{s.pk})" for s in retired)
    rows = _rows(f"SELECT d.now, d.deepest, COUNT(*){sums} FROM ({sql}) d GROUP BY d.now, d.deepest", params)

    result = Conversion()
    reached_at = [0] * (won_rank + 1)  # deals whose deepest point is this rank
    entered_retired = {s.pk: 0 for s in retired}
    for now, deepest, n, *entered_counts in rows:
        result.cohort += n
        reached_at[deepest or 0] += n
        if now == WON:
            result.won += n
        elif now == LOST:
            result.lost += n
        else:
            result.open += n
        for stage, count in zip(retired, entered_counts, strict=True):
            entered_retired[stage.pk] += count or 0
    # reached(rank) = deals whose deepest point is this rank or later
    reached = [0] * (won_rank + 2)
    for rank in range(won_rank, 0, -1):
        reached[rank] = reached[rank + 1] + reached_at[rank]
    result.ever_won = reached[won_rank]

    lost_from = _lost_from(deals)
    for rank, stage in enumerate(opened, start=1):
        if stage.is_active or entered_retired[stage.pk]:
            result.stages.append(
                StageLine(stage, reached[rank], entered_retired.get(stage.pk, 0), lost_from.get(stage.pk, 0))
            )
    cohort = Decimal(result.cohort)
    for index, line in enumerate(result.stages):
        after = result.stages[index + 1].reached if index + 1 < len(result.stages) else result.ever_won
        line.next_conversion = percent(Decimal(after), Decimal(line.reached))
        line.from_start = percent(Decimal(line.reached), cohort)
    return result


def _lost_from(deals: QuerySet[Deal]) -> dict[int, int]:
    """{stage id: deals now lost that were moved to the lost stage from it}: the transition into the
    deal's present stage, at the moment it entered it."""
    rows = (
        deals.filter(stage__kind=LOST, transitions__to_stage_id=F("stage_id"), transitions__at=F("stage_entered_at"))
        .order_by()
        .values_list("transitions__from_stage_id")
        .annotate(n=Count("pk", distinct=True))
    )
    return {stage_id: n for stage_id, n in rows if stage_id is not None}


# --- «Время на этапах» -----------------------------------------------------------------------------------


@dataclass
class StayLine:
    stage: Stage
    stays: int = 0  # completed stays
    mean: Decimal | None = None  # days
    median: Decimal | None = None
    now: int = 0  # stays not ended: the deals on the stage now
    now_mean: Decimal | None = None


def time_in_stage(
    deals: QuerySet[Deal],
    stages: Sequence[Stage],
    start: datetime.datetime,
    end: datetime.datetime,
    now: datetime.datetime,
) -> list[StayLine]:
    """The stays on the open `stages` (in their order) of `deals` entered in [start, end); a stay not
    ended yet is measured up to `now`. A retired stage is listed only when it has stays."""
    opened = [s for s in stages if s.kind == OPEN]
    if not opened:
        return []
    transitions = StageTransition.objects.order_by()
    if deals.query.where:  # every deal needs no join with them
        transitions = transitions.filter(deal__in=deals.order_by().values("pk"))
    transitions = transitions.values("to_stage_id", "at").annotate(next_at=_lead_at())
    sql, params = transitions.query.sql_with_params()
    ids = ", ".join(str(s.pk) for s in opened)
    chosen = f"s.to_stage_id IN ({ids}) AND s.at >= %s AND s.at < %s"
    length, so_far = _seconds("s.next_at", "s.at"), _seconds("%s", "s.at")
    if connection.vendor == "postgresql" and PERCENTILE:
        query = f"""
            SELECT s.to_stage_id, COUNT(s.next_at), AVG({length}),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY {length}),
                   COUNT(*) - COUNT(s.next_at), AVG(CASE WHEN s.next_at IS NULL THEN {so_far} END)
            FROM ({sql}) s WHERE {chosen} GROUP BY s.to_stage_id
        """
    else:
        # The median by hand: the middle one or two of each stage's ended stays in order of length.
        query = f"""
            SELECT r.to_stage_id, COUNT(r.length), AVG(r.length),
                   AVG(CASE WHEN r.length IS NOT NULL AND r.position IN ((r.n + 1) / 2, (r.n + 2) / 2)
                       THEN r.length END),
                   COUNT(*) - COUNT(r.length), AVG(CASE WHEN r.length IS NULL THEN r.so_far END)
            FROM (
                SELECT s.to_stage_id, {length} AS length, {so_far} AS so_far,
                       ROW_NUMBER() OVER (PARTITION BY s.to_stage_id, s.next_at IS NULL ORDER BY {length}) AS position,
                       COUNT(s.next_at) OVER (PARTITION BY s.to_stage_id) AS n
                FROM ({sql}) s WHERE {chosen}
            ) r GROUP BY r.to_stage_id
        """
    rows = _rows(query, [_moment(now), *params, _moment(start), _moment(end)])
    lines = {s.pk: StayLine(s) for s in opened}
    for stage_id, stays, mean, median, ongoing, so_far in rows:
        line = lines[stage_id]
        line.stays, line.mean, line.median = stays, days(mean), days(median)
        line.now, line.now_mean = ongoing, days(so_far)
    return [line for line in lines.values() if line.stage.is_active or line.stays or line.now]


def _lead_at() -> Window:
    """The moment of the deal's next transition (by time, then id), or NULL for its last one."""
    return Window(Lead("at"), partition_by=[F("deal_id")], order_by=[F("at").asc(), F("id").asc()])


# --- «Воронка по менеджерам» -----------------------------------------------------------------------------


@dataclass
class ManagerLine:
    manager_id: int | None
    name: str = ""
    deals: int = 0
    won: int = 0
    lost: int = 0
    open: int = 0
    cycle: Decimal | None = None  # days, created → closed, of the won deals
    revenue: Decimal = ZERO

    @property
    def conversion(self) -> Decimal | None:
        return percent(Decimal(self.won), Decimal(self.deals))


@dataclass
class ManagerTable:
    lines: list[ManagerLine]
    total: ManagerLine


def by_manager(
    deals: QuerySet[Deal], names: Callable[[Sequence[int]], dict[int, str]], none_label: str
) -> ManagerTable:
    """`deals` by manager, by name («без менеджера» last); `names` gives the managers' names by id."""
    won = Q(stage__kind=WON)
    rows = (
        deals.order_by()
        .values("manager_id")
        .annotate(
            n=Count("pk"),
            won=Count("pk", filter=won),
            lost=Count("pk", filter=Q(stage__kind=LOST)),
            cycle=Avg(F("closed_at") - F("created_at"), filter=won),
            cycle_total=Sum(F("closed_at") - F("created_at"), filter=won),
            revenue=Coalesce(Sum("amount", filter=won), ZERO),
        )
    )
    rows = list(rows)
    named = names([r["manager_id"] for r in rows if r["manager_id"]])
    lines, total, cycles = [], ManagerLine(None), datetime.timedelta()
    for r in rows:
        line = ManagerLine(
            r["manager_id"],
            named.get(r["manager_id"], none_label) if r["manager_id"] else none_label,
            r["n"],
            r["won"],
            r["lost"],
            r["n"] - r["won"] - r["lost"],
            days(r["cycle"].total_seconds()) if r["cycle"] is not None else None,
            r["revenue"],
        )
        lines.append(line)
        for name in ("deals", "won", "lost", "open", "revenue"):
            setattr(total, name, getattr(total, name) + getattr(line, name))
        cycles += r["cycle_total"] or datetime.timedelta()
    if total.won:
        total.cycle = days(cycles.total_seconds() / total.won)
    lines.sort(key=lambda line: (line.manager_id is None, line.name.lower(), line.manager_id or 0))
    return ManagerTable(lines, total)


# --- «Повторные продажи» ---------------------------------------------------------------------------------

WIN_BUCKETS = (1, 2, 3, 4, 5)  # 5 stands for «5 и более»


@dataclass
class ClientWins:
    client_id: int
    name: str
    inn: str
    wins: int
    revenue: Decimal
    first: datetime.datetime
    last: datetime.datetime

    @property
    def days_between(self) -> Decimal | None:
        if self.wins < 2:
            return None
        return days((self.last - self.first).total_seconds() / (self.wins - 1))


@dataclass
class RepeatSummary:
    buckets: dict[int, int]  # clients by number of wins, 5 = five or more

    @property
    def clients(self) -> int:
        return sum(self.buckets.values())

    @property
    def repeat(self) -> int:
        return self.clients - self.buckets.get(1, 0)

    @property
    def share(self) -> Decimal | None:
        return percent(Decimal(self.repeat), Decimal(self.clients))


def client_wins(won: QuerySet[Deal], *, repeat_only: bool = False) -> QuerySet:
    """The won deals `won` grouped by client, the most wins first, then the most revenue; lazy, for a
    paginator."""
    rows = (
        won.filter(client__isnull=False)
        .order_by()
        .values("client_id", "client__name", "client__inn")
        .annotate(
            wins=Count("pk"), revenue=Coalesce(Sum("amount"), ZERO), first=Min("closed_at"), last=Max("closed_at")
        )
    )
    if repeat_only:
        rows = rows.filter(wins__gte=2)
    return rows.order_by("-wins", "-revenue", "client__name", "client_id")


def as_client_wins(rows) -> list[ClientWins]:
    return [
        ClientWins(r["client_id"], r["client__name"], r["client__inn"], r["wins"], r["revenue"], r["first"], r["last"])
        for r in rows
    ]


def repeat_summary(won: QuerySet[Deal]) -> RepeatSummary:
    """Clients by their number of won deals among `won` (1, 2, 3, 4, 5 and more), in one query."""
    per_client = won.filter(client__isnull=False).order_by().values("client_id").annotate(wins=Count("pk"))
    sql, params = per_client.query.sql_with_params()
    rows = _rows(
        f"SELECT CASE WHEN c.wins >= 5 THEN 5 ELSE c.wins END, COUNT(*) FROM ({sql}) c GROUP BY 1",
        params,
    )
    buckets = dict.fromkeys(WIN_BUCKETS, 0)
    for wins, n in rows:
        buckets[wins] = n
    return RepeatSummary(buckets)


def by_funnel(lines: list[StayLine]) -> list[tuple[str, list[StayLine]]]:
    """The lines of several funnels as (funnel name, its lines), in the lines' order."""
    groups: dict[int, tuple[str, list[StayLine]]] = {}
    for line in lines:
        groups.setdefault(line.stage.funnel_id, (line.stage.funnel.name, []))[1].append(line)
    return list(groups.values())
