"""«Реестр заявок-накладных» (reports:invoice_register) over the sales base of data.py."""

from decimal import Decimal as D
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from clients.tests import factories
from crm import roles
from reports.tests.receivables.data import make_invoice

URL = reverse("reports:invoice_register")


def report(http, **params):
    response = http.get(URL, params)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response


def by_status(response) -> dict:
    """{status: [label, count, total, paid, open]} with "total"."""
    grid = response.context["report"].sections[0][1]
    return {**{line.key: list(line.values) for line in grid.lines}, "total": list(grid.total.values)}


def waiting(response) -> list[list]:
    grid = response.context["report"].sections[1][1]
    return [list(line.values) for line in grid.lines]


def test_it_counts_and_sums_the_invoices_by_status(client, sales, boss):
    client.force_login(boss)
    response = report(client)
    assert by_status(response) == {
        "request": ["Заявка", 1, D("500.00"), D("0.00"), D("500.00")],
        "in_work": ["В работе", 1, D("400.00"), D("150.00"), D("250.00")],
        "ready": ["Готова к отгрузке", 1, D("120.00"), D("0.00"), D("120.00")],
        "shipped": ["Отгружена", 8, D("2990.00"), D("450.00"), D("2540.00")],
        "cancelled": ["Отменена", 1, D("999.00"), D("0.00"), D("999.00")],
        "total": ["Итого, без отменённых", 11, D("4010.00"), D("600.00"), D("3410.00")],
    }
    html = response.content.decode()
    assert "Реестр заявок-накладных" in html and "4\xa0010,00" in html


def test_it_lists_the_invoices_in_work_and_ready_to_ship_the_longest_waiting_first(client, sales, boss):
    client.force_login(boss)
    i = sales.invoices
    assert waiting(report(client)) == [
        [
            f"№ {i[11].number} от 10.03.2026",
            "Гамма, ИНН 7703000003",
            "Борис Волков",
            "Опт",
            "Готова к отгрузке",
            D("120.00"),
            D("0.00"),
            D("120.00"),
        ],
        [
            f"№ {i[10].number} от 15.03.2026",
            "Бета",
            "Анна Смирнова",
            "Розница",
            "В работе",
            D("400.00"),
            D("150.00"),
            D("250.00"),
        ],
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # March: i3 (28.01) falls out of «Отгружена».
        (
            {"period_after": "2026-03-01", "period_before": "2026-03-31"},
            {
                "request": [1, "500.00"],
                "in_work": [1, "400.00"],
                "ready": [1, "120.00"],
                "shipped": [7, "2690.00"],
                "cancelled": [1, "999.00"],
            },
        ),
        ({"period_after": "2026-03-26"}, {"shipped": [2, "340.00"], "request": [1, "500.00"]}),
        ({"manager": "BORIS"}, {"shipped": [3, "700.00"], "ready": [1, "120.00"]}),
        ({"manager": "null"}, {"shipped": [1, "90.00"], "cancelled": [1, "999.00"]}),
        ({"project": "RETAIL"}, {"shipped": [2, "1000.00"], "in_work": [1, "400.00"]}),
        ({"q": "бет"}, {"shipped": [1, "700.00"], "in_work": [1, "400.00"]}),
    ],
)
def test_filters_by_period_manager_project_and_client(client, sales, boss, params, expected):
    ids = {"BORIS": sales.boris.pk, "RETAIL": sales.retail.pk}
    client.force_login(boss)
    found = by_status(report(client, **{k: ids.get(v, v) for k, v in params.items()}))
    found.pop("total")
    assert {k: [v[1], str(v[2])] for k, v in found.items() if v[1]} == expected


