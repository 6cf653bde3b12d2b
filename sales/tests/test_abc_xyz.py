"""ABC/XYZ classes from shipments, against hand-computed figures."""

import datetime
from decimal import Decimal as D

from django.utils import timezone

from clients.models import Client
from clients.tests import factories as client_factories
from sales import abc_xyz, jobs, services
from sales.models import Invoice
from sales.services import Line
from sales.tests.factories import ProductFactory

TODAY = timezone.localdate()
START = abc_xyz.period_start(TODAY, 12)


def ship(client, amount: str, on: datetime.date) -> None:
    product = ProductFactory(name="Товар", price=D("1.00"))
    invoice = services.save_invoice(Invoice(client=client, date=on), [Line(product, D(amount), D("1.00"))])
    for status in ("in_work", "ready"):
        services.set_status(invoice, status)
    services.set_status(invoice, "shipped", shipped_on=on)


def month(n: int) -> datetime.date:
    """The 1st of the n-th month of the last twelve (0: eleven months ago … 11: this month)."""
    index = START.year * 12 + START.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def test_the_period_is_the_last_twelve_months():
    assert abc_xyz.period_start(datetime.date(2026, 11, 27), 12) == datetime.date(2025, 12, 1)
    assert abc_xyz.period_start(datetime.date(2026, 1, 31), 12) == datetime.date(2025, 2, 1)


def test_abc_by_revenue_share_and_xyz_by_monthly_variation(db):
    steady, seasonal, small, tiny, idle = (
        client_factories.ClientFactory(name=n, abc_class="A", xyz_class="X")
        for n in ("Ровный", "Сезонный", "Малый", "Крошечный", "Спящий")
    )
    for n in range(12):
        ship(steady, "66.00", month(n))  # 792 in all, the same every month
    ship(seasonal, "150.00", month(3))  # all in one month
    for n in range(12):
        ship(small, "2.00" if n % 2 else "3.00", month(n))  # 30: 2 and 3 alternating
    ship(tiny, "28.00", month(0))
    ship(idle, "500.00", START - datetime.timedelta(days=1))  # before the period
    total = 792 + 150 + 30 + 28
    assert total == 1000

    counts = jobs.recalculate_classes.run()  # the job's body, in-process
    by_name = dict(Client.objects.values_list("name", "abc_class"))
    # shares before each client: 0 % → A; 79.2 % → A; 94.2 % → B; 97.2 % → C
    assert by_name == {"Ровный": "A", "Сезонный": "A", "Малый": "B", "Крошечный": "C", "Спящий": ""}
    xyz = dict(Client.objects.values_list("name", "xyz_class"))
    # Ровный: no variation → X; Малый: 2.5 ± 0.5 → 20 % → Y; one month of twelve → Z
    assert xyz == {"Ровный": "X", "Сезонный": "Z", "Малый": "Y", "Крошечный": "Z", "Спящий": ""}
    assert counts == {"A": 2, "B": 1, "C": 1, "X": 1, "Y": 1, "Z": 2}


def test_the_shares_and_limits_come_from_settings(db, settings):
    settings.SALES_ABC_SHARES = (50, 30)
    a, b = client_factories.ClientFactory(name="А"), client_factories.ClientFactory(name="Б")
    ship(a, "60.00", month(11))
    ship(b, "40.00", month(11))
    result = abc_xyz.compute(TODAY)
    assert result.abc == {a.pk: "A", b.pk: "B"}


def test_supervisors_recalculate_on_demand(client, db, django_capture_on_commit_callbacks):
    from django.urls import reverse

    url = reverse("sales:recalculate_classes")
    client.force_login(client_factories.manager(username="anna"))
    assert client.post(url).status_code == 403
    client.force_login(client_factories.supervisor(username="boss"))
    assert 'id="recalculate-classes"' in client.get(reverse("service")).content.decode()
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url, follow=True)
    assert len(callbacks) == 1  # the job is queued
    assert "пересчитываются" in response.content.decode()
    assert client.get(url).status_code == 405
