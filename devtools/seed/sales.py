"""The sales documents of the demo / benchmark data set: products with price and cost, contracts
with credit terms for most companies, three years of invoices («заявки-накладные») with their lines,
and the payments allocated to them.

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

import itertools
import random
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, closing
from datetime import date

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from clients.models import Client
from devtools.seed.common import SIZES, ProgressFactory, ensure_projects, no_progress
from devtools.seed.loading import BATCH_SIZE, NULL, copy_into, explicit_timestamps, foreign_keys_dropped
from devtools.seed.sales_documents import (
    ALLOCATION_COLUMNS,
    CONTRACT_COLUMNS,
    INVOICE_COLUMNS,
    LINE_COLUMNS,
    PAYMENT_COLUMNS,
    Documents,
    allocation_rows,
    contract_rows,
    invoice_rows,
    line_rows,
    payment_rows,
    rub,
)
from devtools.seed.sales_history import Buyer, History, invoice_counts, pick
from devtools.seed.users import manager_ids
from sales.models import Allocation, Contract, Invoice, InvoiceLine, Payment, Product

# Invoices per size: five per client of the size (500k at L). Payments follow from how clients
# pay: about four for every five invoices.
INVOICES = {size: 5 * clients for size, clients in SIZES.items()}
PRODUCTS = {"XS": 40, "S": 120, "M": 200, "L": 300, "XL": 300}
# At XL the clients' documents are simulated and written 100k clients at a time, so that memory
# holds one part's documents (a part is numbered in date order, the next part's numbers go on).
PART_CLIENTS = {"XL": 100_000}

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


def _next_id(model) -> int:
    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def _number(documents: list, model, numbers: dict[int, int]) -> None:
    """Ids from the table's next one and numbers per year (going on from `numbers`), both in date order."""
    documents.sort(key=lambda d: d.date)
    for pk, document in enumerate(documents, start=_next_id(model)):
        document.id = pk
        numbers[document.date.year] = document.number = numbers.get(document.date.year, 0) + 1


def _insert(model, columns: Sequence[str], rows: Iterable[str], progress, *, use_copy: bool) -> int:
    """Insert rows given as COPY text (tab-separated, NULL for None, one per line) into `columns`
    (attribute names): with COPY on PostgreSQL, with bulk_create elsewhere (Django parses the
    text of every field type). The texts generated here hold no tabs, newlines or backslashes."""
    with closing(progress(desc=model.__name__, unit="row")) as bar:
        if use_copy:
            reader = _CopyReader(iter(rows), bar)
            copy_into(model, columns, reader)
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
    managers = manager_ids()
    projects = [project.pk for project in ensure_projects()]
    products = ensure_products(rng, PRODUCTS[size])
    buyers = [
        Buyer(pk, kind, responsible_id, timezone.localtime(created_at).date(), abc)
        for pk, kind, responsible_id, created_at, abc in Client.objects.order_by("pk")
        .values_list("pk", "kind", "responsible_id", "created_at", "abc_class")
        .iterator(chunk_size=BATCH_SIZE)
    ]
    history = History(rng, today, managers, projects, products)
    counts = dict.fromkeys(("contracts", "invoices", "invoice lines", "payments", "allocations"), 0)
    counts = {"products": len(products), **counts}
    timestamps = [Invoice._meta.get_field("created_at"), Invoice._meta.get_field("updated_at")]
    timestamps.append(Payment._meta.get_field("created_at"))
    numbers: dict[type, dict[int, int]] = {Invoice: {}, Payment: {}}
    part = PART_CLIENTS.get(size) or len(buyers) or 1
    with ExitStack() as stack:
        for model in (Contract, Invoice, InvoiceLine, Payment, Allocation):
            stack.enter_context(foreign_keys_dropped(model))
        stack.enter_context(explicit_timestamps(*timestamps))
        for start in range(0, len(buyers), part):
            # The share of the invoices that falls on this part of the clients (all of them at L).
            total, end = INVOICES[size], min(start + part, len(buyers))
            share = total * end // len(buyers) - total * start // len(buyers)
            _simulate(history, buyers[start:end], share, progress)
            for name, rows in _rows(history, numbers, progress, use_copy=use_copy).items():
                counts[name] += rows
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Contract, Invoice, Payment]):
            cursor.execute(sql)
    return counts


def _simulate(history: History, buyers: list[Buyer], invoices: int, progress) -> None:
    """The documents of `buyers`, `invoices` invoices among them, in `history.documents`."""
    rng = history.rng
    history.documents, history.debtors, history.over_limit = Documents(), [], 0
    with closing(progress(total=len(buyers), desc="sales", unit="client")) as bar:
        per_client = invoice_counts(rng, buyers, invoices, history.today)
        # Whatever the size, one client in debt: the biggest buyer stopped paying.
        debtor = max(range(len(buyers)), key=per_client.__getitem__, default=None)
        for n, (buyer, count) in enumerate(zip(buyers, per_client, strict=True)):
            history.add(buyer, count, debtor=n == debtor)
            if n % 1000 == 999:
                bar.update(1000)
        bar.update(len(buyers) % 1000)
    history.ensure_over_limit()


def _rows(history: History, numbers: dict[type, dict[int, int]], progress, *, use_copy: bool) -> dict[str, int]:
    """Write the documents of `history`: ids from the tables' next ones, numbers per year going on
    from `numbers` (the last number of each year so far, by model)."""
    documents = history.documents
    for pk, contract in enumerate(documents.contracts, start=_next_id(Contract)):
        contract.id = pk
    _number(documents.invoices, Invoice, numbers[Invoice])
    _number(documents.payments, Payment, numbers[Payment])
    tables = (
        ("contracts", Contract, CONTRACT_COLUMNS, contract_rows(documents.contracts)),
        ("invoices", Invoice, INVOICE_COLUMNS, invoice_rows(documents.invoices, history.days_text, history.moment)),
        ("invoice lines", InvoiceLine, LINE_COLUMNS, line_rows(documents.invoices)),
        ("payments", Payment, PAYMENT_COLUMNS, payment_rows(documents.payments, history.days_text, history.moment)),
        ("allocations", Allocation, ALLOCATION_COLUMNS, allocation_rows(documents.allocations)),
    )
    return {name: _insert(model, columns, rows, progress, use_copy=use_copy) for name, model, columns, rows in tables}


# The seeder interface (see devtools/seed/__init__.py).
seed = seed_sales
# Filled by this seeder, parents first: `seed_demo --reset` empties them (children first).
SEED_MODELS = (Product, Contract, Invoice, InvoiceLine, Payment, Allocation)
# seed_demo refuses to seed while this model holds rows, unless --reset is given.
SEED_GUARD = Invoice
