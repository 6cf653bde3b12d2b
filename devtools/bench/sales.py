"""Bench scenarios of the sales documents (see runner.py), each with the raw SQL floor that
answers the same question."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Max
from django.urls import reverse

from clients.models import Client
from crm.models import Project
from devtools.bench.runner import BenchContext, ObjectPage, Scenario, register, run_sql, table
from sales.models import Allocation, Contract, Invoice, InvoiceLine, Payment, Product

PER_PAGE = 50
SAMPLE = 20


def _random_invoices(ctx: BenchContext, queryset, count: int) -> list[Invoice]:
    """`count` invoices of the queryset from random places of the id range (no ORDER BY random())."""
    top = Invoice.objects.aggregate(m=Max("pk"))["m"]
    if top is None:
        raise RuntimeError("no invoices: seed the data set again (manage.py seed_demo --reset)")
    found: dict[int, Invoice] = {}
    for _attempt in range(count * 5):
        invoice = queryset.filter(pk__gte=ctx.rng.randint(1, top)).order_by("pk").first()
        if invoice is not None:
            found[invoice.pk] = invoice
        if len(found) == count:
            break
    if not found:
        raise RuntimeError("no invoice fits the scenario: seed the data set again (manage.py seed_demo --reset)")
    return list(found.values())


def invoice_page(cursor, where: str, params: list, page: int) -> None:
    """Page `page` (from 0) of «Заявки-накладные» where `where` holds, newest first, with the joins."""
    run_sql(
        cursor,
        f"""SELECT i.*, c.*, u.*, p.* FROM {table(Invoice)} i
        JOIN {table(Client)} c ON c.id = i.client_id
        LEFT JOIN auth_user u ON u.id = i.manager_id
        LEFT JOIN {table(Project)} p ON p.id = i.project_id
        WHERE {where} ORDER BY i.date DESC, i.number DESC LIMIT %s OFFSET %s""",
        [*params, PER_PAGE, PER_PAGE * page],
    )


@register
class InvoiceListByManager(Scenario):
    """«Заявки-накладные» filtered by one manager, newest first, pages 1–3 of 50, as the supervisor."""

    name = "sales:invoice_list manager"

    def setup(self, ctx: BenchContext) -> None:
        invoice = _random_invoices(ctx, Invoice.objects.filter(manager__isnull=False), 1)[0]
        self.manager = get_user_model().objects.get(pk=invoice.manager_id)

    def url(self, i: int) -> str:
        return f"{reverse('sales:invoice_list')}?manager={self.manager.pk}&page={1 + i % 3}"

    def floor(self, cursor, i: int) -> None:
        run_sql(cursor, f"SELECT count(*) FROM {table(Invoice)} WHERE manager_id = %s", [self.manager.pk])
        invoice_page(cursor, "i.manager_id = %s", [self.manager.pk], i % 3)


@register
class InvoiceDetail(ObjectPage):
    """The page of a shipped invoice (its lines, totals and payments), 20 of them in turn, opened by
    the supervisor."""

    name = "sales:invoice_detail"

    def setup(self, ctx: BenchContext) -> None:
        shipped = Invoice.objects.filter(status=Invoice.Status.SHIPPED)
        self.ids = [i.pk for i in _random_invoices(ctx, shipped, SAMPLE)]

    def queries(self) -> list[str]:
        return [
            f"""SELECT i.*, c.*, k.*, u.*, p.* FROM {table(Invoice)} i
            JOIN {table(Client)} c ON c.id = i.client_id
            LEFT JOIN {table(Contract)} k ON k.id = i.contract_id
            LEFT JOIN auth_user u ON u.id = i.manager_id
            LEFT JOIN {table(Project)} p ON p.id = i.project_id
            WHERE i.id = %s""",
            f"""SELECT l.*, pr.* FROM {table(InvoiceLine)} l JOIN {table(Product)} pr ON pr.id = l.product_id
            WHERE l.invoice_id = %s ORDER BY l.id""",
            f"""SELECT a.*, pm.* FROM {table(Allocation)} a JOIN {table(Payment)} pm ON pm.id = a.payment_id
            WHERE a.invoice_id = %s ORDER BY pm.date, a.payment_id""",
        ]


@register
class InvoiceListOfManager(Scenario):
    """«Заявки-накладные» as a manager sees them (own and unassigned clients only), newest first."""

    name = "sales:invoice_list as manager"

    def setup(self, ctx: BenchContext) -> None:
        invoice = _random_invoices(ctx, Invoice.objects.filter(client__responsible__isnull=False), 1)[0]
        self.manager = Client.objects.select_related("responsible").get(pk=invoice.client_id).responsible

    def user(self, ctx: BenchContext):
        return self.manager

    def url(self, i: int) -> str:
        return f"{reverse('sales:invoice_list')}?page={1 + i % 3}"

    def floor(self, cursor, i: int) -> None:
        visible = "(c.responsible_id = %s OR c.responsible_id IS NULL)"
        run_sql(
            cursor,
            f"SELECT count(*) FROM {table(Invoice)} i JOIN {table(Client)} c ON c.id = i.client_id WHERE {visible}",
            [self.manager.pk],
        )
        invoice_page(cursor, visible, [self.manager.pk], i % 3)
