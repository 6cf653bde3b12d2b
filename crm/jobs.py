"""Celery entry points of the base: the sweep of background runs (crm.runs)."""

from celery import shared_task

from crm import runs


@shared_task(name="crm.sweep_runs")
def sweep_runs() -> dict[str, int]:
    return runs.sweep()
