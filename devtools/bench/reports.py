"""Bench scenarios of the reports (see crm/bench.py), each with the raw SQL floor that answers the
same question."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from clients.models import (
    BusinessRegion,
    Client,
    ContactInfoKind,
    ExtraField,
    ExtraFieldOption,
    ExtraValue,
    RequiredProperty,
    Segment,
)
from crm.models import Project
from devtools.bench.funnel import biggest_funnel
from devtools.bench.runner import BenchContext, Scenario, register, run_sql
from funnel.models import Deal, Funnel, Stage, StageTransition
from sales.models import Allocation, Contract, Invoice, Payment
from tasks.models import Task


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@register
class ClientAnalysis(Scenario):
    """«Анализ клиентской базы» over the whole base: by the default dimensions (responsible manager ×
    business region) on even requests, by responsible manager × «Лояльность» (an extra list field)
    on odd ones."""

    name = "reports:client_analysis"
    budget_p50_ms = 300.0  # the budget for the analysis; p95 keeps DESIGN.md's 300 ms

    def setup(self, ctx: BenchContext) -> None:
        self.loyalty = (
            ExtraField.objects.filter(name="Лояльность", value_type=ExtraField.ValueType.LIST)
            .exclude(applies_to=ExtraField.AppliesTo.CONTACTS)
            .first()
        )
        if self.loyalty is None:
            raise RuntimeError("no extra field «Лояльность»: seed the data set again (manage.py seed_demo --reset)")

    def url(self, i: int) -> str:
        url = reverse("reports:client_analysis")
        return url if i % 2 == 0 else f"{url}?rows=responsible&columns=extra_{self.loyalty.pk}"

    def floor(self, cursor, i: int) -> None:
        User = get_user_model()
        if i % 2 == 0:
            counts = run_sql(
                cursor,
                f"SELECT c.responsible_id, c.business_region_id, count(*) FROM {_t(Client)} c GROUP BY 1, 2",
            )
            regions = sorted({r[1] for r in counts if r[1] is not None})
            run_sql(cursor, f"SELECT id, name FROM {_t(BusinessRegion)} WHERE id = ANY(%s)", [regions])
        else:
            counts = run_sql(
                cursor,
                f"""
                SELECT c.responsible_id, v.value_option_id, count(*)
                FROM {_t(Client)} c LEFT JOIN {_t(ExtraValue)} v ON v.client_id = c.id AND v.field_id = %s
                GROUP BY 1, 2
                """,
                [self.loyalty.pk],
            )
            run_sql(
                cursor,
                f'SELECT id, name FROM {_t(ExtraFieldOption)} WHERE field_id = %s ORDER BY "order", id',
                [self.loyalty.pk],
            )
        users = sorted({r[0] for r in counts if r[0] is not None})
        run_sql(
            cursor, f"SELECT id, username, first_name, last_name, is_active FROM {_t(User)} WHERE id = ANY(%s)", [users]
        )


@register
class TaskIterations(Scenario):
    """«Итерации задач» over all tasks on even requests; on odd ones, the tasks of one project given
    in the last 30 days."""

    name = "reports:task_iterations"

    def setup(self, ctx: BenchContext) -> None:
        projects = Project.objects.filter(Exists(Task.objects.filter(project=OuterRef("pk")))).order_by("name")
        self.project = projects.first()
        if self.project is None:
            raise RuntimeError("no task with a project: seed the data set again (manage.py seed_demo --missing)")
        self.since = timezone.localdate() - timedelta(days=30)

    def url(self, i: int) -> str:
        url = reverse("reports:task_iterations")
        return url if i % 2 == 0 else f"{url}?created_after={self.since.isoformat()}&project={self.project.pk}"

    def floor(self, cursor, i: int) -> None:
        User = get_user_model()
        where, params = "", []
        if i % 2:
            where = "WHERE t.created_at >= %s AND t.project_id = %s"
            params = [timezone.make_aware(datetime.combine(self.since, time.min)), self.project.pk]
        # Counted first, then joined to the names: the fastest form of the question.
        run_sql(
            cursor,
            f"""
            SELECT u.id, u.first_name, u.last_name, u.username, a.*
            FROM (
                SELECT t.executor_id, count(*),
                       count(*) FILTER (WHERE t.state IN ('new', 'in_progress', 'returned')),
                       count(*) FILTER (WHERE t.state = 'done'),
                       count(*) FILTER (WHERE t.state = 'accepted'),
                       sum(t.iteration) FILTER (WHERE t.state = 'accepted'),
                       max(t.iteration) FILTER (WHERE t.state = 'accepted')
                FROM {_t(Task)} t {where}
                GROUP BY 1
            ) a JOIN {_t(User)} u ON u.id = a.executor_id
            """,
            params,
        )
        # The filter's choices: projects, and the users who review tasks.
        run_sql(cursor, f"SELECT id, name FROM {_t(Project)} ORDER BY name")
        run_sql(
            cursor,
            f"""
            SELECT u.id, u.first_name, u.last_name, u.username FROM {_t(User)} u
            WHERE EXISTS (SELECT 1 FROM {_t(Task)} t WHERE t.reviewer_id = u.id)
            ORDER BY u.last_name, u.first_name, u.username
            """,
        )


@register
class CompletenessByManager(Scenario):
    """«Заполненность карточек по менеджерам» over the whole base on even requests; on odd ones, the
    clients of class A in the business region with the most clients."""

    name = "reports:completeness_by_manager"

    def setup(self, ctx: BenchContext) -> None:
        region = (
            Client.objects.filter(business_region__isnull=False)
            .values_list("business_region_id", flat=True)
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        if region is None:
            raise RuntimeError("no client with a business region: seed the data set again (manage.py seed_demo)")
        self.region = region

    def url(self, i: int) -> str:
        url = reverse("reports:completeness_by_manager")
        return url if i % 2 == 0 else f"{url}?business_region={self.region}&abc_class=A"

    def floor(self, cursor, i: int) -> None:
        User = get_user_model()
        where, params = "", []
        if i % 2:
            where, params = "WHERE c.business_region_id = %s AND c.abc_class = 'A'", [self.region]
        counts = run_sql(
            cursor,
            f"""
            SELECT c.responsible_id, count(*), coalesce(sum(c.completeness), 0),
                   count(*) FILTER (WHERE c.completeness = 100),
                   count(*) FILTER (WHERE c.completeness < 50),
                   count(*) FILTER (WHERE c.completeness IS NULL)
            FROM {_t(Client)} c {where}
            GROUP BY 1
            """,
            params,
        )
        users = sorted({r[0] for r in counts if r[0] is not None})
        run_sql(
            cursor, f"SELECT id, username, first_name, last_name, is_active FROM {_t(User)} WHERE id = ANY(%s)", [users]
        )
        # What is required, with its names.
        run_sql(cursor, f"SELECT name FROM {_t(RequiredProperty)} ORDER BY name")
        run_sql(cursor, f"SELECT id, name FROM {_t(ContactInfoKind)} WHERE required AND for_clients")
        run_sql(
            cursor,
            f"SELECT id, name FROM {_t(ExtraField)} WHERE required AND NOT hidden AND applies_to <> %s",
            [ExtraField.AppliesTo.CONTACTS],
        )
        # The filter's choices: business regions and segments.
        run_sql(cursor, f"SELECT id, name FROM {_t(BusinessRegion)} ORDER BY name")
        run_sql(cursor, f"SELECT id, name FROM {_t(Segment)} ORDER BY name")


class _ClientDocuments(Scenario):
    """A client's ledger over the client with the most documents (shipments and payments): its
    whole history on even requests; on odd ones, its busiest contract over the last year."""

    report = ""

    def setup(self, ctx: BenchContext) -> None:
        with connection.cursor() as cursor:
            busiest = run_sql(
                cursor,
                f"""
                SELECT client_id, count(*) FROM (
                    SELECT client_id FROM {_t(Invoice)} WHERE status = 'shipped'
                    UNION ALL SELECT client_id FROM {_t(Payment)}
                ) d GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1
                """,
            )
        if not busiest:
            raise RuntimeError("no sales documents: seed the data set again (manage.py seed_demo --missing)")
        self.client_id, self.documents = busiest[0]
        self.contract_id = (
            Invoice.objects.filter(client_id=self.client_id, contract__isnull=False)
            .values_list("contract_id", flat=True)
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        self.today = timezone.localdate()
        self.year_ago = self.today - timedelta(days=365)

    def url(self, i: int) -> str:
        url = f"{reverse(self.report)}?client={self.client_id}&end={self.today.isoformat()}"
        if i % 2 and self.contract_id:
            url += f"&start={self.year_ago.isoformat()}&contract={self.contract_id}"
        return url

    def floor(self, cursor, i: int) -> None:
        by_contract = bool(i % 2 and self.contract_id)
        where, params = "client_id = %s", [self.client_id]
        if by_contract:
            where, params = "client_id = %s AND contract_id = %s", [self.client_id, self.contract_id]
        run_sql(cursor, f"SELECT * FROM {_t(Client)} WHERE id = %s", [self.client_id])
        run_sql(cursor, f"SELECT * FROM {_t(Contract)} WHERE client_id = %s ORDER BY date DESC", [self.client_id])
        start = self.year_ago if by_contract else date.min
        run_sql(
            cursor,
            f"""
            SELECT (SELECT coalesce(sum(total), 0) FROM {_t(Invoice)}
                    WHERE {where} AND status = 'shipped' AND shipped_on < %s),
                   (SELECT coalesce(sum(amount), 0) FROM {_t(Payment)} WHERE {where} AND date < %s)
            """,
            [*params, start, *params, start],
        )
        run_sql(
            cursor,
            f"""
            SELECT 0, shipped_on, number, date, contract_id, total FROM {_t(Invoice)}
            WHERE {where} AND status = 'shipped' AND shipped_on BETWEEN %s AND %s
            UNION ALL
            SELECT 1, date, number, date, contract_id, amount FROM {_t(Payment)}
            WHERE {where} AND date BETWEEN %s AND %s
            ORDER BY 2, 1, 3
            """,
            [*params, start, self.today, *params, start, self.today],
        )


@register
class ClientLedger(_ClientDocuments):
    name = "reports:client_ledger"
    report = "reports:client_ledger"
    budget_p50_ms = 300.0  # the budget for a client with 5k documents


@register
class Reconciliation(_ClientDocuments):
    name = "reports:reconciliation"
    report = "reports:reconciliation"
    budget_p50_ms = 300.0


# --- the sales reports (reports/receivables) ------------------------------------------------------------

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
            SELECT u.id, u.first_name, u.last_name, u.username FROM {_t(User)} u
            WHERE u.is_active OR EXISTS (SELECT 1 FROM {_t(Invoice)} i WHERE i.manager_id = u.id)
               OR EXISTS (SELECT 1 FROM {_t(Payment)} p WHERE p.manager_id = u.id)
            ORDER BY u.last_name, u.first_name, u.username
            """,
        )
        run_sql(cursor, f"SELECT id, name FROM {_t(Project)} ORDER BY name")

    def names(self, cursor, rows: list[tuple], *, projects: bool) -> None:
        ids = sorted({r[0] for r in rows if r[0] is not None})
        if projects:
            run_sql(cursor, f"SELECT id, name FROM {_t(Project)} WHERE id = ANY(%s)", [ids])
        else:
            User = get_user_model()
            run_sql(cursor, f"SELECT id, first_name, last_name, username FROM {_t(User)} WHERE id = ANY(%s)", [ids])


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
            f"SELECT i.status, count(*), sum(i.total), sum(i.open_amount) FROM {_t(Invoice)} i"
            f" WHERE {where} GROUP BY 1",
            params,
        )
        run_sql(
            cursor,
            f"""
            SELECT i.id, i.number, i.date, i.status, i.total, i.open_amount, c.name, c.inn,
                   u.first_name, u.last_name, u.username, p.name
            FROM {_t(Invoice)} i JOIN {_t(Client)} c ON c.id = i.client_id
            LEFT JOIN {_t(User)} u ON u.id = i.manager_id LEFT JOIN {_t(Project)} p ON p.id = i.project_id
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
            FROM {_t(Invoice)} i JOIN {_t(Client)} c ON c.id = i.client_id
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
            FROM {_t(Invoice)} i LEFT JOIN {_t(Contract)} k ON k.id = i.contract_id
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
                SELECT a.invoice_id, sum(a.amount) AS paid FROM {_t(Allocation)} a
                JOIN {_t(Payment)} p ON p.id = a.payment_id WHERE p.date > %s GROUP BY 1
            ), owed AS (
                SELECT i.client_id, i.due_date, i.open_amount + coalesce(l.paid, 0) AS unpaid
                FROM {_t(Invoice)} i LEFT JOIN later l ON l.invoice_id = i.id
                WHERE i.status = 'shipped' AND i.shipped_on <= %s
                  AND (i.open_amount > 0 OR l.invoice_id IS NOT NULL)
            )
            SELECT o.client_id, c.name, c.inn, count(*), sum(o.unpaid),
                   coalesce(sum(o.unpaid) FILTER (WHERE o.due_date < %s), 0),
                   min(o.due_date) FILTER (WHERE o.due_date < %s)
            FROM owed o JOIN {_t(Client)} c ON c.id = o.client_id
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
            f"SELECT i.contract_id, sum(i.open_amount) FROM {_t(Invoice)} i"
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
            FROM {_t(Invoice)} i JOIN {_t(Contract)} k ON k.id = i.contract_id
            JOIN {_t(Client)} c ON c.id = i.client_id
            WHERE {OPEN_SHIPPED} AND k.credit_limit IS NOT NULL
            GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 HAVING sum(i.open_amount) > k.credit_limit
            ORDER BY 2, 1, 6, 5
            """,
            [self.today],
        )
        self.choices(cursor)