def test_a_period_with_nothing_gives_zero_lines_and_says_no_one_is_waiting(client, sales, boss):
    client.force_login(boss)
    response = report(client, period_after="2025-01-01", period_before="2025-12-31")
    assert by_status(response)["total"] == ["Итого, без отменённых", 0, D(0), D(0), D(0)]
    assert "Нет заявок в работе и готовых к отгрузке." in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period_after": "2026-03-31", "period_before": "2026-03-01"}, "Конец периода раньше его начала."),
        ({"period_after": "первое марта"}, "Отбор задан неверно"),
        ({"manager": "999999"}, "Отбор задан неверно"),
        ({"page": "-3"}, None),
    ],
)
def test_bad_input_gets_a_message_not_an_error(client, sales, boss, params, message):
    client.force_login(boss)
    for extra in ({}, {"export": "xlsx"}, {"print": "1"}):
        assert client.get(URL, {**params, **extra}).status_code == 200
    response = report(client, **params)
    if message:
        assert message in response.content.decode()
    assert by_status(response)["total"][1] == 11


def test_the_list_is_paged_by_a_hundred_and_printed_whole(client, sales, boss):
    extra = factories.ClientFactory(name="Многозаявочный", responsible=None)
    for _n in range(101):
        make_invoice(extra, 5, on="02.03", status="in_work")
    client.force_login(boss)
    first = report(client)
    assert len(waiting(first)) == 100
    second = client.get(URL + first.context["pagination"]["next"])
    assert len(waiting(second)) == 3
    assert by_status(second)["in_work"][1] == 102  # the summary is the whole period's
    assert len(waiting(report(client, print="1"))) == 103


def test_excel_holds_both_tables(client, sales, boss):
    client.force_login(boss)
    response = report(client, project=sales.wholesale.pk)
    download = client.get(response.context["export_url"])
    assert download.status_code == 200 and "invoice-register.xlsx" in download["Content-Disposition"]
    sheet = load_workbook(BytesIO(download.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "Реестр заявок-накладных"
    assert ["Проект: Опт"] == [r[0] for r in rows if r[0] == "Проект: Опт"]
    assert next(r for r in rows if r[0] == "Отгружена")[:5] == ["Отгружена", 4, 1800, 250, 1550]
    assert next(r for r in rows if r[0] == "Итого, без отменённых")[:5] == ["Итого, без отменённых", 6, 2420, 250, 2170]
    assert any(r[0] == "В работе и готовые к отгрузке" for r in rows)
    assert next(r for r in rows if r[1] == "Гамма, ИНН 7703000003")[4:] == ["Готова к отгрузке", 120, 0, 120]


def test_the_print_view_has_both_tables_and_no_navigation(client, sales, boss):
    client.force_login(boss)
    html = client.get(report(client).context["print_url"]).content.decode()
    assert "crm/report_print_landscape.css" in html and "navbar" not in html
    assert 'id="status-table"' in html and 'id="in-progress"' in html


def test_a_manager_sees_only_their_own_and_unassigned_clients(client, sales):
    client.force_login(sales.boris)  # Гамма and Дельта
    found = by_status(report(client))
    assert found["shipped"][1:3] == [3, D("490.00")]
    assert found["cancelled"][1] == 1
    assert [row[1] for row in waiting(report(client))] == ["Гамма, ИНН 7703000003"]


@pytest.mark.parametrize("role", [roles.SALES_HEAD, roles.ADMINISTRATOR])
def test_management_sees_every_invoice(client, sales, role):
    client.force_login(factories.UserFactory(username="chief", role=role))
    assert by_status(report(client))["total"][1] == 11


def test_users_without_a_role_are_refused(client, sales, outsider):
    client.force_login(outsider)
    for extra in ({}, {"export": "xlsx"}, {"print": "1"}):
        assert client.get(URL, extra).status_code == 403


def test_the_queries_do_not_grow_with_the_data(client, sales, boss, django_assert_max_num_queries):
    client.force_login(boss)
    report(client)
    with CaptureQueriesContext(connection) as few:
        report(client)
    extra = factories.ClientFactory(name="Ещё", responsible=None)
    for status in ("in_work", "ready", "shipped", "request") * 3:
        make_invoice(extra, 7, on="03.03", status=status)
    with django_assert_max_num_queries(len(few)):
        report(client)
    with django_assert_max_num_queries(12):
        report(client, manager=sales.anna.pk, project=sales.retail.pk, q="а", period_after="2026-01-01")
