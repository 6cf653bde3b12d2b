"""The home page per role: the blocks each role sees, that a manager sees only their own figures,
that each figure is the count or sum of the page it links to, and the page's queries."""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest
from django.urls import reverse

from crm.testing import logged_in

HOME = "/"
MANAGER_BLOCKS = {"home-my-tasks", "home-my-deals", "home-my-debt", "home-my-completeness"}
SUPERVISOR_BLOCKS = {"home-completeness", "home-wizard-tasks"}
HEAD_BLOCKS = {"home-funnel-month", "home-debt-by-manager", "home-month-payments"}
ALL_BLOCKS = MANAGER_BLOCKS | SUPERVISOR_BLOCKS | HEAD_BLOCKS


def blocks_of(response) -> set[str]:
    return {block for block in ALL_BLOCKS if f'id="{block}"' in response.content.decode()}


def panel(response, name: str) -> dict:
    return next(p for _h, blocks in response.context["sections"] for p in blocks if p["name"] == name)


def test_home_is_the_sites_root():
    assert reverse("home") == HOME


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        ("anna", MANAGER_BLOCKS),
        ("boss", SUPERVISOR_BLOCKS),
        ("head", HEAD_BLOCKS),
        ("admin", HEAD_BLOCKS),
    ],
)
def test_each_role_sees_its_blocks_only(people, who, shown):
    response = logged_in(getattr(people, who)).get(HOME)
    assert response.status_code == 200
    assert blocks_of(response) == shown


def test_a_user_with_several_roles_sees_the_union(people):
    from django.contrib.auth.models import Group

    people.anna.groups.add(Group.objects.get(name="Руководитель"))
    assert blocks_of(logged_in(people.anna).get(HOME)) == MANAGER_BLOCKS | SUPERVISOR_BLOCKS


def test_an_outsider_is_refused_and_a_stranger_sent_to_log_in(client, people):
    assert logged_in(people.outsider).get(HOME).status_code == 403
    response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_manager_sees_only_their_own_figures(home_base):
    anna, boris = home_base.people.anna, home_base.people.boris
    mine, theirs = logged_in(anna).get(HOME), logged_in(boris).get(HOME)
    tasks, deals, debt = (panel(mine, n) for n in ("my_tasks", "my_deals", "my_debt"))
    assert (tasks["tasks"].overdue, tasks["tasks"].today) == (2, 1)  # the postponed one and Борис's not
    assert deals["deals"].stuck == 2
    # Анна's shipped invoices i1, i2, i5 are unpaid (400 + 800 + 600) and overdue by now; i3 is Борис's.
    assert (debt["debt"].overdue, debt["debt"].overdue_clients) == (D("1800.00"), 2)
    assert debt["debt"].over_limit == 2  # А-1 and Б-1; Г-1 is Борис's
    assert (panel(theirs, "my_tasks")["tasks"].overdue, panel(theirs, "my_deals")["deals"].stuck) == (1, 1)
    # i6 250 and i7 100; i3 is his invoice but Анна's client's, which he does not see
    assert panel(theirs, "my_debt")["debt"].overdue == D("350.00")
    assert "Сделка Бориса" not in mine.content.decode()


def test_the_managers_figures_are_the_linked_pages_counts(home_base):
    anna = home_base.people.anna
    browser = logged_in(anna)
    home = browser.get(HOME)
    tasks, deals, debt = (panel(home, n) for n in ("my_tasks", "my_deals", "my_debt"))
    assert browser.get(tasks["tasks"].overdue_url).context["page"].paginator.count == tasks["tasks"].overdue
    assert browser.get(tasks["tasks"].today_url).context["page"].paginator.count == tasks["tasks"].today
    assert browser.get(deals["deals"].url).context["page"].paginator.count == deals["deals"].stuck
    overdue = browser.get(debt["debt"].overdue_url).content.decode().replace("\xa0", " ")
    assert re.search(r"Итого.*?1 800,00", overdue, re.S)
    over_limit = browser.get(debt["debt"].over_limit_url).content.decode()
    assert "А-1" in over_limit and "Б-1" in over_limit and "Г-1" not in over_limit  # the 2 contracts
    mine = panel(home, "my_completeness")["mine"]
    assert f"responsible={anna.pk}" in mine.url and mine.counts.clients == 2  # Альфа, Бета


def test_the_sales_heads_figures_are_the_linked_reports_totals(home_base):
    browser = logged_in(home_base.people.head)
    home = browser.get(HOME)
    months = panel(home, "funnel_month")["months"]
    assert months.this.total.deals == 4
    assert browser.get(months.this.url).context["table"].total.deals == months.this.total.deals
    assert browser.get(months.last.url).context["table"].total.deals == months.last.total.deals == 0
    debt = panel(home, "debt_by_manager")["debt"]
    report = browser.get(debt.url).context["table"]
    assert (debt.table.total.debt, debt.table.total.overdue) == (report.total.debt, report.total.overdue)
    assert debt.table.total.overdue == D("2540.00")  # every open amount: all are overdue by now
    anna_line = next(row for row in debt.table.rows if row.key == home_base.people.anna.pk)
    to_pay = browser.get(debt.urls[anna_line.key]).content.decode().replace("\xa0", " ")
    assert "1 800,00" in to_pay
    payments = panel(home, "month_payments")["payments"]
    assert browser.get(payments.url).context["table"].total.amount == payments.total.amount


def test_the_supervisors_wizard_tasks_are_the_iteration_reports_totals(home_base):
    browser = logged_in(home_base.people.boss)
    lines = {line.kind: line for line in panel(browser.get(HOME), "wizard_tasks")["lines"]}
    assert (lines["contact_info"].counts.waiting, lines["properties"].counts.open) == (1, 1)
    for line in lines.values():
        total = browser.get(line.url).context["table"].total
        counts = line.counts
        assert (total.open, total.waiting, total.accepted) == (counts.open, counts.waiting, counts.accepted)


def test_the_page_makes_a_bounded_number_of_queries(home_base, django_assert_max_num_queries):
    for who, most in [("anna", 12), ("boss", 8), ("head", 9), ("admin", 9)]:
        browser = logged_in(getattr(home_base.people, who))
        with django_assert_max_num_queries(most):
            assert browser.get(HOME).status_code == 200


def test_this_month_is_set_against_the_same_days_of_last_month(home_base):
    """On the 8th, last month counts its 1st to 8th: a deal of its 20th is not set against a week."""
    import datetime

    from django.utils import timezone

    from funnel.models import Deal
    from reports.home import figures

    head, deals = home_base.people.head, home_base.deals
    for deal, day in ((deals[0], 3), (deals[1], 20)):
        Deal.objects.filter(pk=deal.pk).update(created_at=timezone.make_aware(datetime.datetime(2026, 11, day, 12)))

    months = figures.funnel_months(head, datetime.date(2026, 12, 8))
    assert (months.last.start, months.last.end) == (datetime.date(2026, 11, 1), datetime.date(2026, 11, 8))
    assert months.last.total.deals == 1
    assert logged_in(head).get(months.last.url).context["table"].total.deals == 1  # the link is those days
    # The 31st of a month after a shorter one: the whole of February.
    months = figures.funnel_months(head, datetime.date(2027, 3, 31))
    assert (months.last.start, months.last.end) == (datetime.date(2027, 2, 1), datetime.date(2027, 2, 28))