@register
class DebtByManager(_SalesReport):
    """«Задолженность по менеджерам» on even requests, «по проектам» on odd ones, on today."""

    name = "reports:debt_by_manager"

    def url(self, i: int) -> str:
        return f"{reverse('reports:debt_by_manager')}?group={'project' if i % 2 else 'manager'}"

    def floor(self, cursor, i: int) -> None:
        column = "project_id" if i % 2 else "manager_id"
        rows = run_sql(
            cursor,
            f"""
            SELECT i.{column}, count(*), sum(i.open_amount),
                   coalesce(sum(i.open_amount) FILTER (WHERE i.due_date < %s), 0)
            FROM {_t(Invoice)} i WHERE {OPEN_SHIPPED} GROUP BY 1
            """,
            [self.today],
        )
        self.names(cursor, rows, projects=bool(i % 2))
        self.choices(cursor)


@register
class PaymentsByManager(_SalesReport):
    """«Оплаты по менеджерам» of all payments on even requests, «по проектам» on odd ones."""

    name = "reports:payments_by_manager"

    def url(self, i: int) -> str:
        return f"{reverse('reports:payments_by_manager')}?group={'project' if i % 2 else 'manager'}"

    def floor(self, cursor, i: int) -> None:
        column = "project_id" if i % 2 else "manager_id"
        rows = run_sql(
            cursor,
            f"SELECT p.{column}, count(*), sum(p.amount), sum(p.unallocated) FROM {_t(Payment)} p GROUP BY 1",
        )
        self.names(cursor, rows, projects=bool(i % 2))
        self.choices(cursor)


