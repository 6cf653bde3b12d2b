"""The figures of the home page (reports.home.blocks), each from the query of the list or report it
links to, so that the number on the home page is the count or sum that page shows:

- a manager's: tasks overdue and due today («Мои дела»), deals stuck on a stage («Зависшие сделки»),
  the overdue debt and the contracts over their credit limit of the manager's invoices («Накладные к
  оплате»), the «Заполненность» of the manager's cards (the client list);
- a supervisor's: «Заполненность» by manager and its change since the snapshot 30 days old
  (reports.home.snapshots), the wizards' tasks in work and on review with their rounds («Итерации
  задач»);
- a sales head's: this month's funnel against last month's («Воронка по менеджерам»), the debt by
  manager («Задолженность по менеджерам»), this month's payments («Оплаты по менеджерам»)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse

from clients.models import Client
from crm.grids import percent
from funnel.access import visible_deals
from funnel.models import Deal
from funnel.stuck import stuck_deals
from reports.completeness.figures import CompletenessTable, Counts, completeness_table
from reports.funnel.figures import ManagerLine, by_manager
from reports.funnel.filters import Scope
from reports.home.snapshots import Past, past
from reports.iterations import figures as iterations
from reports.receivables import figures as receivables
from reports.receivables.tables import OVER_LIMIT, OVERDUE
from sales.access import visible_documents
from sales.models import Invoice, Payment
from tasks.models import Task

ZERO = receivables.ZERO
TASKS_SHOWN = 8
WIZARD_KINDS = (Task.Kind.CONTACT_INFO, Task.Kind.PROPERTIES)


def link(name: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{reverse(name)}?{query}" if query else reverse(name)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


# --- a manager's ------------------------------------------------------------------------------------


@dataclass
class MyTasks:
    overdue: int
    today: int
    shown: list[dict]  # the first of them, the earliest due first: pk, title, due_date
    overdue_url: str
    today_url: str


def my_tasks(user, now: datetime.datetime, today: datetime.date) -> MyTasks:
    """My open tasks not postponed now (what «Мои дела» lists) due before today and today."""
    mine = Task.objects.filter(executor=user, state__in=Task.OPEN_STATES).filter(
        Q(postponed_until__isnull=True) | Q(postponed_until__lte=now)
    )
    counts = mine.aggregate(
        overdue=Count("pk", filter=Q(due_date__lt=today)), today=Count("pk", filter=Q(due_date=today))
    )
    shown = list(
        mine.filter(due_date__lte=today)
        .order_by("due_date", "-importance", "-id")
        .values("pk", "title", "due_date")[:TASKS_SHOWN]
    )
    return MyTasks(
        counts["overdue"], counts["today"], shown, link("tasks:my", overdue=1), link("tasks:my", due="today")
    )


@dataclass
class MyDeals:
    stuck: int
    url: str


def my_deals(user, now: datetime.datetime) -> MyDeals:
    return MyDeals(stuck_deals(Deal.objects.filter(manager=user), now).count(), link("funnel:stuck", manager=user.pk))


@dataclass
class MyDebt:
    debt: Decimal
    overdue: Decimal
    overdue_clients: int
    over_limit: int  # contracts over their credit limit
    excess: Decimal
    overdue_url: str
    over_limit_url: str


def my_debt(user, today: datetime.date) -> MyDebt:
    """What is unpaid of my shipped invoices and overdue today, and the contracts of my invoices over
    their credit limit (counted over all the invoices of the contract I may see), in two queries."""
    all_open = receivables.receivable(visible_documents(Invoice.objects.all(), user), today, today)
    mine = all_open.filter(manager=user)
    overdue = Q(due_date__lt=today)
    sums = mine.aggregate(
        debt=Coalesce(Sum("unpaid"), ZERO),
        overdue=Coalesce(Sum("unpaid", filter=overdue), ZERO),
        clients=Count("client_id", filter=overdue, distinct=True),
    )
    breaches = receivables.over_limit(all_open, mine, today)
    return MyDebt(
        sums["debt"],
        sums["overdue"],
        sums["clients"],
        len(breaches),
        sum((b.excess for b in breaches), ZERO),
        link("reports:invoices_to_pay", variant=OVERDUE, manager=user.pk),
        link("reports:invoices_to_pay", variant=OVER_LIMIT, manager=user.pk),
    )


@dataclass
class MyCompleteness:
    counts: Counts
    url: str | None  # my cards in the client list, the emptiest first


def my_completeness(user) -> MyCompleteness:
    table = completeness_table(Client.objects.filter(responsible=user))
    return MyCompleteness(table.total, table.rows[0].url if table.rows else None)


# --- a supervisor's ---------------------------------------------------------------------------------


@dataclass
class CompletenessChange:
    table: CompletenessTable
    since: datetime.date | None  # the day of the snapshot the change is counted from
    was: dict[int | None, Decimal | None]  # the average then, by responsible id
    was_total: Decimal | None

    def change(self, responsible_id: int | None, now: Decimal | None) -> Decimal | None:
        then = self.was.get(responsible_id)
        return None if then is None or now is None else now - then

    @property
    def total_change(self) -> Decimal | None:
        now = self.table.total.average
        return None if self.was_total is None or now is None else now - self.was_total


def completeness_change(today: datetime.date) -> CompletenessChange:
    table = completeness_table(Client.objects.all())
    then: Past = past(today)
    was = {responsible: counts.average for responsible, counts in then.counts.items()}
    total = Counts.total(then.counts.values()).average if then.counts else None
    return CompletenessChange(table, then.day, was, total)


@dataclass
class WizardLine:
    kind: str
    label: str
    counts: iterations.Counts
    url: str  # «Итерации задач» of the kind


def wizard_tasks() -> list[WizardLine]:
    """The wizards' tasks by kind: in work, on review, accepted and their rounds — one GROUP BY query."""
    grouped = iterations.counts_by(Task.objects.filter(kind__in=WIZARD_KINDS), "kind")
    return [
        WizardLine(
            kind, str(kind.label), grouped.get(kind, iterations.Counts()), link("reports:task_iterations", kind=kind)
        )
        for kind in WIZARD_KINDS
    ]


