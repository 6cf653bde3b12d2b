"""A list sorted by an extra field, paged in two parts (ClientQuerySet.page_and_count): the clients
with a value through the field's value index, then those without one by name. The pages put
together are the list as one ORDER BY … NULLS LAST gives it, and the count is estimated beyond
LIST_EXACT_COUNT_UP_TO (lowered here)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Client, ExtraField, ExtraValue
from clients.tests import factories
from crm.testing import logged_in

PER_PAGE = 4


@pytest.fixture
def turnover(db):
    """23 clients: 13 with a turnover (ties among them, names repeated), 10 without one."""
    field = factories.ExtraFieldFactory(name="Оборот", value_type=ExtraField.ValueType.NUMBER)
    clients = Client.objects.bulk_create(
        Client(kind=Client.Kind.COMPANY, name=f"ООО «Клиент {n % 7}»") for n in range(23)
    )
    amounts = [5, 7, 7, 1, 9, 7, 3, 3, 12, 0, 5, 7, 2]
    owners = (clients[::2] + clients[1::4])[: len(amounts)]
    ExtraValue.objects.bulk_create(
        ExtraValue(field=field, client=c, value_number=Decimal(a)) for c, a in zip(owners, amounts, strict=True)
    )
    return field


def pages(rows, per_page: int = PER_PAGE) -> tuple[list[int], set]:
    """Every page's clients put together, and the totals the pages came with."""
    ids, totals, bottom = [], set(), 0
    while True:
        found, total = rows.page_and_count(bottom, bottom + per_page)
        if not found:
            assert total is None or (bottom == 0 and total == 0)
            return ids, totals
        ids += [c.pk for c in found]
        totals.add(total)
        bottom += per_page


@pytest.mark.parametrize("descending", [True, False])
def test_the_pages_are_the_list_sorted_by_the_value_with_empty_values_last(turnover, descending):
    rows = Client.objects.for_list().order_by_extra_field(turnover.pk, "value_number", descending=descending)
    expected = list(rows.values_list("pk", flat=True))  # one ORDER BY … NULLS LAST, name, id
    assert len(expected) == 23
    ids, totals = pages(rows)
    assert ids == expected
    assert totals == {23}
    filtered = rows.filter(name__in=["ООО «Клиент 1»", "ООО «Клиент 4»"])
    ids, totals = pages(filtered, per_page=3)
    assert ids == list(filtered.values_list("pk", flat=True)) and totals == {len(ids)}


def test_beyond_the_exact_limit_the_count_is_an_estimate_and_the_pages_stay_the_same(turnover, settings):
    settings.LIST_EXACT_COUNT_UP_TO = 10
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE "{Client._meta.db_table}"')
    rows = Client.objects.for_list().order_by_extra_field(turnover.pk, "value_number", descending=True)
    ids, totals = pages(rows)
    assert ids == list(rows.values_list("pk", flat=True))
    (total,) = totals
    assert total.estimated and total == 23  # the planner's estimate of the analysed table


def test_the_page_says_when_the_count_is_an_estimate(turnover, settings):
    browser = logged_in(factories.supervisor(username="boss"))
    column = f"extra_{turnover.pk}"
    params = {"sort": f"-{column}", "columns": ["inn", column], "per_page": 25}

    def shown() -> tuple[str, int]:
        with CaptureQueriesContext(connection) as queries:
            page = browser.get(reverse("clients:list"), params).content.decode()
        return re.search(r'id="list-count">([^<]*)<', page).group(1), len(queries.captured_queries)

    shown()  # the first one keeps the chosen columns
    exact, queries = shown()
    assert exact == "Найдено клиентов: 23"
    settings.LIST_EXACT_COUNT_UP_TO = 10
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE "{Client._meta.db_table}"')
    estimated, more_queries = shown()
    assert estimated == "Найдено клиентов: около 23"
    assert more_queries == queries + 1  # the planner's estimate (EXPLAIN)
