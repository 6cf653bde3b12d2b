"""The exchange with an accounting system through the API: PUT by external key and the batch,
idempotent, all or nothing, by the pages' access rules, never a 500 on bad input."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from api.tests.conftest import api_of
from clients.models import Client, ClientChange
from clients.tests import factories
from crm.testing import logged_in
from sales.models import Allocation, Invoice, Payment
from sales.tests.factories import ProductFactory

BATCH = "/api/v1/exchange/batch/"
SOURCE = "1c-bp"


def put(api, kind: str, external_id: str, data: dict, source: str = SOURCE):
    return api.http.put(f"/api/v1/exchange/{kind}/{source}/{external_id}/", data, content_type="application/json")


def batch(api, items: list):
    return api.http.post(BATCH, items, content_type="application/json")


def client_doc(name: str = "ООО «Ромашка»") -> dict:
    return {"kind": "company", "name": name, "inn": "7707083893", "kpp": "773601001"}


def invoice_doc(product, price: str = "1000.00", client: str = "К-1", **more) -> dict:
    return {
        "client": client,
        "contract": "Д-1",
        "date": "2026-03-01",
        "shipped_on": "2026-03-02",
        "lines": [{"product": product.pk, "quantity": "1", "price": price}],
        **more,
    }


def payment_doc(amount: str, allocations: dict[str, str], client: str = "К-1") -> dict:
    return {
        "client": client,
        "date": "2026-03-10",
        "amount": amount,
        "allocations": [{"invoice": key, "amount": value} for key, value in allocations.items()],
    }


@pytest.fixture
def product(db):
    return ProductFactory(name="Насос")


@pytest.fixture
def sent(boss, product):
    """A client, its contract, an invoice of 1000 and a payment of 800 allocated to it, sent by
    the supervisor's key one by one."""
    api = api_of(boss)
    documents = [
        ("clients", "К-1", client_doc()),
        ("contracts", "Д-1", {"client": "К-1", "number": "15/26", "date": "2026-01-10", "credit_days": 10}),
        ("invoices", "Н-1", invoice_doc(product)),
        ("payments", "П-1", payment_doc("800.00", {"Н-1": "800.00"})),
    ]
    for kind, key, data in documents:
        answer = put(api, kind, key, data)
        assert answer.status_code == 201, answer.json()
        assert answer.json()["result"] == "created"
    return api, documents


def test_the_same_documents_sent_twice_change_nothing_the_second_time(sent):
    api, documents = sent
    client = Client.objects.get(external_source=SOURCE, external_id="К-1")
    invoice = Invoice.objects.get(external_id="Н-1")
    history = ClientChange.objects.filter(client=client).count()
    assert (client.version, history, client.responsible.username) == (1, 1, "boss")
    assert (invoice.total, invoice.open_amount, invoice.due_date.isoformat()) == (D("1000"), D("200"), "2026-03-12")
    for kind, key, data in documents:
        answer = put(api, kind, key, data)
        assert (answer.status_code, answer.json()["result"]) == (200, "unchanged")
    client.refresh_from_db()
    assert (client.version, ClientChange.objects.filter(client=client).count()) == (1, history)
    assert Invoice.objects.get(pk=invoice.pk).updated_at == invoice.updated_at
    assert batch(api, [{"kind": k, "source": SOURCE, "id": i, "data": d} for k, i, d in documents]).json() == {
        "kept": True,
        "results": [{"index": n, "result": "unchanged"} for n in range(4)],
    }
    changed = put(api, "clients", "К-1", {**client_doc(), "legal_address": "Москва"})
    assert changed.json() == {"result": "changed", "id": client.pk}
    entry = ClientChange.objects.filter(client=client).latest("version")
    assert (entry.version, entry.source, entry.user.username) == (2, "api", "boss")
    assert api.get(f"/api/v1/clients/{client.pk}/").json()["external_id"] == "К-1"


def debt_total(boss) -> list:
    response = logged_in(boss).get(reverse("reports:debt_by_manager"))
    grid = response.context["report"].sections[0][1]
    return list(grid.total.values[1:3])


