"""The sales documents of the demo / benchmark data set (see crm/management/commands/seed_demo.py):
products with price and cost, contracts with credit terms for most companies, three years of
invoices («заявки-накладные») with their lines, and the payments allocated to them.

Each client's history is simulated in one pass: invoices in date order, most of them shipped, and
payments made the way the client pays (on time, a little late, late, or stopped paying some months
ago), allocated oldest-first as `sales.services.allocate_oldest_first` would. So the rows keep every
invariant of the services — totals are the sums of the lines, open amounts and unallocated rests
follow the allocations — and the data show realistic debt: invoices not yet due, overdue ones,
clients over their credit limit, and a few advances. Money is counted in integer kopecks here and
written as text, so amounts are exact (`Line.amount`'s half-up rounding).

Ids are given here (documents refer to each other before they reach the database), and numbers
are given per year in date order once all clients are simulated. PostgreSQL loads the rows with
COPY, without foreign keys (added again afterwards, one check per table); other databases (the
SQLite demo) with bulk_create.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from math import exp
from statistics import NormalDist

from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from clients.models import Client
from crm import roles
from crm.models import Project
from devtools.seed.clients import (
    BATCH_SIZE,
    ProgressFactory,
    Weighted,
    explicit_timestamps,
    foreign_keys_dropped,
    no_progress,
)
from devtools.seed.clients import SIZES as CLIENTS
from sales.models import Allocation, Contract, Invoice, InvoiceLine, Payment, Product

# Invoices per size: five per client of the size (500k at L). Payments follow from how clients
# pay: about four for every five invoices.
INVOICES = {size: 5 * clients for size, clients in CLIENTS.items()}
PRODUCTS = {"XS": 40, "S": 120, "M": 200, "L": 300}
HISTORY_DAYS = 3 * 365
# The names of tasks/seed.py's projects: whichever seeder runs first makes them (sales runs first).
PROJECTS = ("Чистая база 2026", "Выход в регионы", "Подготовка к сезону", "Переход с 1С")
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

# Products: a base name, the unit, the price range in roubles, and a pattern with the values that
# fill it (every combination is a product).
COLOURS = ("белая", "серая", "бежевая", "зелёная", "голубая", "чёрная")
CATALOGUE = (
    ("Автоматический выключатель", "шт", (150, 2_500),
     "{}P {}{} 4,5 кА", ((1, 2, 3), "BC", (6, 10, 16, 20, 25, 32, 40, 50, 63))),
    ("Кабель ВВГнг(А)-LS", "м", (40, 1_500), "{}×{}", ((2, 3, 4, 5), ("1,5", "2,5", "4", "6", "10"))),
    ("Провод ПуГВ", "м", (10, 300),
     "1×{} {}", (("0,75", "1,5", "2,5", "4"), ("белый", "чёрный", "синий", "жёлто-зелёный"))),
    ("Светильник светодиодный", "шт", (500, 9_000),
     "{} Вт, {} K, IP{}", ((18, 24, 36, 40, 50, 100), (4000, 5000, 6500), (20, 65))),
    ("Лампа светодиодная", "шт", (60, 500),
     "{} {} Вт {}, {} K", (("A60", "C37"), (7, 10, 13), ("E27", "E14"), (3000, 4000))),
    ("Розетка", "шт", (90, 900),
     "{} {}, {}, {}", (("одинарная", "двойная"), ("с заземлением", "без заземления"), ("белая", "бежевая", "чёрная"),
                       ("накладная", "встраиваемая"))),
    ("Болт DIN 933", "кг", (200, 900), "М{}×{}", ((6, 8, 10, 12, 16), (20, 30, 40, 50, 60, 80))),
    ("Саморез кровельный", "упак", (150, 1_500), "{}×{}", (("4,8", "5,5", "6,3"), (19, 25, 29, 35, 51, 70))),
    ("Краска акриловая", "шт", (400, 6_000), "{}, {} л", (COLOURS, ("0,9", "2,7", "9"))),
    ("Эмаль ПФ-115", "шт", (200, 3_000), "{}, {} кг", (COLOURS, ("0,8", "1,9", "20"))),
    ("Труба полипропиленовая PN20", "м", (60, 900), "{} мм", ((20, 25, 32, 40, 50, 63, 75, 90, 110),)),
    ("Утеплитель минераловатный", "упак", (600, 2_500), "{} мм, плотность {}", ((50, 100, 150), (35, 45, 75, 100))),
    ("Цемент", "мешок", (350, 700), "М{} Д{}, {} кг", ((400, 500), (0, 20), (25, 50))),
    ("Лист гипсокартонный", "шт", (300, 900),
     "{} {}×1200×{}", (("ГКЛ", "ГКЛВ", "ГКЛО"), ("9,5", "12,5"), (2500, 3000))),
    ("Бумага офисная", "пачка", (250, 600), "{} {} г/м², 500 л.", (("А4", "А3"), (80, 90))),
    ("Перчатки рабочие", "пара", (20, 300),
     "{}", (("х/б с ПВХ", "нитриловые", "латексные", "утеплённые", "спилковые"),)),
    ("Масло моторное", "л", (300, 1_200), "{} {}", (("5W-30", "5W-40", "10W-40"), ("синтетика", "полусинтетика"))),
)  # fmt: skip
FRACTIONAL_UNITS = {"кг", "м", "л"}
QUANTITY_DRAWS = 4096


# --- the documents in the making ----------------------------------------------------------------------


@dataclass(slots=True)
class _Contract:
    client_id: int
    number: str
    date: date
    credit_days: int | None
    has_limit: bool
    is_active: bool
    credit_limit: int | None = None  # roubles
    id: int = 0


@dataclass(slots=True)
class _Invoice:
    client_id: int
    contract: _Contract | None
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
class _Payment:
    client_id: int
    date: date
    amount: int  # kopecks
    comment: str = ""
    contract: _Contract | None = None
    manager_id: int | None = None
    project_id: int | None = None
    unallocated: int = 0
    id: int = 0
    number: int = 0


@dataclass
class _Documents:
    contracts: list[_Contract] = field(default_factory=list)
    invoices: list[_Invoice] = field(default_factory=list)
    payments: list[_Payment] = field(default_factory=list)
    allocations: list[tuple[_Payment, _Invoice, int]] = field(default_factory=list)


def rub(kopecks: int) -> str:
    """Kopecks as the text of a 2-place decimal: 12345 → "123.45"."""
    return f"{kopecks // 100}.{kopecks % 100:02d}"


def line_amount(quantity: int, price: int, discount: int) -> int:
    """`sales.services.Line.amount` in integers: quantity in thousandths, price in kopecks,
    discount in hundredths of a percent; the kopecks rounded half up."""
    exact = quantity * price * (10_000 - discount)  # in 10⁻⁷ kopecks
    return (2 * exact + 10**7) // (2 * 10**7)


def between(rng: random.Random, low: int, high: int) -> int:
    """`rng.randint(low, high)`, a few times faster (it is called millions of times at size L)."""
    return low + int(rng.random() * (high - low + 1))


def pick(rng: random.Random, items: Sequence):
    return items[int(rng.random() * len(items))]


def _quantities(scale: float) -> list[list[tuple[int, str]]]:
    """Log-normal quantities in thousandths, with their text, by unit: kilograms to the gram,
    metres and litres by halves, pieces. Drawn from quantiles (much cheaper than random.gauss)."""
    normal = [NormalDist().inv_cdf((i + 0.5) / QUANTITY_DRAWS) for i in range(QUANTITY_DRAWS)]
    kilograms = [max(100, int(exp(1.5 + z) * scale * 1000)) for z in normal]
    halves = [max(1, int(exp(2.5 + z) * scale * 2)) * 500 for z in normal]
    pieces = [max(1, int(exp(1.3 + 0.9 * z) * scale)) * 1000 for z in normal]
    return [[(q, f"{q // 1000}.{q % 1000:03d}") for q in draws] for draws in (kilograms, halves, pieces)]


def weighted(pairs: Iterable[tuple[object, float]]) -> Weighted:
    """A `Weighted` choice from (item, weight) pairs."""
    items, weights = zip(*pairs, strict=True)
    return Weighted(items, weights)


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


@dataclass(frozen=True, slots=True)
class Buyer:
    pk: int
    kind: str
    responsible_id: int | None
    since: date
    abc: str


class _History:
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
        self.quantities = {abc: _quantities(scale) for abc, scale in SCALE.items()}
        self.statuses = [
            weighted((str(status), weight) for status, weight in table)
            for table in (STATUSES_RECENT, STATUSES_OPEN, STATUSES_OLD)
        ]
        self.tz = timezone.get_current_timezone()
        self.days_text = DayTexts()
        self.offsets = Offsets(self.tz)
        now = timezone.localtime()
        self.minutes_now = now.hour * 60 + now.minute
        self.documents = _Documents()
        self.contract_count = 0
        self.over_limit = 0
        self.debtors: list[tuple[_Contract, int]] = []  # active contract, shipped and unpaid roubles

    # --- contracts

    def _contracts(self, buyer: Buyer) -> list[_Contract]:
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
                _Contract(
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

    def _set_limits(self, contracts: list[_Contract], invoices: list[_Invoice]) -> None:
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

    def _put_over_limit(self, contract: _Contract, owed: int) -> None:
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

    def _invoices(self, buyer: Buyer, count: int, contracts: list[_Contract]) -> list[_Invoice]:
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
                _Invoice(
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

    def _pay_date(self, invoice: _Invoice, discipline: str, stopped_on: date) -> date | None:
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

    def _payments(self, buyer: Buyer, invoices: list[_Invoice], discipline: str) -> list[_Payment]:
        """The client's payments, in date order: shipped invoices paid in turn, while the payment
        dates are not in the future, then prepayments and now and then an advance."""
        rng, today = self.rng, self.today
        shipped = sorted((i for i in invoices if i.status == Status.SHIPPED), key=lambda i: i.shipped_on)
        stopped_on = today
        if discipline == STOPPED:  # at an invoice of the last months that is due by now
            due = [i.shipped_on for i in shipped if i.shipped_on >= today - STOP_DAYS and i.due_date < today]
            stopped_on = pick(rng, due) if due else today - timedelta(days=between(rng, 45, 240))
        payments: list[_Payment] = []
        last = date.min
        all_paid = True
        group: _Payment | None = None
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
                payments.append(_Payment(buyer.pk, day, first, PART_PAYMENT))
                group = None
                if rest_on > today:
                    all_paid = False
                    break
                day = last = rest_on
                group = _Payment(buyer.pk, day, invoice.total - first)
            else:
                group = _Payment(buyer.pk, day, invoice.total)
            payments.append(group)
        if all_paid:
            for invoice in invoices:
                if invoice.status in (Status.IN_WORK, Status.READY) and rng.random() < PREPAY_SHARE:
                    contract = invoice.contract
                    if contract and contract.credit_days:
                        continue
                    day = max(last, invoice.date + timedelta(days=between(rng, 0, 3)))
                    if day <= today:
                        payments.append(_Payment(buyer.pk, day, invoice.total))
                        last = day
            if rng.random() < ADVANCE_SHARE:
                day = max(last, today - timedelta(days=between(rng, 0, 30)))
                payments.append(_Payment(buyer.pk, day, between(rng, 1, 20) * 10_000 * 100, ADVANCE_PAYMENT))
        for payment in payments:
            if rng.random() < OVERPAY_SHARE:  # rounded up to a thousand; the rest pays ahead
                payment.amount = (payment.amount // 100_000 + 1) * 100_000
        return [p for p in payments if p.amount > 0]

    def _allocate(self, buyer: Buyer, invoices: list[_Invoice], payments: list[_Payment]) -> None:
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


# --- numbering and loading ------------------------------------------------------------------------------


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


def _next_id(model) -> int:
    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def _number(documents: list, model) -> None:
    """Ids from the table's next one and numbers per year, both in date order."""
    documents.sort(key=lambda d: d.date)
    numbers: dict[int, int] = {}
    for pk, document in enumerate(documents, start=_next_id(model)):
        document.id = pk
        numbers[document.date.year] = document.number = numbers.get(document.date.year, 0) + 1