# --- the funnel reports (reports/funnel) -----------------------------------------------------------------


class _FunnelReport(Scenario):
    """A funnel report over the whole history (the first deal's day to today), as the supervisor
    sees it (every deal)."""

    budget_p50_ms = 1000.0  # the budget for the funnel reports over 500k transitions
    budget_p95_ms = 1500.0

    def setup(self, ctx: BenchContext) -> None:
        first = Deal.objects.order_by("created_at").values_list("created_at", flat=True).first()
        if first is None:
            raise RuntimeError("no deals: seed the funnels (manage.py seed_demo --size L --missing)")
        self.start = timezone.localdate(first)
        self.today = timezone.localdate()
        self.moments = [
            timezone.make_aware(datetime.combine(self.start, time.min)),
            timezone.make_aware(datetime.combine(self.today + timedelta(days=1), time.min)),
        ]

    def period(self) -> str:
        return f"period_after={self.start.isoformat()}&period_before={self.today.isoformat()}"

    def choices(self, cursor) -> None:
        """The filter's choices: the funnels and the managers (staff, or named on a deal)."""
        User = get_user_model()
        run_sql(cursor, f"SELECT id, name FROM {_t(Funnel)} ORDER BY name")
        run_sql(
            cursor,
            f"""
            SELECT u.id, u.first_name, u.last_name, u.username FROM {_t(User)} u
            WHERE u.is_active OR EXISTS (SELECT 1 FROM {_t(Deal)} d WHERE d.manager_id = u.id)
            ORDER BY u.last_name, u.first_name, u.username
            """,
        )


