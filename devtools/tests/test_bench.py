"""The benchmark command (`manage.py bench`) at the tiny size XS."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.models import Client
from devtools.bench import runner as bench

SCENARIOS = {"clients:list", "clients:list all", "clients:list search", "clients:list search phone", "clients:detail"}
SCENARIOS |= {"tasks:my", "tasks:my reviewer", "tasks:detail 500 items", "quality:step3 whole base"}
SCENARIOS |= {"clients:list deep", "clients:list deep filtered"}
NUMBERS = ("p50_ms", "p95_ms", "cpu_ms", "cpu_p95_ms", "floor_ms", "budget_p50_ms")
FUNNEL = ["funnel:board", "funnel:board manager", "funnel:board_column", "funnel:deal_detail"]
FUNNEL_REPORTS = [
    "reports:funnel_conversion",
    "reports:funnel_time_in_stage",
    "reports:funnel_managers",
    "reports:repeat_sales",
]
HOME = ["home manager", "home supervisor", "home sales head"]


def test_bench_seeds_measures_and_writes_json(db, tmp_path):
    path = tmp_path / "bench.json"
    out = io.StringIO()
    call_command("bench", size="XS", repeat=2, warmup=1, json=str(path), stdout=out)
    assert Client.objects.count() == 50, "the empty database was seeded first"
    results = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(results, list)
    by_name = {r["scenario"]: r for r in results}
    assert SCENARIOS <= set(by_name)
    for result in results:
        for key in NUMBERS:
            assert isinstance(result[key], int | float) and result[key] >= 0, (result["scenario"], key)
        assert result["p50_ms"] <= result["p95_ms"]
        assert 0 < result["cpu_ms"] <= result["cpu_p95_ms"]  # a page costs this process some CPU
        assert isinstance(result["queries"], int) and result["queries"] > 0
        assert result["budget_p50_ms"] == bench.SCENARIOS[result["scenario"]].budget_p50_ms
    text = out.getvalue()
    assert "p50_ms" in text and "cpu_ms" in text and "floor_ms" in text
    for name in SCENARIOS:
        assert name in text


def test_bench_reuses_data_and_runs_chosen_scenarios(db, tmp_path):
    call_command("seed_demo", size="XS", verbosity=0)
    path = tmp_path / "detail.json"
    out = io.StringIO()
    call_command("bench", size="XS", repeat=1, warmup=0, scenario=["clients:detail"], json=str(path), stdout=out)
    assert "Reusing the 50 clients" in out.getvalue()
    assert [r["scenario"] for r in json.loads(path.read_text())] == ["clients:detail"]


@pytest.mark.parametrize("scenarios", [FUNNEL, FUNNEL_REPORTS, HOME], ids=["funnel", "funnel reports", "home"])
def test_the_chosen_scenarios_run_with_their_queries_and_floors(db, tmp_path, scenarios):
    call_command("seed_demo", size="XS", verbosity=0)
    path = tmp_path / "bench.json"
    call_command("bench", size="XS", repeat=2, warmup=1, scenario=scenarios, json=str(path), stdout=io.StringIO())
    results = {r["scenario"]: r for r in json.loads(path.read_text())}
    assert sorted(results) == sorted(scenarios)
    assert all(r["queries"] > 0 and r["floor_ms"] > 0 for r in results.values())


def test_bench_refuses_a_database_with_fewer_clients_than_the_size(db):
    call_command("seed_demo", size="XS", verbosity=0)
    with pytest.raises(CommandError, match="--reset"):
        call_command("bench", size="S", repeat=1, stdout=io.StringIO())


def test_bench_refuses_anything_but_postgresql(db, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="PostgreSQL only"):
        call_command("bench", size="XS", stdout=io.StringIO())


def test_unknown_scenario_is_refused(db):
    with pytest.raises(CommandError, match="unknown scenario"):
        call_command("bench", size="XS", scenario=["nope"], stdout=io.StringIO())


def test_percentile():
    assert bench.percentile([3, 1, 2], 50) == 2
    assert bench.percentile([1, 2], 50) == 1.5
    assert bench.percentile(list(range(1, 101)), 95) == pytest.approx(95.05)
    assert bench.percentile([5], 95) == 5


def test_bench_requests_makes_the_scenarios_requests_and_nothing_else(db):
    """What bin/instructions counts under valgrind: the warm-up and the requests of one scenario."""
    call_command("seed_demo", size="XS", verbosity=0)
    out = io.StringIO()
    with CaptureQueriesContext(connection) as none:
        call_command("bench_requests", size="XS", scenario="clients:detail", warmup=1, requests=0, stdout=out)
    with CaptureQueriesContext(connection) as three:
        call_command("bench_requests", size="XS", scenario="clients:detail", warmup=1, requests=3, stdout=out)
    per_request = (len(three) - len(none)) / 3
    assert 5 <= per_request <= 25  # a card's queries, three times more: no floors, no timing
    assert "clients:detail: 3 requests after 1 warm-up ones" in out.getvalue()
    with pytest.raises(CommandError, match="unknown scenario"):
        call_command("bench_requests", scenario="nothing:here", stdout=io.StringIO())
