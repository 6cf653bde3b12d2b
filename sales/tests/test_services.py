"""Invoices, payments and their allocation, against hand-computed figures."""

import datetime
from decimal import Decimal as D

import pytest
from django.db import IntegrityError, transaction

from clients.tests import factories as client_factories
from sales import services
from sales.models import Invoice, Payment
from sales.services import Line, SalesError
from sales.tests.factories import ContractFactory, ProductFactory

MARCH = datetime.date(2026, 3, 1)


@pytest.fixture
def buyer(db):
    return client_factories.ClientFactory(name="ООО «Покупатель»")


@pytest.fixture
def contract(buyer):
    return ContractFactory(client=buyer, number="7/26", credit_limit=D("500.00"), credit_days=10)


@pytest.fixture
def widget(db):
    return ProductFactory(name="Виджет", price=D("100.00"))


def invoice_for(client, lines, *, contract=None, date=MARCH) -> Invoice:
    return services.save_invoice(Invoice(client=client, contract=contract, date=date), lines)


def shipped(client, amount, *, contract=None, on=MARCH) -> Invoice:
    product = ProductFactory(name=f"Товар на {amount}", price=D(amount))
    invoice = invoice_for(client, [Line(product, D(1), D(amount))], contract=contract, date=on)
    for status in ("in_work", "ready"):
        services.set_status(invoice, status)
    return services.set_status(invoice, "shipped", shipped_on=on)


def test_lines_make_the_total_with_discounts_rounded_half_up(buyer, widget):
    invoice = invoice_for(
        buyer,
        [Line(widget, D("3"), D("100.00"), D("10")), Line(widget, D("0.333"), D("10.00"), D("0"))],
    )
    assert [line.amount for line in invoice.lines.all()] == [D("270.00"), D("3.33")]
    assert (invoice.total, invoice.open_amount, invoice.number) == (D("273.33"), D("273.33"), 1)
    assert invoice_for(buyer, [Line(widget, D(1), D(1))]).number == 2  # numbered per year


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (dict(quantity=D(0)), "количество должно быть больше нуля"),
        (dict(quantity=D(-1)), "количество должно быть больше нуля"),
        (dict(price=D("-5")), "цена не может быть отрицательной"),
        (dict(discount=D("100.01")), "скидка — от 0 до 100"),
    ],
)
def test_bad_lines_are_refused(buyer, widget, line, message):
    values = {"quantity": D(1), "price": D(100), "discount": D(0), **line}
    with pytest.raises(SalesError, match=message):
        invoice_for(buyer, [Line(widget, **values)])
    assert not Invoice.objects.exists()


def test_the_database_refuses_what_the_services_refuse(buyer, widget):
    invoice = invoice_for(buyer, [Line(widget, D(1), D(100))])
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(open_amount=D("100.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(status="shipped")  # no shipment date


def test_statuses_move_in_order_and_shipping_sets_the_due_date(buyer, contract, widget):
    invoice = invoice_for(buyer, [Line(widget, D(2), D(100))], contract=contract)
    with pytest.raises(SalesError, match="нельзя перейти"):
        services.set_status(invoice, "shipped")
    services.set_status(invoice, "in_work")
    services.set_status(invoice, "ready")
    invoice = services.set_status(invoice, "shipped", shipped_on=datetime.date(2026, 3, 5))
    assert invoice.due_date == datetime.date(2026, 3, 15)  # + 10 credit days
    with pytest.raises(SalesError):
        services.set_status(invoice, "cancelled")
    other = invoice_for(buyer, [Line(widget, D(1), D(100))])
    services.set_status(other, "cancelled")
    with pytest.raises(SalesError, match="отменена"):
        services.set_status(other, "in_work")


def test_a_payment_pays_the_oldest_invoices_first_and_keeps_the_rest_as_an_advance(buyer):
    first = shipped(buyer, "100.00", on=datetime.date(2026, 3, 1))
    second = shipped(buyer, "200.00", on=datetime.date(2026, 3, 10))
    payment = services.create_payment(Payment(client=buyer, date=datetime.date(2026, 3, 20), amount=D("250.00")))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.open_amount, second.open_amount, payment.unallocated) == (D("0.00"), D("50.00"), D("0.00"))
    more = services.create_payment(Payment(client=buyer, date=datetime.date(2026, 3, 21), amount=D("80.00")))
    second.refresh_from_db()
    more.refresh_from_db()
    assert (second.open_amount, more.unallocated) == (D("0.00"), D("30.00"))
    assert services.position(buyer).debt == D("-30.00")  # an advance of 30


def test_allocating_by_hand_is_checked(buyer):
    invoice = shipped(buyer, "100.00")
    stranger = shipped(client_factories.ClientFactory(name="Чужой"), "100.00")
    payment = services.create_payment(Payment(client=buyer, date=MARCH, amount=D("150.00")), allocate_oldest=False)
    with pytest.raises(SalesError, match="не оплачено только 100"):
        services.allocate(payment, {invoice.pk: D("120.00")})
    with pytest.raises(SalesError, match="только на его собственные заявки"):
        services.allocate(payment, {stranger.pk: D("10.00")})
    with pytest.raises(SalesError, match="больше нуля"):
        services.allocate(payment, {invoice.pk: D("-1")})
    services.allocate(payment, {invoice.pk: D("60.00")})
    with pytest.raises(SalesError, match="не распределено в оплате только 90"):
        services.allocate(payment, {invoice.pk: D("40.00"), stranger.pk: D("60.00")})
    invoice.refresh_from_db()
    assert invoice.open_amount == D("40.00")
    services.release(payment)
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert (invoice.open_amount, payment.unallocated) == (D("100.00"), D("150.00"))


def test_the_position_shows_debt_overdue_days_and_the_use_of_the_limit(buyer, contract, django_assert_max_num_queries):
    shipped(buyer, "300.00", contract=contract, on=datetime.date(2026, 3, 1))  # due 11.03
    shipped(buyer, "400.00", contract=contract, on=datetime.date(2026, 3, 20))  # due 30.03
    services.create_payment(Payment(client=buyer, date=datetime.date(2026, 3, 25), amount=D("100.00")))
    with django_assert_max_num_queries(2):
        position = services.position(buyer, today=datetime.date(2026, 3, 21))
    assert position.open_shipped == D("600.00")
    assert position.overdue == D("200.00")  # what is left of the first invoice
    assert position.overdue_days == 10
    assert position.over_limit and position.limit_used_percent == 120
    assert services.would_exceed_limit(buyer, contract, D("1.00")) == D("500.00")


def test_a_prepayment_on_an_invoice_not_shipped_yet_counts_as_an_advance(buyer, widget):
    ordered = invoice_for(buyer, [Line(widget, D(1), D("100.00"))])  # not shipped
    shipped(buyer, "50.00")
    payment = services.create_payment(Payment(client=buyer, date=MARCH, amount=D("120.00")), allocate_oldest=False)
    services.allocate(payment, {ordered.pk: D("100.00")})
    position = services.position(buyer)
    # shipped 50, paid 120: the client has 70 in advance (20 unallocated + 100 prepaid − 50 owed)
    assert (position.open_shipped, position.advance, position.debt) == (D("50.00"), D("120.00"), D("-70.00"))
