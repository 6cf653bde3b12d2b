"""«Накладные к оплате» (reports:invoices_to_pay) over the sales base of sales_data.py, on 01.04.2026."""

import re
from decimal import Decimal as D
from io import BytesIO

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from clients.tests import factories
from crm import roles
from crm.numbers import XLSX_MONEY
from reports.tests.receivables.data import ON, make_invoice, make_payment
from sales.models import Invoice
from sales.tests.factories import ContractFactory

URL = reverse("reports:invoices_to_pay")
DATE = ON.isoformat()


def report(http, **params):
    params.setdefault("on", DATE)
    response = http.get(URL, params)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response


def grid(response):
    return response.context["report"].sections[0][1]


def lines(response) -> dict:
    """{line key: values}, with "total"."""
    g = grid(response)
    found = {line.key: list(line.values) for line in g.lines}
    if g.total is not None:
        found["total"] = list(g.total.values)
    return found


def client_key(client) -> str:
    return f"client-{client.pk}"


# --- (a) short ---------------------------------------------------------------------------------------


def test_short_gives_each_clients_debt_and_what_of_it_is_overdue(client, sales, boss):
    client.force_login(boss)
    response = report(client)
    assert lines(response) == {
        client_key(sales.alfa): ["Альфа, ИНН 7701000001", 3, D("1500.00"), D("700.00"), 29],
        client_key(sales.beta): ["Бета", 1, D("600.00"), D("600.00"), 12],
        client_key(sales.gamma): ["Гамма, ИНН 7703000003", 2, D("350.00"), D("100.00"), 26],
        client_key(sales.delta): ["Дельта", 1, D("90.00"), D("90.00"), 1],
        "total": ["Итого", 7, D("2540.00"), D("1490.00"), 29],
    }
    assert [line.values[0].split(",")[0] for line in grid(response).lines] == ["Альфа", "Бета", "Гамма", "Дельта"]
    html = response.content.decode()
    assert "2\xa0540,00" in html and "1\xa0490,00" in html  # Russian money
    assert 'id="report-date">на 01.04.2026' in html


def test_the_total_is_the_open_amount_of_the_shipped_invoices(client, sales, boss):
    client.force_login(boss)
    expected = Invoice.objects.filter(status="shipped").aggregate(s=Sum("open_amount"))["s"]
    assert expected == D("2540.00")
    for variant in ("short", "detailed"):
        assert lines(report(client, variant=variant))["total"][2 if variant == "short" else 5] == expected
    response = client.get(reverse("reports:debt_by_manager"))  # today: the open amounts do not depend on the date
    assert response.context["table"].total.debt == expected


def test_a_later_date_makes_more_overdue_and_an_earlier_one_less(client, sales, boss):
    client.force_login(boss)
    assert lines(report(client, on="2026-04-05"))["total"][2:] == [D("2540.00"), D("2540.00"), 33]
    # On the due date itself an invoice is not overdue yet.
    assert lines(report(client, on="2026-03-11"))[client_key(sales.alfa)][3:] == [D("300.00"), 8]
    response = report(client, on="2026-03-11")
    assert "На прошедшую дату — задолженность, какой она была в тот день" in response.content.decode()


def test_on_a_past_date_payments_made_after_it_are_still_owed(client, sales, boss):
    """On 11.03 Альфа owed i1 600 less p1 of 05.03 (200) and i3 300; i4 was paid on 10.03 and i2
    not shipped yet. Гамма owed i7 150, its payment of 15.03 still to come."""
    client.force_login(boss)
    detailed = lines(report(client, variant="detailed", on="2026-03-11"))
    i = sales.invoices
    assert detailed[f"invoice-{i[1].pk}"][-2:] == [D("400.00"), D("0.00")]
    assert detailed[f"invoice-{i[7].pk}"][-2:] == [D("150.00"), D("150.00")]
    assert f"invoice-{i[4].pk}" not in detailed and f"invoice-{i[2].pk}" not in detailed
    short = lines(report(client, on="2026-03-11"))
    assert short[client_key(sales.alfa)][1:] == [2, D("700.00"), D("300.00"), 8]
    assert short[client_key(sales.gamma)][1:] == [1, D("150.00"), D("150.00"), 5]
    assert client_key(sales.beta) not in short and client_key(sales.delta) not in short
    assert short["total"] == ["Итого", 3, D("850.00"), D("450.00"), 8]


