"""The simulation of the clients' sales history (see devtools/seed/sales.py): each client's
contracts, invoices in date order, most of them shipped, and payments made the way the client pays
(on time, a little late, late, or stopped paying some months ago), allocated oldest-first as
`sales.services.allocate_oldest_first` would. Money is counted in integer kopecks."""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from math import exp
from statistics import NormalDist

from django.utils import timezone

from clients.models import Client
from devtools.seed.common import weighted
from devtools.seed.sales_documents import (
    CLOCK,
    ContractDraft,
    DayTexts,
    Documents,
    InvoiceDraft,
    Offsets,
    PaymentDraft,
    line_amount,
    rub,
)
from sales.models import Invoice

HISTORY_DAYS = 3 * 365
PROJECT_SHARE = 0.25

# Who gets a contract, and which credit terms it has: (limit, days) present or not, with weights.
CONTRACT_SHARE = {Client.Kind.COMPANY: 0.85, Client.Kind.INDIVIDUAL: 0.15}
TERMS = (((True, True), 35), ((True, False), 15), ((False, True), 25), ((False, False), 25))
CREDIT_DAYS = ((7, 10), (10, 10), (14, 20), (21, 10), (30, 25), (45, 15), (60, 10))
# Credit limits are round amounts, in roubles.
LIMITS = (30_000, 50_000, 100_000, 150_000, 200_000, 300_000, 500_000, 750_000, 1_000_000, 1_500_000, 2_000_000)
LIMITS += (3_000_000, 5_000_000, 10_000_000)
OVER_LIMIT_SHARE = 0.35  # of the clients with a limit and a debt large enough to pass one
RENEWED_SHARE = 0.12  # clients whose first contract was replaced by a new one (the old one inactive)

# How a client pays: on time, a little late, late, or stopped paying some months ago.
ON_TIME, LATE, BAD, STOPPED = "on time", "late", "bad", "stopped"
DISCIPLINE = ((ON_TIME, 60), (LATE, 28), (BAD, 9), (STOPPED, 3))
STOP_DAYS = timedelta(days=240)
# One payment for several invoices, one invoice paid in two parts, an overpayment that pays ahead,
# a prepayment of an invoice not shipped yet (by clients without credit days), an advance.
MERGE_SHARE, SPLIT_SHARE, OVERPAY_SHARE, PREPAY_SHARE, ADVANCE_SHARE = 0.45, 0.05, 0.01, 0.5, 0.02

Status = Invoice.Status
# Status by the invoice's age: recent ones are still in work, a few old ones were never closed.
RECENT_DAYS, OPEN_DAYS = 14, 45
STATUSES_RECENT = (
    (Status.REQUEST, 22), (Status.IN_WORK, 25), (Status.READY, 18), (Status.SHIPPED, 30), (Status.CANCELLED, 5),
)  # fmt: skip
STATUSES_OPEN = (
    (Status.REQUEST, 2), (Status.IN_WORK, 4), (Status.READY, 6), (Status.SHIPPED, 82), (Status.CANCELLED, 6),
)  # fmt: skip
STATUSES_OLD = (
    (Status.REQUEST, 4), (Status.IN_WORK, 2), (Status.READY, 2), (Status.SHIPPED, 937), (Status.CANCELLED, 55),
)  # fmt: skip
SHIPMENT_LEAD_DAYS = (0, 0, 1, 1, 1, 2, 2, 3, 5, 7)
LINE_COUNTS = ((1, 20), (2, 22), (3, 22), (4, 16), (5, 11), (6, 9))  # about three lines an invoice
# Discounts in hundredths of a percent.
DISCOUNTS = ((0, 720), (200, 30), (300, 50), (500, 70), (700, 40), (1000, 50), (1250, 10), (1500, 20), (2000, 10))
# How much more the best customers buy at a time, and how often they buy, by ABC class.
SCALE = {"A": 3.0, "B": 1.6, "C": 1.0, "": 1.0}
ACTIVITY = {"A": 5.0, "B": 2.5, "C": 1.0, "": 1.2}
PROSPECT_SHARE = 0.12  # clients that never bought anything

