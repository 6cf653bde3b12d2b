"""«Взаиморасчёты» on the client card."""

import datetime
from decimal import Decimal as D

from django.urls import reverse
from django.utils import timezone

from clients.tests import factories as client_factories
from sales import services
from sales.models import Invoice, Payment
from sales.services import Line
from sales.tests.factories import ContractFactory, ProductFactory


def ship(client, amount, *, contract, days_ago):
    on = timezone.localdate() - datetime.timedelta(days=days_ago)
    product = ProductFactory(name=f"Товар {amount}", price=D(amount))
    invoice = Invoice(client=client, contract=contract, date=on)
    invoice = services.save_invoice(invoice, [Line(product, D(1), D(amount))])
    for status in ("in_work", "ready"):
        services.set_status(invoice, status)
    return services.set_status(invoice, "shipped", shipped_on=on)


def test_the_card_shows_debt_overdue_and_limit_with_a_warning(client, db):
    owner = client_factories.manager(username="owner")
    buyer = client_factories.ClientFactory(name="ООО «Должник»", responsible=owner)
    contract = ContractFactory(client=buyer, credit_limit=D("1000.00"), credit_days=5)
    ship(buyer, "800.00", contract=contract, days_ago=20)  # overdue by 15 days
    ship(buyer, "700.00", contract=contract, days_ago=1)
    services.create_payment(Payment(client=buyer, date=timezone.localdate(), amount=D("300.00")))
    client.force_login(owner)
    page = client.get(reverse("clients:detail", args=[buyer.pk])).content.decode().replace("\xa0", " ")
    assert "Превышена сумма кредита: долг 1 200,00 при лимите 1 000,00" in page
    assert "Просроченная задолженность: 500,00, до 15 дн." in page
    assert 'id="client-debt">1 200,00' in page
    assert "использовано 120 %" in page


def test_a_colleague_does_not_see_someone_elses_settlements(client, db):
    owner = client_factories.manager(username="owner")
    colleague = client_factories.manager(username="colleague")
    buyer = client_factories.ClientFactory(name="ООО «Чужой»", responsible=owner)
    client.force_login(colleague)
    page = client.get(reverse("clients:detail", args=[buyer.pk])).content.decode()
    assert "Взаиморасчёты" not in page
    client.force_login(client_factories.supervisor(username="boss"))
    page = client.get(reverse("clients:detail", args=[buyer.pk])).content.decode()
    assert "Взаиморасчёты" in page and "Долг клиента" in page and "без ограничения" in page