NULL = "\\N"


def _text(value) -> object:
    return NULL if value is None else value


def _insert(model, columns: Sequence[str], rows: Iterable[str], progress, *, use_copy: bool) -> int:
    """Insert rows given as COPY text (tab-separated, NULL for None, one per line) into `columns`
    (attribute names): with COPY on PostgreSQL, with bulk_create elsewhere (Django parses the
    text of every field type). The texts generated here hold no tabs, newlines or backslashes."""
    bar = progress(desc=model.__name__, unit="row")
    try:
        if use_copy:
            table = connection.ops.quote_name(model._meta.db_table)
            names = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)
            reader = _CopyReader(iter(rows), bar)
            with connection.cursor() as cursor:
                cursor.cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", reader)
            return reader.count
        count = 0
        rows = iter(rows)
        while chunk := list(itertools.islice(rows, BATCH_SIZE)):
            instances = []
            for row in chunk:
                values = (None if v == NULL else v for v in row[:-1].split("\t"))
                instances.append(model(**dict(zip(columns, values, strict=True))))
            model.objects.bulk_create(instances)
            count += len(chunk)
            bar.update(len(chunk))
        return count
    finally:
        bar.close()


class _CopyReader:
    """The file that `COPY ... FROM STDIN` reads: it formats the rows as the server asks for them,
    so that the server stores one part while the next is made (two processes, two cores)."""

    def __init__(self, rows: Iterator[str], bar):
        self.rows, self.bar, self.count = rows, bar, 0

    def read(self, size: int = -1) -> str:
        chunk = list(itertools.islice(self.rows, 2_000))
        self.count += len(chunk)
        self.bar.update(len(chunk))
        return "".join(chunk)


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


