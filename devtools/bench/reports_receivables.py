"""Bench scenarios of the sales reports (reports/receivables), each with the raw SQL floor that
answers the same question."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from crm.models import Project
from devtools.bench.runner import BenchContext, Scenario, register, run_sql, table
from sales.models import Allocation, Contract, Invoice, Payment

OPEN_SHIPPED = "i.status = 'shipped' AND i.open_amount > 0"  # the partial index invoice_open_idx


class _SalesReport(Scenario):
    """A sales report over the whole base, as the supervisor sees it (everything)."""

    budget_p50_ms = 1000.0  # the budget for the sales reports over the whole base
    budget_p95_ms = 1500.0

    def setup(self, ctx: BenchContext) -> None:
        if not Invoice.objects.exists():
            raise RuntimeError("no sales documents: seed the data set again (manage.py seed_demo --missing)")
        self.today = timezone.localdate()

    def choices(self, cursor) -> None:
        """The filter's choices: the managers (active, or named on a document) and the projects."""
        User = get_user_model()
        run_sql(
            cursor,
            f"""
            SELECT u.id, u.first_name, u.last_name, u.username FROM {table(User)} u
            WHERE u.is_active OR EXISTS (SELECT 1 FROM {table(Invoice)} i WHERE i.manager_id = u.id)
               OR EXISTS (SELECT 1 FROM {table(Payment)} p WHERE p.manager_id = u.id)
            ORDER BY u.last_name, u.first_name, u.username
            """,
        )
        run_sql(cursor, f"SELECT id, name FROM {table(Project)} ORDER BY name")

    def names(self, cursor, rows: list[tuple], *, projects: bool) -> None:
        ids = sorted({r[0] for r in rows if r[0] is not None})
        if projects:
            run_sql(cursor, f"SELECT id, name FROM {table(Project)} WHERE id = ANY(%s)", [ids])
        else:
            User = get_user_model()
            run_sql(cursor, f"SELECT id, first_name, last_name, username FROM {table(User)} WHERE id = ANY(%s)", [ids])


@register
class InvoiceRegister(_SalesReport):
    """«Реестр заявок-накладных» of all invoices on even requests, of the last 30 days on odd ones."""

    name = "reports:invoice_register"

    def url(self, i: int) -> str:
        url = reverse("reports:invoice_register")
        since = self.today - timedelta(days=30)
        return url if i % 2 == 0 else f"{url}?period_after={since.isoformat()}"

    def floor(self, cursor, i: int) -> None:
        User = get_user_model()
        where, params = "TRUE", []
        if i % 2:
            where, params = "i.date >= %s", [self.today - timedelta(days=30)]
        run_sql(
            cursor,
            f"SELECT i.status, count(*), sum(i.total), sum(i.open_amount) FROM {table(Invoice)} i"
            f" WHERE {where} GROUP BY 1",
            params,
        )
        run_sql(
            cursor,
            f"""
            SELECT i.id, i.number, i.date, i.status, i.total, i.open_amount, c.name, c.inn,
                   u.first_name, u.last_name, u.username, p.name
            FROM {table(Invoice)} i JOIN {table(Client)} c ON c.id = i.client_id
            LEFT JOIN {table(User)} u ON u.id = i.manager_id LEFT JOIN {table(Project)} p ON p.id = i.project_id
            WHERE i.status IN ('in_work', 'ready') AND {where}
            ORDER BY i.date, i.number, i.id LIMIT 100
            """,
            params,
        )
        self.choices(cursor)


class _InvoicesToPay(_SalesReport):
    """«Накладные к оплате» in one variant, on today, over all clients."""

    variant = ""

    def url(self, i: int) -> str:
        return f"{reverse('reports:invoices_to_pay')}?variant={self.variant}"

    def by_client(self, cursor, overdue_only: bool = False) -> list[tuple]:
        where = f"{OPEN_SHIPPED} AND i.due_date < %s" if overdue_only else OPEN_SHIPPED
        return run_sql(
            cursor,
            f"""
            SELECT i.client_id, c.name, c.inn, count(*), sum(i.open_amount),
                   coalesce(sum(i.open_amount) FILTER (WHERE i.due_date < %s), 0),
                   min(i.due_date) FILTER (WHERE i.due_date < %s)
            FROM {table(Invoice)} i JOIN {table(Client)} c ON c.id = i.client_id
            WHERE {where} GROUP BY 1, 2, 3 ORDER BY 2, 1
            """,
            [self.today, self.today, *([self.today] if overdue_only else [])],
        )

    def invoices(self, cursor, clients: list[tuple], overdue_only: bool = False) -> list[tuple]:
        where = f"{OPEN_SHIPPED} AND i.due_date < %s" if overdue_only else OPEN_SHIPPED
        return run_sql(
            cursor,
            f"""
            SELECT i.id, i.client_id, i.number, i.date, i.shipped_on, i.due_date, i.total, i.open_amount,
                   i.contract_id, k.number, k.date, k.credit_days, k.credit_limit
            FROM {table(Invoice)} i LEFT JOIN {table(Contract)} k ON k.id = i.contract_id
            WHERE {where} AND i.client_id = ANY(%s) ORDER BY i.due_date, i.date, i.number, i.id
            """,
            [*([self.today] if overdue_only else []), [c[0] for c in clients[:100]]],
        )


@register
class InvoicesToPay(_InvoicesToPay):
    name = "reports:invoices_to_pay"
    variant = "short"

    def floor(self, cursor, i: int) -> None:
        self.by_client(cursor)
        self.choices(cursor)


