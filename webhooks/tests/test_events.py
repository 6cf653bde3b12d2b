"""The events the services emit (crm.events), heard by a listener of the test: one per change,
after the commit only, with plain JSON payloads; nothing costs a query when nobody subscribed."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal as D

import pytest
from django.db import transaction

from clients import services as client_services
from clients.models import Client, ClientChange
from clients.tests.factories import ClientFactory, manager, supervisor
from crm import events
from funnel import services as funnel_services
from funnel.models import Deal
from funnel.tests.factories import FunnelFactory, reason, stages
from sales import services as sales_services
from sales.models import Invoice, Payment
from sales.services import Line
from sales.tests.factories import ProductFactory
from tasks import services as task_services
from webhooks import services
from webhooks.tests.factories import subscription


@pytest.fixture
def heard(monkeypatch):
    """What a listener of every event hears: [(name, payload)]."""
    got: list[tuple[str, dict]] = []
    listener = events.Listener(
        wanted=lambda: frozenset(events.declared()),
        receive=lambda name, payloads: got.extend((name, p) for p in payloads),
    )
    monkeypatch.setattr(events, "_listeners", [listener])
    return got


@pytest.fixture
def deal(db):
    funnel = FunnelFactory(name="Опт")
    stages(funnel, "Контакт", "Предложение")
    owner = manager(username="events-manager")
    return funnel_services.create_deal(
        Deal(funnel=funnel, title="Станки", lead_name="Ромашка", manager=owner), user=owner
    )


def test_emitting_an_event_nobody_subscribed_to_does_no_query_and_builds_no_payload(db, django_assert_num_queries):
    services.forget_subscriptions()
    subscription("https://example.com/hook", "deal.won")
    assert services.subscribed_events() == {"deal.won"}
    built = []
    with django_assert_num_queries(0):
        for _ in range(100):
            events.emit("deal.lost", lambda: built.append(1) or {})
    assert built == []


def test_a_changed_subscription_is_heard_at_once_in_this_process(db):
    services.forget_subscriptions()
    assert services.subscribed_events() == frozenset()
    hook = subscription("https://example.com/hook", "task.done")
    assert services.subscribed_events() == {"task.done"}
    hook.is_active = False
    hook.save()
    assert services.subscribed_events() == frozenset()


def test_a_write_of_many_clients_emits_one_event_per_changed_client_with_its_fields(
    db, heard, django_capture_on_commit_callbacks
):
    boss = supervisor(username="events-boss")
    first, second = ClientFactory(name="ООО Альфа"), ClientFactory(name="ООО Бета", abc_class="A")
    changes = [
        client_services.ClientChangeSet(first, fields={"abc_class": "A", "xyz_class": "Z"}),
        client_services.ClientChangeSet(second, fields={"abc_class": "A"}),  # already so: no change
        client_services.ClientChangeSet(Client(name="ИП Новый", kind=Client.Kind.INDIVIDUAL), snapshot=True),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        client_services.write(changes, user=boss, source=ClientChange.Source.BULK)
    assert [name for name, _ in heard] == ["client.changed", "client.changed"]
    changed, created = (payload for _, payload in heard)
    assert changed["id"] == first.pk and changed["fields"] == ["abc_class", "xyz_class"]
    assert changed["created"] is False and changed["url"].endswith(f"/clients/{first.pk}/")
    assert created["name"] == "ИП Новый" and created["created"] is True
    json.dumps(heard)  # plain JSON


def test_a_move_rolled_back_emits_nothing_and_a_won_deal_is_moved_and_won(
    deal, heard, django_capture_on_commit_callbacks
):
    offer, won, lost = (deal.funnel.stages.get(name=n) for n in ("Предложение", "Успех", "Провал"))
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            funnel_services.move(deal, offer, user=deal.manager)
            transaction.set_rollback(True)
    assert heard == []
    with django_capture_on_commit_callbacks(execute=True):
        funnel_services.move(deal, won, user=deal.manager, amount=D("10.50"))
    assert [name for name, _ in heard] == ["deal.moved", "deal.won"]
    assert heard[1][1]["from_stage"]["name"] == "Контакт" and heard[1][1]["amount"] == "10.50"
    with django_capture_on_commit_callbacks(execute=True):
        funnel_services.move(deal, lost, user=deal.manager, lost_reason=reason())
    assert [name for name, _ in heard[2:]] == ["deal.moved", "deal.lost"]
    assert heard[3][1]["lost_reason"] == "Дорого"


def test_a_listener_that_fails_does_not_fail_the_move(deal, monkeypatch, django_capture_on_commit_callbacks):
    def broken(name, payloads):
        raise RuntimeError("the listener is down")

    monkeypatch.setattr(
        events, "_listeners", [events.Listener(wanted=lambda: frozenset({"deal.moved"}), receive=broken)]
    )
    offer = deal.funnel.stages.get(name="Предложение")
    with django_capture_on_commit_callbacks(execute=True):
        funnel_services.move(deal, offer, user=deal.manager)
    deal.refresh_from_db()
    assert deal.stage == offer


def test_an_invoice_is_shipped_then_paid_when_its_open_amount_reaches_zero(
    db, heard, django_capture_on_commit_callbacks
):
    buyer = ClientFactory(name="ООО Покупатель")
    invoice = sales_services.save_invoice(
        Invoice(client=buyer, date=datetime.date(2026, 3, 1)), [Line(ProductFactory(), D(2), D("50.00"))]
    )
    with django_capture_on_commit_callbacks(execute=True):
        for status in ("in_work", "ready", "shipped"):
            sales_services.set_status(invoice, status, shipped_on=datetime.date(2026, 3, 2))
        for amount in ("60.00", "40.00", "5.00"):
            sales_services.create_payment(Payment(client=buyer, date=datetime.date(2026, 3, 5), amount=D(amount)))
    assert [name for name, _ in heard] == ["invoice.shipped", "invoice.paid"]
    shipped, paid = (payload for _, payload in heard)
    assert (shipped["number"], shipped["total"], shipped["open_amount"]) == (invoice.number, "100.00", "100.00")
    assert shipped["due_date"] == "2026-03-02"
    assert (paid["id"], paid["open_amount"]) == (invoice.pk, "0.00")


def test_a_task_done_returned_and_accepted(db, heard, django_capture_on_commit_callbacks):
    executor, reviewer = manager(username="events-executor"), supervisor(username="events-reviewer")
    task = task_services.create_task(title="Позвонить", executor=executor, reviewer=reviewer)
    alone = task_services.create_task(title="Без проверки", executor=executor)
    with django_capture_on_commit_callbacks(execute=True):
        task_services.transition(task, executor, "complete")
        task_services.transition(task, reviewer, "return", comment="Ещё раз")
        task_services.transition(task, executor, "complete")
        task_services.transition(task, reviewer, "accept")
        task_services.transition(alone, executor, "complete")
    assert [(name, p["id"], p["state"], p["iteration"]) for name, p in heard] == [
        ("task.done", task.pk, "done", 1),
        ("task.returned", task.pk, "returned", 2),
        ("task.done", task.pk, "done", 2),
        ("task.accepted", task.pk, "accepted", 2),
        ("task.done", alone.pk, "done", 1),
        ("task.accepted", alone.pk, "accepted", 1),
    ]
    assert heard[1][1]["comment"] == "Ещё раз" and heard[1][1]["by"] == reviewer.pk
