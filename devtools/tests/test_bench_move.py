"""`manage.py bench_move` at the tiny size XS."""

import io

from django.core.management import call_command

from funnel.models import Deal, StageTransition


def test_bench_move_times_moves_and_puts_the_deals_back(db):
    call_command("seed_demo", size="XS", verbosity=0)
    before = list(Deal.objects.order_by("pk").values_list("pk", "stage_id", "stage_entered_at", "amount"))
    transitions = StageTransition.objects.count()
    out = io.StringIO()
    call_command("bench_move", repeat=3, warmup=1, stdout=out)
    assert "funnel:deal_move  p50" in out.getvalue() and "3 moves" in out.getvalue()
    assert list(Deal.objects.order_by("pk").values_list("pk", "stage_id", "stage_entered_at", "amount")) == before
    assert StageTransition.objects.count() == transitions
