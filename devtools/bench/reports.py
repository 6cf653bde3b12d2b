"""Bench scenarios of the client and task reports and of a client's documents (ledger, акт сверки),
each with the raw SQL floor that answers the same question. The sales reports are in
reports_receivables.py, the funnel reports in reports_funnel.py."""

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
from devtools.bench.runner import BenchContext, Scenario, register, run_sql, table
from sales.models import Contract, Invoice, Payment
from tasks.models import Task


def users_of(cursor, rows: list[tuple]) -> None:
    """The users named in the first column of `rows`: the names of a report's rows."""
    users = sorted({r[0] for r in rows if r[0] is not None})
    User = get_user_model()
    run_sql(
        cursor, f"SELECT id, username, first_name, last_name, is_active FROM {table(User)} WHERE id = ANY(%s)", [users]
    )


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
        if i % 2 == 0:
            counts = run_sql(
                cursor,
                f"SELECT c.responsible_id, c.business_region_id, count(*) FROM {table(Client)} c GROUP BY 1, 2",
            )
            regions = sorted({r[1] for r in counts if r[1] is not None})
            run_sql(cursor, f"SELECT id, name FROM {table(BusinessRegion)} WHERE id = ANY(%s)", [regions])
        else:
            counts = run_sql(
                cursor,
                f"""
                SELECT c.responsible_id, v.value_option_id, count(*)
                FROM {table(Client)} c LEFT JOIN {table(ExtraValue)} v ON v.client_id = c.id AND v.field_id = %s
                GROUP BY 1, 2
                """,
                [self.loyalty.pk],
            )
            run_sql(
                cursor,
                f'SELECT id, name FROM {table(ExtraFieldOption)} WHERE field_id = %s ORDER BY "order", id',
                [self.loyalty.pk],
            )
        users_of(cursor, counts)


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
                FROM {table(Task)} t {where}
                GROUP BY 1
            ) a JOIN {table(User)} u ON u.id = a.executor_id
            """,
            params,
        )
        # The filter's choices: projects, and the users who review tasks.
        run_sql(cursor, f"SELECT id, name FROM {table(Project)} ORDER BY name")
        run_sql(
            cursor,
            f"""
            SELECT u.id, u.first_name, u.last_name, u.username FROM {table(User)} u
            WHERE EXISTS (SELECT 1 FROM {table(Task)} t WHERE t.reviewer_id = u.id)
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
            FROM {table(Client)} c {where}
            GROUP BY 1
            """,
            params,
        )
        users_of(cursor, counts)
        # What is required, with its names.
        run_sql(cursor, f"SELECT name FROM {table(RequiredProperty)} ORDER BY name")
        run_sql(cursor, f"SELECT id, name FROM {table(ContactInfoKind)} WHERE required AND for_clients")
        run_sql(
            cursor,
            f"SELECT id, name FROM {table(ExtraField)} WHERE required AND NOT hidden AND applies_to <> %s",
            [ExtraField.AppliesTo.CONTACTS],
        )
        # The filter's choices: business regions and segments.
        run_sql(cursor, f"SELECT id, name FROM {table(BusinessRegion)} ORDER BY name")
        run_sql(cursor, f"SELECT id, name FROM {table(Segment)} ORDER BY name")


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
                    SELECT client_id FROM {table(Invoice)} WHERE status = 'shipped'
                    UNION ALL SELECT client_id FROM {table(Payment)}
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
        run_sql(cursor, f"SELECT * FROM {table(Client)} WHERE id = %s", [self.client_id])
        run_sql(cursor, f"SELECT * FROM {table(Contract)} WHERE client_id = %s ORDER BY date DESC", [self.client_id])
        start = self.year_ago if by_contract else date.min
        run_sql(
            cursor,
            f"""
            SELECT (SELECT coalesce(sum(total), 0) FROM {table(Invoice)}
                    WHERE {where} AND status = 'shipped' AND shipped_on < %s),
                   (SELECT coalesce(sum(amount), 0) FROM {table(Payment)} WHERE {where} AND date < %s)
            """,
            [*params, start, *params, start],
        )
        run_sql(
            cursor,
            f"""
            SELECT 0, shipped_on, number, date, contract_id, total FROM {table(Invoice)}
            WHERE {where} AND status = 'shipped' AND shipped_on BETWEEN %s AND %s
            UNION ALL
            SELECT 1, date, number, date, contract_id, amount FROM {table(Payment)}
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