@register
class FunnelConversion(_FunnelReport):
    """«Конверсия воронки» of the funnel with the most deals (about 68k deals, 340k transitions at L)."""

    name = "reports:funnel_conversion"

    def setup(self, ctx: BenchContext) -> None:
        super().setup(ctx)
        self.funnel = biggest_funnel()
        stages = list(self.funnel.stages.order_by("order", "pk"))
        self.open_ids = [s.pk for s in stages if s.kind == Stage.Kind.OPEN]
        self.won_ids = [s.pk for s in stages if s.kind == Stage.Kind.WON]

    def url(self, i: int) -> str:
        return f"{reverse('reports:funnel_conversion')}?funnel={self.funnel.pk}&{self.period()}"

    def floor(self, cursor, i: int) -> None:
        cohort = "d.funnel_id = %s AND d.created_at >= %s AND d.created_at < %s"
        params = [self.funnel.pk, *self.moments]
        # Each deal's deepest point (its open stage's place, past the last for a win) and present kind.
        run_sql(
            cursor,
            f"""
            SELECT c.kind, c.deepest, count(*) FROM (
                SELECT d.id, s.kind, max(CASE WHEN t.to_stage_id = ANY(%s) THEN array_position(%s, t.to_stage_id)
                                              WHEN t.to_stage_id = ANY(%s) THEN %s ELSE 0 END) AS deepest
                FROM {_t(Deal)} d JOIN {_t(Stage)} s ON s.id = d.stage_id
                JOIN {_t(StageTransition)} t ON t.deal_id = d.id
                WHERE {cohort} GROUP BY d.id, s.kind
            ) c GROUP BY 1, 2
            """,
            [self.open_ids, self.open_ids, self.won_ids, len(self.open_ids) + 1, *params],
        )
        run_sql(
            cursor,
            f"""
            SELECT t.from_stage_id, count(*) FROM {_t(Deal)} d
            JOIN {_t(Stage)} s ON s.id = d.stage_id AND s.kind = 'lost'
            JOIN {_t(StageTransition)} t
                ON t.deal_id = d.id AND t.to_stage_id = d.stage_id AND t.at = d.stage_entered_at
            WHERE {cohort} GROUP BY 1
            """,
            params,
        )
        run_sql(cursor, f'SELECT * FROM {_t(Stage)} WHERE funnel_id = %s ORDER BY "order", id', [self.funnel.pk])
        self.choices(cursor)


