"""«Конверсия воронки» over the hand-computed funnel of conftest.py."""

from decimal import Decimal as D

from reports.tests.funnel.helpers import CONVERSION, get, rows


def test_reached_conversions_and_outcomes_of_the_cohort(client, deals, head):
    # Cohort: d1–d7 and d10 (d8 before the period, d11 after it, d9 and d12 of «Другая»).
    # Deepest point: d1, d4, d5 «Успех»; d3 Договор; d2 Предложение (skipped Потребность);
    # d6, d10 Потребность; d7 Контакт.
    client.force_login(head)
    response = get(client, CONVERSION, funnel=deals.test.pk)
    assert rows(response) == {
        #                          reached, to next, from start, lost here
        "Контакт": [8, D("87.5"), D("100.0"), 0],
        "Старый этап (не используется)": [7, D("100.0"), D("87.5"), 0],
        "Потребность": [7, D("71.4"), D("87.5"), 0],
        "Предложение": [5, D("80.0"), D("62.5"), 1],  # d2
        "Договор": [4, D("75.0"), D("50.0"), 1],  # d4, lost after its reopening; to «Успех»: d1, d4, d5
        "Успех": [2, None, D("25.0"), None],  # d1, d5 (d4 won once, lost now)
        "Провал": [2, None, D("25.0"), None],  # d2, d4 (d5 lost once, won now)
        "В работе": [4, None, D("50.0"), None],  # d3, d6, d7, d10
        "Всего сделок": [8, None, D("100"), 2],
    }
    result = response.context["result"]
    assert (result.cohort, result.ever_won, result.overall) == (8, 3, D("25.0"))
    page = response.content.decode()
    assert "Общая конверсия (успешные сделки от всех): 25,0 %" in page
    assert 'id="funnel-chart"' in page and "<svg" in page
    assert "Сделки воронки, созданные в периоде" in page


def test_a_retired_stage_nobody_entered_is_not_shown(client, deals, head):
    client.force_login(head)
    # In January only d1, d2 and d4 were created; none went through «Старый этап».
    response = get(client, CONVERSION, funnel=deals.test.pk, period_before="2026-01-31")
    assert rows(response) == {
        "Контакт": [3, D("100.0"), D("100.0"), 0],
        "Потребность": [3, D("100.0"), D("100.0"), 0],  # d2 skipped it and still counts
        "Предложение": [3, D("66.7"), D("100.0"), 1],
        "Договор": [2, D("100.0"), D("66.7"), 1],  # d1, d4: both won
        "Успех": [1, None, D("33.3"), None],
        "Провал": [2, None, D("66.7"), None],
        "В работе": [0, None, D("0.0"), None],
        "Всего сделок": [3, None, D("100"), 2],
    }


def test_manager_and_source_filters(client, deals, head):
    client.force_login(head)
    boris = rows(get(client, CONVERSION, funnel=deals.test.pk, manager=deals.boris.pk))  # d4, d10
    assert boris["Контакт"] == [2, D("100.0"), D("100.0"), 0]
    assert boris["Договор"] == [1, D("100.0"), D("50.0"), 1]
    assert boris["Всего сделок"] == [2, None, D("100"), 1]
    unassigned = rows(get(client, CONVERSION, funnel=deals.test.pk, manager="null"))  # d6
    assert unassigned["Всего сделок"] == [1, None, D("100"), 0]
    assert unassigned["Старый этап (не используется)"][0] == 1
    site = rows(get(client, CONVERSION, funnel=deals.test.pk, source="сайт"))  # d1, d3
    assert site["Контакт"][0] == 2 and site["Успех"][0] == 1


def test_the_default_funnel_is_the_active_one_with_the_most_deals_and_the_period_the_last_year(client, deals, head):
    client.force_login(head)
    response = client.get(CONVERSION)
    assert response.status_code == 200
    assert response.context["report"].title == "Конверсия воронки: Тест"
    assert response.context["filter"].form["period"].value()[0]  # the default period is filled in


def test_the_other_funnel(client, deals, head):
    client.force_login(head)
    assert rows(get(client, CONVERSION, funnel=deals.other.pk)) == {
        "Заявка": [2, D("100.0"), D("100.0"), 0],
        "Успех": [2, None, D("100.0"), None],
        "Провал": [0, None, D("0.0"), None],
        "В работе": [0, None, D("0.0"), None],
        "Всего сделок": [2, None, D("100"), 0],
    }
