"""The board's per-column count and sum (querysets.stage_totals): the figures, and that a whole
funnel's are read from deal_stage_totals_idx alone — an index-only scan, no deal read."""

from decimal import Decimal as D

from django.db import connection
from django.test.utils import CaptureQueriesContext

from funnel import querysets
from funnel.models import Deal
from funnel.tests.conftest import deal_of


def test_the_totals_of_a_funnel_come_from_the_covering_index(anna, boris, b2b):
    funnel, (contact, offer, *_rest) = b2b
    deal_of(funnel, anna, "Станки", amount=D("1000.50"))
    deal_of(funnel, boris, "Фрезы", amount=D("250.00"))
    deal_of(funnel, anna, "Сверла")
    deal_of(funnel, anna, "Кабель", amount=D("99.50"), stage=offer)
    deals = Deal.objects.filter(funnel=funnel)
    with CaptureQueriesContext(connection) as queries:
        totals = querysets.stage_totals(deals, [contact.pk, offer.pk])
    assert totals == {contact.pk: (3, D("1250.50")), offer.pk: (1, D("99.50"))}
    assert querysets.stage_totals(deals.filter(manager=boris), [contact.pk, offer.pk]) == {contact.pk: (1, D("250"))}
    (query,) = queries.captured_queries
    with connection.cursor() as cursor:
        # A handful of rows would be read from the table: ask for the plan a large funnel gets.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {query['sql']}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using deal_stage_totals_idx" in plan, plan
