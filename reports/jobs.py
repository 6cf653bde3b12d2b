"""Celery entry points of the reports: thin wrappers over their services."""

from celery import shared_task

from reports.home import snapshots


@shared_task(name="reports.take_completeness_snapshot")
def take_completeness_snapshot(snapshot_id: str | None = None) -> str | None:
    """Daily (the beat, without arguments): today's snapshot of «Заполненность» by manager; with a
    run's id (the sweep re-queueing a lost one): that run. Returns the day taken, None if another
    job did it."""
    snapshot = snapshots.run(snapshot_id) if snapshot_id else snapshots.take()
    return str(snapshot.day) if snapshot is not None else None
