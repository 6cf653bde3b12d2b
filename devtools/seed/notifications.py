"""Demo notices: what the beat's first pass of today tells the demo users (overdue tasks, stuck
deals, clients overdue on payment: a few of each) and their digests, in the bell and unread; no
e-mail is sent for them. Reads what the seeders before it made; draws no random numbers."""

from __future__ import annotations

import datetime
from collections import Counter

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation

from devtools.seed.common import no_progress
from notifications import sources
from notifications.models import Kind, Notification

SEED_MODELS = (Notification,)
SEED_GUARD = Notification
DEMO_USERS = ("manager", "supervisor", "saleshead")
PER_KIND = 4


def seed(size: str, rng_seed: int, progress=no_progress) -> dict[str, int]:
    now = timezone.now()
    today = timezone.localdate(now)
    users = {user.pk: user for user in get_user_model().objects.filter(username__in=DEMO_USERS)}
    taken: Counter = Counter()
    rows = []
    with translation.override(settings.LANGUAGE_CODE):
        for drafts in (sources.overdue_tasks(today), sources.stuck(now), sources.overdue_clients(today)):
            for draft in drafts:
                if draft.recipient_id in users and taken[draft.recipient_id, draft.kind] < PER_KIND:
                    taken[draft.recipient_id, draft.kind] += 1
                    rows.append(draft)
        rows += [
            sources.Draft(
                pk, Kind.DIGEST, f"digest:{today.isoformat()}", sources.digest_text(user, now), reverse("tasks:my")
            )
            for pk, user in users.items()
        ]
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=d.recipient_id,
                kind=d.kind,
                key=d.key,
                text=d.text,
                link=d.link,
                created_at=now - datetime.timedelta(minutes=i),
            )
            for i, d in enumerate(rows)
        ]
    )
    return {"notifications": len(rows)}
