"""The sales documents of the demo data set (devtools/seed/sales.py), at the tiny size XS. The invariants
are checked over all seeded rows at once, with SQL aggregates."""

import datetime
import itertools
import random
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from clients.models import Client
from clients.tests.factories import ClientFactory
from crm.models import Project
from devtools.seed import common
from devtools.seed import sales as seed
from devtools.seed import sales_documents as documents
from devtools.seed import sales_history as history
from sales import services
from sales.models import Allocation, Contract, Invoice, InvoiceLine, Payment, Product
from tasks.models import Task

# Each query counts the rows that break one rule of sales.services; all must find none.
INVARIANTS = {
    "invoice total is the sum of its lines (and it has lines)": """
        SELECT count(*) FROM sales_invoice i
        LEFT JOIN (SELECT invoice_id, sum(amount) AS s FROM sales_invoiceline GROUP BY invoice_id) l
            ON l.invoice_id = i.id
        WHERE l.s IS DISTINCT FROM i.total""",
    "line amount is quantity × price less the discount, half up": """
        SELECT count(*) FROM sales_invoiceline
        WHERE amount <> round(quantity * price * (100 - discount) / 100, 2)""",
    "open amount is the total less the allocations, within 0..total": """
        SELECT count(*) FROM sales_invoice i
        LEFT JOIN (SELECT invoice_id, sum(amount) AS s FROM sales_allocation GROUP BY invoice_id) a
            ON a.invoice_id = i.id
        WHERE i.open_amount <> i.total - coalesce(a.s, 0) OR i.open_amount < 0 OR i.open_amount > i.total""",
    "unallocated is the payment less its allocations, within 0..amount": """
        SELECT count(*) FROM sales_payment p
        LEFT JOIN (SELECT payment_id, sum(amount) AS s FROM sales_allocation GROUP BY payment_id) a
            ON a.payment_id = p.id
        WHERE p.unallocated <> p.amount - coalesce(a.s, 0) OR p.unallocated < 0""",
    "allocations pay the same client's invoices that are not cancelled": """
        SELECT count(*) FROM sales_allocation a
        JOIN sales_payment p ON p.id = a.payment_id
        JOIN sales_invoice i ON i.id = a.invoice_id
        WHERE p.client_id <> i.client_id OR i.status = 'cancelled' OR a.amount <= 0""",
    "cancelled invoices are unpaid": """
        SELECT count(*) FROM sales_invoice WHERE status = 'cancelled' AND open_amount <> total""",
    "shipped invoices are due after the contract's credit days, others have no dates": """
        SELECT count(*) FROM sales_invoice i LEFT JOIN sales_contract c ON c.id = i.contract_id
        WHERE CASE WHEN i.status = 'shipped'
            THEN i.shipped_on IS NULL OR i.shipped_on < i.date
                 OR i.due_date IS DISTINCT FROM i.shipped_on + coalesce(c.credit_days, 0)
            ELSE i.shipped_on IS NOT NULL OR i.due_date IS NOT NULL END""",
    "documents are numbered within the year of their date": """
        SELECT (SELECT count(*) FROM sales_invoice WHERE year <> extract(year FROM date))
             + (SELECT count(*) FROM sales_payment WHERE year <> extract(year FROM date))""",
    "a document's contract is its client's": """
        SELECT (SELECT count(*) FROM sales_invoice d JOIN sales_contract c ON c.id = d.contract_id
                WHERE c.client_id <> d.client_id)
             + (SELECT count(*) FROM sales_payment d JOIN sales_contract c ON c.id = d.contract_id
                WHERE c.client_id <> d.client_id)""",
    # allocate_oldest_first: no shipped invoice has been paid while an older one is still open.
    "payments went to the oldest shipped invoices first": """
        SELECT count(*) FROM sales_invoice o
        JOIN sales_invoice a ON a.client_id = o.client_id AND a.status = 'shipped' AND a.open_amount < a.total
        WHERE o.status = 'shipped' AND o.open_amount > 0
          AND (a.shipped_on, a.date, a.number) > (o.shipped_on, o.date, o.number)""",
}
OVERDUE_CLIENTS = """
    SELECT DISTINCT client_id FROM sales_invoice
    WHERE status = 'shipped' AND open_amount > 0 AND due_date < %s ORDER BY client_id"""
