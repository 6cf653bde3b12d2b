"""The funnel reports' bench scenarios at the tiny size XS."""

import io
import json

from django.core.management import call_command

SCENARIOS = [
    "reports:funnel_conversion",
    "reports:funnel_time_in_stage",
    "reports:funnel_managers",
    "reports:repeat_sales",
]


def test_the_funnel_report_scenarios_run(db, tmp_path):
    call_command("seed_demo", size="XS", verbosity=0)
    path = tmp_path / "bench.json"
    call_command("bench", size="XS", repeat=2, warmup=1, scenario=SCENARIOS, json=str(path), stdout=io.StringIO())
    results = {r["scenario"]: r for r in json.loads(path.read_text())}
    assert sorted(results) == sorted(SCENARIOS)
    assert all(r["queries"] > 0 and r["floor_ms"] > 0 for r in results.values())
