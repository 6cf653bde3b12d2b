"""Celery entry points of the notifications: thin wrappers over mail and scan."""

from celery import shared_task

from notifications import mail, scan


@shared_task(name="notifications.send_email")
def send_email(recipient_id: int) -> None:
    """One attempt to e-mail what waits for a user; the next one is queued with its back-off. The
    demo's eager jobs do not wait: a failed attempt is written on the notices at once."""
    eager = send_email.app.conf.task_always_eager
    delay = mail.send(recipient_id, may_wait=not eager)
    if delay is not None:
        send_email.apply_async(args=[recipient_id], countdown=delay)


@shared_task(name="notifications.start_scan")
def start_scan() -> None:
    """The beat, every NOTIFICATIONS_SCAN_MINUTES: this slot's pass queued once."""
    scan.start()


@shared_task(name="notifications.scan")
def run_scan(pk: str) -> None:
    scan.run(pk)
