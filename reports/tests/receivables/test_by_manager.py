"""«Задолженность по менеджерам (проектам)» (reports:debt_by_manager) and «Оплаты по менеджерам
(проектам)» (reports:payments_by_manager) over the sales base of data.py."""

from decimal import Decimal as D
from io import BytesIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db.models import Sum
from django.urls import reverse
from openpyxl import load_workbook

from clients.tests import factories
from crm import roles
from reports.tests.receivables.data import ON, make_invoice, make_payment
from sales.models import Invoice

DEBT = reverse("reports:debt_by_manager")
PAYMENTS = reverse("reports:payments_by_manager")
NOT_ASSIGNED, NO_PROJECT = "— не назначен —", "— без проекта —"


def get(http, url, **params):
    if url == DEBT:
        params.setdefault("on", ON.isoformat())
    response = http.get(url, params)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response


def table(response) -> dict:
    """{name: [figures…]} with "Итого"."""
    grid = response.context["report"].sections[0][1]
    return {line.values[0]: list(line.values[1:]) for line in [*grid.lines, grid.total]}


# --- debt --------------------------------------------------------------------------------------------


def test_debt_by_manager_of_the_invoices(client, sales, boss):
    client.force_login(boss)
    response = get(client, DEBT)
    assert table(response) == {
        "Анна Смирнова": [3, D("1800.00"), D("1000.00"), D("55.6")],
        "Борис Волков": [3, D("650.00"), D("400.00"), D("61.5")],
        NOT_ASSIGNED: [1, D("90.00"), D("90.00"), D("100.0")],
        "Итого": [7, D("2540.00"), D("1490.00"), D("58.7")],
    }
    assert response.context["title"] == "Задолженность по менеджерам"
    assert 'id="report-date">на 01.04.2026' in response.content.decode()


def test_debt_by_project(client, sales, boss):
    client.force_login(boss)
    response = get(client, DEBT, group="project")
    assert table(response) == {
        "Опт": [4, D("1550.00"), D("500.00"), D("32.3")],
        "Розница": [2, D("900.00"), D("900.00"), D("100.0")],
        NO_PROJECT: [1, D("90.00"), D("90.00"), D("100.0")],
        "Итого": [7, D("2540.00"), D("1490.00"), D("58.7")],
    }
    assert response.context["title"] == "Задолженность по проектам"
    assert '<option value="project" selected>По проектам</option>' in response.content.decode()


def test_the_debt_total_is_the_open_amount_of_the_shipped_invoices_from_the_last_document_on(client, sales, boss):
    expected = Invoice.objects.filter(status="shipped").aggregate(s=Sum("open_amount"))["s"]
    client.force_login(boss)
    for on in (ON.isoformat(), "2030-12-31"):
        for group in ("manager", "project"):
            assert table(get(client, DEBT, on=on, group=group))["Итого"][1] == expected
    assert table(get(client, DEBT, on="2030-12-31"))["Итого"][2] == expected


def test_on_a_past_date_the_debt_is_what_it_was_that_day(client, sales, boss):
    """On 05.03: i1 600 less p1 of 05.03 (200) = 400, i3 300, i4 100 (p2 came on 10.03), i7 150 (p4
    on 15.03); only i3 (due 03.03) was overdue. The rest was shipped later."""
    client.force_login(boss)
    assert table(get(client, DEBT, on="2026-03-05")) == {
        "Анна Смирнова": [2, D("500.00"), D("0.00"), D("0.0")],
        "Борис Волков": [2, D("450.00"), D("300.00"), D("66.7")],
        "Итого": [4, D("950.00"), D("300.00"), D("31.6")],
    }
    assert table(get(client, DEBT, on="2026-01-31"))["Итого"][:3] == [0, D("0.00"), D("0.00")]


def test_partial_payments_and_a_new_shipment_move_the_debt(client, sales, boss):
    make_payment(sales.alfa, 150, on="01.04", manager=sales.anna, allocations=[(sales.invoices[2], 150)])
    make_invoice(sales.gamma, 75, on="01.04", status="shipped", contract=sales.contracts["Г-1"], manager=sales.anna)
    client.force_login(boss)
    assert table(get(client, DEBT))["Анна Смирнова"][:3] == [4, D("1725.00"), D("1000.00")]
    # A payment after the report date does not count yet.
    make_payment(sales.alfa, 100, on="02.04", manager=sales.anna, allocations=[(sales.invoices[2], 100)])
    assert table(get(client, DEBT))["Анна Смирнова"][:3] == [4, D("1725.00"), D("1000.00")]
    assert table(get(client, DEBT, on="2026-04-02"))["Анна Смирнова"][:3] == [4, D("1625.00"), D("1000.00")]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"project": "RETAIL"}, {"Анна Смирнова": [1, D("600.00")], "Борис Волков": [1, D("300.00")]}),
        ({"q": "альф"}, {"Анна Смирнова": [2, D("1200.00")], "Борис Волков": [1, D("300.00")]}),
        ({"manager": "BORIS"}, {"Борис Волков": [3, D("650.00")]}),
        ({"manager": "null", "group": "project"}, {NO_PROJECT: [1, D("90.00")]}),
    ],
)
def test_debt_filters(client, sales, boss, params, expected):
    ids = {"RETAIL": sales.retail.pk, "BORIS": sales.boris.pk}
    client.force_login(boss)
    found = table(get(client, DEBT, **{k: ids.get(v, v) for k, v in params.items()}))
    found.pop("Итого")
    assert {name: figures[:2] for name, figures in found.items()} == expected


