"""The home page's base: the sales base of reports/tests/receivables (Анна's and Борис's invoices and
payments of March 2026, all overdue by now), tasks, deals stuck on a stage, and the four roles."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from clients.tests import factories
from crm import roles
from funnel.models import Deal
from funnel.tests.conftest import deal_of
from funnel.tests.factories import FunnelFactory, stages
from reports.tests.receivables.conftest import sales  # noqa: F401 (a fixture)
from tasks.models import Task
from tasks.tests.factories import TaskFactory


@pytest.fixture
def people(db):
    """The sales base's managers (its fixture finds them by login), a supervisor, a sales head, an
    administrator and a user with no role."""
    return SimpleNamespace(
        anna=factories.manager(username="anna", first_name="Анна", last_name="Смирнова"),
        boris=factories.manager(username="boris", first_name="Борис", last_name="Волков"),
        boss=factories.supervisor(username="boss"),
        head=factories.UserFactory(username="head", role=roles.SALES_HEAD),
        admin=factories.UserFactory(username="admin", role=roles.ADMINISTRATOR),
        outsider=factories.UserFactory(username="outsider"),
    )


@pytest.fixture
def home_base(people, sales):  # noqa: F811
    """Анна: 2 overdue tasks (and one postponed, not counted), 1 due today, 1 due tomorrow, one
    accepted; 2 of her 3 deals stuck; Борис: 1 overdue task, 1 stuck deal. Two wizard tasks."""
    anna, boris = people.anna, people.boris
    for user in (anna, boris):
        user.refresh_from_db()  # the sales base found them by login and set their password again
    today = timezone.localdate()
    yesterday, tomorrow = today - datetime.timedelta(days=1), today + datetime.timedelta(days=1)
    for due in (yesterday, yesterday - datetime.timedelta(days=5), today, tomorrow):
        TaskFactory(executor=anna, due_date=due)
    TaskFactory(executor=anna, due_date=yesterday, postponed_until=timezone.now() + datetime.timedelta(days=2))
    TaskFactory(executor=anna, due_date=yesterday, state=Task.State.ACCEPTED)
    TaskFactory(executor=boris, due_date=yesterday)
    TaskFactory(executor=anna, kind=Task.Kind.CONTACT_INFO, state=Task.State.DONE, iteration=2)
    TaskFactory(executor=boris, kind=Task.Kind.PROPERTIES, state=Task.State.IN_PROGRESS)

    funnel = FunnelFactory(name="B2B")
    first = stages(funnel, "Контакт", "Предложение")[0]
    first.expected_days = 3
    first.save()
    deals = [deal_of(funnel, anna, f"Сделка {n}", client=sales.alfa) for n in range(3)]
    deals.append(deal_of(funnel, boris, "Сделка Бориса", client=sales.gamma))
    old = timezone.now() - datetime.timedelta(days=10)
    Deal.objects.filter(pk__in=[deals[0].pk, deals[1].pk, deals[3].pk]).update(stage_entered_at=old)
    return SimpleNamespace(people=people, sales=sales, funnel=funnel, deals=deals)