# --- a sales head's ---------------------------------------------------------------------------------


@dataclass
class MonthFunnel:
    start: datetime.date
    end: datetime.date
    total: ManagerLine  # deals created in the month: new, won, lost, revenue
    url: str  # «Воронка по менеджерам» of the month, all funnels


def _month_funnel(deals, start: datetime.date, end: datetime.date) -> MonthFunnel:
    scope = Scope(funnel=None, start=start, end=end)
    table = by_manager(scope.deals(deals, "created_at"), lambda ids: {}, "")
    url = link("reports:funnel_managers", period_after=start.isoformat(), period_before=end.isoformat())
    return MonthFunnel(start, end, table.total, url)


@dataclass
class FunnelMonths:
    this: MonthFunnel
    last: MonthFunnel

    @property
    def revenue_change(self) -> Decimal | None:
        return percent(self.this.total.revenue - self.last.total.revenue, self.last.total.revenue)


def same_days_last_month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The days of last month that match this month to `today`: on 8 December, 1–8 November; on
    31 March, the whole of February."""
    last_end = month_start(today) - datetime.timedelta(days=1)
    return month_start(last_end), last_end.replace(day=min(today.day, last_end.day))


def funnel_months(user, today: datetime.date) -> FunnelMonths:
    """This month's deals to today against the same days of last month (a whole last month made
    every early day of a month look like a fall), as «Воронка по менеджерам» counts them: created
    in the period, won, lost, the conversion and the revenue of the won."""
    deals = visible_deals(Deal.objects.all(), user)
    return FunnelMonths(
        _month_funnel(deals, month_start(today), today), _month_funnel(deals, *same_days_last_month(today))
    )


@dataclass
class DebtByManager:
    table: receivables.GroupTable
    urls: dict[int | None, str]  # a manager's «Накладные к оплате»
    url: str  # «Задолженность по менеджерам»


def debt_by_manager(user, today: datetime.date) -> DebtByManager:
    open_invoices = receivables.receivable(visible_documents(Invoice.objects.all(), user), today, today)
    table = receivables.debt_by(open_invoices, receivables.GROUPINGS[receivables.MANAGER], today)
    urls = {row.key: link("reports:invoices_to_pay", manager=row.key or "null") for row in table.rows}
    return DebtByManager(table, urls, link("reports:debt_by_manager"))


@dataclass
class MonthPayments:
    total: receivables.Paid
    start: datetime.date
    url: str  # «Оплаты по менеджерам» of the month


def month_payments(user, today: datetime.date) -> MonthPayments:
    start = month_start(today)
    payments = visible_documents(Payment.objects.all(), user).filter(date__gte=start, date__lte=today)
    table = receivables.payments_by(payments, receivables.GROUPINGS[receivables.MANAGER])
    url = link("reports:payments_by_manager", period_after=start.isoformat(), period_before=today.isoformat())
    return MonthPayments(table.total, start, url)