def test_each_line_opens_invoices_to_pay_of_that_manager_under_the_same_filter(client, sales, boss):
    client.force_login(boss)
    response = get(client, DEBT, project=sales.wholesale.pk, on="2026-04-05")
    grid = response.context["report"].sections[0][1]
    urls = {line.values[0]: line.url for line in grid.lines}
    anna = urlsplit(urls["Анна Смирнова"])
    assert anna.path == reverse("reports:invoices_to_pay")
    assert parse_qs(anna.query) == {
        "on": ["2026-04-05"],
        "project": [str(sales.wholesale.pk)],
        "manager": [str(sales.anna.pk)],
    }
    to_pay = client.get(urls["Анна Смирнова"]).context["report"].sections[0][1]
    assert to_pay.total.values[2] == D("1200.00")  # the same figure as the line
    assert table(response)["Анна Смирнова"][1] == D("1200.00")
    by_project = get(client, DEBT, group="project", manager=sales.boris.pk)
    urls = {line.values[0]: line.url for line in by_project.context["report"].sections[0][1].lines}
    assert parse_qs(urlsplit(urls["Розница"]).query)["manager"] == [str(sales.boris.pk)]
    assert "manager=null" not in urls["Розница"]
    assert parse_qs(urlsplit(get(client, DEBT).context["report"].sections[0][1].lines[-1].url).query) == {
        "on": [ON.isoformat()],
        "manager": ["null"],
    }


def test_a_manager_sees_the_debt_of_their_own_and_unassigned_clients(client, sales):
    client.force_login(sales.anna)  # Альфа, Бета, Дельта: i3 is Борис's invoice to Анна's client
    assert table(get(client, DEBT)) == {
        "Анна Смирнова": [3, D("1800.00"), D("1000.00"), D("55.6")],
        "Борис Волков": [1, D("300.00"), D("300.00"), D("100.0")],
        NOT_ASSIGNED: [1, D("90.00"), D("90.00"), D("100.0")],
        "Итого": [5, D("2190.00"), D("1390.00"), D("63.5")],
    }
    client.force_login(sales.boris)
    assert table(get(client, DEBT))["Итого"][:3] == [3, D("440.00"), D("190.00")]


# --- payments ----------------------------------------------------------------------------------------


def test_payments_by_manager(client, sales, boss):
    client.force_login(boss)
    response = get(client, PAYMENTS)
    assert table(response) == {
        "Анна Смирнова": [3, D("550.00"), D("0.00"), D("82.1")],
        "Борис Волков": [1, D("80.00"), D("30.00"), D("11.9")],
        NOT_ASSIGNED: [1, D("40.00"), D("40.00"), D("6.0")],
        "Итого": [5, D("670.00"), D("70.00"), D("100.0")],
    }
    assert response.context["title"] == "Оплаты по менеджерам"


def test_payments_by_project(client, sales, boss):
    client.force_login(boss)
    assert table(get(client, PAYMENTS, group="project")) == {
        "Опт": [2, D("280.00"), D("30.00"), D("41.8")],
        "Розница": [1, D("250.00"), D("0.00"), D("37.3")],
        NO_PROJECT: [2, D("140.00"), D("40.00"), D("20.9")],
        "Итого": [5, D("670.00"), D("70.00"), D("100.0")],
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"period_after": "2026-03-01", "period_before": "2026-03-31"}, (4, D("630.00"))),
        ({"period_after": "2026-03-11"}, (2, D("330.00"))),
        ({"period_before": "2026-02-28"}, (1, D("40.00"))),
        ({"manager": "ANNA"}, (3, D("550.00"))),
        ({"project": "null"}, (2, D("140.00"))),
        ({"q": "7703"}, (1, D("80.00"))),
    ],
)
def test_payment_filters(client, sales, boss, params, expected):
    ids = {"ANNA": sales.anna.pk}
    client.force_login(boss)
    total = table(get(client, PAYMENTS, **{k: ids.get(v, v) for k, v in params.items()}))["Итого"]
    assert (total[0], total[1]) == expected


def test_a_manager_sees_the_payments_of_their_own_and_unassigned_clients(client, sales):
    client.force_login(sales.anna)
    assert table(get(client, PAYMENTS)) == {
        "Анна Смирнова": [3, D("550.00"), D("0.00"), D("93.2")],
        NOT_ASSIGNED: [1, D("40.00"), D("40.00"), D("6.8")],
        "Итого": [4, D("590.00"), D("40.00"), D("100.0")],
    }


