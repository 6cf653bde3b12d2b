"""Bench scenarios of the funnel pages (see runner.py), each with the raw SQL floor that answers
the same question: the board of the biggest funnel (about 50k open deals at size L) for everyone
and for one manager, a column's «Ещё», and a deal's page. A move is a POST, which the bench does
not make: `manage.py bench_move` times it (devtools/management/commands/bench_move.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.urls import reverse

from clients.models import Client
from crm import roles
from devtools.bench.runner import BenchContext, ObjectPage, Scenario, register, run_sql, table
from funnel.models import Deal, Funnel, Stage, StageTransition
from funnel.querysets import BOARD_PAGE, cursor_of

SAMPLE = 20


def biggest_funnel() -> Funnel:
    """The funnel with the most open deals: the board of the budget."""
    row = (
        Deal.objects.filter(stage__kind=Stage.Kind.OPEN).values("funnel").annotate(n=Count("id")).order_by("-n").first()
    )
    if row is None:
        raise RuntimeError("no deals: seed the funnels (manage.py seed_demo --size L --missing)")
    return Funnel.objects.get(pk=row["funnel"])


def board_floor(cursor, funnel: Funnel, stage_ids: list[int], where: str = "", params: tuple = ()) -> None:
    """What the board needs: counts and sums per stage, the newest page of each stage, its cards."""
    run_sql(
        cursor,
        f"SELECT stage_id, count(*), sum(amount) FROM {table(Deal)} WHERE funnel_id = %s {where} GROUP BY stage_id",
        [funnel.pk, *params],
    )
    parts = " UNION ALL ".join(
        f"(SELECT id FROM {table(Deal)} WHERE funnel_id = %s AND stage_id = %s {where} "
        f"ORDER BY stage_entered_at DESC, id DESC LIMIT {BOARD_PAGE})"
        for _stage in stage_ids
    )
    ids = [row[0] for row in run_sql(cursor, parts, [x for s in stage_ids for x in (funnel.pk, s, *params)])]
    run_sql(
        cursor,
        f"""SELECT d.*, c.name, u.username, u.first_name, u.last_name FROM {table(Deal)} d
        LEFT JOIN {table(Client)} c ON c.id = d.client_id LEFT JOIN auth_user u ON u.id = d.manager_id
        WHERE d.id = ANY(%s)""",
        [ids],
    )


@register
class Board(Scenario):
    """The board of the funnel with the most open deals, as the supervisor (every deal)."""

    name = "funnel:board"
    budget_p50_ms = 300.0

    def setup(self, ctx: BenchContext) -> None:
        self.funnel = biggest_funnel()
        self.stages = list(self.funnel.stages.filter(is_active=True).values_list("pk", flat=True))

    def url(self, i: int) -> str:
        return f"{reverse('funnel:board')}?funnel={self.funnel.pk}"

    def floor(self, cursor, i: int) -> None:
        board_floor(cursor, self.funnel, self.stages)


@register
class ManagerBoard(Board):
    """The same board as its managers see it (their own and unassigned deals), one manager per request."""

    name = "funnel:board manager"

    def setup(self, ctx: BenchContext) -> None:
        super().setup(ctx)
        managers = get_user_model().objects.filter(groups__name=roles.MANAGER, is_active=True).order_by("pk")
        self.manager = ctx.rng.choice(list(managers))

    def user(self, ctx: BenchContext):
        return self.manager

    def floor(self, cursor, i: int) -> None:
        board_floor(cursor, self.funnel, self.stages, "AND (manager_id = %s OR manager_id IS NULL)", (self.manager.pk,))


@register
class BoardColumnMore(Scenario):
    """«Ещё» on the fullest column: pages 2–6 of 20."""

    name = "funnel:board_column"

    def setup(self, ctx: BenchContext) -> None:
        funnel = biggest_funnel()
        row = Deal.objects.filter(funnel=funnel).values("stage").annotate(n=Count("id")).order_by("-n").first()
        self.stage = row["stage"]
        newest = list(Deal.objects.filter(stage_id=self.stage).order_by("-stage_entered_at", "-id")[: BOARD_PAGE * 5])
        ends = {min(BOARD_PAGE * page, len(newest)) - 1 for page in range(1, 6)}  # fewer pages in a small base
        self.cursors = [cursor_of(newest[end]) for end in sorted(ends)]

    def url(self, i: int) -> str:
        query = urlencode({"after": self.cursors[i % len(self.cursors)]})
        return f"{reverse('funnel:board_column', args=[self.stage])}?{query}"

    def floor(self, cursor, i: int) -> None:
        at, _sep, pk = self.cursors[i % len(self.cursors)].rpartition("_")
        ids = run_sql(
            cursor,
            f"""SELECT id FROM {table(Deal)} WHERE stage_id = %s AND (stage_entered_at, id) < (%s::timestamptz, %s)
            ORDER BY stage_entered_at DESC, id DESC LIMIT {BOARD_PAGE + 1}""",
            [self.stage, at, int(pk)],
        )
        run_sql(
            cursor,
            f"""SELECT d.*, c.name, u.username FROM {table(Deal)} d LEFT JOIN {table(Client)} c ON c.id = d.client_id
            LEFT JOIN auth_user u ON u.id = d.manager_id WHERE d.id = ANY(%s)""",
            [[row[0] for row in ids]],
        )


@register
class DealDetail(ObjectPage):
    """A deal's page, 20 deals with the longest histories in turn."""

    name = "funnel:deal_detail"

    def setup(self, ctx: BenchContext) -> None:
        funnel = biggest_funnel()
        recent = Deal.objects.filter(funnel=funnel).order_by("-pk").values_list("pk", flat=True)[:2000]
        rows = (
            StageTransition.objects.filter(deal__in=list(recent))
            .values("deal")
            .annotate(n=Count("id"))
            .order_by("-n", "deal")[:SAMPLE]
        )
        self.ids = [row["deal"] for row in rows]

    def queries(self) -> list[str]:
        return [
            f"""SELECT d.*, c.*, u.* FROM {table(Deal)} d LEFT JOIN {table(Client)} c ON c.id = d.client_id
            LEFT JOIN auth_user u ON u.id = d.manager_id WHERE d.id = %s""",
            f"""SELECT t.*, f.name, s.name FROM {table(StageTransition)} t
            LEFT JOIN {table(Stage)} f ON f.id = t.from_stage_id JOIN {table(Stage)} s ON s.id = t.to_stage_id
            WHERE t.deal_id = %s ORDER BY t.at, t.id""",
        ]