# The texts below are written into COPY as they are: no tabs, newlines or backslashes.
INVOICE_COMMENTS = (
    "Самовывоз",
    "Доставка до склада клиента",
    "Срочная отгрузка",
    "Отгрузка частями",
    "Согласовать время доставки",
    "Доставка транспортной компанией",
)
CANCEL_REASONS = ("Клиент отказался", "Нет товара на складе", "Дубль заявки", "Заменена другой заявкой")
PART_PAYMENT, ADVANCE_PAYMENT = "Частичная оплата", "Аванс"
FRACTIONAL_UNITS = {"кг", "м", "л"}
QUANTITY_DRAWS = 4096


def between(rng: random.Random, low: int, high: int) -> int:
    """`rng.randint(low, high)`, a few times faster (it is called millions of times at size L)."""
    return low + int(rng.random() * (high - low + 1))


def pick(rng: random.Random, items: Sequence):
    return items[int(rng.random() * len(items))]


def quantities(scale: float) -> list[list[tuple[int, str]]]:
    """Log-normal quantities in thousandths, with their text, by unit: kilograms to the gram,
    metres and litres by halves, pieces. Drawn from quantiles (much cheaper than random.gauss)."""
    normal = [NormalDist().inv_cdf((i + 0.5) / QUANTITY_DRAWS) for i in range(QUANTITY_DRAWS)]
    kilograms = [max(100, int(exp(1.5 + z) * scale * 1000)) for z in normal]
    halves = [max(1, int(exp(2.5 + z) * scale * 2)) * 500 for z in normal]
    pieces = [max(1, int(exp(1.3 + 0.9 * z) * scale)) * 1000 for z in normal]
    return [[(q, f"{q // 1000}.{q % 1000:03d}") for q in draws] for draws in (kilograms, halves, pieces)]


@dataclass(frozen=True, slots=True)
class Buyer:
    pk: int
    kind: str
    responsible_id: int | None
    since: date
    abc: str


