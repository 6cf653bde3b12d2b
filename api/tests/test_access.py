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
