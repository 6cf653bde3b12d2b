"""A token acts as its user: per role it sees what the pages show (404 for the rest) and
cannot change what the pages would not let it (403)."""

from __future__ import annotations

import pytest

from api.tests.conftest import api_of


def ids(answer) -> set[int]:
    assert answer.status_code == 200, answer.content
    return {row["id"] for row in answer.json()["results"]}


def test_a_manager_sees_every_client_but_only_their_own_documents_deals_and_tasks(world, owner):
    api = api_of(owner)
    mine, theirs = world["owner"], world["colleague"]
    assert ids(api.get("/api/v1/clients/")) == {mine["client"].pk, theirs["client"].pk, world["unassigned"].pk}
    assert ids(api.get("/api/v1/invoices/")) == {mine["invoice"].pk}
    assert ids(api.get("/api/v1/deals/")) == {mine["deal"].pk}
    assert ids(api.get("/api/v1/tasks/")) == {mine["task"].pk}
    for resource, row in (("invoices", "invoice"), ("deals", "deal"), ("tasks", "task")):
        assert api.get(f"/api/v1/{resource}/{theirs[row].pk}/").status_code == 404
        assert api.get(f"/api/v1/{resource}/{mine[row].pk}/").status_code == 200


@pytest.mark.parametrize("role", ["boss", "head"])
def test_a_supervisor_and_a_sales_head_see_every_document_and_deal(world, role, request):
    api = api_of(request.getfixturevalue(role))
    assert ids(api.get("/api/v1/invoices/")) == {world[u]["invoice"].pk for u in ("owner", "colleague")}
    assert ids(api.get("/api/v1/deals/")) == {world[u]["deal"].pk for u in ("owner", "colleague")}
    expected_tasks = {world[u]["task"].pk for u in ("owner", "colleague")} if role == "boss" else set()
    assert ids(api.get("/api/v1/tasks/")) == expected_tasks


def test_a_manager_cannot_change_a_colleagues_client_or_move_their_deal(world, owner):
    api = api_of(owner)
    theirs = world["colleague"]
    assert api.patch(f"/api/v1/clients/{theirs['client'].pk}/", {"comment": "моё"}).status_code == 403
    assert api.patch(f"/api/v1/clients/{world['unassigned'].pk}/", {"comment": "беру"}).status_code == 200
    stage = world["stages"][1]
    assert api.post(f"/api/v1/deals/{theirs['deal'].pk}/move/", {"stage": stage.pk}).status_code == 404
    assert api.post("/api/v1/clients/999999/", {}).status_code in (404, 405)


def test_a_sales_head_moves_any_deal_but_changes_no_client(world, head):
    api = api_of(head)
    deal = world["owner"]["deal"]
    stage = world["stages"][1]
    moved = api.post(f"/api/v1/deals/{deal.pk}/move/", {"stage": stage.pk, "seen_stage": deal.stage_id})
    assert moved.status_code == 200, moved.content
    assert moved.json()["stage"] == stage.pk
    assert [t["to_stage"] for t in moved.json()["transitions"]] == [deal.stage_id, stage.pk]
    assert api.patch(f"/api/v1/clients/{world['owner']['client'].pk}/", {"comment": "x"}).status_code == 403


def test_a_move_the_funnel_refuses_is_a_clear_400(world, owner):
    deal = world["owner"]["deal"]
    lost = world["stages"].get(name="Провал")
    answer = api_of(owner).post(f"/api/v1/deals/{deal.pk}/move/", {"stage": lost.pk})
    assert answer.status_code == 400
    assert "причину" in answer.json()["detail"]


def test_only_the_executor_completes_and_only_the_reviewer_accepts_or_returns(world, owner, colleague, boss):
    task = world["owner"]["task"]
    task.reviewer = boss
    task.save()
    assert api_of(boss).post(f"/api/v1/tasks/{task.pk}/complete/", {}).status_code == 403
    done = api_of(owner).post(f"/api/v1/tasks/{task.pk}/complete/", {})
    assert done.status_code == 200 and done.json()["state"] == "done"
    assert api_of(owner).post(f"/api/v1/tasks/{task.pk}/accept/", {}).status_code == 403
    assert api_of(colleague).post(f"/api/v1/tasks/{task.pk}/accept/", {}).status_code == 404
    refused = api_of(boss).post(f"/api/v1/tasks/{task.pk}/return/", {})
    assert refused.status_code == 409 and "комментари" in refused.json()["detail"]
    returned = api_of(boss).post(f"/api/v1/tasks/{task.pk}/return/", {"comment": "Дозаполнить ИНН"})
    assert returned.json()["state"] == "returned" and returned.json()["iteration"] == 2
    assert [e["kind"] for e in returned.json()["events"]][-2:] == ["done", "returned"]


def test_a_manager_makes_an_invoice_and_a_payment_for_their_own_client_only(world, owner, head):
    from sales.tests.factories import ProductFactory

    mine, theirs = world["owner"], world["colleague"]
    product = ProductFactory(name="Насос")
    api = api_of(owner)
    invoice = {
        "client": mine["client"].pk,
        "contract": mine["contract"].pk,
        "date": "2026-03-10",
        "lines": [{"product": product.pk, "quantity": "3", "discount": "10"}],
    }
    made = api.post("/api/v1/invoices/", invoice)
    assert made.status_code == 201, made.content
    assert (made.json()["total"], made.json()["manager"], made.json()["lines"][0]["price"]) == (
        "270.00",
        owner.pk,
        "100.00",
    )
    assert api.post("/api/v1/invoices/", {**invoice, "client": theirs["client"].pk}).status_code == 403
    assert api_of(head).post("/api/v1/invoices/", invoice).status_code == 403
    other_contract = api.post("/api/v1/invoices/", {**invoice, "contract": theirs["contract"].pk})
    assert other_contract.status_code == 400 and "другим клиентом" in other_contract.json()["detail"]
    paid = api.post("/api/v1/payments/", {"client": mine["client"].pk, "date": "2026-03-20", "amount": "400.00"})
    assert paid.status_code == 201, paid.content
    # Oldest first: the world's invoice of 300.00, then 100.00 of the new one.
    assert paid.json()["allocations"] == [
        {"invoice": mine["invoice"].pk, "amount": "300.00"},
        {"invoice": made.json()["id"], "amount": "100.00"},
    ]
    assert api.get(f"/api/v1/invoices/{made.json()['id']}/").json()["open_amount"] == "170.00"


def test_an_invoice_over_the_credit_limit_needs_a_confirmation(world, owner):
    from sales.tests.factories import ProductFactory

    contract = world["owner"]["contract"]
    contract.credit_limit = 500
    contract.save()
    invoice = {
        "client": world["owner"]["client"].pk,
        "contract": contract.pk,
        "date": "2026-03-10",
        "lines": [{"product": ProductFactory(name="Насос").pk, "quantity": "3", "price": "100.00"}],
    }
    refused = api_of(owner).post("/api/v1/invoices/", invoice)
    assert refused.status_code == 409 and "confirm_over_limit" in refused.json()["detail"]
    assert api_of(owner).post("/api/v1/invoices/", {**invoice, "confirm_over_limit": True}).status_code == 201
