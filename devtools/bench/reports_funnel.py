"""Bench scenarios of the funnel reports (reports/funnel), each with the raw SQL floor that answers
the same question."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from devtools.bench.funnel import biggest_funnel
from devtools.bench.runner import BenchContext, Scenario, register, run_sql, table
from funnel.models import Deal, Funnel, Stage, StageTransition


class _FunnelReport(Scenario):
    """A funnel report over the whole history (the first deal's day to today), as the supervisor
    sees it (every deal); `name` is its URL name."""

    budget_p50_ms = 1000.0  # the budget for the funnel reports over 500k transitions
    budget_p95_ms = 1500.0

    def setup(self, ctx: BenchContext) -> None:
        first = Deal.objects.order_by("created_at").values_list("created_at", flat=True).first()
        if first is None:
            raise RuntimeError("no deals: seed the funnels (manage.py seed_demo --size L --missing)")
        self.start = timezone.localdate(first)
        self.today = timezone.localdate()
        self.moments = [
            timezone.make_aware(datetime.combine(self.start, time.min)),
            timezone.make_aware(datetime.combine(self.today + timedelta(days=1), time.min)),
        ]

    def period(self) -> str:
        return f"period_after={self.start.isoformat()}&period_before={self.today.isoformat()}"

    def url(self, i: int) -> str:
        return f"{reverse(self.name)}?{self.period()}"

    def choices(self, cursor) -> None:
        """The filter's choices: the funnels and the managers (staff, or named on a deal)."""
        User = get_user_model()
        run_sql(cursor, f"SELECT id, name FROM {table(Funnel)} ORDER BY name")
        run_sql(
            cursor,
            f"""
            SELECT u.id, u.first_name, u.last_name, u.username FROM {table(User)} u
            WHERE u.is_active OR EXISTS (SELECT 1 FROM {table(Deal)} d WHERE d.manager_id = u.id)
            ORDER BY u.last_name, u.first_name, u.username
            """,
        )


@register
class FunnelConversion(_FunnelReport):
    """«Конверсия воронки» of the funnel with the most deals (about 68k deals, 340k transitions at L)."""

    name = "reports:funnel_conversion"

    def setup(self, ctx: BenchContext) -> None:
        super().setup(ctx)
        self.funnel = biggest_funnel()
        stages = list(self.funnel.stages.order_by("order", "pk"))
        self.open_ids = [s.pk for s in stages if s.kind == Stage.Kind.OPEN]
        self.won_ids = [s.pk for s in stages if s.kind == Stage.Kind.WON]

    def url(self, i: int) -> str:
        return f"{reverse('reports:funnel_conversion')}?funnel={self.funnel.pk}&{self.period()}"

    def floor(self, cursor, i: int) -> None:
        cohort = "d.funnel_id = %s AND d.created_at >= %s AND d.created_at < %s"
        params = [self.funnel.pk, *self.moments]
        # Each deal's deepest point (its open stage's place, past the last for a win) and present kind.
        run_sql(
            cursor,
            f"""
            SELECT c.kind, c.deepest, count(*) FROM (
                SELECT d.id, s.kind, max(CASE WHEN t.to_stage_id = ANY(%s) THEN array_position(%s, t.to_stage_id)
                                              WHEN t.to_stage_id = ANY(%s) THEN %s ELSE 0 END) AS deepest
                FROM {table(Deal)} d JOIN {table(Stage)} s ON s.id = d.stage_id
                JOIN {table(StageTransition)} t ON t.deal_id = d.id
                WHERE {cohort} GROUP BY d.id, s.kind
            ) c GROUP BY 1, 2
            """,
            [self.open_ids, self.open_ids, self.won_ids, len(self.open_ids) + 1, *params],
        )
        run_sql(
            cursor,
            f"""
            SELECT t.from_stage_id, count(*) FROM {table(Deal)} d
            JOIN {table(Stage)} s ON s.id = d.stage_id AND s.kind = 'lost'
            JOIN {table(StageTransition)} t
                ON t.deal_id = d.id AND t.to_stage_id = d.stage_id AND t.at = d.stage_entered_at
            WHERE {cohort} GROUP BY 1
            """,
            params,
        )
        run_sql(cursor, f'SELECT * FROM {table(Stage)} WHERE funnel_id = %s ORDER BY "order", id', [self.funnel.pk])
        self.choices(cursor)


@register
class FunnelTimeInStage(_FunnelReport):
    """«Время на этапах» of every funnel (about 500k transitions at L)."""

    name = "reports:funnel_time_in_stage"

    def setup(self, ctx: BenchContext) -> None:
        super().setup(ctx)
        self.open_ids = list(Stage.objects.filter(kind=Stage.Kind.OPEN).values_list("pk", flat=True))

    def floor(self, cursor, i: int) -> None:
        # Each stay ends at the deal's next transition; the ended ones' mean and median, the others' count
        # and mean so far, per open stage, in one pass.
        run_sql(
            cursor,
            f"""
            SELECT s.to_stage_id, count(s.next_at), avg(date_part('epoch', s.next_at - s.at)),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY date_part('epoch', s.next_at - s.at)),
                   count(*) - count(s.next_at),
                   avg(CASE WHEN s.next_at IS NULL THEN date_part('epoch', now() - s.at) END)
            FROM (
                SELECT t.to_stage_id, t.at, lead(t.at) OVER (PARTITION BY t.deal_id ORDER BY t.at, t.id) AS next_at
                FROM {table(StageTransition)} t
            ) s
            WHERE s.to_stage_id = ANY(%s) AND s.at >= %s AND s.at < %s GROUP BY 1
            """,
            [self.open_ids, *self.moments],
        )
        run_sql(
            cursor,
            f"""SELECT s.*, f.* FROM {table(Stage)} s JOIN {table(Funnel)} f ON f.id = s.funnel_id
            ORDER BY f.name, f.id, s."order", s.id""",
        )
        self.choices(cursor)


@register
class FunnelManagers(_FunnelReport):
    """«Воронка по менеджерам» of every funnel."""

    name = "reports:funnel_managers"

    def floor(self, cursor, i: int) -> None:
        User = get_user_model()
        rows = run_sql(
            cursor,
            f"""
            SELECT d.manager_id, count(*), count(*) FILTER (WHERE s.kind = 'won'),
                   count(*) FILTER (WHERE s.kind = 'lost'),
                   avg(d.closed_at - d.created_at) FILTER (WHERE s.kind = 'won'),
                   sum(d.amount) FILTER (WHERE s.kind = 'won')
            FROM {table(Deal)} d JOIN {table(Stage)} s ON s.id = d.stage_id
            WHERE d.created_at >= %s AND d.created_at < %s GROUP BY 1
            """,
            self.moments,
        )
        ids = sorted({r[0] for r in rows if r[0] is not None})
        run_sql(cursor, f"SELECT id, first_name, last_name, username FROM {table(User)} WHERE id = ANY(%s)", [ids])
        run_sql(cursor, f"SELECT id, name FROM {table(Funnel)} ORDER BY name")


@register
class RepeatSales(_FunnelReport):
    """«Повторные продажи» of every funnel: the summary and the first page of 100 clients."""

    name = "reports:repeat_sales"

    def floor(self, cursor, i: int) -> None:
        won = f"""FROM {table(Deal)} d JOIN {table(Stage)} s ON s.id = d.stage_id
            WHERE s.kind = 'won' AND d.client_id IS NOT NULL AND d.closed_at >= %s AND d.closed_at < %s"""
        run_sql(
            cursor,
            f"SELECT least(c.n, 5), count(*) FROM (SELECT d.client_id, count(*) AS n {won} GROUP BY 1) c GROUP BY 1",
            self.moments,
        )
        run_sql(
            cursor,
            f"""
            SELECT c.id, c.name, c.inn, w.* FROM (
                SELECT d.client_id, count(*) AS n, sum(d.amount) AS revenue, min(d.closed_at), max(d.closed_at)
                {won} GROUP BY 1 ORDER BY 2 DESC, 3 DESC LIMIT 100
            ) w JOIN {table(Client)} c ON c.id = w.client_id ORDER BY w.n DESC, w.revenue DESC
            """,
            self.moments,
        )
        self.choices(cursor)
