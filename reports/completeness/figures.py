"""«Заполненность карточек по менеджерам»: by responsible manager, how many clients, their average
«Заполненность» (Client.completeness, kept by clients.completeness.recompute) and how many cards are
complete, below half or not scored at all — from one GROUP BY query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clients.completeness import labels, required_checks
from clients.filters import ClientFilterSet
from clients.models import Client
from reports.analysis.figures import ResponsibleDimension
from reports.base import Totalled

Param = tuple[str, str]

FULL, HALF = 100, 50
TENTHS = Decimal("0.1")
NOT_ASSIGNED = _("— не назначен —")
# The table's columns, on the page and in the xlsx file alike.
COLUMNS = (
    _("Ответственный"),
    _("Клиентов"),
    _("Заполненность в среднем, %"),
    _("Заполнены полностью"),
    _("Заполнены меньше чем на 50 %"),
    _("Не оценены"),
)
SCORE_NOTE = _(
    "Заполненность карточки — доля обязательных реквизитов, которые в ней заполнены. Среднее — по оценённым "
    "карточкам; карточка не оценена, если к ней не относится ни один обязательный реквизит. Число клиентов "
    "открывает их список, начиная с наименее заполненных карточек."
)
# The drill-down's order of the client list (clients.tables.CompletenessColumn): the emptiest first.
LIST_SORT = ("sort", "completeness")


@dataclass
class Counts(Totalled):
    clients: int = 0
    score_sum: int = 0  # the scores of the scored cards, summed
    complete: int = 0
    below_half: int = 0
    not_scored: int = 0

    @property
    def scored(self) -> int:
        return self.clients - self.not_scored

    @property
    def average(self) -> Decimal | None:
        """The average score of the scored cards, to one place; None when none is scored."""
        if not self.scored:
            return None
        return (Decimal(self.score_sum) / self.scored).quantize(TENTHS)


@dataclass
class ManagerRow:
    responsible_id: int | None
    name: str
    counts: Counts
    # The manager's clients in the client list, the emptiest cards first; None when the list cannot
    # select them (it offers active users only, so a former employee's clients have no link).
    url: str | None


@dataclass
class CompletenessTable:
    rows: list[ManagerRow]
    total: Counts
    total_url: str


def required_labels() -> list[str]:
    """What a complete card has today, as users call it (ИНН, Бизнес-регион, Телефон…)."""
    checks = required_checks()
    names = labels(checks)
    return [names[check] for check in checks]


class ClientListLinks:
    """Links to the client list with the report's filter and one responsible, sorted by
    «Заполненность»; the address and the filter are encoded once for all rows."""

    def __init__(self, base_params: Sequence[Param] = ()):
        self.address = reverse("clients:list")
        self.query = urlencode(list(base_params))

    def url(self, responsible: Param | None = None) -> str:
        parts = [self.query, urlencode([responsible]) if responsible else "", urlencode([LIST_SORT])]
        return f"{self.address}?{'&'.join(p for p in parts if p)}"


def completeness_table(clients: QuerySet[Client], *, base_params: Sequence[Param] = ()) -> CompletenessTable:
    """Count `clients` by responsible in one GROUP BY query, then name the managers found in one
    more; the total row is summed from the rows. Managers sort by name, «не назначен» comes last."""
    grouped = list(
        clients.order_by()
        .values("responsible_id")
        .annotate(
            n=Count("pk"),
            score_sum=Coalesce(Sum("completeness"), 0),
            complete=Count("pk", filter=Q(completeness=FULL)),
            below_half=Count("pk", filter=Q(completeness__lt=HALF)),
            not_scored=Count("pk", filter=Q(completeness__isnull=True)),
        )
    )
    # The client list's own filter says how it selects a responsible, and «не назначен».
    members = ResponsibleDimension().members(
        [r["responsible_id"] for r in grouped], ClientFilterSet(queryset=Client.objects.none())
    )
    links = ClientListLinks(base_params)
    rows, total = [], Counts()
    for r in grouped:
        counts = Counts(r["n"], r["score_sum"], r["complete"], r["below_half"], r["not_scored"])
        total.add(counts)
        member = members[r["responsible_id"]]
        name = str(NOT_ASSIGNED) if member.value is None else member.label
        url = links.url(member.param) if member.param else None
        rows.append(ManagerRow(member.value, name, counts, url))
    rows.sort(key=lambda row: members[row.responsible_id].sort)
    return CompletenessTable(rows, total, links.url())
