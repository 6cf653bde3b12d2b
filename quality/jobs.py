"""Celery entry points of the completeness wizards: thin wrappers over quality.services."""

from celery import shared_task

from quality import services


@shared_task(name="quality.generate_tasks")
def generate_tasks(run_id: str) -> int | None:
    """Make a submitted wizard run's tasks. A duplicated or retried job finds the run taken or
    done and does nothing. Returns how many tasks the run has, None if another job did it."""
    run = services.generate_tasks(run_id)
    return run.tasks_count if run is not None else None
