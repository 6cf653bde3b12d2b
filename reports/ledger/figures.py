"""«Карточка клиента» (the client ledger) and «Акт сверки взаиморасчетов с покупателем»: the
ledger itself — the balances, the documents, the words of an act — is sales.ledger (an act made as a
document freezes the same figures); here are what the report adds: whose clients a user may pick, and
the report's conditions as text."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients import access as client_access
from clients.models import Client
from sales import access
from sales.ledger import (  # noqa: F401 — the ledger as the report's modules and tests read it
    DocumentNames,
    Ledger,
    Scope,
    client_ledger,
    client_title,
    contract_title,
    day,
    reconciliation_act,
)

CLIENT_CHOICES = 20
LEDGER_NOTE = gettext_lazy(
    "Отгрузка — сумма отгруженной заявки-накладной на дату отгрузки (отменённые и ещё не отгруженные "
    "заявки не учитываются), оплата — сумма оплаты на её дату. Положительное сальдо — долг клиента, "
    "отрицательное — аванс (наш долг клиенту)."
)


# --- whose documents --------------------------------------------------------------------------------


def clients_with_visible_documents(user) -> QuerySet[Client]:
    """The clients whose documents the user may see (sales.access.documents_visible for a queryset)."""
    return client_access.clients_of(user, everyone=access.SEE_ALL)


def find_clients(user, text: str, limit: int = CLIENT_CHOICES) -> list[Client]:
    """Up to `limit` + 1 of the clients the user may see whose name contains the text or whose ИНН
    starts with it, by name (one more than the limit tells that there are more)."""
    text = text.strip()
    if not text:
        return []
    matches = Q(name__icontains=text)
    digits = re.sub(r"\D", "", text)
    if digits and digits == text:
        matches |= Q(inn__startswith=digits)
    return list(clients_with_visible_documents(user).filter(matches).order_by("name", "pk")[: limit + 1])


def scope_contract_title(scope: Scope) -> str:
    if scope.contract is not None:
        return contract_title(scope.contract)
    return _("Без договора") if scope.without_contract else _("Все договоры")


def period_title(scope: Scope) -> str:
    if scope.start is None:
        return _("по %(end)s") % {"end": day(scope.end)}
    return _("%(start)s — %(end)s") % {"start": day(scope.start), "end": day(scope.end)}


def conditions(scope: Scope) -> list[str]:
    """The report's filter as lines of text, for the xlsx file and the printed page."""
    return [
        f"{_('Клиент')}: {client_title(scope.client)}",
        f"{_('Договор')}: {scope_contract_title(scope)}",
        f"{_('Период')}: {period_title(scope)}",
    ]
