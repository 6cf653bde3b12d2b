"""The ledger as test_ledger_properties computes it on its own, in plain Decimals: what each invoice
is owed, what each payment has left, and the figures the reports must show. Nothing here reads the
database; the strategies that draw the documents' amounts are at the end."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import strategies as st

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
START = datetime.date(2026, 3, 1)
DAYS = 27  # documents are dated START … START + DAYS, the report's «today» is the last of them
TODAY = START + datetime.timedelta(days=DAYS)

REQUEST, IN_WORK, READY, SHIPPED, CANCELLED = "request", "in_work", "ready", "shipped", "cancelled"
NEXT_STATUS = {
    REQUEST: (IN_WORK, CANCELLED),
    IN_WORK: (READY, CANCELLED),
    READY: (SHIPPED, CANCELLED),
    SHIPPED: (),
    CANCELLED: (),
}


# What the services say when they refuse, by the model's reason: a refusal must be for that reason.
REFUSALS = {
    "over the payment": "а не распределено в оплате только",
    "another client's invoice": "только на его собственные заявки",
    "a cancelled invoice": "На отменённую заявку оплату распределить нельзя",
    "over the invoice": "не оплачено только",
    "a status out of turn": "нельзя перейти в",
    "a cancelled invoice moved": "Заявка отменена: её нельзя",
    "a paid invoice cancelled": "Заявка уже оплачена частично или полностью",
    "a closed invoice changed": "Отгруженную или отменённую заявку изменить нельзя",
    "a total below what is paid": "меньше уже оплаченных",
}


def day(offset: int) -> datetime.date:
    return START + datetime.timedelta(days=offset)


def line_amount(quantity: Decimal, price: Decimal, discount: Decimal) -> Decimal:
    """A line's amount in kopecks, rounded half up (as a 1C invoice rounds it)."""
    return (quantity * price * (100 - discount) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Invoice:
    pk: int
    client: int
    contract: int | None
    manager: int | None
    date: datetime.date
    number: int
    total: Decimal
    credit_days: int
    status: str = REQUEST
    shipped_on: datetime.date | None = None

    @property
    def due_date(self) -> datetime.date | None:
        return self.shipped_on + datetime.timedelta(days=self.credit_days) if self.shipped_on else None


@dataclass
class Payment:
    pk: int
    client: int
    contract: int | None
    manager: int | None
    date: datetime.date
    number: int
    amount: Decimal


@dataclass
class Ledger:
    """The model of the sales documents: the allocations decide every open amount and free rest."""

    invoices: dict[int, Invoice] = field(default_factory=dict)
    payments: dict[int, Payment] = field(default_factory=dict)
    allocations: dict[tuple[int, int], Decimal] = field(default_factory=dict)  # (payment, invoice)

    # --- what is owed and what is left

    def paid(self, invoice: int) -> Decimal:
        return sum((a for (_p, i), a in self.allocations.items() if i == invoice), ZERO)

    def open(self, invoice: int) -> Decimal:
        return self.invoices[invoice].total - self.paid(invoice)

    def owed(self, client: int, contract: int | None) -> Decimal:
        """What the client owes on its invoices that are not cancelled (of the contract, if given)."""
        invoices = [i for i in self.invoices.values() if i.client == client and i.status != CANCELLED]
        return sum((self.open(i.pk) for i in invoices if contract is None or i.contract == contract), ZERO)

    def free(self, payment: int) -> Decimal:
        spent = sum((a for (p, _i), a in self.allocations.items() if p == payment), ZERO)
        return self.payments[payment].amount - spent

    # --- operations: each returns what it did, or raises Refused and changes nothing

    def oldest_first(self, payment: int) -> dict[int, Decimal]:
        """The plan of «Распределить по старшинству»: the oldest unpaid invoices of the payment's
        client (and contract), shipped ones by shipment date before those not shipped yet."""
        paying = self.payments[payment]
        candidates = [
            i
            for i in self.invoices.values()
            if i.client == paying.client
            and i.status != CANCELLED
            and (paying.contract is None or i.contract == paying.contract)
            and self.open(i.pk) > 0
        ]
        candidates.sort(key=lambda i: (i.shipped_on is None, i.shipped_on or START, i.date, i.number))
        plan, rest = {}, self.free(payment)
        for invoice in candidates:
            if rest <= 0:
                break
            plan[invoice.pk] = min(rest, self.open(invoice.pk))
            rest -= plan[invoice.pk]
        return plan

    def targets(self, payment: int, kind: str) -> list[int]:
        """The invoices an allocation of `kind` (of KINDS) aims at for the payment."""
        paying, free = self.payments[payment], self.free(payment)
        mine = [i for i in sorted(self.invoices) if self.invoices[i].client == paying.client]
        payable = [i for i in mine if self.invoices[i].status != CANCELLED]
        if kind == "fits":
            return [i for i in payable if self.open(i) > 0] if free > 0 else []
        if kind == "whole":
            return [i for i in payable if ZERO < self.open(i) <= free]
        if kind == "over_invoice":
            return [i for i in payable if self.open(i) + CENT <= free]
        if kind == "cancelled":
            return [i for i in mine if self.invoices[i].status == CANCELLED]
        if kind == "other_client":
            return [i for i in sorted(self.invoices) if i not in mine]
        return sorted(self.invoices)

    def refusal(self, payment: int, amounts: dict[int, Decimal]) -> str | None:
        """Why allocating `amounts` of the payment must be refused (a key of REFUSALS), or None."""
        paying = self.payments[payment]
        if sum(amounts.values(), ZERO) > self.free(payment):
            return "over the payment"
        for pk, amount in amounts.items():
            invoice = self.invoices.get(pk)
            if invoice is None or invoice.client != paying.client:
                return "another client's invoice"
            if invoice.status == CANCELLED:
                return "a cancelled invoice"
            if amount > self.open(pk):
                return "over the invoice"
        return None

    def allocate(self, payment: int, amounts: dict[int, Decimal]) -> None:
        for pk, amount in amounts.items():
            key = (payment, pk)
            self.allocations[key] = self.allocations.get(key, ZERO) + amount

    def release(self, payment: int) -> None:
        self.allocations = {key: a for key, a in self.allocations.items() if key[0] != payment}

    def move(self, invoice: int, status: str) -> str | None:
        """Why moving the invoice to `status` must be refused (a key of REFUSALS), or None."""
        current = self.invoices[invoice]
        if status not in NEXT_STATUS[current.status]:
            return "a cancelled invoice moved" if current.status == CANCELLED else "a status out of turn"
        if status == CANCELLED and self.paid(invoice) > 0:
            return "a paid invoice cancelled"
        return None

    def lines_refusal(self, invoice: int, total: Decimal) -> str | None:
        """Why new lines making `total` must be refused (a key of REFUSALS), or None."""
        if self.invoices[invoice].status in (SHIPPED, CANCELLED):
            return "a closed invoice changed"
        return "a total below what is paid" if total < self.paid(invoice) else None

    # --- the reports' figures

    def receivable(self, on: datetime.date) -> dict[int, Decimal]:
        """{invoice: unpaid on `on`}: the invoices shipped by then, less the payments dated by then."""
        unpaid = {}
        for i in self.invoices.values():
            if i.status != SHIPPED or i.shipped_on > on:
                continue
            paid = sum(
                (a for (p, pk), a in self.allocations.items() if pk == i.pk and self.payments[p].date <= on), ZERO
            )
            if i.total - paid > 0:
                unpaid[i.pk] = i.total - paid
        return unpaid

    def debt_by_client(self, on: datetime.date) -> list[tuple]:
        """(client, invoices, debt, overdue, days overdue of the oldest) of «Накладные к оплате»."""
        rows: dict[int, list] = {}
        for pk, unpaid in self.receivable(on).items():
            invoice = self.invoices[pk]
            row = rows.setdefault(invoice.client, [invoice.client, 0, ZERO, ZERO, 0])
            row[1] += 1
            row[2] += unpaid
            if invoice.due_date < on:
                row[3] += unpaid
                row[4] = max(row[4], (on - invoice.due_date).days)
        return sorted(tuple(row) for row in rows.values())

    def debt_by_manager(self, on: datetime.date) -> dict[int | None, tuple]:
        rows: dict[int | None, list] = {}
        for pk, unpaid in self.receivable(on).items():
            invoice = self.invoices[pk]
            row = rows.setdefault(invoice.manager, [0, ZERO, ZERO])
            row[0] += 1
            row[1] += unpaid
            row[2] += unpaid if invoice.due_date < on else ZERO
        return {key: tuple(row) for key, row in rows.items()}

    def over_limit(self, on: datetime.date, limits: dict[int, Decimal]) -> list[tuple]:
        """(client, contract, debt, overdue) of «Превышена сумма кредита»: the contracts whose unpaid
        amount on `on` is over their credit limit (`limits`: {contract: limit})."""
        rows: dict[int, list] = {}
        for pk, unpaid in self.receivable(on).items():
            invoice = self.invoices[pk]
            if invoice.contract in limits:
                row = rows.setdefault(invoice.contract, [invoice.client, invoice.contract, ZERO, ZERO])
                row[2] += unpaid
                row[3] += unpaid if invoice.due_date < on else ZERO
        return sorted(tuple(row) for row in rows.values() if row[2] > limits[row[1]])

    def payments_by_manager(self) -> dict[int | None, tuple]:
        rows: dict[int | None, list] = {}
        for p in self.payments.values():
            row = rows.setdefault(p.manager, [0, ZERO, ZERO])
            row[0] += 1
            row[1] += p.amount
            row[2] += self.free(p.pk)
        return {key: tuple(row) for key, row in rows.items()}

    def register(self) -> dict[str, tuple]:
        """(count, total, open) by status, as «Реестр заявок-накладных» sums them."""
        rows = {status: [0, ZERO, ZERO] for status in NEXT_STATUS}
        for i in self.invoices.values():
            row = rows[i.status]
            row[0] += 1
            row[1] += i.total
            row[2] += self.open(i.pk)
        return {status: tuple(row) for status, row in rows.items()}

    def ledger(self, client: int, contract, start: datetime.date | None, end: datetime.date) -> tuple:
        """(opening, [(kind, day, number, debit, credit, balance)], debit, credit, closing) of the
        client's ledger; `contract` is a contract's id, None for all, or "none" for no contract."""

        def within(document) -> bool:
            if document.client != client:
                return False
            return contract is None or document.contract == (None if contract == "none" else contract)

        shipped = [(i.shipped_on, 0, i.number, i.total) for i in self.invoices.values() if within(i) and i.shipped_on]
        paid = [(p.date, 1, p.number, p.amount) for p in self.payments.values() if within(p)]
        opening = ZERO
        if start is not None:
            opening = sum((a for d, k, _n, a in shipped + paid if d < start and k == 0), ZERO) - sum(
                (a for d, k, _n, a in shipped + paid if d < start and k == 1), ZERO
            )
        balance, debit, credit, entries = opening, ZERO, ZERO, []
        for when, kind, number, amount in sorted(shipped + paid):
            if when > end or (start is not None and when < start):
                continue
            if kind == 0:
                balance, debit = balance + amount, debit + amount
                entries.append((kind, when, number, amount, ZERO, balance))
            else:
                balance, credit = balance - amount, credit + amount
                entries.append((kind, when, number, ZERO, amount, balance))
        return opening, entries, debit, credit, opening + debit - credit

    def position(self, client: int, today: datetime.date) -> tuple:
        """(debt, open shipped, overdue, overdue days, advance) of the client card's «Взаиморасчёты»."""
        shipped = [i for i in self.invoices.values() if i.client == client and i.status == SHIPPED]
        open_shipped = sum((self.open(i.pk) for i in shipped), ZERO)
        late = [i for i in shipped if self.open(i.pk) > 0 and i.due_date < today]
        overdue = sum((self.open(i.pk) for i in late), ZERO)
        days = (today - min(i.due_date for i in late)).days if late else 0
        unshipped = [i for i in self.invoices.values() if i.client == client and i.status not in (SHIPPED, CANCELLED)]
        prepaid = sum((self.paid(i.pk) for i in unshipped), ZERO)
        advance = sum((self.free(p.pk) for p in self.payments.values() if p.client == client), ZERO) + prepaid
        return open_shipped - advance, open_shipped, overdue, days, advance


# --- strategies -----------------------------------------------------------------------------------

amounts = st.one_of(
    st.sampled_from([CENT, Decimal("0.02"), Decimal("100.00"), Decimal("333.33"), Decimal("1000.00")]),
    st.decimals(min_value=CENT, max_value=Decimal("5000.00"), places=2),
)
quantities = st.one_of(
    st.sampled_from([Decimal("1"), Decimal("3"), Decimal("0.333"), Decimal("0.001")]),
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("20"), places=3),
)
prices = st.one_of(
    st.sampled_from([ZERO, CENT, Decimal("99.99"), Decimal("100.00")]),
    st.decimals(min_value=ZERO, max_value=Decimal("999.99"), places=2),
)
discounts = st.one_of(
    st.sampled_from([ZERO, Decimal("33.33"), Decimal("50"), Decimal("100")]),
    st.decimals(min_value=ZERO, max_value=Decimal("100"), places=2),
)
# (product index, quantity, price, discount %) of one to three invoice lines
lines = st.lists(st.tuples(st.sampled_from([0, 1]), quantities, prices, discounts), min_size=1, max_size=3)
offsets = st.integers(min_value=0, max_value=DAYS)
# What an allocation by hand types: an amount that fits, the whole open amount, a kopeck over the
# invoice or over the payment, a cancelled invoice, another client's, or any amount.
KINDS = ("fits", "whole", "cancelled", "fits", "over_invoice", "over_payment", "other_client", "any", "fits")
after = st.integers(min_value=0, max_value=10)  # days from an invoice's date to its shipment
# (client index, under the client's contract, manager index or None, date offset, lines)
invoice_specs = st.tuples(st.sampled_from([0, 1]), st.booleans(), st.sampled_from([0, 1, None]), offsets, lines)
# (client index, under the client's contract, manager index or None, date offset, amount,
#  None or a share of what the client owes instead of the amount, allocate oldest-first)
payment_specs = st.tuples(
    st.sampled_from([0, 1]),
    st.booleans(),
    st.sampled_from([0, 1, None]),
    offsets,
    amounts,
    st.sampled_from([None, "all", "more", "third"]),
    st.booleans(),
)
