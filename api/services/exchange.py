"""A call of the exchange — one document (PUT) or a batch — handed to the services of its kinds
in the order clients → contracts → invoices → payments, in one transaction: a document may name
one of an earlier kind sent in the same batch, and when any document is refused nothing is kept."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import transaction

from clients.services.exchange import upsert_clients
from crm.exchange import KINDS, ExchangeRefused, Keyed, one_call_at_a_time
from sales.services.exchange import upsert_contracts, upsert_invoices, upsert_payments

UPSERTS: dict[str, Callable[..., dict[int, str]]] = {
    "clients": upsert_clients,
    "contracts": upsert_contracts,
    "invoices": upsert_invoices,
    "payments": upsert_payments,
}


@transaction.atomic
def exchange(items: Sequence[tuple[str, Keyed]], *, user) -> dict[int, str]:
    """{position: Outcome} of every document; ExchangeRefused with the message of every refused
    one (each kind is still checked after a refused one, so that one answer names them all)."""
    one_call_at_a_time()
    outcomes: dict[int, str] = {}
    errors: dict[int, str] = {}
    forbidden: set[int] = set()
    for kind in KINDS:
        documents = [document for of_kind, document in items if of_kind == kind]
        if not documents:
            continue
        try:
            outcomes.update(UPSERTS[kind](documents, user=user))
        except ExchangeRefused as refused:
            errors.update(refused.errors)
            forbidden |= refused.forbidden
    if errors:
        raise ExchangeRefused(errors, forbidden)
    return outcomes