def test_a_changed_total_reopens_the_open_amount_and_the_debt_report_shows_it(sent, boss, product):
    api, _documents = sent
    assert debt_total(boss) == [1, D("200.00")]
    # Down to 500: the payment keeps 500 on it, its other 300 is unallocated again.
    assert put(api, "invoices", "Н-1", invoice_doc(product, "500.00")).json()["result"] == "changed"
    invoice, payment = Invoice.objects.get(external_id="Н-1"), Payment.objects.get(external_id="П-1")
    assert (invoice.total, invoice.open_amount, payment.unallocated) == (D("500"), D("0"), D("300"))
    assert list(Allocation.objects.values_list("amount", flat=True)) == [D("500")]
    assert debt_total(boss) == [0, D("0.00")]
    # Up to 1200: the allocation stays, 700 is open.
    put(api, "invoices", "Н-1", invoice_doc(product, "1200.00"))
    invoice.refresh_from_db()
    assert (invoice.total, invoice.open_amount) == (D("1200"), D("700"))
    assert debt_total(boss) == [1, D("700.00")]
    # The payment sent again as it was: 800 on the invoice, nothing unallocated.
    assert put(api, "payments", "П-1", payment_doc("800.00", {"Н-1": "800.00"})).json()["result"] == "changed"
    invoice.refresh_from_db(), payment.refresh_from_db()
    assert (invoice.open_amount, payment.unallocated) == (D("400"), D("0"))
    # Cancelled: everything allocated to it goes back to the payment.
    put(api, "invoices", "Н-1", invoice_doc(product, "1200.00", status="cancelled"))
    invoice.refresh_from_db(), payment.refresh_from_db()
    assert (invoice.open_amount, payment.unallocated, Allocation.objects.count()) == (D("1200"), D("800"), 0)
    assert debt_total(boss) == [0, D("0.00")]


def test_a_batch_with_one_bad_item_keeps_nothing_and_names_it(boss, product):
    api = api_of(boss)
    items = [
        {"kind": "clients", "source": SOURCE, "id": "К-1", "data": client_doc()},
        {"kind": "invoices", "source": SOURCE, "id": "Н-1", "data": {**invoice_doc(product), "contract": None}},
        {"kind": "invoices", "source": SOURCE, "id": "Н-2", "data": {**invoice_doc(product), "date": "01/03/2026"}},
    ]
    answer = batch(api, items)
    assert answer.status_code == 400
    body = answer.json()
    assert body["kept"] is False and "2" in body["detail"]
    assert body["results"][:2] == [{"index": 0, "result": "not_kept"}, {"index": 1, "result": "not_kept"}]
    assert list(body["results"][2]["error"]) == ["date"]
    # Well formed, but the second invoice names a client the CRM has not got: refused by the service.
    items[2]["data"] = {**invoice_doc(product, client="К-404"), "contract": None}
    body = batch(api, items).json()
    assert body["kept"] is False
    assert "К-404" in body["results"][2]["error"]["detail"]
    assert not Client.objects.filter(external_id="К-1").exists() and not Invoice.objects.exists()
    items.pop()
    assert [r["result"] for r in batch(api, items).json()["results"]] == ["created", "created"]


def test_a_managers_key_changes_only_their_own_and_unassigned_clients(owner, colleague, head, boss, product):
    factories.ClientFactory(name="Чужой", responsible=colleague, external_source=SOURCE, external_id="К-2")
    factories.ClientFactory(name="Ничей", responsible=None, external_source=SOURCE, external_id="К-3")
    mine = api_of(owner)
    refused = put(mine, "clients", "К-2", client_doc("Мой теперь"))
    assert refused.status_code == 403 and "другой менеджер" in refused.json()["detail"]
    assert put(mine, "invoices", "Н-2", {**invoice_doc(product, client="К-2"), "contract": None}).status_code == 403
    assert put(mine, "clients", "К-3", client_doc("Ничей")).status_code == 200
    created = put(mine, "clients", "К-4", client_doc("Новый"))
    assert Client.objects.get(pk=created.json()["id"]).responsible == owner
    assert put(api_of(head), "clients", "К-3", client_doc("Ничей")).status_code == 403
    assert (
        put(api_of(head), "invoices", "Н-3", {**invoice_doc(product, client="К-3"), "contract": None}).status_code
        == 403
    )
    assert put(api_of(boss), "clients", "К-2", client_doc("Чужой")).status_code == 200
    assert Client.objects.get(external_id="К-2").name == "Чужой"