def test_without_a_date_it_is_today(client, sales, boss):
    client.force_login(boss)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["on"] == timezone.localdate()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"manager": "BORIS"}, {"Альфа": (1, "300.00", "300.00"), "Гамма": (2, "350.00", "100.00")}),
        ({"manager": "null"}, {"Дельта": (1, "90.00", "90.00")}),
        ({"project": "RETAIL"}, {"Альфа": (1, "300.00", "300.00"), "Бета": (1, "600.00", "600.00")}),
        ({"project": "null"}, {"Дельта": (1, "90.00", "90.00")}),
        ({"q": "гам"}, {"Гамма": (2, "350.00", "100.00")}),
        ({"q": "7701"}, {"Альфа": (3, "1500.00", "700.00")}),
        ({"q": "нет такого"}, {}),
    ],
)
def test_filters_by_manager_project_and_client(client, sales, boss, params, expected):
    ids = {"BORIS": sales.boris.pk, "RETAIL": sales.retail.pk}
    client.force_login(boss)
    response = report(client, **{k: ids.get(v, v) for k, v in params.items()})
    found = {line.values[0].split(",")[0]: tuple(line.values[1:4]) for line in grid(response).lines}
    assert found == {name: (n, D(debt), D(overdue)) for name, (n, debt, overdue) in expected.items()}
    if not expected:
        assert "Задолженности нет." in response.content.decode()


# --- (b) with the invoices ---------------------------------------------------------------------------


def test_detailed_lists_each_clients_unpaid_invoices_earliest_due_first(client, sales, boss):
    client.force_login(boss)
    found = lines(report(client, variant="detailed"))
    i = sales.invoices
    keys = list(found)
    alfa = keys.index(client_key(sales.alfa))
    assert keys[alfa : alfa + 4] == [
        client_key(sales.alfa),
        f"invoice-{i[3].pk}",
        f"invoice-{i[1].pk}",
        f"invoice-{i[2].pk}",
    ]
    assert found[client_key(sales.alfa)] == ["Альфа, ИНН 7701000001", "", None, None, 29, D("1500.00"), D("700.00")]
    assert found[f"invoice-{i[1].pk}"] == [
        f"№ {i[1].number} от 01.03.2026",
        "№ А-1 от 01.01.2026",
        i[1].shipped_on,
        i[1].due_date,
        21,
        D("400.00"),
        D("400.00"),
    ]
    assert found[f"invoice-{i[2].pk}"][4:] == [0, D("800.00"), D("0.00")]
    assert found[f"invoice-{i[8].pk}"][1] == ""  # no contract
    assert f"invoice-{i[4].pk}" not in found  # paid
    assert found["total"] == ["Итого", "", None, None, 29, D("2540.00"), D("1490.00")]


# --- (c) overdue -------------------------------------------------------------------------------------


def test_overdue_shows_the_days_past_the_credit_days_and_the_amount_over_the_limit(client, sales, boss):
    client.force_login(boss)
    found = lines(report(client, variant="overdue"))
    c, i = sales.contracts, sales.invoices
    keys = list(found)
    assert keys == [
        client_key(sales.alfa),
        f"contract-{c['А-1'].pk}-{sales.alfa.pk}",
        f"invoice-{i[1].pk}",
        f"contract-{c['А-2'].pk}-{sales.alfa.pk}",
        f"invoice-{i[3].pk}",
        client_key(sales.beta),
        f"contract-{c['Б-1'].pk}-{sales.beta.pk}",
        f"invoice-{i[5].pk}",
        client_key(sales.gamma),
        f"contract-{c['Г-1'].pk}-{sales.gamma.pk}",
        f"invoice-{i[7].pk}",
        client_key(sales.delta),
        f"contract-none-{sales.delta.pk}",
        f"invoice-{i[8].pk}",
        "total",
    ]
    #                         shipped due   days overdue    limit        under contract  excess
    assert found[client_key(sales.alfa)][1:] == [None, None, 29, D("700.00"), None, None, D("200.00")]
    assert found[f"contract-{c['А-1'].pk}-{sales.alfa.pk}"] == [
        "Договор № А-1 от 01.01.2026, глубина кредита 10 дн.",
        None,
        None,
        21,
        D("400.00"),
        D("1000.00"),
        D("1200.00"),
        D("200.00"),
    ]
    assert found[f"contract-{c['А-2'].pk}-{sales.alfa.pk}"][3:] == [29, D("300.00"), None, None, None]  # no limit
    assert found[f"invoice-{i[3].pk}"][:5] == [
        f"№ {i[3].number} от 28.01.2026",
        i[3].shipped_on,
        i[3].due_date,
        29,
        D("300.00"),
    ]
    assert found[f"contract-{c['Б-1'].pk}-{sales.beta.pk}"][0] == "Договор № Б-1 от 01.02.2026"  # no credit days
    assert found[f"contract-{c['Б-1'].pk}-{sales.beta.pk}"][3:] == [
        12,
        D("600.00"),
        D("500.00"),
        D("600.00"),
        D("100.00"),
    ]
    # Г-1's limit counts the invoice that is not overdue too: 250 + 100 = 350 against 300.
    assert found[f"contract-{c['Г-1'].pk}-{sales.gamma.pk}"][3:] == [
        26,
        D("100.00"),
        D("300.00"),
        D("350.00"),
        D("50.00"),
    ]
    assert found[f"contract-none-{sales.delta.pk}"][0] == "Без договора"
    assert found["total"] == ["Итого", None, None, 29, D("1490.00"), None, None, D("350.00")]


