"""The funnels of the demo data set (devtools/seed/funnel.py): every deal's history is a chain of moves
that ends where the deal is, as services.move would have left it."""

import itertools

import pytest
from django.core.management import call_command

from devtools.seed.funnel import DEALS, SPECS
from funnel.models import Deal, Funnel, Stage, StageTransition


@pytest.fixture
def seeded(db):
    call_command("seed_demo", size="XS", verbosity=0)


def test_three_funnels_with_their_stages_and_deals_in_each(seeded):
    assert sorted(Funnel.objects.values_list("name", flat=True)) == sorted(s.name for s in SPECS)
    assert all(5 <= f.stages.count() <= 8 for f in Funnel.objects.all())
    assert Deal.objects.count() == DEALS["XS"]
    assert set(Deal.objects.values_list("funnel__name", flat=True)) == {s.name for s in SPECS}
    kinds = set(Deal.objects.values_list("stage__kind", flat=True))
    assert kinds == {Stage.Kind.OPEN, Stage.Kind.WON, Stage.Kind.LOST}
    assert StageTransition.objects.count() > 3 * Deal.objects.count()


def test_every_history_is_a_chain_that_ends_where_the_deal_is(seeded):
    moves: dict[int, list[StageTransition]] = {}
    for t in StageTransition.objects.order_by("deal_id", "at", "id"):
        moves.setdefault(t.deal_id, []).append(t)
    for deal in Deal.objects.select_related("stage", "funnel"):
        chain = moves[deal.pk]
        assert chain[0].from_stage_id is None and chain[0].at == deal.created_at
        for before, after in itertools.pairwise(chain):
            assert after.from_stage_id == before.to_stage_id != after.to_stage_id
            assert after.at >= before.at
        assert (chain[-1].to_stage_id, chain[-1].at) == (deal.stage_id, deal.stage_entered_at)
        assert (deal.closed_at is not None) == deal.stage.is_closed
        assert (deal.lost_reason_id is not None) == (deal.stage.kind == Stage.Kind.LOST)
        if deal.stage.kind == Stage.Kind.WON and deal.funnel.requires_amount:
            assert deal.amount
        assert deal.client_id or deal.lead_name