def test_an_unknown_reference_is_refused_with_its_id(sent, product):
    api, _documents = sent
    answer = put(api, "invoices", "Н-9", invoice_doc(product, contract="Д-404"))
    assert answer.status_code == 400 and "Д-404" in answer.json()["detail"]
    answer = put(api, "payments", "П-9", payment_doc("10.00", {"Н-404": "10.00"}))
    assert answer.status_code == 400 and "Н-404" in answer.json()["detail"]
    assert not Invoice.objects.filter(external_id="Н-9").exists()
    assert not Payment.objects.filter(external_id="П-9").exists()
    # A paid invoice stays with the client that paid it.
    assert put(api, "clients", "К-7", client_doc("Другой")).status_code == 201
    answer = put(api, "invoices", "Н-1", invoice_doc(product, client="К-7", contract=None))
    assert answer.status_code == 400 and "другому клиенту" in answer.json()["detail"]


ONE = [{"product": 1, "quantity": "1", "price": "1"}]
NONE = [{"product": 1, "quantity": "0", "price": "1"}]
PAY = {"client": "К-1", "date": "2026-03-10"}
BAD = [
    ("clients", {"kind": "individual", "name": "Иванов", "kpp": "773601001"}, "КПП"),
    ("clients", {"kind": "company", "name": "Ромашка", "inn": "7707083894"}, "inn"),
    ("clients", {"name": "без вида"}, "kind"),
    ("contracts", {"client": "К-1", "number": "15/26", "date": "2026-01-10", "credit_days": -1}, "credit_days"),
    ("invoices", {"client": "К-1", "date": "2026-03-01", "lines": []}, "lines"),
    (
        "invoices",
        {"client": "К-1", "date": "2026-03-01", "lines": NONE},
        "lines",
    ),
    ("invoices", {"client": "К-1", "date": "2026-03-01", "lines": "много"}, "lines"),
    (
        "invoices",
        {"client": "К-1", "date": "3026-03-01", "lines": ONE},
        "date",
    ),
    ("payments", {"client": "К-1", "date": "2026-03-10", "amount": "-5"}, "amount"),
    (
        "payments",
        {"client": "К-1", "date": "2026-03-10", "amount": "10", "allocations": [{"invoice": "Н-1", "amount": "11"}]},
        "больше суммы",
    ),
    (
        "payments",
        {"client": "К-1", "date": "2026-03-10", "amount": "900", "allocations": [{"invoice": "Н-1", "amount": "900"}]},
        "не оплачено только",
    ),
    ("payments", {"client": "К-1", "date": "2026-03-10", "amount": "1e40"}, "amount"),
]


@pytest.mark.parametrize("kind,data,named", BAD)
def test_bad_input_is_a_clear_400_never_a_500(sent, kind, data, named):
    api, _documents = sent
    answer = put(api, kind, "X-1", data)
    assert answer.status_code == 400, answer.content
    assert named in str(answer.json())
    assert Payment.objects.count() == 1 and Client.objects.filter(external_id="X-1").count() == 0


def test_a_bad_address_or_batch_is_answered_in_json(sent, product):
    api, _documents = sent
    assert put(api, "deals", "Н-1", {}).status_code == 404
    assert put(api, "clients", "К-1", client_doc(), source="1С бух").status_code == 400
    assert put(api, "clients", "x" * 101, client_doc()).status_code == 400
    assert batch(api, {"kind": "clients"}).status_code == 400
    assert batch(api, ["строка", None]).json()["results"][0]["error"]
    too_many = batch(api, [{"kind": "clients", "source": SOURCE, "id": str(n), "data": {}} for n in range(1001)])
    assert too_many.status_code == 413 and "1000" in too_many.json()["detail"]
    twice = [{"kind": "clients", "source": SOURCE, "id": "К-5", "data": client_doc()}] * 2
    assert "уже есть в этом пакете" in batch(api, twice).json()["results"][1]["error"]["detail"]
    assert api.http.put("/api/v1/exchange/clients/1c/К-1/", "{", content_type="application/json").status_code == 400


def test_a_batch_counts_as_one_write_request(boss, settings):
    settings.API_RATE_LIMITS = {"read": "600/min", "write": "2/min"}
    api = api_of(boss)
    items = [{"kind": "clients", "source": SOURCE, "id": f"К-{n}", "data": client_doc(f"Клиент {n}")} for n in range(5)]
    assert batch(api, items).status_code == 200
    assert batch(api, items).json()["results"][4] == {"index": 4, "result": "unchanged"}
    assert batch(api, items).status_code == 429