def test_overdue_measures_the_limit_by_the_whole_contract_whatever_the_filter(client, sales, boss):
    client.force_login(boss)
    found = lines(report(client, variant="overdue", manager=sales.boris.pk))
    c = sales.contracts
    assert [k for k in found if k.startswith("client")] == [client_key(sales.alfa), client_key(sales.gamma)]
    assert found[f"contract-{c['Г-1'].pk}-{sales.gamma.pk}"][6:] == [D("350.00"), D("50.00")]
    assert found[client_key(sales.alfa)][7] is None  # only А-2 (no limit) has Борис's overdue invoice
    assert found["total"][3:5] == [29, D("400.00")]


# --- (d) over the credit limit -------------------------------------------------------------------------


def test_over_limit_lists_the_contracts_whose_debt_is_over_their_credit_limit(client, sales, boss):
    client.force_login(boss)
    c = sales.contracts
    found = lines(report(client, variant="over_limit"))
    assert found == {
        f"contract-{c['А-1'].pk}": [
            "Альфа, ИНН 7701000001",
            "№ А-1 от 01.01.2026",
            10,
            D("1000.00"),
            D("1200.00"),
            D("200.00"),
            D("400.00"),
        ],
        f"contract-{c['Б-1'].pk}": [
            "Бета",
            "№ Б-1 от 01.02.2026",
            None,
            D("500.00"),
            D("600.00"),
            D("100.00"),
            D("600.00"),
        ],
        f"contract-{c['Г-1'].pk}": [
            "Гамма, ИНН 7703000003",
            "№ Г-1 от 01.02.2026",
            5,
            D("300.00"),
            D("350.00"),
            D("50.00"),
            D("100.00"),
        ],
        "total": ["Итого", "", None, D("1800.00"), D("2150.00"), D("350.00"), D("1100.00")],
    }


def test_a_debt_equal_to_the_limit_is_not_over_it_and_a_payment_brings_it_back(client, sales, boss):
    client.force_login(boss)
    make_payment(sales.gamma, 50, on="01.04", allocations=[(sales.invoices[6], 50)])  # Г-1: 300 of 300
    found = lines(report(client, variant="over_limit"))
    assert f"contract-{sales.contracts['Г-1'].pk}" not in found
    assert found["total"][5] == D("300.00")


@pytest.mark.parametrize(
    ("param", "expected"),
    [("RETAIL", ["Б-1"]), ("BORIS", ["Г-1"]), ("WHOLESALE", ["А-1", "Г-1"])],
)
def test_over_limit_filters_the_contracts_but_measures_them_whole(client, sales, boss, param, expected):
    name = {"RETAIL": "project", "WHOLESALE": "project", "BORIS": "manager"}[param]
    value = {"RETAIL": sales.retail.pk, "WHOLESALE": sales.wholesale.pk, "BORIS": sales.boris.pk}[param]
    client.force_login(boss)
    found = lines(report(client, variant="over_limit", **{name: value}))
    found.pop("total")
    assert [values[1].split()[1] for values in found.values()] == expected
    debts = {"А-1": D("1200.00"), "Б-1": D("600.00"), "Г-1": D("350.00")}
    assert [values[4] for values in found.values()] == [debts[n] for n in expected]


