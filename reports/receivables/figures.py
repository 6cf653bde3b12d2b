"""The figures of the sales reports. Receivables read the open shipped invoices (status «Отгружена»
and something unpaid) — the rows of the partial index invoice_open_idx — and their kept open
amounts, never re-summing allocations; every table is one GROUP BY query, and naming what was
grouped one more."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from crm.grids import percent
from crm.models import Project
from reports.base import Totalled, user_names
from sales.models import Allocation, Invoice, Payment

ZERO = Decimal("0.00")
Status = Invoice.Status
# The statuses in the order of an invoice's life, as the register lists them.
STATUSES = (Status.REQUEST, Status.IN_WORK, Status.READY, Status.SHIPPED, Status.CANCELLED)
IN_PROGRESS = (Status.IN_WORK, Status.READY)


def receivable(invoices: QuerySet[Invoice], on: datetime.date, today: datetime.date) -> QuerySet[Invoice]:
    """What was still to be paid on `on`: the shipped invoices, each with `unpaid` — its amount not
    yet paid on that day.

    Today (or later) that is the kept open amount of the open shipped invoices: the rows of the
    partial index invoice_open_idx. On a past day it is the open amount plus what payments dated
    after that day paid off: the invoices shipped by then that are open now or were paid off later
    (an allocation offsets an invoice on its payment's date, or on the shipment when the payment
    came first, which for an invoice shipped by `on` is before it too)."""
    shipped = invoices.filter(status=Status.SHIPPED)
    if on >= today:
        return shipped.filter(open_amount__gt=0).annotate(unpaid=F("open_amount"))
    later = Allocation.objects.filter(payment__date__gt=on)
    paid_later = later.filter(invoice=OuterRef("pk")).order_by().values("invoice").annotate(s=Sum("amount")).values("s")
    by_then = shipped.filter(shipped_on__lte=on)
    # Two sets joined by UNION, not one OR: an IN inside an OR is not turned into a join, and a
    # year back it was probed row by row (35 s at size L).
    candidates = (
        by_then.filter(open_amount__gt=0)
        .order_by()
        .values("pk")
        .union(by_then.filter(pk__in=later.values("invoice_id")).order_by().values("pk"))
    )
    return (
        by_then.filter(pk__in=candidates)
        .annotate(unpaid=F("open_amount") + Coalesce(Subquery(paid_later), ZERO))
        .filter(unpaid__gt=0)
    )


# --- «Реестр заявок-накладных» -------------------------------------------------------------------------


@dataclass
class StatusLine:
    status: str
    label: str
    count: int = 0
    total: Decimal = ZERO
    open: Decimal = ZERO

    @property
    def paid(self) -> Decimal:
        return self.total - self.open


@dataclass
class RegisterSummary:
    lines: list[StatusLine]
    total: StatusLine  # every status but «Отменена»: a cancelled invoice is no sale

    def count(self, *statuses: str) -> int:
        return sum(line.count for line in self.lines if line.status in statuses)


def register_summary(invoices: QuerySet[Invoice]) -> RegisterSummary:
    """Count and sum `invoices` by status in one GROUP BY query; every status gets a line."""
    grouped = {
        r["status"]: r
        for r in invoices.order_by()
        .values("status")
        .annotate(n=Count("pk"), total=Coalesce(Sum("total"), ZERO), open=Coalesce(Sum("open_amount"), ZERO))
    }
    lines = []
    for status in STATUSES:
        r = grouped.get(status, {"n": 0, "total": ZERO, "open": ZERO})
        lines.append(StatusLine(status, str(status.label), r["n"], r["total"], r["open"]))
    sold = [line for line in lines if line.status != Status.CANCELLED]
    total = StatusLine(
        "",
        "",
        sum(line.count for line in sold),
        sum((line.total for line in sold), ZERO),
        sum((line.open for line in sold), ZERO),
    )
    return RegisterSummary(lines, total)


IN_PROGRESS_COLUMNS = (
    "pk",
    "number",
    "date",
    "status",
    "total",
    "open_amount",
    "client__name",
    "client__inn",
    "manager__first_name",
    "manager__last_name",
    "manager__username",
    "project__name",
)


def in_progress(invoices: QuerySet[Invoice]) -> QuerySet[dict]:
    """The invoices «В работе» and «Готова к отгрузке», the longest waiting first, as rows of
    IN_PROGRESS_COLUMNS (the register's Excel file at size L has 14,000 of them: an invoice, its
    client, manager and project as objects cost a third of the file's time)."""
    return invoices.filter(status__in=IN_PROGRESS).order_by("date", "number", "pk").values(*IN_PROGRESS_COLUMNS)


# --- «Накладные к оплате» -------------------------------------------------------------------------------


@dataclass
class OpenInvoice:
    pk: int
    client_id: int
    number: int
    date: datetime.date
    shipped_on: datetime.date
    due_date: datetime.date
    total: Decimal
    open_amount: Decimal
    contract_id: int | None
    contract_number: str | None
    contract_date: datetime.date | None
    credit_days: int | None
    credit_limit: Decimal | None
    days_overdue: int = 0  # days past the due date (= past the credit days) on the report date

    @property
    def overdue(self) -> Decimal:
        return self.open_amount if self.days_overdue > 0 else ZERO


INVOICE_FIELDS = (
    "pk",
    "client_id",
    "number",
    "date",
    "shipped_on",
    "due_date",
    "total",
    "unpaid",
    "contract_id",
    "contract__number",
    "contract__date",
    "contract__credit_days",
    "contract__credit_limit",
)


@dataclass
class ContractDebt:
    """A client's overdue invoices under one contract (or none), with the contract's credit terms and
    all that is unpaid under it — the measure of its credit limit."""

    contract_id: int | None
    number: str | None
    date: datetime.date | None
    credit_days: int | None
    credit_limit: Decimal | None
    contract_open: Decimal = ZERO
    invoices: list[OpenInvoice] = field(default_factory=list)

    @property
    def overdue(self) -> Decimal:
        return sum((i.open_amount for i in self.invoices), ZERO)

    @property
    def days_overdue(self) -> int:
        return max((i.days_overdue for i in self.invoices), default=0)

    @property
    def excess(self) -> Decimal | None:
        """How much the unpaid amount is over the credit limit; None within it or without a limit."""
        if self.credit_limit is None or self.contract_open <= self.credit_limit:
            return None
        return self.contract_open - self.credit_limit


@dataclass
class ClientDebt:
    client_id: int
    name: str
    inn: str
    invoice_count: int
    debt: Decimal
    overdue: Decimal
    days_overdue: int  # of the oldest overdue invoice
    invoices: list[OpenInvoice] = field(default_factory=list)
    contracts: list[ContractDebt] = field(default_factory=list)

    @property
    def excess(self) -> Decimal | None:
        excesses = [c.excess for c in self.contracts if c.excess is not None]
        return sum(excesses, ZERO) if excesses else None


@dataclass
class DebtTotal:
    invoice_count: int = 0
    debt: Decimal = ZERO
    overdue: Decimal = ZERO
    days_overdue: int = 0


def debt_by_client(invoices: QuerySet[Invoice], on: datetime.date) -> list[ClientDebt]:
    """Each client's open amount of `invoices` and what of it is overdue on `on` (due before it),
    by client name, from one GROUP BY query."""
    overdue = Q(due_date__lt=on)
    rows = (
        invoices.order_by()
        .values("client_id", "client__name", "client__inn")
        .annotate(
            n=Count("pk"),
            debt=Sum("unpaid"),
            overdue=Coalesce(Sum("unpaid", filter=overdue), ZERO),
            oldest=Min("due_date", filter=overdue),
        )
        .order_by("client__name", "client_id")
    )
    return [
        ClientDebt(
            r["client_id"],
            r["client__name"],
            r["client__inn"],
            r["n"],
            r["debt"],
            r["overdue"],
            (on - r["oldest"]).days if r["oldest"] else 0,
        )
        for r in rows
    ]


def debt_total(clients: Iterable[ClientDebt]) -> DebtTotal:
    total = DebtTotal()
    for c in clients:
        total.invoice_count += c.invoice_count
        total.debt += c.debt
        total.overdue += c.overdue
        total.days_overdue = max(total.days_overdue, c.days_overdue)
    return total


def attach_invoices(clients: Sequence[ClientDebt], invoices: QuerySet[Invoice], on: datetime.date) -> None:
    """Put each client's invoices of `invoices` under it, the earliest due first, in one query."""
    by_client = {c.client_id: c for c in clients}
    if not by_client:
        return
    rows = (
        invoices.filter(client_id__in=list(by_client))
        .order_by("due_date", "date", "number", "pk")
        .values_list(*INVOICE_FIELDS)
    )
    for row in rows:
        invoice = OpenInvoice(*row)
        invoice.days_overdue = max((on - invoice.due_date).days, 0)
        by_client[invoice.client_id].invoices.append(invoice)


def attach_contracts(clients: Sequence[ClientDebt], all_open: QuerySet[Invoice]) -> None:
    """Group each client's invoices by contract (by contract date, «без договора» last) with all that
    is unpaid under each contract with a credit limit — of `all_open`, whatever the report's filter
    — in one query."""
    limited = set()
    for client in clients:
        contracts: dict[int | None, ContractDebt] = {}
        for i in client.invoices:
            if i.contract_id not in contracts:
                contracts[i.contract_id] = ContractDebt(
                    i.contract_id, i.contract_number, i.contract_date, i.credit_days, i.credit_limit
                )
                if i.credit_limit is not None:
                    limited.add(i.contract_id)
            contracts[i.contract_id].invoices.append(i)
        client.contracts = sorted(
            contracts.values(), key=lambda c: (c.contract_id is None, c.date or datetime.date.min, c.number or "")
        )
    if not limited:
        return
    sums = dict(
        all_open.filter(contract_id__in=limited)
        .order_by()
        .values("contract_id")
        .annotate(s=Sum("unpaid"))
        .values_list("contract_id", "s")
    )
    for client in clients:
        for contract in client.contracts:
            contract.contract_open = sums.get(contract.contract_id, ZERO)


@dataclass
class OverLimit:
    """A contract whose unpaid amount is over its credit limit («Превышена сумма кредита»)."""

    client_id: int
    name: str
    inn: str
    contract_id: int
    number: str
    date: datetime.date
    credit_limit: Decimal
    credit_days: int | None
    debt: Decimal
    overdue: Decimal

    @property
    def excess(self) -> Decimal:
        return self.debt - self.credit_limit


def over_limit(all_open: QuerySet[Invoice], selected: QuerySet[Invoice], on: datetime.date) -> list[OverLimit]:
    """The contracts with a credit limit whose unpaid amount (of `all_open`: the limit is the
    contract's, whatever the filter) is over it, among the contracts of the `selected` invoices —
    one GROUP BY query with HAVING, by client name."""
    rows = (
        all_open.filter(contract__credit_limit__isnull=False, contract_id__in=selected.values("contract_id"))
        .order_by()
        .values(
            "client_id",
            "client__name",
            "client__inn",
            "contract_id",
            "contract__number",
            "contract__date",
            "contract__credit_limit",
            "contract__credit_days",
        )
        .annotate(debt=Sum("unpaid"), overdue=Coalesce(Sum("unpaid", filter=Q(due_date__lt=on)), ZERO))
        .filter(debt__gt=F("contract__credit_limit"))
        .order_by("client__name", "client_id", "contract__date", "contract__number")
    )
    return [
        OverLimit(
            r["client_id"],
            r["client__name"],
            r["client__inn"],
            r["contract_id"],
            r["contract__number"],
            r["contract__date"],
            r["contract__credit_limit"],
            r["contract__credit_days"],
            r["debt"],
            r["overdue"],
        )
        for r in rows
    ]


# --- by managers or projects ------------------------------------------------------------------------


def project_names(ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(Project.objects.filter(pk__in=ids).values_list("pk", "name"))


@dataclass(frozen=True)
class Grouping:
    """What the rows of «по менеджерам (проектам)» are: the document's manager or its project."""

    key: str
    field: str
    label: Promise  # the column's heading
    choice: Promise  # the choice of «Группировка»
    none_label: Promise

    def names(self, ids: Sequence[int]) -> dict[int, str]:
        return user_names(ids) if self.key == MANAGER else project_names(ids)


MANAGER, PROJECT = "manager", "project"
GROUPINGS = {
    MANAGER: Grouping(MANAGER, "manager_id", _("Менеджер"), _("По менеджерам"), _("— не назначен —")),
    PROJECT: Grouping(PROJECT, "project_id", _("Проект"), _("По проектам"), _("— без проекта —")),
}


@dataclass
class Debt(Totalled):
    invoice_count: int = 0
    debt: Decimal = ZERO
    overdue: Decimal = ZERO

    @property
    def overdue_percent(self) -> Decimal | None:
        return percent(self.overdue, self.debt)


@dataclass
class Paid(Totalled):
    payment_count: int = 0
    amount: Decimal = ZERO
    unallocated: Decimal = ZERO  # not yet allocated to invoices: an advance or an overpayment


@dataclass
class GroupRow:
    key: int | None
    name: str
    figures: Debt | Paid


@dataclass
class GroupTable:
    grouping: Grouping
    rows: list[GroupRow]
    total: Debt | Paid


def _group_rows(grouping: Grouping, figures: dict[int | None, Debt | Paid]) -> list[GroupRow]:
    """Named rows, by name; «не назначен» / «без проекта» last."""
    names = grouping.names([key for key in figures if key is not None])
    rows = [
        GroupRow(key, str(grouping.none_label) if key is None else names.get(key, str(key)), f)
        for key, f in figures.items()
    ]
    rows.sort(key=lambda row: (row.key is None, row.name.casefold(), row.key or 0))
    return rows


def _group_table(rows: QuerySet, grouping: Grouping, kind: type[Debt | Paid], **sums) -> GroupTable:
    """The `kind` figures of `rows` by the grouping — their count, then `sums` in the order of the
    figures' fields: one GROUP BY query, and one for the names."""
    grouped = rows.order_by().values(grouping.field).annotate(n=Count("pk"), **sums)
    figures = {r[grouping.field]: kind(r["n"], *(r[name] for name in sums)) for r in grouped}
    return GroupTable(grouping, _group_rows(grouping, figures), kind.total(figures.values()))


def debt_by(invoices: QuerySet[Invoice], grouping: Grouping, on: datetime.date) -> GroupTable:
    """The open amount of the open shipped `invoices` and what of it is overdue on `on`, by the
    invoices' manager or project."""
    overdue = Sum("unpaid", filter=Q(due_date__lt=on))
    return _group_table(invoices, grouping, Debt, debt=Coalesce(Sum("unpaid"), ZERO), overdue=Coalesce(overdue, ZERO))


def payments_by(payments: QuerySet[Payment], grouping: Grouping) -> GroupTable:
    """The payments received, by the payments' manager or project."""
    sums = {"amount": Coalesce(Sum("amount"), ZERO), "unallocated": Coalesce(Sum("unallocated"), ZERO)}
    return _group_table(payments, grouping, Paid, **sums)