def test_no_payments_in_the_period_says_so(client, sales, boss):
    client.force_login(boss)
    response = get(client, PAYMENTS, period_after="2027-01-01")
    assert table(response) == {"Итого": [0, D("0.00"), D("0.00"), None]}
    assert "Оплат за период нет." in response.content.decode()


# --- both: bad input, Excel, print, access, queries -------------------------------------------------------


@pytest.mark.parametrize("url", [DEBT, PAYMENTS])
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"group": "region"}, "Нет варианта «region» (группировка)"),
        ({"manager": "999999"}, "Отбор задан неверно"),
        ({"project": "опт"}, "Отбор задан неверно"),
        ({"on": "завтра"}, None),
        ({"period_after": "2026-04-01", "period_before": "2026-03-01"}, None),
        ({"period_after": "1 марта"}, None),
    ],
)
def test_bad_input_gets_a_message_not_an_error(client, sales, boss, url, params, message):
    client.force_login(boss)
    for extra in ({}, {"export": "xlsx"}, {"print": "1"}):
        assert client.get(url, {**params, **extra}).status_code == 200, (params, extra)
    html = client.get(url, params).content.decode()
    if message:
        assert message in html
    names = {"on": ("На дату", DEBT), "period_after": ("Период", PAYMENTS), "period_before": ("Период", PAYMENTS)}
    for name in params:
        if name in names and names[name][1] == url:
            assert "Отбор задан неверно" in html
    if "period_before" in params and url == PAYMENTS:
        assert "Конец периода раньше его начала." in html


@pytest.mark.parametrize(("url", "name"), [(DEBT, "debt-by-project"), (PAYMENTS, "payments-by-project")])
def test_excel_holds_the_table_and_the_filter(client, sales, boss, url, name):
    sales.wholesale.name = "@Опт"
    sales.wholesale.save()
    client.force_login(boss)
    page = get(client, url, group="project", q="а")
    download = client.get(page.context["export_url"])
    assert download.status_code == 200 and f"{name}.xlsx" in download["Content-Disposition"]
    sheet = load_workbook(BytesIO(download.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == page.context["title"]
    assert "Клиент: а" in [r[0] for r in rows]
    header = next(r for r in rows if r[0] == "Проект")
    assert header[1] in ("Накладных", "Оплат")
    cell = next(c for c in sheet["A"] if c.value == "@Опт")
    assert cell.data_type == "s"  # a formula-like name stays text
    total = next(r for r in rows if r[0] == "Итого")
    assert total[2] == float(table(page)["Итого"][1])


@pytest.mark.parametrize("url", [DEBT, PAYMENTS])
def test_the_print_view_is_an_a4_page_without_navigation(client, sales, boss, url):
    client.force_login(boss)
    page = get(client, url)
    html = client.get(page.context["print_url"]).content.decode()
    assert "crm/report_print.css" in html and "crm/report_print_landscape.css" not in html  # A4 portrait
    assert "navbar" not in html and "report-settings" not in html
    assert f"<h1>{page.context['title']}</h1>" in html and "Анна Смирнова" in html


@pytest.mark.parametrize("url", [DEBT, PAYMENTS])
def test_users_without_a_role_are_refused(client, sales, outsider, url):
    client.force_login(outsider)
    for extra in ({}, {"export": "xlsx"}, {"print": "1"}):
        assert client.get(url, extra).status_code == 403


@pytest.mark.parametrize("url", [DEBT, PAYMENTS])
@pytest.mark.parametrize("role", [roles.SALES_HEAD, roles.ADMINISTRATOR, roles.SUPERVISOR])
def test_management_sees_everything(client, sales, url, role):
    client.force_login(factories.UserFactory(username="chief", role=role))
    assert table(get(client, url))["Итого"][0] in (5, 7)
    assert len(table(get(client, url))) == 4


@pytest.mark.parametrize("url", [DEBT, PAYMENTS])
@pytest.mark.parametrize("group", ["manager", "project"])
def test_the_queries_do_not_grow_with_the_data(client, sales, boss, django_assert_max_num_queries, url, group):
    client.force_login(boss)
    get(client, url, group=group)
    with django_assert_max_num_queries(9) as few:
        get(client, url, group=group)
    for n in range(4):
        other = factories.manager(username=f"m{n}")
        extra = factories.ClientFactory(name=f"Ещё {n}", responsible=other)
        make_invoice(extra, 10, on="01.03", status="shipped", manager=other)
        make_payment(extra, 5, on="01.03", manager=other)
    with django_assert_max_num_queries(len(few)):
        response = get(client, url, group=group)
    assert len(table(response)) == (8 if group == "manager" else 4)
    with django_assert_max_num_queries(12):
        get(client, url, group=group, manager=sales.anna.pk, project=sales.retail.pk, q="а")
