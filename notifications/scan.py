"""The beat's pass over the time-based notifications, as a stored run (crm.runs): one Scan per
time slot, so that a duplicated beat message or a retried job does the slot once; each notice is
made once per object and day anyway (its key), so even two passes of a day send nothing twice."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import runs
from notifications import mail, sources
from notifications.models import Scan


def slot_of(now: datetime.datetime) -> datetime.datetime:
    minutes = settings.NOTIFICATIONS_SCAN_MINUTES
    local = timezone.localtime(now)
    return local.replace(minute=local.minute - local.minute % minutes, second=0, microsecond=0)


def start(now: datetime.datetime | None = None) -> Scan | None:
    """The beat: make this slot's run and queue it; None when it exists already."""
    slot = slot_of(now or timezone.now())
    with transaction.atomic():
        scan, created = Scan.objects.get_or_create(slot=slot)
        if not created:
            return None
        runs.queue(scan)
    return scan


def run(pk) -> Scan | None:
    """Do a queued pass: the day's overdue, stuck and debt notices on the day's first pass after
    NOTIFICATIONS_DAILY_AT, the digests whose time has come, and the e-mail sweep."""

    def work(scan: Scan) -> None:
        now = timezone.now()
        local = timezone.localtime(now)
        made = 0
        if local.time() >= settings.NOTIFICATIONS_DAILY_AT and not _daily_done(local.date()):
            made += sources.daily(now)
            scan.daily = True
        made += sources.digests(now)
        mail.sweep(now)
        scan.made = made

    return runs.execute(Scan, pk, work, failure=_("Не удалось проверить уведомления из-за ошибки на сервере."))


def _daily_done(day: datetime.date) -> bool:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    return Scan.objects.filter(daily=True, state=Scan.State.DONE, slot__gte=start).exists()
