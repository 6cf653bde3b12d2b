"""«Воронка по менеджерам» over the hand-computed funnel of conftest.py."""

from decimal import Decimal as D
from urllib.parse import parse_qs, urlsplit

from django.urls import reverse

from reports.tests.funnel.helpers import MANAGERS, get, rows


def test_deals_won_lost_conversion_cycle_and_revenue_by_manager(client, deals, head):
    client.force_login(head)
    response = get(client, MANAGERS, funnel=deals.test.pk)
    assert rows(response) == {
        # deals, won, lost, in work, conversion, cycle (days), revenue
        # Анна: d1 (won in 10 days, 100 000), d2 lost, d3 open, d5 (won in 15 days, 50 000), d7 open
        "Анна Смирнова": [5, 2, 1, 2, D("40.0"), D("12.5"), D("150000.00")],
        # Борис: d4 lost (won once), d10 open
        "Борис Волков": [2, 0, 1, 1, D("0.0"), None, D("0.00")],
        "Без менеджера": [1, 0, 0, 1, D("0.0"), None, D("0.00")],  # d6
        "Итого": [8, 2, 2, 4, D("25.0"), D("12.5"), D("150000.00")],
    }
    assert 'id="managers-chart"' in response.content.decode()


def test_all_funnels_count_the_other_funnels_deals(client, deals, head):
    client.force_login(head)
    table = rows(get(client, MANAGERS))
    # + d9 (Анна, won in 3 days, 20 000) and d12 (Борис, won in 9 days, 30 000)
    assert table["Анна Смирнова"] == [6, 3, 1, 2, D("50.0"), D("9.3"), D("170000.00")]
    assert table["Борис Волков"] == [3, 1, 1, 1, D("33.3"), D("9.0"), D("30000.00")]
    assert table["Итого"] == [10, 4, 2, 4, D("40.0"), D("9.3"), D("200000.00")]  # (10+15+3+9)/4


def test_a_line_opens_the_board_with_the_managers_deals(client, deals, head):
    client.force_login(head)
    grid = get(client, MANAGERS, funnel=deals.test.pk, source="Звонок").context["report"].sections[0][1]
    urls = {line.values[0]: line.url for line in grid.lines}
    address, query = urlsplit(urls["Борис Волков"])[2:4]
    assert address == reverse("funnel:board")
    assert parse_qs(query) == {
        "funnel": [str(deals.test.pk)],
        "manager": [str(deals.boris.pk)],
        "created_from": ["2026-01-01"],
        "created_to": ["2026-03-31"],
        "source": ["Звонок"],
    }
    assert parse_qs(urlsplit(urls["Без менеджера"]).query)["manager"] == ["none"]
    board = client.get(urls["Борис Волков"])
    assert board.status_code == 200
    assert sum(column.count for column in board.context["columns"]) == 2  # d4, d10