def _contract_rows(contracts: list[_Contract]) -> Iterator[str]:
    for c in contracts:
        terms = f"{_text(c.credit_limit)}\t{_text(c.credit_days)}\t{'t' if c.is_active else 'f'}"
        yield f"{c.id}\t{c.client_id}\t{c.number}\t{c.date}\t{terms}\n"


def _invoice_rows(invoices: list[_Invoice], history: _History) -> Iterator[str]:
    days, moment = history.days_text, history.moment
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


def _line_rows(invoices: list[_Invoice]) -> Iterator[str]:
    for invoice in invoices:
        for line in invoice.lines:
            yield f"{invoice.id}\t{line}\n"


def _payment_rows(payments: list[_Payment], history: _History) -> Iterator[str]:
    days, moment = history.days_text, history.moment
    for p in payments:
        contract = p.contract.id if p.contract else NULL
        yield (
            f"{p.id}\t{p.date.year}\t{p.number}\t{days[p.date]}\t{p.client_id}\t{contract}\t{_text(p.manager_id)}\t"
            f"{_text(p.project_id)}\t{rub(p.amount)}\t{rub(p.unallocated)}\t{p.comment}\t{moment(p.date)}\n"
        )


def _allocation_rows(allocations: list[tuple[_Payment, _Invoice, int]]) -> Iterator[str]:
    for payment, invoice, amount in allocations:
        yield f"{payment.id}\t{invoice.id}\t{rub(amount)}\n"


