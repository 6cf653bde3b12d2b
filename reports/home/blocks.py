"""The blocks of the home page (`home`): crm.panels' Panel in a registry of their own, HOME. Each
block says which roles see it (a user with several roles sees the union) and draws its figures
(reports.home.figures) with their links; the place is the role's section of the page. Charts are
SVG drawn on the server (reports.funnel.charts), no script."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm import roles
from crm.numbers import money, number
from crm.panels import Panel, Registry
from reports.funnel.charts import Bar, bar_chart
from reports.home import figures, snapshots

MANAGER, SUPERVISOR, SALES_HEAD = "manager", "supervisor", "sales_head"
# The page's sections, in order: who sees each, and its heading.
SECTIONS = {
    MANAGER: ((roles.MANAGER,), gettext_lazy("Мой день")),
    SUPERVISOR: ((roles.SUPERVISOR,), gettext_lazy("Контроль заполнения и задачи мастеров")),
    SALES_HEAD: ((roles.SALES_HEAD, roles.ADMINISTRATOR), gettext_lazy("Продажи")),
}

HOME = Registry()


def percent_text(value) -> str:
    return "—" if value is None else f"{number(value, 1)} %"


def block(name: str, place: str, order: int) -> Callable:
    """Register `draw(user, now, today) → context` as a block of the section `place`, drawn by
    reports/home/_<name>.html for the section's roles only."""
    allowed = SECTIONS[place][0]

    def register(draw: Callable) -> Callable:
        def context(user, now: datetime.datetime) -> dict | None:
            if not roles.has_any_role(user, *allowed):
                return None
            return {"name": name, **draw(user, now, timezone.localdate(now))}

        HOME.register(Panel(name, f"reports/home/_{name}.html", context, order, place))
        return draw

    return register


@block("my_tasks", MANAGER, 10)
def my_tasks(user, now, today) -> dict:
    return {"tasks": figures.my_tasks(user, now, today), "today": today}


@block("my_deals", MANAGER, 20)
def my_deals(user, now, today) -> dict:
    return {"deals": figures.my_deals(user, now)}


@block("my_debt", MANAGER, 30)
def my_debt(user, now, today) -> dict:
    return {"debt": figures.my_debt(user, today)}


@block("my_completeness", MANAGER, 40)
def my_completeness(user, now, today) -> dict:
    return {"mine": figures.my_completeness(user)}


@block("completeness", SUPERVISOR, 10)
def completeness(user, now, today) -> dict:
    change = figures.completeness_change(today)
    lines = [(row, change.change(row.responsible_id, row.counts.average)) for row in change.table.rows]
    bars = [
        Bar(row.name, [float(row.counts.average or 0)], [percent_text(row.counts.average)]) for row in change.table.rows
    ]
    chart = bar_chart(
        bars, [_("Заполненность")], title=_("Заполненность по менеджерам"), chart_id="home-completeness-chart"
    )
    return {"change": change, "lines": lines, "chart": chart, "days": snapshots.CHANGE_DAYS}


@block("wizard_tasks", SUPERVISOR, 20)
def wizard_tasks(user, now, today) -> dict:
    return {"lines": figures.wizard_tasks()}


@block("funnel_month", SALES_HEAD, 10)
def funnel_month(user, now, today) -> dict:
    months = figures.funnel_months(user, today)
    this, last = months.this.total, months.last.total
    bars = [
        Bar(_("Новые"), [this.deals, last.deals], [str(this.deals), str(last.deals)]),
        Bar(_("Успех"), [this.won, last.won], [str(this.won), str(last.won)]),
        Bar(_("Провал"), [this.lost, last.lost], [str(this.lost), str(last.lost)]),
        Bar(_("Выручка"), [float(this.revenue), float(last.revenue)], [money(this.revenue), money(last.revenue)]),
    ]
    series = [_("С начала месяца"), _("Те же дни прошлого месяца")]
    chart = bar_chart(bars[:3], series, title=_("Воронка за месяц"), chart_id="home-funnel-chart")
    revenue = bar_chart(bars[3:], series, title=_("Выручка"), chart_id="home-revenue-chart")
    month_rows = list(zip((months.this, months.last), series, strict=True))
    return {"months": months, "month_rows": month_rows, "chart": chart, "revenue_chart": revenue}


@block("debt_by_manager", SALES_HEAD, 20)
def debt_by_manager(user, now, today) -> dict:
    debt = figures.debt_by_manager(user, today)
    rows = [(row, debt.urls[row.key]) for row in debt.table.rows]
    bars = [
        Bar(
            row.name,
            [float(row.figures.debt), float(row.figures.overdue)],
            [money(row.figures.debt), money(row.figures.overdue)],
        )
        for row in debt.table.rows
    ]
    series = [_("Задолженность"), _("Просрочено")]
    chart = bar_chart(bars, series, title=_("Задолженность по менеджерам"), chart_id="home-debt-chart")
    return {"debt": debt, "rows": rows, "chart": chart}


@block("month_payments", SALES_HEAD, 30)
def month_payments(user, now, today) -> dict:
    return {"payments": figures.month_payments(user, today)}


def draw(user, now: datetime.datetime | None = None) -> list[tuple[str, list[dict]]]:
    """The page's sections that the user sees, each (heading, its blocks)."""
    drawn = HOME.draw(user, now or timezone.now())
    return [(str(SECTIONS[place][1]), drawn[place]) for place in SECTIONS if place in drawn]
