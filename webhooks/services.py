"""Webhooks: which events anyone subscribed to (kept in memory and in the cache, so that emitting an
event nobody wants costs no query), the deliveries made from an event, one attempt to send a
delivery (signed, with a timeout, its answer kept), the retries with exponential back-off, and
«Повторить».

The receiver gets a POST of the JSON body {"id", "event", "occurred_at", "data"} with the headers
X-CRM-Event, X-CRM-Event-Id (the same in every attempt: do the event once), X-CRM-Timestamp and
X-CRM-Signature: sha256=<HMAC-SHA256 of the body with the subscription's secret> (docs/webhooks.md)."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import http.client
import json
import logging
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import runs
from webhooks.models import Delivery, Subscription

logger = logging.getLogger(__name__)
JOB = "webhooks.deliver"
CACHE_KEY = "webhooks:events"
# Another process learns of a new or changed subscription within this many seconds.
MEMO_SECONDS = 10.0
# …and within this many when it was changed without its signals (a queryset's update()).
CACHE_SECONDS = 300
# A pending delivery this late past its attempt lost its queue message: the sweep sends it again.
LOST_AFTER = datetime.timedelta(minutes=5)
Status = Delivery.Status


# --- who listens -------------------------------------------------------------------------------------

_memo_lock = threading.Lock()
_memo: dict = {"events": None, "until": 0.0}


def subscribed_events() -> frozenset[str]:
    """The events some active subscription wants: from memory (no query, no cache call) for
    MEMO_SECONDS, then from the cache, then from the table."""
    now = time.monotonic()
    events = _memo["events"]
    if events is not None and now < _memo["until"]:
        return events
    try:
        cached = cache.get(CACHE_KEY)
    except Exception:  # the cache is down: ask the table
        logger.warning("webhooks: the cache does not answer", exc_info=True)
        cached = None
    if cached is None:
        rows = Subscription.objects.filter(is_active=True).values_list("events", flat=True)
        cached = sorted({name for names in rows for name in names})
        try:
            cache.set(CACHE_KEY, cached, timeout=CACHE_SECONDS)
        except Exception:
            logger.warning("webhooks: the cache does not answer", exc_info=True)
    events = frozenset(cached)
    with _memo_lock:
        _memo.update(events=events, until=now + MEMO_SECONDS)
    return events


def forget_subscriptions(**kwargs) -> None:
    """A subscription changed: read them again (this process now, the others within MEMO_SECONDS)."""
    with _memo_lock:
        _memo.update(events=None, until=0.0)
    try:
        cache.delete(CACHE_KEY)
    except Exception:
        logger.warning("webhooks: the cache does not answer", exc_info=True)


# --- subscriptions -----------------------------------------------------------------------------------


def check_url(url: str) -> str:
    """The address as stored, or ValueError with a message for the user: http(s) only."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(_("Адрес должен начинаться с http:// или https:// и содержать имя сервера."))
    return url


def save_subscription(subscription: Subscription, *, new_secret: bool = False) -> Subscription:
    subscription.url = check_url(subscription.url)
    if new_secret:
        subscription.secret = Subscription._meta.get_field("secret").default()
    subscription.save()
    return subscription


def delete_subscription(subscription: Subscription) -> None:
    subscription.delete()


# --- deliveries --------------------------------------------------------------------------------------


def receive(name: str, payloads: list[dict]) -> None:
    """The events' listener (crm.events), after the commit: a delivery per event and subscription
    that wants it, queued. Should the queue be down, they wait for the sweep (send_pending)."""
    subscriptions = [s for s in Subscription.objects.filter(is_active=True) if name in s.events]
    if not subscriptions:
        return
    now = timezone.now()
    deliveries = []
    for data in payloads:
        event_id = uuid.uuid4()
        body = {"id": str(event_id), "event": name, "occurred_at": now.isoformat(), "data": data}
        deliveries += [
            Delivery(
                subscription=s,
                event_id=event_id,
                event=name,
                payload=body,
                attempt_limit=settings.WEBHOOK_ATTEMPTS,
                next_attempt_at=now,
                created_at=now,
            )
            for s in subscriptions
        ]
    with transaction.atomic():
        Delivery.objects.bulk_create(deliveries, batch_size=1000)
        _queue([d.pk for d in deliveries])


