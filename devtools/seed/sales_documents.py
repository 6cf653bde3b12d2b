"""The sales documents in the making (the ids and numbers come last, see devtools/seed/sales.py),
in integer kopecks, and their rows as COPY text: amounts written as exact decimals, dates and
moments as ISO text made once per day."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

from devtools.seed.loading import NULL


@dataclass(slots=True)
class ContractDraft:
    client_id: int
    number: str
    date: date
    credit_days: int | None
    has_limit: bool
    is_active: bool
    credit_limit: int | None = None  # roubles
    id: int = 0


@dataclass(slots=True)
class InvoiceDraft:
    client_id: int
    contract: ContractDraft | None
    manager_id: int | None
    project_id: int | None
    status: str
    date: date
    shipped_on: date | None
    due_date: date | None
    total: int  # kopecks
    comment: str
    lines: list[str]  # "product\tquantity\tprice\tdiscount\tamount", as COPY text
    open: int = 0
    id: int = 0
    number: int = 0

    def __post_init__(self) -> None:
        self.open = self.total


@dataclass(slots=True)
class PaymentDraft:
    client_id: int
    date: date
    amount: int  # kopecks
    comment: str = ""
    contract: ContractDraft | None = None
    manager_id: int | None = None
    project_id: int | None = None
    unallocated: int = 0
    id: int = 0
    number: int = 0


@dataclass
class Documents:
    contracts: list[ContractDraft] = field(default_factory=list)
    invoices: list[InvoiceDraft] = field(default_factory=list)
    payments: list[PaymentDraft] = field(default_factory=list)
    allocations: list[tuple[PaymentDraft, InvoiceDraft, int]] = field(default_factory=list)


def rub(kopecks: int) -> str:
    """Kopecks as the text of a 2-place decimal: 12345 → "123.45"."""
    return f"{kopecks // 100}.{kopecks % 100:02d}"


def line_amount(quantity: int, price: int, discount: int) -> int:
    """`sales.services.Line.amount` in integers: quantity in thousandths, price in kopecks,
    discount in hundredths of a percent; the kopecks rounded half up."""
    exact = quantity * price * (10_000 - discount)  # in 10⁻⁷ kopecks
    return (2 * exact + 10**7) // (2 * 10**7)


class DayTexts(dict):
    """date → its ISO text, made once per day (formatting a date is slow next to a look-up)."""

    def __missing__(self, day: date) -> str:
        self[day] = text = day.isoformat()
        return text


class Offsets(dict):
    """date → the UTC offset of its working day in the time zone `tz`, as "+0300"."""

    def __init__(self, tz):
        super().__init__()
        self.tz = tz

    def __missing__(self, day: date) -> str:
        self[day] = offset = datetime.combine(day, time(12), tzinfo=self.tz).strftime("%z")
        return offset


CLOCK = [f"{m // 60:02d}:{m % 60:02d}:00" for m in range(24 * 60)]


def _text(value) -> object:
    return NULL if value is None else value


CONTRACT_COLUMNS = ("id", "client_id", "number", "date", "credit_limit", "credit_days", "is_active")
INVOICE_COLUMNS = (
    "id", "year", "number", "date", "client_id", "contract_id", "manager_id", "project_id", "status", "shipped_on",
    "due_date", "total", "open_amount", "comment", "created_at", "updated_at",
)  # fmt: skip
LINE_COLUMNS = ("invoice_id", "product_id", "quantity", "price", "discount", "amount")
PAYMENT_COLUMNS = (
    "id", "year", "number", "date", "client_id", "contract_id", "manager_id", "project_id", "amount", "unallocated",
    "comment", "created_at",
)  # fmt: skip
ALLOCATION_COLUMNS = ("payment_id", "invoice_id", "amount")


def contract_rows(contracts: list[ContractDraft]) -> Iterator[str]:
    for c in contracts:
        terms = f"{_text(c.credit_limit)}\t{_text(c.credit_days)}\t{'t' if c.is_active else 'f'}"
        yield f"{c.id}\t{c.client_id}\t{c.number}\t{c.date}\t{terms}\n"


def invoice_rows(invoices: list[InvoiceDraft], days: DayTexts, moment: Callable[[date], str]) -> Iterator[str]:
    for i in invoices:
        created = updated = moment(i.date)
        shipped_on = due_date = NULL
        if i.shipped_on:
            shipped_on, due_date = days[i.shipped_on], days[i.due_date]
            updated = max(created, moment(i.shipped_on))  # texts of one day have the same offset
        contract = i.contract.id if i.contract else NULL
        yield (
            f"{i.id}\t{i.date.year}\t{i.number}\t{days[i.date]}\t{i.client_id}\t{contract}\t{_text(i.manager_id)}\t"
            f"{_text(i.project_id)}\t{i.status}\t{shipped_on}\t{due_date}\t{rub(i.total)}\t{rub(i.open)}\t"
            f"{i.comment}\t{created}\t{updated}\n"
        )


def line_rows(invoices: list[InvoiceDraft]) -> Iterator[str]:
    for invoice in invoices:
        for line in invoice.lines:
            yield f"{invoice.id}\t{line}\n"


def payment_rows(payments: list[PaymentDraft], days: DayTexts, moment: Callable[[date], str]) -> Iterator[str]:
    for p in payments:
        contract = p.contract.id if p.contract else NULL
        yield (
            f"{p.id}\t{p.date.year}\t{p.number}\t{days[p.date]}\t{p.client_id}\t{contract}\t{_text(p.manager_id)}\t"
            f"{_text(p.project_id)}\t{rub(p.amount)}\t{rub(p.unallocated)}\t{p.comment}\t{moment(p.date)}\n"
        )


def allocation_rows(allocations: list[tuple[PaymentDraft, InvoiceDraft, int]]) -> Iterator[str]:
    for payment, invoice, amount in allocations:
        yield f"{payment.id}\t{invoice.id}\t{rub(amount)}\n"
