"""«Повторные продажи» over the hand-computed funnel of conftest.py."""

import datetime
from decimal import Decimal as D

from reports.tests.funnel.helpers import REPEAT_SALES, get, rows


def test_wins_by_client_over_all_funnels(client, deals, head):
    client.force_login(head)
    response = get(client, REPEAT_SALES)
    assert rows(response, 0) == {
        "1": [1],  # Бета: d12 (d8 was won before the period)
        "2": [0],
        "3": [1],  # Альфа: d1, d9, d5
        "4": [0],
        "5 и более": [0],
        "Клиентов с победами": [2],
    }
    assert rows(response, 1) == {
        # wins, revenue, first, last, days between: (25.02 − 20.01) / 2
        "Альфа, ИНН 7701000001": [
            3, D("170000.00"), datetime.date(2026, 1, 20), datetime.date(2026, 2, 25), D("18.0")
        ],
        "Бета": [1, D("30000.00"), datetime.date(2026, 3, 10), datetime.date(2026, 3, 10), None],
    }  # fmt: skip
    page = response.content.decode()
    assert "Из них повторных (2 и более побед): 1, 50,0 %" in page
    assert 'id="repeat-chart"' in page


def test_one_funnel_and_only_repeat_clients(client, deals, head):
    client.force_login(head)
    response = get(client, REPEAT_SALES, funnel=deals.test.pk, clients="repeat")
    assert rows(response, 1) == {
        "Альфа, ИНН 7701000001": [
            2, D("150000.00"), datetime.date(2026, 1, 20), datetime.date(2026, 2, 25), D("36.0")
        ],
    }  # fmt: skip
    assert rows(response, 0)["Клиентов с победами"] == [1]
    only_boris = get(client, REPEAT_SALES, manager=deals.boris.pk)
    assert list(rows(only_boris, 1)) == ["Бета"]


def test_the_clients_are_paged_most_wins_first(client, deals, head, monkeypatch):
    monkeypatch.setattr("crm.reports.PER_PAGE", 1)
    client.force_login(head)
    first = get(client, REPEAT_SALES)
    assert list(rows(first, 1)) == ["Альфа, ИНН 7701000001"]
    assert first.context["pagination"]["next"]
    second = get(client, REPEAT_SALES, page=2)
    assert list(rows(second, 1)) == ["Бета"]
