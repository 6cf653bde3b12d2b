"""The client card's «Взаиморасчёты» (registered as a card panel in SalesConfig.ready): balance,
overdue amount and days, and the use of the credit limit, with a warning when the client is over
its limit or overdue. Two queries (sales.services.position)."""

from __future__ import annotations

from clients import access as client_access
from clients.models import Client
from sales import services
from sales.access import documents_visible


def position_panel(client: Client, user) -> dict | None:
    if not documents_visible(client, user):
        return None
    return {"position": services.position(client), "client": client}


def documents_panel(client: Client, user) -> dict:
    """Links from the card to the client's contracts (for everyone who reads the card) and, for
    whoever sees them, to its invoices and payments."""
    return {
        "client": client,
        "documents": documents_visible(client, user),
        "may_create": client_access.works_with(client, user),
    }
