import datetime
from decimal import Decimal as D

import pytest

from clients.tests import factories as client_factories
from crm import roles
from sales import services
from sales.models import Invoice
from sales.services import Line
from sales.tests.factories import ContractFactory, ProductFactory


@pytest.fixture
def owner(db):
    """A manager responsible for `buyer`."""
    return client_factories.manager(username="owner", first_name="Ольга", last_name="Менеджерова")


@pytest.fixture
def colleague(db):
    """Another manager: not responsible for `buyer`."""
    return client_factories.manager(username="colleague")


@pytest.fixture
def boss(db):
    return client_factories.supervisor(username="boss")


@pytest.fixture
def head(db):
    """A sales head: sees every document, changes none."""
    return client_factories.UserFactory(username="head", role=roles.SALES_HEAD)


@pytest.fixture
def buyer(owner):
    return client_factories.ClientFactory(name="ООО «Покупатель»", inn="7707083893", responsible=owner)


@pytest.fixture
def contract(buyer):
    return ContractFactory(client=buyer, number="7/26", credit_limit=D("1000.00"), credit_days=10)


@pytest.fixture
def widget(db):
    return ProductFactory(name="Виджет", price=D("100.00"))


@pytest.fixture
def gadget(db):
    return ProductFactory(name="Гаджет", price=D("250.00"))


def make_invoice(client, lines, *, contract=None, date=datetime.date(2026, 3, 1), **fields) -> Invoice:
    return services.save_invoice(Invoice(client=client, contract=contract, date=date, **fields), lines)


def ship(invoice: Invoice, on=datetime.date(2026, 3, 2)) -> Invoice:
    for status in ("in_work", "ready"):
        services.set_status(invoice, status)
    return services.set_status(invoice, "shipped", shipped_on=on)


@pytest.fixture
def invoice(buyer, contract, widget, owner):
    return make_invoice(buyer, [Line(widget, D(2), D("100.00"))], contract=contract, manager=owner)