@register
class FunnelTimeInStage(_FunnelReport):
    """«Время на этапах» of every funnel (about 500k transitions at L)."""

    name = "reports:funnel_time_in_stage"

    def setup(self, ctx: BenchContext) -> None:
        super().setup(ctx)
        self.open_ids = list(Stage.objects.filter(kind=Stage.Kind.OPEN).values_list("pk", flat=True))

    def url(self, i: int) -> str:
        return f"{reverse('reports:funnel_time_in_stage')}?{self.period()}"

    def floor(self, cursor, i: int) -> None:
        # Each stay ends at the deal's next transition; the ended ones' mean and median, the others' count
        # and mean so far, per open stage, in one pass.
        run_sql(
            cursor,
            f"""
            SELECT s.to_stage_id, count(s.next_at), avg(date_part('epoch', s.next_at - s.at)),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY date_part('epoch', s.next_at - s.at)),
                   count(*) - count(s.next_at),
                   avg(CASE WHEN s.next_at IS NULL THEN date_part('epoch', now() - s.at) END)
            FROM (
                SELECT t.to_stage_id, t.at, lead(t.at) OVER (PARTITION BY t.deal_id ORDER BY t.at, t.id) AS next_at
                FROM {_t(StageTransition)} t
            ) s
            WHERE s.to_stage_id = ANY(%s) AND s.at >= %s AND s.at < %s GROUP BY 1
            """,
            [self.open_ids, *self.moments],
        )
        run_sql(
            cursor,
            f"""SELECT s.*, f.* FROM {_t(Stage)} s JOIN {_t(Funnel)} f ON f.id = s.funnel_id
            ORDER BY f.name, f.id, s."order", s.id""",
        )
        self.choices(cursor)


