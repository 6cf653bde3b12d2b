"""«Время на этапах» over the hand-computed funnel of conftest.py (days; «now» is 01.04.2026 12:00)."""

from decimal import Decimal as D

import pytest

from funnel.models import Funnel, Stage
from reports.tests.funnel.conftest import history, noon
from reports.tests.funnel.helpers import TIME_IN_STAGE, get, rows


@pytest.mark.parametrize("percentile", [True, False], ids=["percentile_cont", "row_number"])
def test_stays_means_and_medians_of_a_funnel(client, deals, head, at_now, monkeypatch, percentile):
    # percentile_cont() is PostgreSQL's; the demo's SQLite takes the middle rows by ROW_NUMBER(),
    # which PostgreSQL runs too.
    monkeypatch.setattr("reports.funnel.figures.PERCENTILE", percentile)
    client.force_login(head)
    response = get(client, TIME_IN_STAGE, funnel=deals.test.pk)
    assert rows(response) == {
        # completed stays, mean, median, on the stage now, their mean so far
        # Контакт: d1 2, d2 4, d3 1, d4 3, d5 2, d6 1, d10 2 → 15/7; 1 1 2 [2] 2 3 4; d7 since 20.03
        "Контакт": [7, D("2.1"), D("2.0"), 1, D("12.0")],
        # d6 alone, 2 days (no longer used, shown as it has a stay)
        "Старый этап (не используется)": [1, D("2.0"), D("2.0"), 0, None],
        # d1 3, d3 1.5 and 2.2 (back), d4 5, d5 3 and 1 (reopened) → 15.7/6; 1 1.5 [2.2 3] 3 5;
        # d6 since 04.03 (28 days) and d10 since 07.03 (25 days)
        "Потребность": [6, D("2.6"), D("2.6"), 2, D("26.5")],
        # d1 4, d2 2.7, d3 3.3 and 4, d4 1, d5 2 → 17/6; 1 2 [2.7 3.3] 4 4 (d2 skipped Потребность: no stay)
        "Предложение": [6, D("2.8"), D("3.0"), 0, None],
        # d1 1, d4 2 and 5 (reopened), d5 2 → 10/4; 1 [2 2] 5; d3 since 13.02 (47 days)
        "Договор": [4, D("2.5"), D("2.0"), 1, D("47.0")],
    }
    page = response.content.decode()
    assert 'id="time-in-stage-chart"' in page and "Медиана" in page
    assert "Пребывание — переход сделки на этап в периоде" in page


def test_all_funnels_grouped_by_funnel(client, deals, head, at_now):
    client.force_login(head)
    response = get(client, TIME_IN_STAGE)
    grid = response.context["report"].sections[0][1]
    names = [line.values[0] for line in grid.lines]
    assert names == [
        "Другая",
        "Заявка",
        "Тест",
        "Контакт",
        "Старый этап (не используется)",
        "Потребность",
        "Предложение",
        "Договор",
    ]
    assert grid.lines[0].style == "group" and grid.lines[1].level == 1
    assert list(grid.lines[1].values[1:]) == [2, D("6.0"), D("6.0"), 0, None]  # d9 3 days, d12 9 days
    assert list(grid.lines[3].values[1:]) == [7, D("2.1"), D("2.0"), 1, D("12.0")]


@pytest.mark.parametrize("percentile", [True, False], ids=["percentile_cont", "row_number"])
def test_the_period_is_of_the_entry_and_a_stay_ends_at_the_next_move_even_after_it(
    client, deals, head, at_now, monkeypatch, percentile
):
    monkeypatch.setattr("reports.funnel.figures.PERCENTILE", percentile)
    client.force_login(head)
    # 01.02–10.02: d3 enters Контакт (1 day), Потребность (1.5), Предложение (3.3) and Потребность (2.2)
    # on 01–06.02, Предложение on 09.02 (4 days, ending 13.02: after the period) and Договор on 13.02
    # (outside); d4's Договор on 09.02 after its reopening (5 days); d5 Контакт on 10.02 (2 days).
    response = get(client, TIME_IN_STAGE, funnel=deals.test.pk, period_after="2026-02-01", period_before="2026-02-10")
    assert rows(response) == {
        "Контакт": [2, D("1.5"), D("1.5"), 0, None],
        "Потребность": [2, D("1.9"), D("1.9"), 0, None],
        "Предложение": [2, D("3.7"), D("3.7"), 0, None],
        "Договор": [1, D("5.0"), D("5.0"), 0, None],
    }


def test_a_manager_filter(client, deals, head, at_now):
    client.force_login(head)
    response = get(client, TIME_IN_STAGE, funnel=deals.test.pk, manager=deals.boris.pk)  # d4, d10
    assert rows(response) == {
        "Контакт": [2, D("2.5"), D("2.5"), 0, None],  # 3 and 2
        "Потребность": [1, D("5.0"), D("5.0"), 1, D("25.0")],
        "Предложение": [1, D("1.0"), D("1.0"), 0, None],
        "Договор": [2, D("3.5"), D("3.5"), 0, None],  # 2 and 5
    }


def test_a_stay_under_a_day_reads_in_hours_and_minutes(client, deals, head, at_now):
    """A deal that stayed 5 hours 20 minutes on «Звонок»: the page says so, not «0,0 дн.» or a blank."""
    quick = Funnel.objects.create(name="Быстрая")
    call = Stage.objects.create(funnel=quick, name="Звонок", order=10)
    won = Stage.objects.create(funnel=quick, name="Успех", order=90, kind=Stage.Kind.WON)
    history(quick, "d13", deals.anna, deals.alfa, noon("10.03.2026"), [(call, 0), (won, 5 / 24 + 20 / 1440)])
    client.force_login(head)
    page = get(client, TIME_IN_STAGE, funnel=quick.pk).content.decode()
    assert page.count("5 ч 20 мин") >= 3  # mean and median in the table, and the chart's bar
    assert "0,0 дн." not in page
