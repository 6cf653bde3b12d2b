"""The funnel's bench scenarios and `manage.py bench_move` at the tiny size XS."""

import io
import json

from django.core.management import call_command

from funnel.models import Deal, StageTransition

SCENARIOS = ["funnel:board", "funnel:board manager", "funnel:board_column", "funnel:deal_detail"]


def test_the_funnel_scenarios_run(db, tmp_path):
    call_command("seed_demo", size="XS", verbosity=0)
    path = tmp_path / "bench.json"
    call_command("bench", size="XS", repeat=2, warmup=1, scenario=SCENARIOS, json=str(path), stdout=io.StringIO())
    results = {r["scenario"]: r for r in json.loads(path.read_text())}
    assert sorted(results) == sorted(SCENARIOS)
    assert all(r["queries"] > 0 for r in results.values())


def test_bench_move_times_moves_and_puts_the_deals_back(db):
    call_command("seed_demo", size="XS", verbosity=0)
    before = list(Deal.objects.order_by("pk").values_list("pk", "stage_id", "stage_entered_at", "amount"))
    transitions = StageTransition.objects.count()
    out = io.StringIO()
    call_command("bench_move", repeat=3, warmup=1, stdout=out)
    assert "funnel:deal_move  p50" in out.getvalue() and "3 moves" in out.getvalue()
    assert list(Deal.objects.order_by("pk").values_list("pk", "stage_id", "stage_entered_at", "amount")) == before
    assert StageTransition.objects.count() == transitions
