"""What every funnel report shares: access by role, bad input said on the page, a constant number
of queries, the Excel file and the print view."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.tests.funnel.conftest import PERIOD
from reports.tests.funnel.helpers import CONVERSION, MANAGERS, PAGES, REPEAT_SALES, TIME_IN_STAGE, get, rows


@pytest.mark.parametrize("url", PAGES)
def test_a_user_without_a_role_is_refused(client, deals, outsider, url):
    client.force_login(outsider)
    assert client.get(url).status_code == 403


def test_the_index_lists_the_funnel_reports(client, deals, outsider, head):
    client.force_login(head)
    page = client.get(reverse("reports:index")).content.decode()
    assert "Воронка продаж" in page
    for url in PAGES:
        assert f'href="{url}"' in page


def test_a_manager_sees_the_figures_of_their_own_and_unassigned_deals(client, deals):
    client.force_login(deals.anna)
    # Анна's d1, d2, d3, d5, d7 and the unassigned d6; not Борис's d4 and d10.
    conversion = rows(get(client, CONVERSION, funnel=deals.test.pk))
    assert conversion["Всего сделок"][0] == 6
    assert conversion["Успех"][0] == 2 and conversion["Провал"][0] == 1
    assert list(rows(get(client, MANAGERS, funnel=deals.test.pk))) == ["Анна Смирнова", "Без менеджера", "Итого"]
    # Asking for Борис's deals gives nothing of them.
    assert rows(get(client, CONVERSION, funnel=deals.test.pk, manager=deals.boris.pk))["Всего сделок"][0] == 0
    assert list(rows(get(client, REPEAT_SALES), 1)) == ["Альфа, ИНН 7701000001"]  # not Бета (Борис's d12)
    stays = rows(get(client, TIME_IN_STAGE, funnel=deals.test.pk))
    assert stays["Договор"][0] == 2  # d1, d5 (not d4's two)


BAD_INPUT = [
    ({"period_after": "2026-03-31", "period_before": "2026-01-01"}, "Конец периода раньше его начала."),
    ({"period_after": "вчера"}, "Период"),
    # The probe: a far date answered 500 on the four funnel reports (page and Excel).
    ({"period_before": "9999-12-31"}, "Дата периода вне допустимого"),
    ({"funnel": "99999"}, "Воронка: Выберите корректный вариант"),
    ({"funnel": "abc"}, "Воронка: Выберите корректный вариант"),
    ({"manager": "abc"}, "Менеджер: Выберите корректный вариант"),
]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(("params", "message"), BAD_INPUT)
def test_bad_input_is_said_and_the_report_built_with_the_defaults(client, deals, head, url, params, message):
    if url == MANAGERS and "manager" in params:
        params = {"period_before": "1 апреля"}
        message = "Период"
    client.force_login(head)
    response = client.get(url, {**PERIOD, **params, "page": "x"})
    assert response.status_code == 200
    problems = response.context["problems"]
    assert problems and problems[0].startswith("Отбор задан неверно")
    assert any(message in p for p in problems), problems
    assert message.split(":")[0] in response.content.decode()
    assert response.context["report"].sections  # built anyway


def test_a_wrong_period_falls_back_to_the_last_year(client, deals, head):
    client.force_login(head)
    response = client.get(CONVERSION, {"funnel": deals.test.pk, "period_after": "2026-03-31", "period_before": "1"})
    assert response.status_code == 200
    assert any(line.startswith("Период (создание сделки): ") for line in response.context["report"].conditions)


def test_without_any_funnel_the_conversion_says_so(client, head):
    client.force_login(head)
    response = client.get(CONVERSION)
    assert response.status_code == 200
    assert "Нет ни одной воронки продаж" in response.content.decode()


# Session, user, roles, the menu's counters, the filter's choices (funnels, managers) and the figures.
MAX_QUERIES = {CONVERSION: 13, TIME_IN_STAGE: 10, MANAGERS: 9, REPEAT_SALES: 10}


@pytest.mark.parametrize("url", PAGES)
def test_a_page_and_its_excel_take_a_constant_number_of_queries(
    client, deals, head, django_assert_max_num_queries, url
):
    client.force_login(head)
    get(client, url)
    for _more in range(3):  # the same count whatever the number of deals
        first = deals.deals[1]
        first.pk = None
        first.save()
    for params in ({}, {"funnel": deals.test.pk}, {"export": "xlsx"}, {"print": "1"}):
        with django_assert_max_num_queries(MAX_QUERIES[url]):
            get(client, url, **params)


def test_the_conversion_in_excel(client, deals, head):
    deals.test.name = "=Тест"  # formula-like text stays text
    deals.test.save()
    client.force_login(head)
    response = get(client, CONVERSION, funnel=deals.test.pk, export="xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="funnel-conversion.xlsx"'
    sheet = load_workbook(BytesIO(response.content)).active
    values = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert values[0] == ["Конверсия воронки: =Тест"]
    assert sheet["A1"].data_type == "s"
    assert "Период (создание сделки): 01.01.2026 – 31.03.2026" in [v[0] for v in values if v]
    assert ["Контакт", 8, 87.5, 100, 0] in values or ["Контакт", 8, 87.5, 100] in values
    assert ["Предложение", 5, 80, 62.5, 1] in values
    assert ["Успех", 2, 25] in values
    assert ["Всего сделок", 8, 100, 2] in values


@pytest.mark.parametrize("url", [TIME_IN_STAGE, MANAGERS, REPEAT_SALES])
def test_the_other_reports_in_excel(client, deals, head, url):
    client.force_login(head)
    response = get(client, url, funnel=deals.test.pk, export="xlsx")
    sheet = load_workbook(BytesIO(response.content)).active
    firsts = [row[0] for row in sheet.iter_rows(values_only=True)]
    expected = {TIME_IN_STAGE: "Договор", MANAGERS: "Анна Смирнова", REPEAT_SALES: "Альфа, ИНН 7701000001"}
    assert expected[url] in firsts


@pytest.mark.parametrize("url", PAGES)
def test_the_print_view(client, deals, head, url):
    client.force_login(head)
    page = get(client, url, funnel=deals.test.pk, print="1").content.decode()
    assert 'id="print-button" data-print' in page and "Тест" in page


@pytest.mark.parametrize("url", PAGES)
def test_a_far_date_in_excel_gives_the_file_of_the_defaults(client, deals, head, url):
    client.force_login(head)
    response = client.get(url, {**PERIOD, "period_before": "9999-12-31", "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