@register
class InvoicesToPayMonthAgo(_InvoicesToPay):
    """«Кратко» on a day a month back: the debt as it was then — the open invoices shipped by then
    plus those paid off by the payments since."""

    name = "reports:invoices_to_pay on a month ago"
    variant = "short"
    days_back = 30

    def url(self, i: int) -> str:
        return f"{super().url(i)}&on={(self.today - timedelta(days=self.days_back)).isoformat()}"

    def floor(self, cursor, i: int) -> None:
        on = self.today - timedelta(days=self.days_back)
        run_sql(
            cursor,
            f"""
            WITH later AS (
                SELECT a.invoice_id, sum(a.amount) AS paid FROM {table(Allocation)} a
                JOIN {table(Payment)} p ON p.id = a.payment_id WHERE p.date > %s GROUP BY 1
            ), owed AS (
                SELECT i.client_id, i.due_date, i.open_amount + coalesce(l.paid, 0) AS unpaid
                FROM {table(Invoice)} i LEFT JOIN later l ON l.invoice_id = i.id
                WHERE i.status = 'shipped' AND i.shipped_on <= %s
                  AND (i.open_amount > 0 OR l.invoice_id IS NOT NULL)
            )
            SELECT o.client_id, c.name, c.inn, count(*), sum(o.unpaid),
                   coalesce(sum(o.unpaid) FILTER (WHERE o.due_date < %s), 0),
                   min(o.due_date) FILTER (WHERE o.due_date < %s)
            FROM owed o JOIN {table(Client)} c ON c.id = o.client_id
            WHERE o.unpaid > 0 GROUP BY 1, 2, 3 ORDER BY 2, 1
            """,
            [on, on, on, on],
        )
        self.choices(cursor)


@register
class InvoicesToPayYearAgo(InvoicesToPayMonthAgo):
    """The same a year back, when the payments since have paid off half the invoices."""

    name = "reports:invoices_to_pay on a year ago"
    days_back = 365


@register
class InvoicesToPayDetailed(_InvoicesToPay):
    name = "reports:invoices_to_pay?variant=detailed"
    variant = "detailed"

    def floor(self, cursor, i: int) -> None:
        self.invoices(cursor, self.by_client(cursor))
        self.choices(cursor)


@register
class InvoicesToPayOverdue(_InvoicesToPay):
    name = "reports:invoices_to_pay?variant=overdue"
    variant = "overdue"

    def floor(self, cursor, i: int) -> None:
        invoices = self.invoices(cursor, self.by_client(cursor, overdue_only=True), overdue_only=True)
        limited = sorted({r[8] for r in invoices if r[12] is not None})
        run_sql(
            cursor,
            f"SELECT i.contract_id, sum(i.open_amount) FROM {table(Invoice)} i"
            f" WHERE {OPEN_SHIPPED} AND i.contract_id = ANY(%s) GROUP BY 1",
            [limited],
        )
        self.choices(cursor)


@register
class InvoicesToPayOverLimit(_InvoicesToPay):
    name = "reports:invoices_to_pay?variant=over_limit"
    variant = "over_limit"

    def floor(self, cursor, i: int) -> None:
        run_sql(
            cursor,
            f"""
            SELECT i.client_id, c.name, c.inn, i.contract_id, k.number, k.date, k.credit_limit, k.credit_days,
                   sum(i.open_amount), coalesce(sum(i.open_amount) FILTER (WHERE i.due_date < %s), 0)
            FROM {table(Invoice)} i JOIN {table(Contract)} k ON k.id = i.contract_id
            JOIN {table(Client)} c ON c.id = i.client_id
            WHERE {OPEN_SHIPPED} AND k.credit_limit IS NOT NULL
            GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 HAVING sum(i.open_amount) > k.credit_limit
            ORDER BY 2, 1, 6, 5
            """,
            [self.today],
        )
        self.choices(cursor)


class _ByManagerOrProject(_SalesReport):
    """A report by managers on even requests, by projects on odd ones; `name` is its URL name."""

    def url(self, i: int) -> str:
        return f"{reverse(self.name)}?group={'project' if i % 2 else 'manager'}"

    def floor(self, cursor, i: int) -> None:
        rows = self.groups(cursor, "project_id" if i % 2 else "manager_id")
        self.names(cursor, rows, projects=bool(i % 2))
        self.choices(cursor)

    def groups(self, cursor, column: str) -> list[tuple]:
        raise NotImplementedError


@register
class DebtByManager(_ByManagerOrProject):
    """«Задолженность по менеджерам» / «по проектам», on today."""

    name = "reports:debt_by_manager"

    def groups(self, cursor, column: str) -> list[tuple]:
        return run_sql(
            cursor,
            f"""
            SELECT i.{column}, count(*), sum(i.open_amount),
                   coalesce(sum(i.open_amount) FILTER (WHERE i.due_date < %s), 0)
            FROM {table(Invoice)} i WHERE {OPEN_SHIPPED} GROUP BY 1
            """,
            [self.today],
        )


@register
class PaymentsByManager(_ByManagerOrProject):
    """«Оплаты по менеджерам» / «по проектам», of all payments."""

    name = "reports:payments_by_manager"

    def groups(self, cursor, column: str) -> list[tuple]:
        sql = f"SELECT p.{column}, count(*), sum(p.amount), sum(p.unallocated) FROM {table(Payment)} p GROUP BY 1"
        return run_sql(cursor, sql)