OVER_LIMIT_CLIENTS = """
    SELECT o.client_id FROM (
        SELECT client_id, sum(open_amount) AS debt FROM sales_invoice
        WHERE status = 'shipped' AND open_amount > 0 GROUP BY client_id) o
    JOIN (
        SELECT client_id, sum(credit_limit) AS credit FROM sales_contract
        WHERE is_active AND credit_limit IS NOT NULL GROUP BY client_id) c ON c.client_id = o.client_id
    WHERE o.debt > c.credit ORDER BY o.client_id"""


def run_seed(**options):
    call_command("seed_demo", size="XS", verbosity=0, **options)


def rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def scalar(sql: str, params=()):
    return rows(sql, params)[0][0]


@pytest.fixture
def seeded(db):
    run_seed(seed=7)


# What the signature compares: the documents' own columns and those of what they point to.
DOCUMENT = ("year", "number", "date", "client__name", "contract__number", "manager__username", "project__name")
INVOICE = (*DOCUMENT, "status", "shipped_on", "due_date", "total", "open_amount", "comment")
PAYMENT = (*DOCUMENT, "amount", "unallocated", "comment")
CONTRACT = ("client__name", "number", "date", "credit_limit", "credit_days", "is_active")
LINE = ("invoice__year", "invoice__number", "product__name", "quantity", "price", "discount", "amount")
ALLOCATION = ("payment__year", "payment__number", "invoice__year", "invoice__number", "amount")


def signature() -> dict:
    """The seeded sales documents, without database ids and timestamps."""
    return {
        "products": sorted(Product.objects.values_list("name", "unit", "price", "cost")),
        "contracts": sorted(Contract.objects.values_list(*CONTRACT)),
        "invoices": sorted(Invoice.objects.values_list(*INVOICE)),
        "lines": sorted(InvoiceLine.objects.values_list(*LINE)),
        "payments": sorted(Payment.objects.values_list(*PAYMENT)),
        "allocations": sorted(Allocation.objects.values_list(*ALLOCATION)),
    }


def test_every_invariant_of_the_services_holds_over_all_rows(seeded):
    assert Invoice.objects.count() == seed.INVOICES["XS"]
    assert Allocation.objects.exists()
    broken = {rule: count for rule, sql in INVARIANTS.items() if (count := scalar(sql))}
    assert broken == {}


def test_some_clients_are_overdue_and_some_over_their_credit_limit_as_the_services_see_them(seeded):
    today = timezone.localdate()
    overdue = [pk for (pk,) in rows(OVERDUE_CLIENTS, [today])]
    over_limit = [pk for (pk,) in rows(OVER_LIMIT_CLIENTS)]
    assert overdue and over_limit
    position = services.position(Client.objects.get(pk=overdue[0]), today=today)
    assert position.overdue > 0 and position.overdue_days > 0
    assert services.position(Client.objects.get(pk=over_limit[0]), today=today).over_limit
    # Debt is the exception: most of what was shipped is paid, and most open invoices are few.
    shipped, still_open = rows("SELECT sum(total), sum(open_amount) FROM sales_invoice WHERE status = 'shipped'")[0]
    assert 0 < still_open < shipped * D("0.25")
    assert 0.6 <= Payment.objects.count() / Invoice.objects.count() <= 1.0, "about four payments to five invoices"


