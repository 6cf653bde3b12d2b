"""The client card's «Взаиморасчёты» (registered as a card panel in SalesConfig.ready): balance,
overdue amount and days, and the use of the credit limit, with a warning when the client is over
its limit or overdue. Two queries (sales.services.position). Its «Акты сверки» too, and in «Мои дела»
the acts whose answer is overdue."""

from __future__ import annotations

from django.conf import settings

from clients import access as client_access
from clients.models import Client
from sales import services
from sales.access import documents_visible
from sales.models import Reconciliation
from sales.services import reconciliations


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


CARD_ACTS = 5


def reconciliations_panel(client: Client, user) -> dict | None:
    """The client's latest «Акты сверки» with their states, for whoever sees its documents; one query."""
    if not documents_visible(client, user):
        return None
    shown = list(Reconciliation.objects.filter(client=client).order_by("-date", "-number")[: CARD_ACTS + 1])
    if not shown:
        return None
    return {"client": client, "acts": shown[:CARD_ACTS], "more": len(shown) > CARD_ACTS}


def waiting_acts_panel(user) -> dict | None:
    """«Мои дела»: the user's acts sent and not answered within RECONCILIATION_ANSWER_DAYS."""
    shown = list(reconciliations.waiting_for_answer(user)[: CARD_ACTS + 1])
    if not shown:
        return None
    return {"acts": shown[:CARD_ACTS], "more": len(shown) > CARD_ACTS, "days": settings.RECONCILIATION_ANSWER_DAYS}
