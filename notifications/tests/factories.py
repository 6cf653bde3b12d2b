from __future__ import annotations

from clients.tests.factories import manager, supervisor
from notifications import services
from notifications.models import Notification


def person(name: str, *, boss: bool = False):
    """A manager (or a supervisor) with an e-mail address."""
    make = supervisor if boss else manager
    return make(username=name, email=f"{name}@example.ru")


def notification(recipient, key: str = "k", **fields) -> Notification:
    values = {"kind": Notification.Kind.ASSIGNED, "text": f"Уведомление {key}", "link": "/tasks/"} | fields
    made = Notification.objects.create(recipient=recipient, key=key, **values)
    services.forget_counts([recipient.pk])
    return made
