"""Three people and their tokens — a manager, a colleague (another manager), a supervisor and a
sales head — and the rows they see differently: a client, invoice, deal and task of each manager."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client as HttpClient

from api.services import tokens
from clients.tests import factories
from funnel.models import Deal
from funnel.services import create_deal
from funnel.tests.factories import FunnelFactory, stages
from sales import services as sales_services
from sales.models import Invoice
from sales.tests import conftest as sales_conftest
from sales.tests.factories import ContractFactory, ProductFactory
from tasks.tests.factories import TaskFactory


class Api:
    """A test client speaking JSON with one token."""

    def __init__(self, token: str):
        self.http = HttpClient(HTTP_AUTHORIZATION=f"Bearer {token}")
        self.token = token

    def get(self, path: str, **params):
        return self.http.get(path, params)

    def post(self, path: str, data: dict, **headers):
        return self.http.post(path, data, content_type="application/json", headers=headers)

    def patch(self, path: str, data: dict, **headers):
        return self.http.patch(path, data, content_type="application/json", headers=headers)


# The users of the sales tests: the owner and a colleague (managers), a supervisor, a sales head.
owner, colleague, boss, head = sales_conftest.owner, sales_conftest.colleague, sales_conftest.boss, sales_conftest.head


def api_of(user) -> Api:
    return Api(tokens.create_token(user, "test")[1])


@pytest.fixture
def world(db, request):
    """Per manager (the owner and the colleague): a client, a contract, an invoice, a deal, a task;
    one unassigned client."""
    rows = {}
    product = ProductFactory(name="Насос")
    funnel = FunnelFactory(name="B2B")
    stages(funnel, "Квалификация", "Предложение")
    for user in (request.getfixturevalue("owner"), request.getfixturevalue("colleague")):
        client = factories.ClientFactory(name=f"Клиент {user.username}", responsible=user)
        contract = ContractFactory(client=client, credit_days=10)
        invoice = sales_services.save_invoice(
            Invoice(number=0, date=datetime.date(2026, 3, 1), client=client, contract=contract, manager=user),
            [sales_services.Line(product, Decimal("2"), Decimal("150.00"))],
        )
        deal = create_deal(Deal(funnel=funnel, title=f"Сделка {user.username}", client=client, manager=user), user=user)
        task = TaskFactory(title=f"Задача {user.username}", executor=user)
        rows[user.username] = {"client": client, "contract": contract, "invoice": invoice, "deal": deal, "task": task}
    rows["unassigned"] = factories.ClientFactory(name="Ничей клиент", responsible=None)
    rows["stages"] = funnel.stages.order_by("order")
    return rows
