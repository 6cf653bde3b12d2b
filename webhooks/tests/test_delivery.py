"""Webhooks delivered by a real Celery worker to a real HTTP receiver on loopback, which checks the
signature as docs/webhooks.md tells a receiver to."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from clients.tests.factories import manager, supervisor
from crm.testing import logged_in
from funnel import services as funnel_services
from funnel.models import Deal
from funnel.tests.factories import FunnelFactory, stages
from tasks import services as task_services
from webhooks.models import Delivery
from webhooks.tests.factories import administrator, subscription
from webhooks.tests.receiver import Receiver, wait_for

pytestmark = pytest.mark.celery_worker


@pytest.fixture
def deal(reference_data):
    funnel = FunnelFactory(name="Опт")
    stages(funnel, "Контакт", "Предложение")
    owner = manager(username="hooks-manager")
    lead = Deal(funnel=funnel, title="Станки", lead_name="ООО Ромашка", manager=owner)
    return funnel_services.create_deal(lead, user=owner)


def _stage(deal: Deal, name: str):
    return deal.funnel.stages.get(name=name)


def test_a_won_deal_and_an_accepted_task_from_their_pages_reach_the_receiver_signed(celery_worker, deal):
    boss = supervisor(username="hooks-reviewer")
    task = task_services.create_task(
        title="Позвонить", executor=deal.manager, reviewer=boss, due_date=datetime.date(2026, 12, 31)
    )
    task_services.transition(task, deal.manager, "complete")
    with Receiver() as receiver:
        hook = subscription(receiver.url, "deal.won", "task.accepted")
        receiver.secret = hook.secret
        won = _stage(deal, "Успех")
        answer = logged_in(deal.manager).post(
            reverse("funnel:deal_move", args=[deal.pk]),
            {"stage": won.pk, "seen_stage": deal.stage_id, "amount": "1500,00"},
            HTTP_ACCEPT="application/json",
        )
        assert answer.status_code == 200, answer.content
        assert logged_in(boss).post(reverse("tasks:action", args=[task.pk, "accept"])).status_code == 302
        received = receiver.wait(2)

    assert [r.headers["X-CRM-Event"] for r in received] == ["deal.won", "task.accepted"]
    assert all(r.signed for r in received)
    won_event, task_event = (r.event for r in received)
    assert won_event["id"] == received[0].headers["X-CRM-Event-Id"]
    assert won_event["data"]["to_stage"] == {"id": won.pk, "name": "Успех", "kind": "won"}
    assert won_event["data"]["amount"] == "1500.00"
    assert won_event["data"]["url"].endswith(f"/funnel/deals/{deal.pk}/")
    assert task_event["data"]["state"] == "accepted" and task_event["data"]["by"] == boss.pk
    assert wait_for(lambda: Delivery.objects.filter(status="delivered", attempts=1).count() == 2)


def test_a_receiver_that_fails_twice_gets_the_event_on_the_third_attempt(celery_worker, deal, settings):
    settings.WEBHOOK_RETRY_SECONDS = 0.2
    with Receiver(answers=[500, 503]) as receiver:
        hook = subscription(receiver.url, "deal.moved")
        receiver.secret = hook.secret
        funnel_services.move(deal, _stage(deal, "Предложение"), user=deal.manager)
        received = receiver.wait(3)
        assert wait_for(lambda: Delivery.objects.filter(status="delivered").exists())

    assert len(received) == 3 and all(r.signed for r in received)
    assert len({r.headers["X-CRM-Event-Id"] for r in received}) == 1  # one event, three attempts
    assert [r.headers["X-CRM-Attempt"] for r in received] == ["1", "2", "3"]
    delivery = Delivery.objects.get()
    assert (delivery.attempts, delivery.last_code, delivery.last_response) == (3, 200, "answer 200")
    log = logged_in(administrator()).get(reverse("webhooks:deliveries", args=[hook.pk])).content.decode()
    assert f'id="delivery-{delivery.pk}" data-status="delivered"' in log
    assert '<td class="text-end" data-attempts>3</td>' in log


def test_repeat_sends_a_failed_delivery_again(celery_worker, deal, settings):
    settings.WEBHOOK_ATTEMPTS = 1
    admin = logged_in(administrator())
    with Receiver(answers=[500]) as receiver:
        hook = subscription(receiver.url, "deal.moved")
        receiver.secret = hook.secret
        funnel_services.move(deal, _stage(deal, "Предложение"), user=deal.manager)
        assert wait_for(lambda: Delivery.objects.filter(status="failed").exists())
        delivery = Delivery.objects.get()
        assert (delivery.attempts, delivery.last_code, delivery.last_response) == (1, 500, "answer 500")
        log = admin.get(reverse("webhooks:deliveries", args=[hook.pk])).content.decode()
        assert "data-retry" in log

        assert admin.post(reverse("webhooks:retry", args=[delivery.pk])).status_code == 302
        received = receiver.wait(2)
        assert wait_for(lambda: Delivery.objects.filter(status="delivered").exists())

    assert [r.event["id"] for r in received] == [str(delivery.event_id)] * 2
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_code) == (2, 200)
    assert admin.post(reverse("webhooks:retry", args=[delivery.pk])).status_code == 302  # not failed: nothing
    assert Delivery.objects.get().attempts == 2
