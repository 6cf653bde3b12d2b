"""One attempt of a delivery, as the job makes it (webhooks.services.attempt), and the sweep of
deliveries whose queue message was lost: no worker needed."""

from __future__ import annotations

import datetime
import socket

from django.utils import timezone

from webhooks import services
from webhooks.models import Delivery
from webhooks.tests.factories import subscription
from webhooks.tests.receiver import Receiver


def _delivery(url: str, **fields) -> Delivery:
    hook = subscription(url, "deal.won")
    body = {"id": "5b0c7e1e-3f7a-4a43-9d49-6a9f0d1f2c55", "event": "deal.won", "data": {"id": 1, "title": "Станки"}}
    return Delivery.objects.create(
        subscription=hook, event="deal.won", payload=body, next_attempt_at=timezone.now(), **fields
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_receiver_that_does_not_answer_is_tried_again_after_the_back_off(db, settings):
    settings.WEBHOOK_RETRY_SECONDS = 30
    delivery = _delivery(f"http://127.0.0.1:{closed_port()}/hook")
    assert services.attempt(delivery.pk) == 30
    assert services.attempt(delivery.pk) is None  # not due yet: a duplicated job does nothing
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_code) == ("pending", 1, None)
    assert delivery.last_response.startswith("Нет ответа")
    assert delivery.next_attempt_at > timezone.now() + datetime.timedelta(seconds=25)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert services.attempt(delivery.pk) == 60  # doubled
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now(), attempt_limit=3)
    assert services.attempt(delivery.pk) is None
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 3)


def test_a_long_answer_is_kept_truncated_and_the_log_shows_the_data_sent(db, settings):
    with Receiver(answers=[502], body="Ошибка ".encode() * 1000) as receiver:
        delivery = _delivery(receiver.url)
        receiver.secret = delivery.subscription.secret
        services.attempt(delivery.pk, may_wait=False)  # the demo's eager job: no second attempt
        assert receiver.received[0].signed
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_code) == ("failed", 502)
    assert len(delivery.last_response) == settings.WEBHOOK_RESPONSE_KEEP
    assert '"title": "Станки"' in delivery.payload_text()


def test_an_inactive_subscription_sends_nothing(db):
    with Receiver() as receiver:
        delivery = _delivery(receiver.url)
        delivery.subscription.is_active = False
        delivery.subscription.save()
        services.attempt(delivery.pk)
        assert receiver.received == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_response) == ("failed", "Подписка не действует: событие не отправлено.")


def test_the_sweep_queues_again_what_waits_too_long_after_its_time(db, django_capture_on_commit_callbacks):
    late = _delivery("https://example.com/hook")
    on_time = Delivery.objects.create(
        subscription=late.subscription, event="deal.won", payload={}, next_attempt_at=timezone.now()
    )
    Delivery.objects.filter(pk=late.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(minutes=6))
    with django_capture_on_commit_callbacks(execute=False) as sends:
        assert services.send_pending() == 1
    assert len(sends) == 1  # one queue message, sent after the commit
    late.refresh_from_db()
    assert late.next_attempt_at > timezone.now() - datetime.timedelta(minutes=1)
    assert on_time.status == "pending"