def test_several_contracts_of_a_client_are_judged_apart(client, sales, boss):
    """Альфа's А-2 gets a limit of 250: its 300 is over it, while А-1 stays 200 over its own."""
    a2 = sales.contracts["А-2"]
    a2.credit_limit = D(250)
    a2.save()
    client.force_login(boss)
    found = lines(report(client, variant="over_limit"))
    assert found[f"contract-{a2.pk}"][3:] == [D("250.00"), D("300.00"), D("50.00"), D("300.00")]
    assert found[f"contract-{sales.contracts['А-1'].pk}"][5] == D("200.00")
    overdue = lines(report(client, variant="overdue"))
    assert overdue[client_key(sales.alfa)][7] == D("250.00")


# --- tabs, paging, bad input ----------------------------------------------------------------------------


def test_the_variants_are_tabs_that_keep_the_filter(client, sales, boss):
    client.force_login(boss)
    response = report(client, variant="overdue", project=sales.retail.pk)
    html = response.content.decode()
    assert 'id="report-variants"' in html
    for key in ("short", "detailed", "overdue", "over_limit"):
        assert f'data-variant="{key}"' in html
    over_limit = re.search(r'href="([^"]*variant=over_limit[^"]*)"', html).group(1)
    assert f"project={sales.retail.pk}" in over_limit and "page=" not in over_limit
    assert 'class="nav-link active" aria-current="page"' in html
    assert '<input type="hidden" name="variant" value="overdue">' in html
    assert response.context["report"].title == "Накладные к оплате: Просроченная задолженность"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"on": "вчера"}, "Отбор задан неверно"),
        ({"on": "2026-02-30"}, "Отбор задан неверно"),
        ({"manager": "999999"}, "Отбор задан неверно"),
        ({"manager": "анна"}, "Отбор задан неверно"),
        ({"project": "-1"}, "Отбор задан неверно"),
        ({"variant": "everything"}, "Нет варианта «everything»"),
        ({"page": "много"}, None),
        ({"page": "99"}, None),
    ],
)
def test_bad_input_gets_a_message_not_an_error(client, sales, boss, params, message):
    client.force_login(boss)
    for extra in ({}, {"export": "xlsx"}, {"print": "1"}):
        response = client.get(URL, {**params, **extra})
        assert response.status_code == 200, (params, extra)
    response = client.get(URL, params)
    if message:
        assert message in response.content.decode()
    assert lines(response)["total"][2] == D("2540.00")  # the report is still built, without the filter


def test_the_page_shows_a_hundred_clients_and_totals_all_of_them(client, sales, boss):
    for n in range(105):
        extra = factories.ClientFactory(name=f"Клиент {n:03}", responsible=None)
        make_invoice(extra, 10, on="01.03", status="shipped")
    client.force_login(boss)
    first = report(client)
    assert len(grid(first).lines) == 100
    assert lines(first)["total"][1:3] == [112, D("3590.00")]
    assert "Итого — по всем клиентам отчёта" in first.content.decode()
    pagination = first.context["pagination"]
    second = client.get(pagination["next"].replace("?", f"{URL}?", 1))
    assert len(grid(second).lines) == 9
    printed = report(client, print="1")
    assert len(grid(printed).lines) == 109


# --- Excel and print -------------------------------------------------------------------------------


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(BytesIO(response.content)).active


def rows_of(sheet) -> list[list]:
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_excel_holds_the_variant_with_the_filter_and_numbers_as_numbers(client, sales, boss):
    client.force_login(boss)
    response = report(client, variant="detailed", project=sales.wholesale.pk)
    assert 'id="export-xlsx"' in response.content.decode()
    download = client.get(response.context["export_url"])
    assert "invoices-to-pay-detailed.xlsx" in download["Content-Disposition"]
    sheet = workbook(download)
    assert sheet["A1"].value == "Накладные к оплате: Кратко, с накладными" and sheet["A1"].font.bold
    texts = [c.value for c in sheet["A"] if c.value]
    assert "На дату: 01.04.2026" in texts
    assert "Проект: Опт" in texts
    rows = rows_of(sheet)
    header = next(r for r in rows if r[0] == "Клиент, накладная")
    assert header == [
        "Клиент, накладная",
        "Договор",
        "Отгружена",
        "Срок оплаты",
        "Дней просрочки",
        "Задолженность",
        "в т. ч. просрочено",
    ]
    alfa = next(r for r in rows if r[0] == "Альфа, ИНН 7701000001")
    assert alfa[4:] == [21, 1200, 400]
    total = next(r for r in rows if r[0] == "Итого")
    assert total[5:] == [1550, 500]
    invoice_row = next(r for r in rows if r[0] == f"№ {sales.invoices[1].number} от 01.03.2026")
    assert invoice_row[2].date() == sales.invoices[1].shipped_on
    # Styles, made once per kind and copied: a client in bold, its invoices indented, formats kept.
    alfa_cells = next(r for r in sheet.iter_rows() if r[0].value == "Альфа, ИНН 7701000001")
    assert alfa_cells[0].font.bold and alfa_cells[5].font.bold and alfa_cells[5].number_format == XLSX_MONEY
    invoice_cells = next(r for r in sheet.iter_rows() if r[0].value == invoice_row[0])
    assert invoice_cells[0].alignment.indent == 2 and not invoice_cells[0].font.bold
    assert invoice_cells[2].number_format == "DD.MM.YYYY" and invoice_cells[5].number_format == XLSX_MONEY
    assert not invoice_cells[5].font.bold and invoice_cells[5].alignment.indent == 0


