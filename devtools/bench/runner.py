"""The project's benchmark: server time and SQL queries of pages against the budgets of DESIGN.md.

`manage.py bench [--size S|M|L] [--repeat N] [--json FILE]` (devtools/management/commands/bench.py)
runs every registered scenario in-process through django.test.Client, logged in as the supervisor
(or as the user a scenario names):
a few warm-up requests, then N timed ones, measuring each request's time with time.perf_counter,
the CPU time this process spent on it with time.process_time (the Python side: what a gunicorn
worker spends; PostgreSQL's own CPU is not in it), and its SQL queries with CaptureQueriesContext.
Each scenario also has a *floor*: the raw SQL (cursor.execute) that answers the same question, timed
the same way, to tell the cost of the data from the cost of the framework.

Adding scenarios
----------------
Scenarios are classes registered with `@register`, one module per area in devtools/bench/ (listed
in MODULES, in the order they run), e.g. devtools/bench/sales.py:

    from devtools.bench.runner import Scenario, register, run_sql, table

    @register
    class InvoiceList(Scenario):
        name = "sales:invoice_list"
        budget_p50_ms = 150          # default 150 / 300 ms (DESIGN.md "Performance budgets")

        def setup(self, ctx):        # once: pick parameters from the data (ctx.rng is seeded)
            self.ids = ...

        def url(self, i: int) -> str:        # the URL of request number i (vary it with i)
            return reverse("sales:invoice_list") + "?..."

        def floor(self, cursor, i: int) -> None:   # the raw SQL answering request i's question
            run_sql(cursor, f"SELECT ... FROM {table(Invoice)} ...", [...])

The page of one object is an `ObjectPage`: its setup picks `ids`, and `queries()` gives the SQL of
one object's page. New scenarios go at the end of a module, or in a new module at the end of
MODULES: the scenarios before them then draw the same parameters from ctx.rng as before.
"""

from __future__ import annotations

import gc
import importlib
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from crm import roles
from crm.models import ListSettings

DEFAULT_REPEAT = 30
DEFAULT_WARMUP = 5
BENCH_USER = "supervisor"


# --- registry -------------------------------------------------------------------------------------


@dataclass
class BenchContext:
    rng: random.Random
    user: Any
    size: str


class Scenario:
    """One page (or endpoint) to measure. Subclass, set `name`, implement setup/url/floor."""

    name: ClassVar[str] = ""
    budget_p50_ms: ClassVar[float] = 150.0
    budget_p95_ms: ClassVar[float] = 300.0
    # The sizes it is measured at (None: every size), and why not at the others.
    sizes: ClassVar[tuple[str, ...] | None] = None
    not_measured_because: ClassVar[str] = ""

    def setup(self, ctx: BenchContext) -> None:
        """Pick the parameters of the requests from the data, once."""

    def user(self, ctx: BenchContext) -> Any:
        """Whom the requests are made as (called after setup); the bench user by default."""
        return ctx.user

    def url(self, i: int) -> str:
        raise NotImplementedError

    def floor(self, cursor, i: int) -> None:
        """Run the raw SQL that answers the question of request `i`, fetching all rows."""
        raise NotImplementedError


class ObjectPage(Scenario):
    """The page of one object, another of `ids` (picked in setup) per request; `name` is the page's
    URL name, `queries` the raw SQL of one object's page, each taking the object's id."""

    ids: list[int]

    def pk(self, i: int) -> int:
        return self.ids[i % len(self.ids)]

    def url(self, i: int) -> str:
        return reverse(self.name, args=[self.pk(i)])

    def floor(self, cursor, i: int) -> None:
        for sql in self.queries():
            run_sql(cursor, sql, [self.pk(i)])

    def queries(self) -> list[str]:
        raise NotImplementedError


SCENARIOS: dict[str, type[Scenario]] = {}


def register(cls: type[Scenario]) -> type[Scenario]:
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    if cls.name in SCENARIOS and SCENARIOS[cls.name] is not cls:
        raise ValueError(f"two bench scenarios are named {cls.name!r}")
    SCENARIOS[cls.name] = cls
    return cls


# The scenario modules of devtools/bench/, in the order their scenarios run (each setup draws from
# the one seeded random generator, so the order is part of what makes two runs comparable).
MODULES = (
    "clients",
    "sales",
    "tasks",
    "quality",
    "funnel",
    "reports",
    "reports_receivables",
    "reports_funnel",
    "forms",
    "deep",
    "home",
)


def discover() -> dict[str, type[Scenario]]:
    """Import the scenario modules; returns the registry."""
    for module in MODULES:
        importlib.import_module(f"devtools.bench.{module}")
    return SCENARIOS


# --- measuring ------------------------------------------------------------------------------------


@dataclass
class Result:
    scenario: str
    p50_ms: float
    p95_ms: float
    cpu_ms: float  # p50 of the process's CPU time per request
    cpu_p95_ms: float
    queries: int  # the most queries any timed request made
    queries_min: int
    floor_ms: float  # p50 of the floor
    floor_p95_ms: float
    budget_p50_ms: float
    budget_p95_ms: float
    requests: int
    over_budget: bool = field(default=False)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def table(model) -> str:
    """The quoted table name of `model`, for the floors' SQL."""
    return connection.ops.quote_name(model._meta.db_table)


def run_sql(cursor, sql: str, params: Sequence | None = None) -> list[tuple]:
    cursor.execute(sql, params)
    return cursor.fetchall()


