"""The three document lists on the house's list frame (crm.lists): page sizes and page numbers from
the address are checked, and «Excel» writes the filtered, sorted list."""

import datetime
import io
from decimal import Decimal as D

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from openpyxl import load_workbook

from clients.tests import factories as client_factories
from crm import lists
from sales import services
from sales.models import Payment
from sales.services import Line
from sales.tests.conftest import make_invoice, ship
from sales.tests.factories import ContractFactory

LISTS = ["sales:invoice_list", "sales:payment_list", "sales:contract_list"]
BAD_SIZES = ["1000000", "-1", "99999999999999999999", "abc", "0", "50.0", ""]
BAD_PAGES = ["abc", "-1", "0", "99999999999999999999", "1e3", "２"]


def make_payment(buyer, day: int, amount: D = D("10.00"), **fields) -> Payment:
    return services.create_payment(
        Payment(client=buyer, date=datetime.date(2026, 3, day % 28 + 1), amount=amount, **fields)
    )


@pytest.fixture
def sixty(request, buyer, widget):
    """Sixty documents of the list under test, more than the default page."""
    name = request.node.callspec.params["name"]
    for day in range(60):
        if name == "sales:invoice_list":
            make_invoice(buyer, [Line(widget, D(1), D(day + 1))], date=datetime.date(2026, 3, day % 28 + 1))
        elif name == "sales:payment_list":
            make_payment(buyer, day)
        else:
            ContractFactory(client=buyer, number=f"{day}/26")


def rows_of(response) -> list:
    return [row.record for row in response.context["table"].page.object_list]


def sheet_of(response) -> list[list]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("name", LISTS)
def test_a_page_size_that_is_not_offered_shows_fifty_rows(client, boss, sixty, name):
    client.force_login(boss)
    for size in BAD_SIZES:
        response = client.get(reverse(name), {"per_page": size})
        assert response.status_code == 200, size
        assert len(rows_of(response)) == 50, size
        assert response.context["per_page"] == 50, size


@pytest.mark.parametrize("name", LISTS)
def test_a_page_number_that_is_not_one_shows_a_page_not_an_error(client, boss, sixty, name):
    client.force_login(boss)
    for page in BAD_PAGES:
        response = client.get(reverse(name), {"page": page, "per_page": "25"})
        assert response.status_code == 200, page
        assert 0 < len(rows_of(response)) <= 25, page


@pytest.mark.parametrize("name", LISTS)
def test_an_offered_page_size_and_a_page_past_the_end(client, boss, sixty, name):
    client.force_login(boss)
    assert len(rows_of(client.get(reverse(name), {"per_page": "25", "page": "3"}))) == 10
    assert len(rows_of(client.get(reverse(name), {"per_page": "100"}))) == 60
    last = client.get(reverse(name), {"per_page": "25", "page": "9"})
    assert last.status_code == 200 and len(rows_of(last)) == 10  # the last page, as before


def test_the_invoice_excel_has_the_rows_of_the_filtered_sorted_list(client, boss, owner, colleague, buyer, widget):
    other = client_factories.ClientFactory(name="ООО «Другой»", inn="5001234567")
    first = make_invoice(buyer, [Line(widget, D(1), D("100.50"))], manager=owner)
    second = make_invoice(buyer, [Line(widget, D(3), D(100))], date=datetime.date(2026, 3, 5), manager=owner)
    make_invoice(other, [Line(widget, D(1), D(1))], manager=colleague)
    ship(first)
    client.force_login(boss)
    query = {"manager": owner.pk, "sort": "total"}

    listed = rows_of(client.get(reverse("sales:invoice_list"), query))
    rows = sheet_of(client.get(reverse("sales:invoice_export"), query))

    assert rows[0] == [
        "Номер",
        "Дата",
        "Клиент",
        "Сумма",
        "Не оплачено",
        "Статус",
        "Срок оплаты",
        "Менеджер",
        "Проект",
    ]
    assert [row[0] for row in rows[1:]] == [invoice.number for invoice in listed] == [first.number, second.number]
    assert rows[1][1:5] == [datetime.datetime(2026, 3, 1), "ООО «Покупатель»", 100.5, 100.5]
    assert rows[1][5] == "Отгружена" and rows[1][7] == "Ольга Менеджерова" and rows[1][8] is None
    assert rows[2][6] is None  # not shipped: no due date


def test_the_payment_excel_has_the_rows_of_the_filtered_list(client, boss, buyer):
    make_payment(buyer, 1, D("70.00"))
    make_payment(buyer, 2, D("30.00"))
    other = client_factories.ClientFactory(name="ООО «Другой»", inn="5001234567")
    make_payment(other, 3)
    client.force_login(boss)

    rows = sheet_of(client.get(reverse("sales:payment_export"), {"client": buyer.pk}))

    assert rows[0] == ["Номер", "Дата", "Клиент", "Сумма", "Не распределено", "Менеджер", "Проект"]
    assert sorted(row[3] for row in rows[1:]) == [30, 70]
    assert {row[2] for row in rows[1:]} == {"ООО «Покупатель»"}


def test_the_contract_excel_is_one_clients_contracts_without_the_client_column(client, owner, buyer):
    ContractFactory(client=buyer, number="1/26", credit_limit=D("5000.00"), credit_days=30)
    ContractFactory(client=client_factories.ClientFactory(inn="5001234567"), number="чужой")
    client.force_login(owner)

    rows = sheet_of(client.get(reverse("sales:contract_export"), {"client": buyer.pk}))

    assert rows == [
        ["Номер", "Дата", "Сумма кредита", "Глубина кредита, дней", "Действует"],
        ["1/26", rows[1][1], 5000, 30, "Да"],
    ]


def test_text_a_spreadsheet_would_run_stays_text(client, boss, widget):
    buyer = client_factories.ClientFactory(name='=HYPERLINK("http://evil","x")', inn="5001234567")
    make_invoice(buyer, [Line(widget, D(1), D(1))])
    client.force_login(boss)
    response = client.get(reverse("sales:invoice_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["C2"].data_type == "s" and sheet["C2"].value == '=HYPERLINK("http://evil","x")'


@pytest.mark.parametrize("name", LISTS)
def test_each_list_has_an_excel_button_with_its_filter(client, boss, name):
    client.force_login(boss)
    page = client.get(reverse(name), {"q": "ромашка"}).content.decode()
    export = reverse(name.replace("_list", "_export"))
    assert f'href="{export}?q=%D1%80%D0%BE%D0%BC%D0%B0%D1%88%D0%BA%D0%B0" id="export-excel"' in page


def test_a_list_too_long_for_one_file_asks_to_narrow_the_filter(client, boss, buyer, widget, monkeypatch):
    for _i in range(3):
        make_invoice(buyer, [Line(widget, D(1), D(1))])
    monkeypatch.setattr(lists, "EXPORT_LIMIT", 2)
    client.force_login(boss)

    response = client.get(reverse("sales:invoice_export"), {"status": "request"})

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('sales:invoice_list')}?status=request"
    assert "не больше 2 строк, а отобрано 3" in str(next(iter(get_messages(response.wsgi_request))))


def test_only_documents_the_user_sees_are_exported(client, colleague, buyer, widget):
    make_invoice(buyer, [Line(widget, D(1), D(1))])
    client.force_login(colleague)
    assert sheet_of(client.get(reverse("sales:invoice_export")))[1:] == []


def test_the_export_needs_a_role(client, db):
    client.force_login(client_factories.UserFactory(username="outsider"))
    assert client.get(reverse("sales:invoice_export")).status_code == 403
    client.logout()
    assert client.get(reverse("sales:invoice_export")).status_code == 302