def test_documents_spread_over_three_years_in_every_state(seeded):
    today = timezone.localdate()
    first, last = rows("SELECT min(date), max(date) FROM sales_invoice")[0]
    assert today - datetime.timedelta(days=history.HISTORY_DAYS) <= first and last <= today
    assert (last - first).days > 365
    assert scalar("SELECT max(shipped_on) FROM sales_invoice") <= today
    assert scalar("SELECT max(date) FROM sales_payment") <= today
    assert scalar("SELECT count(*) FROM sales_invoice WHERE updated_at < created_at OR created_at > now()") == 0
    statuses = dict(rows("SELECT status, count(*) FROM sales_invoice GROUP BY status"))
    assert set(statuses) <= set(Invoice.Status.values)
    assert statuses[Invoice.Status.SHIPPED] > 0.8 * sum(statuses.values())
    assert statuses[Invoice.Status.CANCELLED] > 0
    assert set(statuses) - {Invoice.Status.SHIPPED, Invoice.Status.CANCELLED}, "some are still in work"
    lines = InvoiceLine.objects.count() / Invoice.objects.count()
    assert 2.5 <= lines <= 3.5, "about three lines an invoice"


def test_contracts_give_most_companies_every_kind_of_credit_terms(seeded):
    companies, with_contract = rows(
        """SELECT count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM sales_contract s WHERE s.client_id = c.id))
           FROM clients_client c WHERE kind = 'company'"""
    )[0]
    assert with_contract > companies / 2
    terms = Contract.objects.filter(is_active=True).values_list("credit_limit", "credit_days")
    kinds = {(limit is not None, days is not None) for limit, days in terms}
    assert kinds == {(True, True), (True, False), (False, True), (False, False)}
    in_force = "SELECT client_id FROM sales_contract WHERE is_active GROUP BY client_id HAVING count(*) > 1"
    assert rows(in_force) == [], "one contract in force per client"
    products = Product.objects.all()
    assert len(products) == seed.PRODUCTS["XS"]
    assert all(0 < p.cost < p.price for p in products), "products are sold with a margin"


def test_managers_are_mostly_the_clients_responsible_and_some_documents_have_projects(seeded):
    share = scalar(
        """SELECT avg((i.manager_id = c.responsible_id)::int) FROM sales_invoice i
           JOIN clients_client c ON c.id = i.client_id WHERE c.responsible_id IS NOT NULL"""
    )
    assert share > 0.8
    assert scalar("SELECT count(*) FROM sales_invoice WHERE manager_id IS NULL") == 0
    with_project = Invoice.objects.exclude(project=None).count()
    assert 0 < with_project < Invoice.objects.count() / 2
    assert Payment.objects.exclude(project=None).exists()
    assert set(Project.objects.values_list("name", flat=True)) == set(common.PROJECTS), "one set of projects"


def test_sales_and_tasks_share_one_set_of_projects(seeded):
    # Sales seeds before tasks and makes the projects both use.
    assert Project.objects.count() == len(common.PROJECTS)
    used = set(Invoice.objects.exclude(project=None).values_list("project__name", flat=True))
    used |= set(Task.objects.exclude(project=None).values_list("project__name", flat=True))
    assert used == set(common.PROJECTS)


def test_same_seed_same_documents_and_other_seed_other_documents(seeded):
    first = signature()
    assert first["invoices"] and first["allocations"]
    run_seed(seed=7, reset=True)
    assert signature() == first
    run_seed(seed=8, reset=True)
    assert signature()["invoices"] != first["invoices"]


def test_missing_adds_the_documents_to_a_base_seeded_before_sales(seeded):
    clients = set(Client.objects.values_list("pk", flat=True))
    before = signature()
    for model in (Allocation, Payment, InvoiceLine, Invoice, Contract, Product):
        model.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as a commit would, before seeding again
    run_seed(seed=7, missing=True)
    assert set(Client.objects.values_list("pk", flat=True)) == clients
    assert Project.objects.count() == len(common.PROJECTS)
    assert signature() == before
    assert scalar(INVARIANTS["open amount is the total less the allocations, within 0..total"]) == 0


def test_bulk_create_as_for_the_sqlite_demo_stores_the_same_documents_as_copy(seeded, monkeypatch):
    copied = signature()
    for model in (Allocation, Payment, InvoiceLine, Invoice, Contract, Product):
        model.objects.all().delete()
    monkeypatch.setattr(connection, "vendor", "sqlite")
    counts = seed.seed_sales("XS", 7)
    monkeypatch.undo()
    assert counts["invoices"] == seed.INVOICES["XS"]
    assert signature() == copied


