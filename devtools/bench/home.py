"""Bench scenarios of the home page (`home`, reports.home), one per role, each logged in as a user of
that role, with the raw SQL floor of the page's figures."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from crm import roles
from devtools.bench.reports_receivables import OPEN_SHIPPED
from devtools.bench.runner import BenchContext, Scenario, register, run_sql, table
from funnel.models import Deal, Stage
from sales.models import Invoice, Payment
from tasks.models import Task


def completeness_by_responsible(cursor, where: str = "", params=()) -> None:
    run_sql(
        cursor,
        f"""
        SELECT c.responsible_id, count(*), coalesce(sum(c.completeness), 0),
               count(*) FILTER (WHERE c.completeness = 100), count(*) FILTER (WHERE c.completeness < 50),
               count(*) FILTER (WHERE c.completeness IS NULL)
        FROM {table(Client)} c {where} GROUP BY 1
        """,
        list(params),
    )


class _Home(Scenario):
    role = ""

    def setup(self, ctx: BenchContext) -> None:
        users = get_user_model().objects.filter(groups__name=self.role, is_active=True).order_by("pk")
        self.who = ctx.rng.choice(list(users))
        self.today = timezone.localdate()
        self.month = self.today.replace(day=1)

    def user(self, ctx: BenchContext):
        return self.who

    def url(self, i: int) -> str:
        return reverse("home")


@register
class ManagerHome(_Home):
    """A manager's: tasks overdue and today, stuck deals, the overdue debt of their invoices and the
    contracts over the limit, their cards' «Заполненность»."""

    name = "home manager"
    role = roles.MANAGER

    def floor(self, cursor, i: int) -> None:
        me, today = self.who.pk, self.today
        run_sql(
            cursor,
            f"""SELECT count(*) FILTER (WHERE due_date < %s), count(*) FILTER (WHERE due_date = %s)
            FROM {table(Task)} WHERE executor_id = %s AND state IN ('new', 'in_progress', 'returned')
            AND (postponed_until IS NULL OR postponed_until <= now())""",
            [today, today, me],
        )
        run_sql(
            cursor,
            f"""SELECT count(*) FROM {table(Deal)} d JOIN {table(Stage)} s ON s.id = d.stage_id
            WHERE d.manager_id = %s AND s.kind = 'open' AND s.expected_days IS NOT NULL
            AND d.stage_entered_at < now() - make_interval(days => s.expected_days)""",
            [me],
        )
        run_sql(
            cursor,
            f"""SELECT sum(i.open_amount), sum(i.open_amount) FILTER (WHERE i.due_date < %s)
            FROM {table(Invoice)} i WHERE {OPEN_SHIPPED} AND i.manager_id = %s""",
            [today, me],
        )
        completeness_by_responsible(cursor, "WHERE c.responsible_id = %s", [me])


@register
class SupervisorHome(_Home):
    """A supervisor's: «Заполненность» by manager over the whole base, the wizards' tasks."""

    name = "home supervisor"
    role = roles.SUPERVISOR

    def floor(self, cursor, i: int) -> None:
        completeness_by_responsible(cursor)
        run_sql(
            cursor,
            f"""SELECT kind, count(*), count(*) FILTER (WHERE state = 'done'), max(iteration)
            FROM {table(Task)} WHERE kind IN ('contact_info', 'properties') GROUP BY 1""",
        )


@register
class SalesHeadHome(_Home):
    """A sales head's: this month's and last month's funnel, the debt by manager, this month's payments."""

    name = "home sales head"
    role = roles.SALES_HEAD

    def floor(self, cursor, i: int) -> None:
        run_sql(
            cursor,
            f"""SELECT d.created_at >= %s, count(*), count(*) FILTER (WHERE s.kind = 'won'),
            count(*) FILTER (WHERE s.kind = 'lost'), sum(d.amount) FILTER (WHERE s.kind = 'won')
            FROM {table(Deal)} d JOIN {table(Stage)} s ON s.id = d.stage_id
            WHERE d.created_at >= %s - interval '1 month' GROUP BY 1""",
            [self.month, self.month],
        )
        run_sql(
            cursor,
            f"""SELECT i.manager_id, count(*), sum(i.open_amount), sum(i.open_amount) FILTER (WHERE i.due_date < %s)
            FROM {table(Invoice)} i WHERE {OPEN_SHIPPED} GROUP BY 1""",
            [self.today],
        )
        run_sql(cursor, f"SELECT count(*), sum(amount) FROM {table(Payment)} WHERE date >= %s", [self.month])
