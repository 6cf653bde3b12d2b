"""Sales documents when client cards are merged (clients.services.merging): contracts, invoices,
payments and «Акты сверки» move to the surviving card and back on undo. Amounts, open amounts and allocations do not
change: only whose documents they are."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.reassign import Moved, Mover, moved_rows, return_rows
from sales.models import Contract, Invoice, Payment, Reconciliation

MODELS = {
    "sales.contract": Contract,
    "sales.invoice": Invoice,
    "sales.payment": Payment,
    "sales.reconciliation": Reconciliation,
}
LABELS = {
    "sales.contract": gettext_lazy("Договоры"),
    "sales.invoice": gettext_lazy("Заявки-накладные"),
    "sales.payment": gettext_lazy("Оплаты"),
    "sales.reconciliation": gettext_lazy("Акты сверки"),
}


def client_documents(from_ids: Sequence[int]) -> dict[str, int]:
    return {kind: model.objects.filter(client_id__in=from_ids).count() for kind, model in MODELS.items()}


def merge_obstacles(from_ids: Sequence[int], to_id: int) -> list[str]:
    """A contract number is unique per client: two cards with a contract of the same number cannot
    become one until one is renumbered."""
    numbers = Contract.objects.filter(client_id__in=[*from_ids, to_id]).values_list("number", flat=True)
    seen: set[str] = set()
    twice = sorted({n for n in numbers if n in seen or seen.add(n)})
    if not twice:
        return []
    return [
        _("У объединяемых клиентов есть договоры с одинаковым номером: %(numbers)s.") % {"numbers": ", ".join(twice)}
    ]


def reassign_client(from_ids: Sequence[int], to_id: int) -> Moved:
    """The merged clients' contracts, invoices, payments and acts become the survivor's."""
    return {kind: moved_rows(model.objects.filter(client_id__in=from_ids), to_id) for kind, model in MODELS.items()}


def return_client(moved: Moved) -> None:
    for kind, model in MODELS.items():
        return_rows(model, moved.get(kind, {}))


MOVER = Mover(LABELS, client_documents, reassign_client, return_client, merge_obstacles)
