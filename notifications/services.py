"""Making notifications and reading them: `notify` stores each once per recipient and key, in the
bell and/or for e-mail as its recipient chose, and queues the e-mail; the bell's unread count (kept
in the cache, so that a page pays no query for it); marking read; the user's settings."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from crm import runs
from notifications.models import Kind, Notification, Preference

logger = logging.getLogger(__name__)
EMAIL_JOB = "notifications.send_email"
Email = Notification.Email
# The unread count is kept this long; every change of it deletes it before.
COUNT_SECONDS = 600


@dataclass(frozen=True)
class Draft:
    """A notification to make: whom, what kind, its key (the same key is made once), the text and
    the path of the object it is about."""

    recipient_id: int
    kind: str
    key: str
    text: str
    link: str = ""


def preferences_of(user_ids: Iterable[int]) -> dict[int, Preference]:
    """The settings of the active users among `user_ids` (defaults for those who never saved any)."""
    users = get_user_model().objects.filter(pk__in=set(user_ids), is_active=True)
    users = users.select_related("notification_preference")
    found = {}
    for user in users:
        try:
            found[user.pk] = user.notification_preference
        except Preference.DoesNotExist:
            found[user.pk] = Preference(user=user)
    return found


def preference(user) -> Preference:
    return Preference.objects.filter(user=user).first() or Preference(user=user)


def save_preference(user, *, bell_off: Iterable[str], email_off: Iterable[str], digest_at: datetime.time) -> Preference:
    known = set(Kind.values)
    values = {
        "bell_off": sorted(set(bell_off) & known),
        "email_off": sorted(set(email_off) & known),
        "digest_at": digest_at,
    }
    saved, _ = Preference.objects.update_or_create(user=user, defaults=values)
    return saved


def notify(drafts: Iterable[Draft], *, now: datetime.datetime | None = None) -> int:
    """Store the drafts not made before (a recipient and key once, however often asked: a re-run
    or a retried job makes nothing twice), each as its recipient chose; queue their e-mails after the
    commit, one job per recipient that has none on its way already (so that a burst of notices
    becomes one letter). Returns how many were made."""
    now = now or timezone.now()
    drafts = list({(d.recipient_id, d.key): d for d in drafts}.values())
    if not drafts:
        return 0
    prefs = preferences_of(d.recipient_id for d in drafts)
    with transaction.atomic():
        made_before = set(
            Notification.objects.filter(
                recipient_id__in=prefs, key__in={d.key for d in drafts if d.recipient_id in prefs}
            ).values_list("recipient_id", "key")
        )
        rows = []
        for d in drafts:
            wanted = prefs.get(d.recipient_id)
            if wanted is None or (d.recipient_id, d.key) in made_before:
                continue
            bell, email = wanted.wants_bell(d.kind), wanted.wants_email(d.kind) and bool(wanted.user.email)
            if not (bell or email):
                continue
            rows.append(
                Notification(
                    recipient_id=d.recipient_id,
                    kind=d.kind,
                    key=d.key[:150],
                    text=d.text[:500],
                    link=d.link[:500],
                    created_at=now,
                    in_bell=bell,
                    email_state=Email.PENDING if email else Email.NONE,
                    email_next_at=now if email else None,
                )
            )
        if not rows:
            return 0
        mailed = {row.recipient_id for row in rows if row.email_state == Email.PENDING}
        on_their_way = set(
            Notification.objects.filter(recipient_id__in=mailed, email_state=Email.PENDING)
            .values_list("recipient_id", flat=True)
            .distinct()
        )
        Notification.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        queue_email(sorted(mailed - on_their_way))
        belled = {row.recipient_id for row in rows if row.in_bell}
        transaction.on_commit(lambda: forget_counts(belled))
    return len(rows)


def queue_email(recipient_ids: list[int]) -> None:
    """The e-mail jobs of these recipients, after the commit; when the queue is down the scan's
    sweep (mail.sweep) queues them later."""
    try:
        runs.enqueue_each(EMAIL_JOB, [[pk] for pk in recipient_ids])
    except runs.QueueUnavailable:
        logger.warning("notifications: the queue is down; e-mail to %s users waits for the sweep", len(recipient_ids))


# --- the bell ---------------------------------------------------------------------------------------------


def _count_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def forget_counts(user_ids: Iterable[int]) -> None:
    try:
        cache.delete_many([_count_key(pk) for pk in user_ids])
    except Exception:
        logger.warning("notifications: the cache does not answer", exc_info=True)


def kept_unread_count(user) -> int | None:
    """The unread count as kept in the cache (no query), or None when it is not there."""
    try:
        return cache.get(_count_key(user.pk))
    except Exception:
        logger.warning("notifications: the cache does not answer", exc_info=True)
        return None


def unread_count(user) -> int:
    """The user's unread notifications in the bell: from the cache, else one count on its index."""
    count = kept_unread_count(user)
    if count is None:
        count = unread(user).count()
        try:
            cache.set(_count_key(user.pk), count, timeout=COUNT_SECONDS)
        except Exception:
            logger.warning("notifications: the cache does not answer", exc_info=True)
    return count


def feed(user):
    """The user's notifications in the bell, the newest first."""
    return Notification.objects.filter(recipient=user, in_bell=True)


def unread(user):
    return feed(user).filter(read_at__isnull=True)


def mark_read(user, pks: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications `pks` (all of them when None) read; returns how many."""
    rows = unread(user)
    if pks is not None:
        rows = rows.filter(pk__in=list(pks))
    changed = rows.update(read_at=timezone.now())
    if changed:
        forget_counts([user.pk])
    return changed
