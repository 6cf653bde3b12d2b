"""The daily snapshot of «Заполненность» by manager, and the supervisor's change over 30 days."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from celery.result import EagerResult
from django.utils import timezone

from clients.models import Client
from clients.tests import factories
from crm.testing import logged_in
from reports.home import snapshots
from reports.jobs import take_completeness_snapshot
from reports.models import CompletenessFigure, CompletenessSnapshot


@pytest.fixture
def cards(people):
    """Анна's two cards at 40 and 60 %, Борис's one at 100 %, an unassigned one not scored."""
    for responsible, score in ((people.anna, 40), (people.anna, 60), (people.boris, 100), (None, None)):
        client = factories.ClientFactory(responsible=responsible)
        Client.objects.filter(pk=client.pk).update(completeness=score)
    return people


def figures_of(snapshot) -> dict:
    return {f.responsible_id: (f.clients, f.score_sum, f.complete) for f in snapshot.figures.all()}


def test_a_snapshot_is_taken_once_a_day(cards):
    day = timezone.localdate()
    snapshot = snapshots.take(day)
    assert snapshot.state == CompletenessSnapshot.State.DONE
    assert figures_of(snapshot) == {cards.anna.pk: (2, 100, 0), cards.boris.pk: (1, 100, 1), None: (1, 0, 0)}
    assert snapshots.take(day) is None  # the second call of the day does nothing
    assert CompletenessFigure.objects.count() == 3


def test_a_failed_snapshot_leaves_no_lines(cards, monkeypatch):
    def broken(snapshot):
        CompletenessFigure.objects.create(snapshot=snapshot, responsible_id=None)
        raise RuntimeError("disk full")

    monkeypatch.setattr(snapshots, "_write", broken)
    snapshot = snapshots.take()
    assert snapshot.state == CompletenessSnapshot.State.FAILED and snapshot.error
    assert not CompletenessFigure.objects.exists()


def test_the_supervisor_sees_the_change_since_the_snapshot_30_days_old(cards):
    browser = logged_in(cards.boss)
    page = browser.get("/").content.decode()
    assert "Снимка заполненности 30-дневной давности ещё нет" in page

    today = timezone.localdate()
    snapshots.take(today - datetime.timedelta(days=31))
    snapshots.take(today - datetime.timedelta(days=10))  # too recent: not the one compared with
    Client.objects.filter(responsible=cards.anna).update(completeness=80)
    response = browser.get("/")
    change = next(p for _h, blocks in response.context["sections"] for p in blocks if p["name"] == "completeness")
    assert change["change"].since == today - datetime.timedelta(days=31)
    deltas = {row.responsible_id: delta for row, delta in change["lines"]}
    assert deltas == {cards.anna.pk: D("30.0"), cards.boris.pk: D("0.0"), None: None}
    assert change["change"].total_change == D("20.0")  # 200/3 → 260/3 of the scored cards
    assert "Изменение — с" in response.content.decode()


@pytest.mark.celery_worker
def test_the_beats_job_takes_todays_snapshot_on_a_real_worker(celery_worker):
    factories.ClientFactory(responsible=None)
    result = take_completeness_snapshot.delay()
    assert not isinstance(result, EagerResult)
    assert result.get(timeout=30) == str(timezone.localdate())
    assert CompletenessSnapshot.objects.get().figures.count() == 1
