"""The documents of «Карточка клиента» and «Акт сверки» tests, with every figure worked out by hand.

ООО «Покупатель» (Анна's client), contracts K1 «1/26» and K2 «2/26»; made in this order, each
payment allocated oldest-first within its contract (P4 has none, so any of the client's invoices):

doc  contract  dated       shipped     amount    allocated / open after all
I0   K1        05.02.2026  cancelled    300.00   —
I1   K1        09.02.2026  10.02.2026  1000.00   P1 600, P3 400 → open 0
I2   K2        20.02.2026  20.02.2026   500.00   P2 200, P4 100, P5 50 → open 150
I4   K2        28.02.2026  15.03.2026  1200.00   open 1200 (dated in February, shipped in March)
I3   K1        01.03.2026  05.03.2026   250.50   P3 250.50 → open 0
P1   K1        25.02.2026               600.00   → I1
P2   K2        10.03.2026               200.00   → I2 (a partial payment)
P3   K1        20.03.2026              1000.00   → I1 400, I3 250.50; 349.50 unallocated (an advance)
P4   —         31.03.2026               100.00   → I2
I6   K1        30.03.2026  05.04.2026    80.00   open 80 (dated in March, shipped in April)
P5   K2        10.04.2026                50.00   → I2
I5   K1        25.03.2026  not shipped  700.00   (ready to ship) open 700

March, all contracts: opening 1500 − 600 = 900; 05.03 I3 +250.50 → 1150.50; 10.03 P2 −200 → 950.50;
15.03 I4 +1200 → 2150.50; 20.03 P3 −1000 → 1150.50; 31.03 P4 −100 → 1050.50. Turnovers 1450.50 and
1300.00, closing 1050.50. K1: 400 → 650.50 → −349.50; K2: 500 → 300 → 1500; without a contract:
0 → −100. Up to today: shipped 3030.50 − paid 1950.00 = 1080.50 = open 1430.00 − unallocated 349.50.

ООО «Чужой» (Борис's client) has a shipment and a payment in March that no report of ours shows.
"""

from __future__ import annotations

import datetime
from decimal import Decimal as D
from types import SimpleNamespace

from clients.tests import factories as client_factories
from sales import services
from sales.models import Invoice, Payment
from sales.services import Line
from sales.tests.factories import ContractFactory, ProductFactory


def on(day: int, month: int) -> datetime.date:
    return datetime.date(2026, month, day)


def invoice(client, amount: str, *, contract=None, dated: datetime.date, shipped: datetime.date | None = None):
    product = ProductFactory(name="Товар", price=D("1.00"))
    made = services.save_invoice(
        Invoice(client=client, contract=contract, date=dated), [Line(product, D(1), D(amount))]
    )
    if shipped is None:
        return made
    for status in ("in_work", "ready"):
        services.set_status(made, status)
    return services.set_status(made, "shipped", shipped_on=shipped)


def payment(client, amount: str, *, contract=None, dated: datetime.date) -> Payment:
    return services.create_payment(Payment(client=client, contract=contract, date=dated, amount=D(amount)))


def make_documents() -> SimpleNamespace:
    anna = client_factories.manager(username="anna", first_name="Анна", last_name="Смирнова")
    boris = client_factories.manager(username="boris", first_name="Борис", last_name="Волков")
    buyer = client_factories.ClientFactory(name="ООО «Покупатель»", responsible=anna)
    k1 = ContractFactory(client=buyer, number="1/26", date=on(10, 1), credit_days=10)
    k2 = ContractFactory(client=buyer, number="2/26", date=on(15, 1))

    i0 = invoice(buyer, "300.00", contract=k1, dated=on(5, 2))
    services.set_status(i0, "cancelled")
    i1 = invoice(buyer, "1000.00", contract=k1, dated=on(9, 2), shipped=on(10, 2))
    i2 = invoice(buyer, "500.00", contract=k2, dated=on(20, 2), shipped=on(20, 2))
    i4 = invoice(buyer, "1200.00", contract=k2, dated=on(28, 2), shipped=on(15, 3))
    i3 = invoice(buyer, "250.50", contract=k1, dated=on(1, 3), shipped=on(5, 3))
    p1 = payment(buyer, "600.00", contract=k1, dated=on(25, 2))
    p2 = payment(buyer, "200.00", contract=k2, dated=on(10, 3))
    p3 = payment(buyer, "1000.00", contract=k1, dated=on(20, 3))
    p4 = payment(buyer, "100.00", dated=on(31, 3))
    i6 = invoice(buyer, "80.00", contract=k1, dated=on(30, 3), shipped=on(5, 4))
    p5 = payment(buyer, "50.00", contract=k2, dated=on(10, 4))
    i5 = invoice(buyer, "700.00", contract=k1, dated=on(25, 3))
    for status in ("in_work", "ready"):
        services.set_status(i5, status)

    stranger = client_factories.ClientFactory(name="ООО «Чужой»", responsible=boris)
    k3 = ContractFactory(client=stranger, number="1/26", date=on(10, 1))
    invoice(stranger, "999.00", contract=k3, dated=on(1, 3), shipped=on(1, 3))
    payment(stranger, "111.00", contract=k3, dated=on(5, 3))
    for document in (i0, i1, i2, i3, i4, i5, i6, p1, p2, p3, p4, p5):
        document.refresh_from_db()
    return SimpleNamespace(
        anna=anna,
        boris=boris,
        buyer=buyer,
        stranger=stranger,
        k1=k1,
        k2=k2,
        k3=k3,
        i0=i0,
        i1=i1,
        i2=i2,
        i3=i3,
        i4=i4,
        i5=i5,
        i6=i6,
        p1=p1,
        p2=p2,
        p3=p3,
        p4=p4,
        p5=p5,
    )
