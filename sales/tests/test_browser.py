"""End-to-end in Chromium: a manager's sale from the invoice to its payment."""

from decimal import Decimal as D

import pytest

from clients.tests import factories as client_factories
from sales.models import Invoice, Payment
from sales.tests.factories import ContractFactory, ProductFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def shop(live_server, reference_data):
    manager = client_factories.manager(username="anna", first_name="Анна", last_name="Смирнова")
    buyer = client_factories.ClientFactory(name="ООО «Волга-Трейд»", inn="7707083893", responsible=manager)
    client_factories.ClientFactory(name="ООО «Волга-Сервис»", responsible=manager)
    contract = ContractFactory(client=buyer, number="12/26", credit_limit=D("100000.00"), credit_days=14)
    ProductFactory(name="Кресло офисное", price=D("4500.00"))
    ProductFactory(name="Стол письменный", price=D("12000.00"))
    return manager, buyer, contract


def test_a_manager_sells_ships_and_gets_paid(page, live_server, login, shop):
    _manager, _buyer, contract = shop
    login(page, live_server, "anna", "secret-pass-1")
    page.click("#nav-sales")
    page.click("#create-invoice")
    page.wait_for_url("**/sales/invoices/new/")
    page.wait_for_load_state("load")  # htmx has wired the search box

    # The client is found by name; its contracts come with it.
    page.fill("#client-search", "волга-тр")
    page.wait_for_function("() => document.querySelector('#id_client').options[0].text.startsWith('ООО «Волга-Трейд»')")
    page.wait_for_selector(f"#id_contract option[value='{contract.pk}']", state="attached")
    page.select_option("#id_contract", str(contract.pk))

    # Two lines: the product's price comes by itself, the sums and the total follow.
    page.select_option("select[name='lines-0-product']", label="Кресло офисное")
    assert page.input_value("input[name='lines-0-price']") == "4500,00"
    page.fill("input[name='lines-0-quantity']", "4")
    page.fill("input[name='lines-0-discount']", "10")
    page.click("#add-line")
    page.select_option("select[name='lines-1-product']", label="Стол письменный")
    page.fill("input[name='lines-1-quantity']", "2")
    total = page.locator("#invoice-total")
    assert total.inner_text().replace("\xa0", " ").replace("\u202f", " ") == "40 200,00"  # 16 200 + 24 000
    page.click("#save-invoice")

    page.wait_for_selector("#invoice-title")
    invoice = Invoice.objects.get()
    assert page.locator("#invoice-total").inner_text().replace("\xa0", " ") == "40 200,00"
    page.click("#status-in_work")
    page.click("#status-ready")
    page.click("#status-shipped")  # the shipment date is today unless changed
    page.wait_for_selector("text=Отгружена")
    invoice.refresh_from_db()
    assert invoice.status == "shipped" and invoice.due_date is not None

    # The payment starts from the invoice: client, contract and what is unpaid.
    page.click("#pay-invoice")
    assert page.input_value("#id_amount") == "40\xa0200,00"  # grouped, as pages show money
    assert page.is_checked("#id_allocate_oldest")
    page.click("#save-payment")
    page.wait_for_selector("#payment-allocations")
    assert "Распределено 40 200,00, не распределено 0,00." in page.locator(".alert-success").inner_text().replace(
        "\xa0", " "
    )
    page.get_by_role("link", name=str(invoice)).click()
    assert page.locator("#invoice-paid-badge").inner_text() == "Оплачена"
    assert page.locator("#invoice-open").inner_text() == "0,00"
    payment = Payment.objects.get()
    assert (payment.unallocated, Invoice.objects.get().open_amount) == (D("0.00"), D("0.00"))


def test_a_number_the_browser_cannot_read_stops_the_form_on_its_field(page, live_server, login, shop):
    """«Глубина кредита» is a number box: the browser sends "" for «1e» (validity.badInput), which
    would clear the stored 14 days. The form is stopped before it is sent, with a message."""
    _manager, _buyer, contract = shop
    login(page, live_server, "anna", "secret-pass-1")
    page.goto(f"{live_server.url}/sales/contracts/{contract.pk}/edit/")
    days = page.locator("#id_credit_days")
    assert days.get_attribute("type") == "number"
    days.fill("")
    days.press_sequentially("1e")
    assert page.evaluate("document.querySelector('#id_credit_days').validity.badInput")

    page.click("#save-contract")

    assert "/edit/" in page.url
    assert "Браузер не может прочитать это значение" in days.locator("..").inner_text()
    contract.refresh_from_db()
    assert contract.credit_days == 14