def _queue(pks: Sequence[int]) -> None:
    try:
        runs.enqueue_each(JOB, [[pk] for pk in pks])
    except runs.QueueUnavailable:
        logger.warning("webhooks: the queue is down; %s deliveries wait for the sweep", len(pks))


def body_of(delivery: Delivery) -> bytes:
    """The bytes sent, the same in every attempt (so is their signature)."""
    return json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def headers_of(delivery: Delivery, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "ClientCardCRM-Webhooks/1",
        "X-CRM-Event": delivery.event,
        "X-CRM-Event-Id": str(delivery.event_id),
        "X-CRM-Delivery": str(delivery.pk),
        "X-CRM-Attempt": str(delivery.attempts + 1),
        "X-CRM-Timestamp": str(int(time.time())),
        "X-CRM-Signature": signature(delivery.subscription.secret, body),
    }


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to log, not an address to post the event to."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """POST the body; (status code, the start of the answer) or (None, what went wrong)."""
    keep = settings.WEBHOOK_RESPONSE_KEEP
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT) as response:
            return response.status, response.read(keep * 4).decode("utf-8", "replace")[:keep]
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read(keep * 4).decode("utf-8", "replace")[:keep]
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        return None, (_("Нет ответа: %(reason)s") % {"reason": reason})[:keep]


def attempt(pk: int, *, may_wait: bool = True) -> float | None:
    """Send a pending delivery whose time has come, once (a duplicated job finds it taken or not
    due); keep the answer. A 2xx answer delivers it; otherwise it is tried again after
    WEBHOOK_RETRY_SECONDS × 2^(attempts − 1) — the seconds returned — until its attempts run out
    (or at once, when not `may_wait`: the demo's eager jobs), then it fails."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription")
            .filter(pk=pk, status=Status.PENDING, next_attempt_at__lte=now + datetime.timedelta(seconds=1))
            .first()
        )
        if delivery is None:
            return None
        subscription = delivery.subscription
        if subscription.is_active:
            body = body_of(delivery)
            code, answer = post(subscription.url, body, headers_of(delivery, body))
        else:
            code, answer = None, _("Подписка не действует: событие не отправлено.")
        delivery.attempts += 1
        delivery.last_attempt_at = timezone.now()
        delivery.last_code, delivery.last_response = code, answer
        delay = None
        if code is not None and 200 <= code < 300:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = Status.DELIVERED, timezone.now(), None
        elif delivery.attempts >= delivery.attempt_limit or not subscription.is_active or not may_wait:
            delivery.status, delivery.next_attempt_at = Status.FAILED, None
        else:
            delay = settings.WEBHOOK_RETRY_SECONDS * 2 ** (delivery.attempts - 1)
            delivery.next_attempt_at = delivery.last_attempt_at + datetime.timedelta(seconds=delay)
        delivery.save()
    return delay


def retry(delivery: Delivery) -> bool:
    """«Повторить»: a failed delivery sent again, with another series of attempts. Raises
    runs.QueueUnavailable; False when it is not failed (any more): a double click."""
    with transaction.atomic():
        again = Delivery.objects.filter(pk=delivery.pk, status=Status.FAILED).update(
            status=Status.PENDING,
            attempt_limit=delivery.attempts + settings.WEBHOOK_ATTEMPTS,
            next_attempt_at=timezone.now(),
        )
        if again:
            runs.enqueue(JOB, delivery.pk)
    return bool(again)


def send_pending(now: datetime.datetime | None = None) -> int:
    """The sweep (a beat job): queue again the pending deliveries whose message was lost (the
    queue was down, or Redis restarted); returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        late = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PENDING, next_attempt_at__lt=now - LOST_AFTER)
            .values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=late).update(next_attempt_at=now)
        _queue(late)
    return len(late)
