"""Sections that other apps add to the client card — sales' «Взаиморасчёты» now, tasks and deals
later — without the clients app importing them: an app registers a panel in its AppConfig.ready(),
and the card draws every panel that has something to show for the client and the user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from clients.models import Client


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    # (client, user) → the template's context, or None when there is nothing to show to that user
    context: Callable[[Client, Any], dict | None]
    order: int = 100


PANELS: dict[str, Panel] = {}


def register(panel: Panel) -> None:
    PANELS[panel.name] = panel


def for_card(client: Client, user) -> list[dict]:
    """[{"template": ..., **context}] of the panels to draw, in their order; the card includes each
    template with the dict as `panel`."""
    drawn = []
    for panel in sorted(PANELS.values(), key=lambda p: (p.order, p.name)):
        context = panel.context(client, user)
        if context is not None:
            drawn.append({"template": panel.template, **context})
    return drawn