@register
class FunnelManagers(_FunnelReport):
    """«Воронка по менеджерам» of every funnel."""

    name = "reports:funnel_managers"

    def url(self, i: int) -> str:
        return f"{reverse('reports:funnel_managers')}?{self.period()}"

    def floor(self, cursor, i: int) -> None:
        User = get_user_model()
        rows = run_sql(
            cursor,
            f"""
            SELECT d.manager_id, count(*), count(*) FILTER (WHERE s.kind = 'won'),
                   count(*) FILTER (WHERE s.kind = 'lost'),
                   avg(d.closed_at - d.created_at) FILTER (WHERE s.kind = 'won'),
                   sum(d.amount) FILTER (WHERE s.kind = 'won')
            FROM {_t(Deal)} d JOIN {_t(Stage)} s ON s.id = d.stage_id
            WHERE d.created_at >= %s AND d.created_at < %s GROUP BY 1
            """,
            self.moments,
        )
        ids = sorted({r[0] for r in rows if r[0] is not None})
        run_sql(cursor, f"SELECT id, first_name, last_name, username FROM {_t(User)} WHERE id = ANY(%s)", [ids])
        run_sql(cursor, f"SELECT id, name FROM {_t(Funnel)} ORDER BY name")


@register
class RepeatSales(_FunnelReport):
    """«Повторные продажи» of every funnel: the summary and the first page of 100 clients."""

    name = "reports:repeat_sales"

    def url(self, i: int) -> str:
        return f"{reverse('reports:repeat_sales')}?{self.period()}"

    def floor(self, cursor, i: int) -> None:
        won = f"""FROM {_t(Deal)} d JOIN {_t(Stage)} s ON s.id = d.stage_id
            WHERE s.kind = 'won' AND d.client_id IS NOT NULL AND d.closed_at >= %s AND d.closed_at < %s"""
        run_sql(
            cursor,
            f"SELECT least(c.n, 5), count(*) FROM (SELECT d.client_id, count(*) AS n {won} GROUP BY 1) c GROUP BY 1",
            self.moments,
        )
        run_sql(
            cursor,
            f"""
            SELECT c.id, c.name, c.inn, w.* FROM (
                SELECT d.client_id, count(*) AS n, sum(d.amount) AS revenue, min(d.closed_at), max(d.closed_at)
                {won} GROUP BY 1 ORDER BY 2 DESC, 3 DESC LIMIT 100
            ) w JOIN {_t(Client)} c ON c.id = w.client_id ORDER BY w.n DESC, w.revenue DESC
            """,
            self.moments,
        )
        self.choices(cursor)
