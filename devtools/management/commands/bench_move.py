"""`manage.py bench_move [--repeat N] [--warmup N]`: the server time of a move dropped on the board.

The budget of issue 6: moving a deal ≤ 50 ms server time. The project's bench
(devtools/bench/runner.py) makes GET requests only, and a move is a POST that changes data, so it
is timed here the same way:
in-process through django.test.Client, DEBUG off, each request timed with perf_counter and its SQL
queries counted. It posts what board.js posts on a drop — funnel:deal_move with the target stage
and the stage the card was seen on, as JSON — logged in as a manager, for his deals on the first
stage of the funnel with the most open deals: three of four go one stage on, every fourth to «Успех»
with an amount. Afterwards the deals are put back as they were and the transitions written deleted.
PostgreSQL only; seed the funnels first (manage.py seed_demo --size L --missing).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count, Max
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from devtools.bench.funnel import biggest_funnel
from devtools.bench.runner import percentile
from funnel.models import Deal, Stage, StageTransition

BUDGET_MS = 50.0
RESTORED = ("stage", "stage_entered_at", "closed_at", "amount", "lost_reason")


class Command(BaseCommand):
    help = "Time moves of deals as the board posts them (see the module docstring)."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=40, help="timed moves")
        parser.add_argument("--warmup", type=int, default=5, help="untimed moves first")

    def handle(self, *args, repeat: int, warmup: int, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_move measures PostgreSQL only: set DATABASE_URL=postgres://...")
        funnel = biggest_funnel()
        stages = list(funnel.stages.filter(is_active=True).order_by("order", "pk"))
        opened = [s for s in stages if s.kind == Stage.Kind.OPEN]
        won = next((s for s in stages if s.kind == Stage.Kind.WON), None)
        if len(opened) < 2 or won is None:
            raise CommandError(f"the funnel «{funnel}» needs two open stages and a won one")
        first = opened[0]
        row = (
            Deal.objects.filter(stage=first, manager__isnull=False)
            .values("manager")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        if row is None or row["n"] < repeat + warmup:
            raise CommandError(f"no manager has {repeat + warmup} deals on «{first}»: seed a bigger data set")
        manager = get_user_model().objects.get(pk=row["manager"])
        deals = list(Deal.objects.filter(stage=first, manager=manager).order_by("-stage_entered_at")[: repeat + warmup])
        last_transition = StageTransition.objects.aggregate(m=Max("pk"))["m"] or 0
        times, queries = [], []
        http = HttpClient(raise_request_exception=True)
        http.force_login(manager)
        try:
            with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], DEBUG=False):
                for i, deal in enumerate(deals):
                    data = {"stage": opened[1].pk, "seen_stage": first.pk}
                    if i % 4 == 3:
                        data = {"stage": won.pk, "seen_stage": first.pk, "amount": "150 000"}
                    url = reverse("funnel:deal_move", args=[deal.pk])
                    with CaptureQueriesContext(connection) as captured:
                        started = time.perf_counter()
                        response = http.post(url, data, HTTP_ACCEPT="application/json")
                        elapsed = time.perf_counter() - started
                    if response.status_code != 200:
                        raise CommandError(f"POST {url} answered {response.status_code}: {response.content[:200]!r}")
                    if i >= warmup:
                        times.append(elapsed * 1000)
                        queries.append(len(captured.captured_queries))
        finally:
            http.logout()
            StageTransition.objects.filter(pk__gt=last_transition, deal__in=deals).delete()
            Deal.objects.bulk_update(deals, RESTORED)
        p50, p95 = percentile(times, 50), percentile(times, 95)
        verdict = "ok" if p50 <= BUDGET_MS else "OVER BUDGET"
        self.stdout.write(
            f"funnel:deal_move  p50 {p50:.1f} ms  p95 {p95:.1f} ms  queries {min(queries)}-{max(queries)}  "
            f"{len(times)} moves by {manager.username} on «{funnel}» (budget {BUDGET_MS:.0f} ms) {verdict}"
        )
