"""Events other systems may hear of (webhooks): an app declares the names of its events, and the one
service where each change happens emits them; whoever listens (the webhooks app, registered in its
AppConfig.ready) gets them once the transaction commits, or never when it rolls back.

    DEAL_WON = events.declare("deal.won", _("Сделка выиграна"))
    events.emit(DEAL_WON, lambda: {"id": deal.pk, ...})

A payload is plain JSON (ids, numbers, names, a link); it may be given as a function, called only
when someone listens to the event. Emitting costs one check of a set kept in memory when nobody
listens (no query), and never fails or slows the action that caused it: a listener's error is
logged after the commit."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

Payload = dict | Callable[[], dict]


@dataclass(frozen=True)
class Listener:
    """`wanted()` — the names of the events someone listens to now (kept cheap by the listener);
    `receive(name, payloads)` — called after the commit with the payloads of one emit."""

    wanted: Callable[[], frozenset[str]]
    receive: Callable[[str, list[dict]], None]


_declared: dict[str, object] = {}
_listeners: list[Listener] = []


def declare(name: str, label) -> str:
    """Declare an event (its name and the label the pages show); returns the name."""
    _declared[name] = label
    return name


def declared() -> dict[str, object]:
    """{name: label} of every declared event, in the order of the names."""
    return dict(sorted(_declared.items()))


def listen(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def absolute_url(path: str) -> str:
    """A link for a payload: the site's address (settings.SITE_URL) and the page's path."""
    return settings.SITE_URL.rstrip("/") + path


def emit(name: str, payload: Payload) -> None:
    emit_each(name, [payload])


def emit_each(name: str, payloads: Iterable[Payload]) -> None:
    """Emit the event once per payload (one change of many rows: one event per row)."""
    assert name in _declared, f"event {name!r} is not declared"
    listeners = [listener for listener in _listeners if _wants(listener, name)]
    if not listeners:
        return
    try:
        built = [payload() if callable(payload) else payload for payload in payloads]
    except Exception:
        logger.exception("event %s: its payload could not be built; not sent", name)
        return
    if not built:
        return

    def deliver() -> None:
        for listener in listeners:
            try:
                listener.receive(name, built)
            except Exception:
                logger.exception("event %s: a listener failed", name)

    transaction.on_commit(deliver, robust=True)


def _wants(listener: Listener, name: str) -> bool:
    try:
        return name in listener.wanted()
    except Exception:
        logger.exception("event %s: the listener's subscriptions are unknown; not sent", name)
        return False