@register
class StuckDeals(Scenario):
    """«Зависшие сделки» of every deal, as the supervisor sees them: the first page of 50."""

    name = "funnel:stuck"

    def setup(self, ctx: BenchContext) -> None:
        self.limits = list(
            Stage.objects.filter(kind=Stage.Kind.OPEN, is_active=True, funnel__is_active=True)
            .exclude(expected_days=None)
            .values_list("pk", "expected_days")
        )

    def url(self, i: int) -> str:
        return reverse("funnel:stuck")

    def floor(self, cursor, i: int) -> None:
        late = " OR ".join("(stage_id = %s AND stage_entered_at < now() - %s * interval '1 day')" for _ in self.limits)
        late = late or "FALSE"
        params = [x for limit in self.limits for x in limit]
        run_sql(cursor, f"SELECT count(*) FROM {table(Deal)} WHERE {late}", params)
        run_sql(
            cursor,
            f"""SELECT d.*, f.name, s.name, c.name, u.username FROM {table(Deal)} d
            JOIN {table(Funnel)} f ON f.id = d.funnel_id JOIN {table(Stage)} s ON s.id = d.stage_id
            LEFT JOIN {table(Client)} c ON c.id = d.client_id LEFT JOIN auth_user u ON u.id = d.manager_id
            WHERE {late} ORDER BY d.stage_entered_at, d.id LIMIT 50""",
            params,
        )
