"""The fixtures of the sales reports' tests: the sales base of data.py; outsider and boss come from
reports/tests/conftest.py."""

from __future__ import annotations

from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from clients.tests import factories
from crm import roles
from crm.models import Project
from reports.tests.receivables.data import day, make_invoice, make_payment
from sales.tests.factories import ContractFactory


@pytest.fixture
def head(db):
    return factories.UserFactory(username="head", first_name="Ирина", last_name="Продажина", role=roles.SALES_HEAD)


@pytest.fixture
def sales(db):
    anna = factories.manager(username="anna", first_name="Анна", last_name="Смирнова")
    boris = factories.manager(username="boris", first_name="Борис", last_name="Волков")
    wholesale = Project.objects.create(name="Опт")
    retail = Project.objects.create(name="Розница")
    alfa = factories.ClientFactory(name="Альфа", inn="7701000001", responsible=anna)
    beta = factories.ClientFactory(name="Бета", inn="", responsible=anna)
    gamma = factories.ClientFactory(name="Гамма", inn="7703000003", responsible=boris)
    delta = factories.ClientFactory(name="Дельта", inn="", responsible=None)
    a1 = ContractFactory(client=alfa, number="А-1", date=day("01.01"), credit_limit=D(1000), credit_days=10)
    a2 = ContractFactory(client=alfa, number="А-2", date=day("15.01"), credit_limit=None, credit_days=30)
    b1 = ContractFactory(client=beta, number="Б-1", date=day("01.02"), credit_limit=D(500), credit_days=None)
    g1 = ContractFactory(client=gamma, number="Г-1", date=day("01.02"), credit_limit=D(300), credit_days=5)

    shipped = {"status": "shipped"}
    i = {
        1: make_invoice(alfa, 600, on="01.03", contract=a1, manager=anna, project=wholesale, **shipped),
        2: make_invoice(alfa, 800, on="25.03", contract=a1, manager=anna, project=wholesale, **shipped),
        3: make_invoice(alfa, 300, on="28.01", shipped="01.02", contract=a2, manager=boris, project=retail, **shipped),
        4: make_invoice(alfa, 100, on="01.03", contract=a2, manager=anna, **shipped),
        5: make_invoice(beta, 700, on="20.03", contract=b1, manager=anna, project=retail, **shipped),
        6: make_invoice(gamma, 250, on="30.03", contract=g1, manager=boris, project=wholesale, **shipped),
        7: make_invoice(gamma, 150, on="01.03", contract=g1, manager=boris, project=wholesale, **shipped),
        8: make_invoice(delta, 90, on="31.03", **shipped),
        9: make_invoice(alfa, 500, on="28.03", status="request", contract=a1, manager=anna, project=wholesale),
        10: make_invoice(beta, 400, on="15.03", status="in_work", contract=b1, manager=anna, project=retail),
        11: make_invoice(gamma, 120, on="10.03", status="ready", contract=g1, manager=boris, project=wholesale),
        12: make_invoice(delta, 999, on="05.03", status="cancelled"),
    }
    p = {
        1: make_payment(alfa, 200, on="05.03", manager=anna, project=wholesale, allocations=[(i[1], 200)]),
        2: make_payment(alfa, 100, on="10.03", manager=anna, allocations=[(i[4], 100)]),
        3: make_payment(beta, 250, on="21.03", manager=anna, project=retail, allocations=[(i[5], 100), (i[10], 150)]),
        4: make_payment(gamma, 80, on="15.03", manager=boris, project=wholesale, allocations=[(i[7], 50)]),
        5: make_payment(delta, 40, on="20.02"),
    }
    for invoice in i.values():
        invoice.refresh_from_db()
    return SimpleNamespace(
        anna=anna,
        boris=boris,
        wholesale=wholesale,
        retail=retail,
        alfa=alfa,
        beta=beta,
        gamma=gamma,
        delta=delta,
        contracts={"А-1": a1, "А-2": a2, "Б-1": b1, "Г-1": g1},
        invoices=i,
        payments=p,
    )
