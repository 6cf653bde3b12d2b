"""The daily snapshot of «Заполненность» by manager (reports.models.CompletenessSnapshot): taken by
the beat's job through crm.runs, read by the supervisor's home page for the change over 30 days."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from crm import runs
from reports.completeness.figures import Counts, completeness_table
from reports.models import CompletenessFigure, CompletenessSnapshot

FAILURE = _("Снимок заполненности не записан: ошибка на сервере. Сообщите администратору.")
CHANGE_DAYS = 30


def take(day: datetime.date | None = None) -> CompletenessSnapshot | None:
    """Take the day's snapshot (today's by default) once: a second call that day finds it taken
    and does nothing (None)."""
    day = day or timezone.localdate()
    try:
        with transaction.atomic():
            snapshot, _created = CompletenessSnapshot.objects.get_or_create(day=day)
    except IntegrityError:  # another worker made it at the same moment
        return None
    return run(snapshot.pk)


def run(pk) -> CompletenessSnapshot | None:
    """Do a queued snapshot run (the sweep re-queues a lost one by its pk)."""
    return runs.execute(CompletenessSnapshot, pk, _write, failure=str(FAILURE))


def _write(snapshot: CompletenessSnapshot) -> None:
    table = completeness_table(Client.objects.all())
    CompletenessFigure.objects.bulk_create(
        CompletenessFigure(
            snapshot=snapshot,
            responsible_id=row.responsible_id,
            clients=row.counts.clients,
            score_sum=row.counts.score_sum,
            complete=row.counts.complete,
            below_half=row.counts.below_half,
            not_scored=row.counts.not_scored,
        )
        for row in table.rows
    )


@dataclass
class Past:
    """The snapshot the change is measured from (None: none is old enough yet) and its counts by
    responsible id (None: not assigned)."""

    day: datetime.date | None
    counts: dict[int | None, Counts]


def past(today: datetime.date, days: int = CHANGE_DAYS) -> Past:
    """The latest finished snapshot at least `days` old, in two queries."""
    snapshot = (
        CompletenessSnapshot.objects.filter(
            state=CompletenessSnapshot.State.DONE, day__lte=today - datetime.timedelta(days=days)
        )
        .order_by("-day")
        .values_list("pk", "day")
        .first()
    )
    if snapshot is None:
        return Past(None, {})
    pk, day = snapshot
    lines = CompletenessFigure.objects.filter(snapshot_id=pk).values_list(
        "responsible_id", "clients", "score_sum", "complete", "below_half", "not_scored"
    )
    return Past(day, {responsible: Counts(*counts) for responsible, *counts in lines})
