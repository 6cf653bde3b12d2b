"""The e-mail of notifications: one letter per recipient with whatever is waiting for them (one
notice, or a list when a burst came at once), in Russian with absolute links (SITE_URL), sent by
Django's mail backend (SMTP from EMAIL_HOST/EMAIL_PORT/…; the demo prints to the console). A failed
attempt is tried again after NOTIFICATIONS_EMAIL_RETRY_SECONDS × 2^(attempts − 1), and after the
last one the failure is written on the notices; the action that caused them never waits for it."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm import events
from notifications.models import Notification
from notifications.services import queue_email

logger = logging.getLogger(__name__)
Email = Notification.Email
# A pending e-mail this late past its attempt lost its queue message: the sweep queues it again.
LOST_AFTER = datetime.timedelta(minutes=5)
# A retry queued with its back-off may arrive a little early.
_SLACK = datetime.timedelta(seconds=1)
SENT_FIELDS = ["email_state", "emailed_at", "email_next_at", "email_attempts", "email_error"]


def letter(rows: list[Notification]) -> tuple[str, str]:
    """The subject and body of the letter for these notices."""
    with translation.override(settings.LANGUAGE_CODE):
        lines = []
        for row in rows:
            lines.append(row.text)
            if row.link:
                lines.append(events.absolute_url(row.link))
            lines.append("")
        if len(rows) == 1:
            subject = rows[0].text
        else:
            subject = _("CRM: новых уведомлений — %(count)s") % {"count": len(rows)}
        settings_link = events.absolute_url(_settings_path())
        footer = _("Выбрать, о чём сообщать письмом: %(link)s") % {"link": settings_link}
        return subject[:200], "\n".join([*lines, "—", footer, ""])


def _settings_path() -> str:
    from django.urls import reverse

    return reverse("notifications:settings")


def send(recipient_id: int, *, may_wait: bool = True, now: datetime.datetime | None = None) -> float | None:
    """Send the recipient's notices waiting for e-mail whose time has come, in one letter (a
    duplicated job finds them taken or sent). Returns the seconds until the next attempt when this
    one failed and attempts remain (None otherwise); without `may_wait` (the demo's eager jobs) a
    failure is final at once."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(recipient_id=recipient_id, email_state=Email.PENDING, email_next_at__lte=now + _SLACK)
            .order_by("created_at", "pk")
        )
        if not rows:
            return None
        recipient = rows[0].recipient
        subject, body = letter(rows)
        try:
            EmailMessage(subject, body, to=[recipient.email]).send(fail_silently=False)
        except Exception as error:  # SMTP refused, the connection failed, a bad address: try again
            return _failed(rows, error, may_wait=may_wait)
        sent_at = timezone.now()
        for row in rows:
            row.email_state, row.emailed_at, row.email_next_at = Email.SENT, sent_at, None
            row.email_attempts += 1
            row.email_error = ""
        Notification.objects.bulk_update(rows, SENT_FIELDS)
    return None


def _failed(rows: list[Notification], error: Exception, *, may_wait: bool) -> float | None:
    attempts = max(row.email_attempts for row in rows) + 1
    message = f"{type(error).__name__}: {error}"[:1000]
    final = attempts >= settings.NOTIFICATIONS_EMAIL_ATTEMPTS or not may_wait
    delay = None if final else settings.NOTIFICATIONS_EMAIL_RETRY_SECONDS * 2 ** (attempts - 1)
    for row in rows:
        row.email_attempts, row.email_error = attempts, message
        if final:
            row.email_state, row.email_next_at = Email.FAILED, None
        else:
            row.email_next_at = timezone.now() + datetime.timedelta(seconds=delay)
    Notification.objects.bulk_update(rows, ["email_attempts", "email_error", "email_state", "email_next_at"])
    if final:
        logger.warning("notifications: e-mail to user %s failed: %s", rows[0].recipient_id, message)
    return delay


def sweep(now: datetime.datetime | None = None) -> int:
    """Queue again the e-mail whose queue message was lost (the queue was down when it was made, or
    Redis restarted); returns for how many recipients."""
    now = now or timezone.now()
    late = list(
        Notification.objects.filter(email_state=Email.PENDING, email_next_at__lt=now - LOST_AFTER)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    with transaction.atomic():
        Notification.objects.filter(recipient_id__in=late, email_state=Email.PENDING).update(email_next_at=now)
        queue_email(late)
    return len(late)
