"""ABC and XYZ classes of clients from their shipments of the last months, stored on the client so
that the list, the reports and the completeness wizards can filter by them.

ABC: clients by revenue, largest first; those that make the first 80 % of the revenue are A, the
next 15 % B, the rest C. XYZ: the coefficient of variation of a client's monthly revenue (months
without shipments count as zero) — up to 10 % X, up to 25 % Y, more Z. Clients without shipments in
the period get no class. Shares, limits and the period are settings (SALES_ABC_SHARES,
SALES_XYZ_LIMITS, SALES_CLASSES_MONTHS)."""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from clients import services as client_services
from sales.models import Invoice


@dataclass(frozen=True)
class Classes:
    abc: dict[int, str]
    xyz: dict[int, str]


def period_start(today: datetime.date, months: int) -> datetime.date:
    """The first day of the month `months - 1` months before today's: the last `months` months."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    return datetime.date(index // 12, index % 12 + 1, 1)


def compute(today: datetime.date | None = None) -> Classes:
    """The classes of every client with shipments in the period, from one grouped query."""
    today = today or timezone.localdate()
    months = settings.SALES_CLASSES_MONTHS
    start = period_start(today, months)
    rows = (
        Invoice.objects.filter(status=Invoice.Status.SHIPPED, shipped_on__gte=start, shipped_on__lte=today)
        .annotate(month=TruncMonth("shipped_on"))
        .values_list("client_id", "month")
        .annotate(revenue=Sum("total"))
        .order_by()
    )
    monthly: dict[int, list[Decimal]] = defaultdict(list)
    for client_id, _month, revenue in rows.iterator(chunk_size=10_000):
        monthly[client_id].append(revenue)
    revenue = {client_id: sum(values) for client_id, values in monthly.items()}
    return Classes(abc=_abc(revenue), xyz={c: _xyz(v, months) for c, v in monthly.items() if revenue[c] > 0})


def _abc(revenue: dict[int, Decimal]) -> dict[int, str]:
    a_share, b_share = settings.SALES_ABC_SHARES
    total = sum(revenue.values())
    classes, before = {}, Decimal(0)
    for client_id, amount in sorted(revenue.items(), key=lambda item: (-item[1], item[0])):
        if amount <= 0:
            continue
        share_before = before * 100 / total
        classes[client_id] = "A" if share_before < a_share else "B" if share_before < a_share + b_share else "C"
        before += amount
    return classes


def _xyz(values: list[Decimal], months: int) -> str:
    x_limit, y_limit = settings.SALES_XYZ_LIMITS
    amounts = [float(v) for v in values] + [0.0] * (months - len(values))
    mean = sum(amounts) / months
    variation = math.sqrt(sum((a - mean) ** 2 for a in amounts) / months) / mean * 100
    return "X" if variation <= x_limit else "Y" if variation <= y_limit else "Z"


def recalculate(today: datetime.date | None = None) -> dict[str, int]:
    """Compute and store the classes of all clients (through clients.services); returns how many
    clients got each class."""
    classes = compute(today)
    client_services.set_classes(abc=classes.abc, xyz=classes.xyz)
    counts: dict[str, int] = defaultdict(int)
    for assigned in (classes.abc, classes.xyz):
        for value in assigned.values():
            counts[value] += 1
    return dict(counts)
