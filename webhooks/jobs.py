"""Celery entry points of the webhooks: thin wrappers over webhooks.services."""

from celery import shared_task

from webhooks import services


@shared_task(name="webhooks.deliver")
def deliver(delivery_id: int) -> None:
    """One attempt to send a delivery; the next one is queued with its back-off. The demo's eager
    jobs do not wait: a failed attempt fails the delivery («Повторить» sends it again)."""
    eager = deliver.app.conf.task_always_eager
    delay = services.attempt(delivery_id, may_wait=not eager)
    if delay is not None:
        deliver.apply_async(args=[delivery_id], countdown=delay)


@shared_task(name="webhooks.send_pending")
def send_pending() -> int:
    """Deliveries whose queue message was lost, queued again (a beat job)."""
    return services.send_pending()
