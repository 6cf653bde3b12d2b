"""Sections that one app draws on another app's page without the page's app importing it: the
client card shows sales' «Взаиморасчёты» and the funnel's deals, «Мои дела» shows the deals stuck
on a stage. An app registers a panel in its AppConfig.ready(); the page draws, in their order,
the panels that have something to show for its object and the user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    # (*the page's objects) → the template's context, or None when there is nothing to show
    context: Callable[..., dict | None]
    order: int = 100
    # where on the page it goes; each page names its places
    place: str = "top"


class Registry:
    def __init__(self) -> None:
        self.panels: dict[str, Panel] = {}

    def register(self, panel: Panel) -> None:
        self.panels[panel.name] = panel

    def draw(self, *args: Any) -> dict[str, list[dict]]:
        """{place: [{"template": ..., **context}]} of the panels to draw, in their order; the page
        includes each template with the dict as `panel`."""
        drawn: dict[str, list[dict]] = {}
        for panel in sorted(self.panels.values(), key=lambda p: (p.order, p.name)):
            context = panel.context(*args)
            if context is not None:
                drawn.setdefault(panel.place, []).append({"template": panel.template, **context})
        return drawn


# The client card: places "top" (above the sections) and "main" (after the contact persons);
# context(client, user).
CLIENT_CARD = Registry()
# «Мои дела»: place "side" (under «Напоминания»); context(user).
MY_WORK = Registry()