def test_excel_writes_a_formula_like_client_name_as_text(client, sales, boss):
    sales.alfa.name = '=HYPERLINK("http://evil","x")'
    sales.alfa.inn = ""
    sales.alfa.save()
    client.force_login(boss)
    sheet = workbook(client.get(URL, {"on": DATE, "export": "xlsx"}))
    cell = next(c for c in sheet["A"] if c.value == sales.alfa.name)
    assert cell.data_type == "s" and cell.quotePrefix


def test_the_print_view_is_an_a4_page_without_navigation(client, sales, boss):
    client.force_login(boss)
    page = report(client, variant="overdue")
    assert 'id="print-view"' in page.content.decode()
    printed = client.get(page.context["print_url"])
    assert printed.status_code == 200
    html = printed.content.decode()
    assert "crm/report_print.css" in html and "crm/report_print_landscape.css" in html
    assert "navbar" not in html and 'id="report-settings"' not in html
    assert "<h1>Накладные к оплате: Просроченная задолженность</h1>" in html
    assert "На дату: 01.04.2026" in html
    assert "Договор № А-1 от 01.01.2026" in html


# --- access ------------------------------------------------------------------------------------------


def test_a_manager_sees_only_their_own_and_unassigned_clients(client, sales):
    client.force_login(sales.anna)
    found = lines(report(client))
    assert set(found) == {client_key(sales.alfa), client_key(sales.beta), client_key(sales.delta), "total"}
    assert found["total"][1:4] == [5, D("2190.00"), D("1390.00")]
    client.force_login(sales.boris)
    found = lines(report(client, variant="over_limit"))
    assert list(found) == [f"contract-{sales.contracts['Г-1'].pk}", "total"]
    client.force_login(sales.boris)
    assert lines(report(client, q="Альфа")) == {"total": ["Итого", 0, D("0.00"), D("0.00"), 0]}


@pytest.mark.parametrize("role", [roles.SUPERVISOR, roles.SALES_HEAD, roles.ADMINISTRATOR])
def test_management_sees_every_client(client, sales, role):
    client.force_login(factories.UserFactory(username="chief", role=role))
    assert lines(report(client))["total"][2] == D("2540.00")


def test_users_without_a_role_are_refused(client, sales, outsider):
    client.force_login(outsider)
    for extra in ({}, {"export": "xlsx"}, {"print": "1"}):
        assert client.get(URL, extra).status_code == 403


def test_anonymous_users_are_sent_to_login(client, sales):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- queries -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["short", "detailed", "overdue", "over_limit"])
def test_the_queries_do_not_grow_with_the_data(client, sales, boss, django_assert_max_num_queries, variant):
    client.force_login(boss)
    report(client, variant=variant)  # warm up the session
    with CaptureQueriesContext(connection) as few:
        report(client, variant=variant)
    for n in range(5):
        extra = factories.ClientFactory(name=f"Ещё {n}", responsible=None)
        contract = ContractFactory(client=extra, credit_limit=D(5), credit_days=3)
        make_invoice(extra, 20, on="01.03", status="shipped", contract=contract)
        make_invoice(extra, 30, on="20.03", status="shipped", contract=contract)
    with django_assert_max_num_queries(len(few)), CaptureQueriesContext(connection) as many:
        response = report(client, variant=variant)
    assert len(many) == len(few)
    assert lines(response)["total"] != lines(report(client, variant=variant, q="Альфа"))["total"]
    with django_assert_max_num_queries(12):
        report(client, variant=variant, manager=sales.anna.pk, q="а")