def test_sizes_scale_with_the_clients_to_half_a_million_invoices_at_l():
    assert seed.INVOICES == {size: 5 * clients for size, clients in common.SIZES.items()}
    assert seed.INVOICES["L"] == 500_000
    assert [seed.PRODUCTS[size] for size in ("XS", "S", "M", "L", "XL")] == sorted(seed.PRODUCTS.values())
    assert seed.PRODUCTS["L"] == 300
    names = {
        f"{base} {pattern.format(*values)}"
        for base, _unit, _prices, pattern, axes in seed.CATALOGUE
        for values in itertools.product(*axes)
    }
    assert len(names) >= seed.PRODUCTS["L"]
    # Every size gets exactly its invoices, spread over the clients who buy.
    today = datetime.date(2026, 6, 1)
    for size in ("XS", "S"):
        rng = random.Random(size)
        buyers = [
            history.Buyer(pk, "company", None, today - datetime.timedelta(days=rng.randrange(1000)), rng.choice("ABC"))
            for pk in range(common.SIZES[size])
        ]
        counts = history.invoice_counts(rng, buyers, seed.INVOICES[size], today)
        assert sum(counts) == seed.INVOICES[size]
        assert 0 < counts.count(0) < len(buyers) / 3, "some clients never bought"


def test_line_amounts_match_the_services_to_the_kopeck():
    rng = random.Random(1)
    cases = [(1000, 1, 5000), (333, 1000, 0), (500, 1, 0), (1500, 333, 1250)]
    cases += [(rng.randrange(1, 10**6), rng.randrange(1, 10**6), rng.choice((0, 250, 500, 1250))) for _ in range(2000)]
    for quantity, price, discount in cases:
        line = services.Line(None, D(quantity) / 1000, D(price) / 100, D(discount) / 100)
        assert D(documents.rub(documents.line_amount(quantity, price, discount))) == line.amount, (
            quantity,
            price,
            discount,
        )


def test_copy_and_bulk_create_store_the_same_rows(db):
    client = ClientFactory()
    rows_text = [
        f"{client.pk}\t1/26\t2026-01-05\t100000\t30\tt\n",
        f"{client.pk}\t2/26\t2026-02-05\t\\N\t\\N\tf\n",
    ]
    columns = ("client_id", "number", "date", "credit_limit", "credit_days", "is_active")

    def stored():
        return sorted(Contract.objects.values_list(*columns))

    assert seed._insert(Contract, columns, rows_text, common.no_progress, use_copy=True) == 2
    copied = stored()
    Contract.objects.all().delete()
    assert seed._insert(Contract, columns, rows_text, common.no_progress, use_copy=False) == 2
    assert stored() == copied
    assert copied == [
        (client.pk, "1/26", datetime.date(2026, 1, 5), D("100000"), 30, True),
        (client.pk, "2/26", datetime.date(2026, 2, 5), None, None, False),
    ]


def test_texts_written_into_copy_need_no_escaping():
    texts = [*history.INVOICE_COMMENTS, *history.CANCEL_REASONS, history.PART_PAYMENT, history.ADVANCE_PAYMENT]
    assert not [t for t in texts if set(t) & set("\t\n\r\\")]


def test_in_parts_as_at_xl_the_documents_keep_every_invariant_and_number_on(seeded, monkeypatch):
    for model in (Allocation, Payment, InvoiceLine, Invoice, Contract, Product):
        model.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    monkeypatch.setitem(seed.PART_CLIENTS, "XS", 20)  # 50 clients: three parts

    counts = seed.seed_sales("XS", 7)

    assert counts["invoices"] == Invoice.objects.count() == seed.INVOICES["XS"]
    broken = {rule: count for rule, sql in INVARIANTS.items() if (count := scalar(sql))}
    assert broken == {}
    for model in (Invoice, Payment):  # each year's numbers 1..n, none twice
        by_year = rows(
            f"SELECT year, count(*), max(number), count(DISTINCT number) FROM {model._meta.db_table} GROUP BY year"
        )
        assert all(n == top == distinct for _year, n, top, distinct in by_year)
