"""Celery entry points of the sales app: thin wrappers over its services."""

from celery import shared_task

from sales import abc_xyz


@shared_task(name="sales.recalculate_classes")
def recalculate_classes() -> dict[str, int]:
    """Recompute every client's ABC and XYZ class from its shipments (daily, and on demand)."""
    return abc_xyz.recalculate()