def measure(scenario: Scenario, http: HttpClient, *, repeat: int, warmup: int) -> Result:
    for i in range(warmup):
        get_ok(http, scenario.url(i))
    settle()
    times, cpu, queries = [], [], []
    for i in range(warmup, warmup + repeat):
        url = scenario.url(i)
        with CaptureQueriesContext(connection) as captured:
            started, started_cpu = time.perf_counter(), time.process_time()
            get_ok(http, url)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        queries.append(len(captured.captured_queries))
    floor_times = []
    with connection.cursor() as cursor:
        for i in range(warmup):
            scenario.floor(cursor, i)
        for i in range(warmup, warmup + repeat):
            started = time.perf_counter()
            scenario.floor(cursor, i)
            floor_times.append(time.perf_counter() - started)
    p50, p95 = percentile(times, 50) * 1000, percentile(times, 95) * 1000
    return Result(
        scenario=scenario.name,
        p50_ms=round(p50, 2),
        p95_ms=round(p95, 2),
        cpu_ms=round(percentile(cpu, 50) * 1000, 2),
        cpu_p95_ms=round(percentile(cpu, 95) * 1000, 2),
        queries=max(queries),
        queries_min=min(queries),
        floor_ms=round(percentile(floor_times, 50) * 1000, 2),
        floor_p95_ms=round(percentile(floor_times, 95) * 1000, 2),
        budget_p50_ms=scenario.budget_p50_ms,
        budget_p95_ms=scenario.budget_p95_ms,
        requests=repeat,
        over_budget=p50 > scenario.budget_p50_ms or p95 > scenario.budget_p95_ms,
    )


def settle() -> None:
    """What the warm-up loaded out of the garbage collector's sight, as a gunicorn worker puts it
    after its first requests (devtools/load/gunicorn.conf.py): the timed requests then pay what a
    worker's requests pay, not a full collection walking the process's whole heap now and then."""
    gc.collect()
    gc.freeze()


def get_ok(http: HttpClient, url: str):
    response = http.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}, expected 200")
    return response


def bench_user():
    User = get_user_model()
    user = User.objects.filter(username=BENCH_USER, is_active=True).first()
    if user is None:
        user = User.objects.filter(groups__name=roles.SUPERVISOR, is_active=True).order_by("pk").first()
    return user


def run(
    names: Sequence[str] | None = None,
    *,
    size: str,
    repeat: int = DEFAULT_REPEAT,
    warmup: int = DEFAULT_WARMUP,
    seed: int = 0,
    log: Callable[[str], None] | None = None,
) -> list[Result]:
    """Measure the named scenarios (all registered ones when None), in registration order."""
    registry = discover()
    chosen = list(registry) if not names else [n for n in registry if n in names]
    user = bench_user()
    if user is None:
        raise RuntimeError(f"no user {BENCH_USER!r} nor any {roles.SUPERVISOR!r} to log in as: seed the data first")
    ctx = BenchContext(rng=random.Random(seed), user=user, size=size)
    # Every run starts from the default «Колонки»: a choice is kept per user across logins, and
    # a scenario that shows extra-field columns would otherwise widen the lists of the next run.
    ListSettings.objects.all().delete()
    results = []
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    # DEBUG off as in production (no query log kept, no debug pages); the test client's host allowed.
    with override_settings(ALLOWED_HOSTS=hosts, DEBUG=False):
        clients: dict[int, HttpClient] = {}
        try:
            for name in chosen:
                scenario = registry[name]()
                if scenario.sizes is not None and size not in scenario.sizes:
                    if log:
                        log(f"{name}: not measured at size {size} ({scenario.not_measured_because})")
                    continue
                scenario.setup(ctx)
                who = scenario.user(ctx)
                if who.pk not in clients:
                    clients[who.pk] = HttpClient(raise_request_exception=True)
                    clients[who.pk].force_login(who)
                result = measure(scenario, clients[who.pk], repeat=repeat, warmup=warmup)
                if log:
                    log(format_row(result))
                results.append(result)
        finally:
            gc.unfreeze()  # what settle() put aside is the collector's again (the suite runs on)
            for http in clients.values():
                http.logout()  # do not leave the bench's sessions behind
    return results


COLUMNS = ("scenario", "p50_ms", "p95_ms", "cpu_ms", "queries", "floor_ms", "budget", "")


def format_row(r: Result) -> str:
    queries = str(r.queries) if r.queries == r.queries_min else f"{r.queries_min}-{r.queries}"
    cells = (
        r.scenario,
        f"{r.p50_ms:.1f}",
        f"{r.p95_ms:.1f}",
        f"{r.cpu_ms:.1f}",
        queries,
        f"{r.floor_ms:.1f}",
        f"{r.budget_p50_ms:.0f}/{r.budget_p95_ms:.0f}",
        "OVER BUDGET" if r.over_budget else "ok",
    )
    return _line(cells)


def _line(cells) -> str:
    widths = (28, 9, 9, 8, 8, 9, 9, 0)
    return "  ".join(f"{c:<{w}}" if i == 0 else f"{c:>{w}}" for i, (c, w) in enumerate(zip(cells, widths, strict=True)))


def format_table(results: Sequence[Result]) -> str:
    lines = [_line(COLUMNS), _line(tuple("-" * max(w, 2) for w in (28, 9, 9, 8, 8, 9, 9, 11)))]
    lines += [format_row(r) for r in results]
    return "\n".join(lines)