class History:
    """Simulates the clients' contracts, invoices and payments, one client at a time."""

    def __init__(self, rng: random.Random, today: date, managers: list[int], projects: list[int], products):
        self.rng, self.today = rng, today
        self.managers, self.projects = managers, projects
        self.first_day = today - timedelta(days=HISTORY_DAYS)
        # (id, unit: 0 kilograms, 1 other fractional units, 2 pieces, price in kopecks, price text).
        # Popularity falls with the rank, the ranks shuffled so it does not follow the catalogue.
        ranked = [
            (p.pk, 0 if p.unit == "кг" else 1 if p.unit in FRACTIONAL_UNITS else 2, int(p.price * 100), str(p.price))
            for p in products
        ]
        rng.shuffle(ranked)
        self.product = weighted((p, 1 / (rank + 8)) for rank, p in enumerate(ranked))
        self.terms = weighted(TERMS)
        self.days = weighted(CREDIT_DAYS)
        self.discipline = weighted(DISCIPLINE)
        self.line_count = weighted(LINE_COUNTS)
        self.discount = weighted(((d, rub(d)), weight) for d, weight in DISCOUNTS)
        self.quantities = {abc: quantities(scale) for abc, scale in SCALE.items()}
        self.statuses = [
            weighted((str(status), weight) for status, weight in table)
            for table in (STATUSES_RECENT, STATUSES_OPEN, STATUSES_OLD)
        ]
        self.tz = timezone.get_current_timezone()
        self.days_text = DayTexts()
        self.offsets = Offsets(self.tz)
        now = timezone.localtime()
        self.minutes_now = now.hour * 60 + now.minute
        self.documents = Documents()
        self.contract_count = 0
        self.over_limit = 0
        self.debtors: list[tuple[ContractDraft, int]] = []  # active contract, shipped and unpaid roubles

    # --- contracts

    def _contracts(self, buyer: Buyer) -> list[ContractDraft]:
        """The client's contracts, oldest first; the last one is in force."""
        rng = self.rng
        if rng.random() >= CONTRACT_SHARE[buyer.kind]:
            return []
        has_limit, has_days = self.terms.pick(rng)
        signed = [buyer.since]
        if (self.today - buyer.since).days > 365 and rng.random() < RENEWED_SHARE:
            signed.append(buyer.since + timedelta(days=between(rng, 180, (self.today - buyer.since).days - 30)))
        contracts = []
        for i, day in enumerate(signed):
            self.contract_count += 1
            contracts.append(
                ContractDraft(
                    client_id=buyer.pk,
                    number=f"{self.contract_count}/{day.year % 100:02d}",
                    date=min(day, self.today),
                    credit_days=self.days.pick(rng) if has_days else None,
                    has_limit=has_limit,
                    is_active=i == len(signed) - 1,
                )
            )
        self.documents.contracts += contracts
        return contracts

    def _set_limits(self, contracts: list[ContractDraft], invoices: list[InvoiceDraft]) -> None:
        """Round limits above what the client owes, or below it for the clients over their limit."""
        if not contracts:
            return
        rng, active = self.rng, contracts[-1]
        owed = sum(i.open for i in invoices if i.status == Status.SHIPPED) // 100  # roubles
        if owed:
            self.debtors.append((active, owed))
        if not active.has_limit:
            return
        usual = sum(i.total for i in invoices) // 100 // len(invoices) if invoices else pick(rng, LIMITS[:6])
        for contract in contracts:
            needed = max(owed * rng.uniform(1.2, 2.5), usual * rng.uniform(2, 6))
            contract.credit_limit = next((limit for limit in LIMITS if limit >= needed), LIMITS[-1])
        if owed > LIMITS[0] and rng.random() < OVER_LIMIT_SHARE:
            self._put_over_limit(active, owed)

    def _put_over_limit(self, contract: ContractDraft, owed: int) -> None:
        contract.credit_limit = max((limit for limit in LIMITS if limit < owed), default=owed // 2)
        self.over_limit += 1

    def ensure_over_limit(self) -> None:
        """At least one client over its limit, however small the data set: the biggest debtor
        with a contract gets a limit below its debt."""
        if not self.over_limit and self.debtors:
            self._put_over_limit(*max(self.debtors, key=lambda debtor: debtor[1]))

    # --- invoices

    def _manager(self, buyer: Buyer) -> int | None:
        if buyer.responsible_id and (self.rng.random() < 0.93 or not self.managers):
            return buyer.responsible_id
        return pick(self.rng, self.managers) if self.managers else buyer.responsible_id

    def _status(self, day: date) -> tuple[str, date | None]:
        age = (self.today - day).days
        group = 0 if age <= RECENT_DAYS else 1 if age <= OPEN_DAYS else 2
        status = self.statuses[group].pick(self.rng)
        if status != Status.SHIPPED:
            return status, None
        return status, day + timedelta(days=min(age, pick(self.rng, SHIPMENT_LEAD_DAYS)))

    def _lines(self, quantities: list[list[tuple[int, str]]]) -> tuple[list[str], int]:
        """The lines of one invoice as COPY text, and their total. The hottest loop of the seeder
        (1.5M lines at size L), hence the draws spelled out."""
        random = self.rng.random
        products, discounts = self.product, self.discount
        lines, total = [], 0
        for _n in range(self.line_count.pick(self.rng)):
            product, unit, price, price_text = products.items[
                bisect.bisect(products.cumulative, random() * products.total)
            ]
            quantity, quantity_text = quantities[unit][int(random() * QUANTITY_DRAWS)]
            if random() < 0.12:  # a price agreed with the client
                price = int(price * (0.9 + 0.2 * random())) // 100 * 100
                price_text = rub(price)
            discount, discount_text = discounts.items[bisect.bisect(discounts.cumulative, random() * discounts.total)]
            amount = line_amount(quantity, price, discount)
            lines.append(
                f"{product}\t{quantity_text}\t{price_text}\t{discount_text}\t{amount // 100}.{amount % 100:02d}"
            )
            total += amount
        return lines, total

    def _invoices(self, buyer: Buyer, count: int, contracts: list[ContractDraft]) -> list[InvoiceDraft]:
        rng = self.rng
        start = max(buyer.since, self.first_day)
        span = (self.today - start).days + 1
        # Somewhat more business lately.
        days = sorted(start + timedelta(days=int(span * rng.random() ** 0.8)) for _n in range(count))
        quantities = self.quantities[buyer.abc if buyer.abc in SCALE else ""]
        invoices = []
        for day in days:
            status, shipped_on = self._status(day)
            contract = None
            if contracts and rng.random() < 0.97:
                contract = contracts[-1] if day >= contracts[-1].date else contracts[0]
            lines, total = self._lines(quantities)
            if status == Status.CANCELLED:
                comment = pick(rng, CANCEL_REASONS) if rng.random() < 0.6 else ""
            else:
                comment = pick(rng, INVOICE_COMMENTS) if rng.random() < 0.08 else ""
            due_date = None
            if shipped_on is not None:
                due_date = shipped_on + timedelta(days=(contract.credit_days or 0) if contract else 0)
            invoices.append(
                InvoiceDraft(
                    client_id=buyer.pk,
                    contract=contract,
                    manager_id=self._manager(buyer),
                    project_id=pick(rng, self.projects) if rng.random() < PROJECT_SHARE else None,
                    status=status,
                    date=day,
                    shipped_on=shipped_on,
                    due_date=due_date,
                    total=total,
                    comment=comment,
                    lines=lines,
                )
            )
        return invoices

    # --- payments

    def _pay_date(self, invoice: InvoiceDraft, discipline: str, stopped_on: date) -> date | None:
        """When the client pays a shipped invoice (None: it never does)."""
        rng = self.rng
        days = (invoice.due_date - invoice.shipped_on).days
        if discipline == ON_TIME:
            if not days:  # without credit: paid before or at shipment
                return max(invoice.date, invoice.shipped_on - timedelta(days=between(rng, 0, 3)))
            return invoice.due_date - timedelta(days=between(rng, 0, days // 2))
        if discipline == BAD:
            return invoice.due_date + timedelta(days=between(rng, 10, 60))
        if discipline == STOPPED and invoice.shipped_on >= stopped_on:
            return None
        return invoice.due_date + timedelta(days=between(rng, -5, 12))

    def _payments(self, buyer: Buyer, invoices: list[InvoiceDraft], discipline: str) -> list[PaymentDraft]:
        """The client's payments, in date order: shipped invoices paid in turn, while the payment
        dates are not in the future, then prepayments and now and then an advance."""
        rng, today = self.rng, self.today
        shipped = sorted((i for i in invoices if i.status == Status.SHIPPED), key=lambda i: i.shipped_on)
        stopped_on = today
        if discipline == STOPPED:  # at an invoice of the last months that is due by now
            due = [i.shipped_on for i in shipped if i.shipped_on >= today - STOP_DAYS and i.due_date < today]
            stopped_on = pick(rng, due) if due else today - timedelta(days=between(rng, 45, 240))
        payments: list[PaymentDraft] = []
        last = date.min
        all_paid = True
        group: PaymentDraft | None = None
        for invoice in shipped:
            day = self._pay_date(invoice, discipline, stopped_on)
            if day is None or max(day, last) > today:
                all_paid = False
                break
            day = last = max(day, last)
            if group is not None and (day - group.date).days <= 7 and rng.random() < MERGE_SHARE:
                group.date, group.amount = day, group.amount + invoice.total
                continue
            if invoice.total >= 20_000 and rng.random() < SPLIT_SHARE:
                first = int(invoice.total * rng.uniform(0.3, 0.7)) // 10_000 * 10_000
                rest_on = day + timedelta(days=between(rng, 5, 30))
                payments.append(PaymentDraft(buyer.pk, day, first, PART_PAYMENT))
                group = None
                if rest_on > today:
                    all_paid = False
                    break
                day = last = rest_on
                group = PaymentDraft(buyer.pk, day, invoice.total - first)
            else:
                group = PaymentDraft(buyer.pk, day, invoice.total)
            payments.append(group)
        if all_paid:
            for invoice in invoices:
                if invoice.status in (Status.IN_WORK, Status.READY) and rng.random() < PREPAY_SHARE:
                    contract = invoice.contract
                    if contract and contract.credit_days:
                        continue
                    day = max(last, invoice.date + timedelta(days=between(rng, 0, 3)))
                    if day <= today:
                        payments.append(PaymentDraft(buyer.pk, day, invoice.total))
                        last = day
            if rng.random() < ADVANCE_SHARE:
                day = max(last, today - timedelta(days=between(rng, 0, 30)))
                payments.append(PaymentDraft(buyer.pk, day, between(rng, 1, 20) * 10_000 * 100, ADVANCE_PAYMENT))
        for payment in payments:
            if rng.random() < OVERPAY_SHARE:  # rounded up to a thousand; the rest pays ahead
                payment.amount = (payment.amount // 100_000 + 1) * 100_000
        return [p for p in payments if p.amount > 0]

    def _allocate(self, buyer: Buyer, invoices: list[InvoiceDraft], payments: list[PaymentDraft]) -> None:
        """Oldest first, as `allocate_oldest_first`: shipped invoices by shipment, then the others."""
        due = sorted(
            (i for i in invoices if i.status != Status.CANCELLED),
            key=lambda i: (i.shipped_on is None, i.shipped_on or i.date, i.date),
        )
        allocations = self.documents.allocations
        k = 0
        for payment in payments:
            rest = payment.amount
            first = None
            while rest and k < len(due):
                invoice = due[k]
                share = min(rest, invoice.open)
                allocations.append((payment, invoice, share))
                invoice.open -= share
                rest -= share
                first = first or invoice
                if not invoice.open:
                    k += 1
            payment.unallocated = rest
            payment.contract = first.contract if first else None
            payment.project_id = first.project_id if first else None
            payment.manager_id = self._manager(buyer)

    def add(self, buyer: Buyer, invoice_count: int, *, debtor: bool = False) -> None:
        """The client's documents; a `debtor` stopped paying a while ago, whatever its discipline."""
        contracts = self._contracts(buyer)
        invoices = self._invoices(buyer, invoice_count, contracts) if invoice_count else []
        if invoices:
            discipline = self.discipline.pick(self.rng)
            payments = self._payments(buyer, invoices, STOPPED if debtor else discipline)
            self._allocate(buyer, invoices, payments)
            self.documents.invoices += invoices
            self.documents.payments += payments
            for payment in payments:
                if payment.contract is None and contracts:
                    payment.contract = contracts[-1]
        self._set_limits(contracts, invoices)

    def moment(self, day: date) -> str:
        """A moment of the working day `day` (not later than now), as timestamp text."""
        minutes = 9 * 60 + int(self.rng.random() * 600)
        if day == self.today:
            minutes = min(minutes, self.minutes_now)
        return f"{self.days_text[day]} {CLOCK[minutes]}{self.offsets[day]}"


def invoice_counts(rng: random.Random, buyers: Sequence[Buyer], total: int, today: date) -> list[int]:
    """How many invoices each client has: none for prospects, more for A-class clients and for the
    ones that have been clients longer."""
    weights = []
    for buyer in buyers:
        if rng.random() < PROSPECT_SHARE:
            weights.append(0.0)
            continue
        years = min(HISTORY_DAYS, (today - buyer.since).days + 1) / HISTORY_DAYS
        kind = 1.0 if buyer.kind == Client.Kind.COMPANY else 0.5
        weights.append(ACTIVITY.get(buyer.abc, 1.0) * kind * years * rng.lognormvariate(0, 0.6))
    counts = [0] * len(buyers)
    cumulative = list(itertools.accumulate(weights))
    if not cumulative or cumulative[-1] <= 0:
        return counts
    for _n in range(total):
        counts[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])] += 1
    return counts
