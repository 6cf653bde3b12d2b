"""The API as a program outside sees it: a live server, a real HTTP client, and schemathesis
sending requests made from the schema to every operation (no 500, every answer as documented)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from api.services import tokens
from clients.tests import factories

pytestmark = pytest.mark.usefixtures("reference_data")


def call(url: str, token: str, method: str = "GET", data: dict | None = None, **headers) -> tuple[int, dict, dict]:
    request = urllib.request.Request(
        url,
        method=method,
        data=json.dumps(data).encode() if data is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_a_program_pages_the_clients_and_changes_one_over_http(live_server):
    owner = factories.manager(username="owner")
    for n in range(5):
        factories.ClientFactory(name=f"Клиент {n}", responsible=owner)
    _row, token = tokens.create_token(owner, "скрипт")
    url, names = f"{live_server.url}/api/v1/clients/?page_size=2&fields=id,name,version", []
    while url:
        status, _headers, page = call(url, token)
        assert status == 200
        names += [row["name"] for row in page["results"]]
        url = page["next"]
    assert sorted(names) == [f"Клиент {n}" for n in range(5)]
    first = factories.ClientFactory._meta.model.objects.get(name="Клиент 0")
    status, headers, body = call(
        f"{live_server.url}/api/v1/clients/{first.pk}/",
        token,
        "PATCH",
        {"comment": "из учётной системы"},
        **{"If-Match": f'"{first.version}"'},
    )
    assert status == 200 and body["comment"] == "из учётной системы"
    assert headers["ETag"] == f'"{first.version + 1}"'
    assert call(f"{live_server.url}/api/v1/clients/", "crm_wrong_token")[0] == 401


CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def test_schemathesis_finds_no_failure_on_any_operation(live_server, world_for_schemathesis):
    token = world_for_schemathesis
    raw = requests.get(
        f"{live_server.url}/api/schema/", params={"format": "json"}, headers={"Authorization": f"Bearer {token}"}
    ).json()
    schema = schemathesis.openapi.from_dict(raw)
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 21  # the exchange's PUT and batch among them
    # Closed at the end: a kept-alive connection would hold the server thread's database session.
    with requests.Session() as session:
        for operation in operations:
            _fuzz(operation, session, live_server.url, headers)


def _fuzz(operation, session, base_url: str, headers: dict) -> None:
    """Up to six requests made from the operation's schema, each answer checked against it."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=6,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        case.call_and_validate(base_url=base_url, session=session, headers=headers, checks=CHECKS)

    check()


@pytest.fixture
def world_for_schemathesis(reference_data):
    """A supervisor's token and a few rows of each kind, so that rows are found as well as not."""
    import datetime
    from decimal import Decimal

    from funnel.models import Deal
    from funnel.services import create_deal
    from funnel.tests.factories import FunnelFactory, stages
    from sales import services as sales_services
    from sales.models import Invoice, Payment
    from sales.tests.factories import ContractFactory, ProductFactory
    from tasks.tests.factories import TaskFactory

    boss = factories.supervisor(username="boss")
    factories.list_field("Лояльность", ["Высокая", "Низкая"])
    funnel = FunnelFactory(name="B2B")
    stages(funnel, "Квалификация")
    for n in range(1, 4):
        client = factories.ClientFactory(name=f"Клиент {n}", responsible=boss)
        contract = ContractFactory(client=client)
        sales_services.save_invoice(
            Invoice(number=0, date=datetime.date(2026, 3, n), client=client, contract=contract),
            [sales_services.Line(ProductFactory(name="Насос"), Decimal("1"), Decimal("10.00"))],
        )
        sales_services.create_payment(
            Payment(number=0, date=datetime.date(2026, 3, n), client=client, amount=Decimal("5.00"))
        )
        create_deal(Deal(funnel=funnel, title=f"Сделка {n}", client=client), user=boss)
        TaskFactory(executor=boss, reviewer=boss)
    return tokens.create_token(boss, "schemathesis")[1]