def ensure_products(rng: random.Random, count: int) -> list[Product]:
    """The first `count` products of the catalogue, taking its sections in turn (kept if present)."""
    sections = [
        [(f"{base} {pattern.format(*values)}", unit, prices) for values in itertools.product(*axes)]
        for base, unit, prices, pattern, axes in CATALOGUE
    ]
    names = [name for row in itertools.zip_longest(*sections) for name in row if name is not None]
    products = []
    for name, unit, (low, high) in names[:count]:
        price = int(low * (high / low) ** rng.random()) * 100 + pick(rng, (0, 0, 50, 90))
        cost = int(price * rng.uniform(0.55, 0.85))
        products.append(Product(name=name, unit=unit, price=rub(price), cost=rub(cost)))
    Product.objects.bulk_create(products, ignore_conflicts=True)
    stored = {p.name: p for p in Product.objects.filter(name__in=[p.name for p in products])}
    return [stored[p.name] for p in products]


@transaction.atomic
def seed_sales(
    size: str, rng_seed: int, progress: ProgressFactory = no_progress, *, today: date | None = None
) -> dict[str, int]:
    """Create the sales documents of `size` for the clients in the database; returns row counts."""
    rng = random.Random(f"sales:{rng_seed}")
    today = today or timezone.localdate()
    use_copy = connection.vendor == "postgresql"
    managers = list(
        get_user_model()
        .objects.filter(groups__name=roles.MANAGER, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    projects = [Project.objects.get_or_create(name=name)[0].pk for name in PROJECTS]
    products = ensure_products(rng, PRODUCTS[size])
    buyers = [
        Buyer(pk, kind, responsible_id, timezone.localtime(created_at).date(), abc)
        for pk, kind, responsible_id, created_at, abc in Client.objects.order_by("pk")
        .values_list("pk", "kind", "responsible_id", "created_at", "abc_class")
        .iterator(chunk_size=BATCH_SIZE)
    ]
    history = _History(rng, today, managers, projects, products)
    bar = progress(total=len(buyers), desc="sales", unit="client")
    try:
        per_client = invoice_counts(rng, buyers, INVOICES[size], today)
        # Whatever the size, one client in debt: the biggest buyer stopped paying.
        debtor = max(range(len(buyers)), key=per_client.__getitem__, default=None)
        for n, (buyer, count) in enumerate(zip(buyers, per_client, strict=True)):
            history.add(buyer, count, debtor=n == debtor)
            if n % 1000 == 999:
                bar.update(1000)
        bar.update(len(buyers) % 1000)
    finally:
        bar.close()
    history.ensure_over_limit()
    documents = history.documents
    for pk, contract in enumerate(documents.contracts, start=_next_id(Contract)):
        contract.id = pk
    _number(documents.invoices, Invoice)
    _number(documents.payments, Payment)

    counts = {"products": len(products)}
    tables = (
        ("contracts", Contract, CONTRACT_COLUMNS, _contract_rows(documents.contracts)),
        ("invoices", Invoice, INVOICE_COLUMNS, _invoice_rows(documents.invoices, history)),
        ("invoice lines", InvoiceLine, LINE_COLUMNS, _line_rows(documents.invoices)),
        ("payments", Payment, PAYMENT_COLUMNS, _payment_rows(documents.payments, history)),
        ("allocations", Allocation, ALLOCATION_COLUMNS, _allocation_rows(documents.allocations)),
    )
    timestamps = [Invoice._meta.get_field("created_at"), Invoice._meta.get_field("updated_at")]
    timestamps.append(Payment._meta.get_field("created_at"))
    with ExitStack() as stack:
        for _name, model, _columns, _rows in tables:
            stack.enter_context(foreign_keys_dropped(model))
        stack.enter_context(explicit_timestamps(*timestamps))
        for name, model, columns, rows in tables:
            counts[name] = _insert(model, columns, rows, progress, use_copy=use_copy)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Contract, Invoice, Payment]):
            cursor.execute(sql)
    return counts


# The seed_demo command's plug-in interface (see crm/management/commands/seed_demo.py).
seed = seed_sales
# Filled by this seeder, parents first: `seed_demo --reset` empties them (children first).
SEED_MODELS = (Product, Contract, Invoice, InvoiceLine, Payment, Allocation)
# seed_demo refuses to seed while this model holds rows, unless --reset is given.
SEED_GUARD = Invoice
