"""A small sales base whose figures the sales report tests work out by hand; the report date is
ON = 01.04.2026 (due dates before it are overdue).

clients (responsible): Альфа (Анна), Бета (Анна), Гамма (Борис), Дельта (none)
contracts:  А-1 Альфа  limit 1000  10 days      А-2 Альфа  no limit  30 days
            Б-1 Бета   limit 500   no days      Г-1 Гамма  limit 300  5 days
projects:   Опт, Розница

invoice client  contract status     date   shipped due    manager project total paid  open  overdue on ON
i1      Альфа   А-1      shipped    01.03  01.03   11.03  Анна    Опт      600   200   400   21 days
i2      Альфа   А-1      shipped    25.03  25.03   04.04  Анна    Опт      800     0   800   -
i3      Альфа   А-2      shipped    28.01  01.02   03.03  Борис   Розница  300     0   300   29 days
i4      Альфа   А-2      shipped    01.03  01.03   31.03  Анна    -        100   100     0   (paid)
i5      Бета    Б-1      shipped    20.03  20.03   20.03  Анна    Розница  700   100   600   12 days
i6      Гамма   Г-1      shipped    30.03  30.03   04.04  Борис   Опт      250     0   250   -
i7      Гамма   Г-1      shipped    01.03  01.03   06.03  Борис   Опт      150    50   100   26 days
i8      Дельта  -        shipped    31.03  31.03   31.03  -       -         90     0    90   1 day
i9      Альфа   А-1      request    28.03                 Анна    Опт      500     0
i10     Бета    Б-1      in work    15.03                 Анна    Розница  400   150
i11     Гамма   Г-1      ready      10.03                 Борис   Опт      120     0
i12     Дельта  -        cancelled  05.03                 -       -        999     0

Open under the contracts: А-1 1200 (over 1000 by 200), Б-1 600 (over 500 by 100), Г-1 350 (over 300
by 50), А-2 300 (no limit).

payment date   client  manager project  amount  allocated            unallocated
p1      05.03  Альфа   Анна    Опт      200     i1 200               0
p2      10.03  Альфа   Анна    -        100     i4 100               0
p3      21.03  Бета    Анна    Розница  250     i5 100, i10 150      0
p4      15.03  Гамма   Борис   Опт       80     i7 50                30
p5      20.02  Дельта  -       -         40     -                    40
"""

from __future__ import annotations

import datetime
from decimal import Decimal as D

from sales import services
from sales.models import Invoice, Payment
from sales.services import Line
from sales.tests.factories import ProductFactory

ON = datetime.date(2026, 4, 1)


def day(text: str) -> datetime.date:
    """«01.03» of 2026 (or «01.03.2025»)."""
    parts = [int(p) for p in text.split(".")]
    return datetime.date(parts[2] if len(parts) == 3 else 2026, parts[1], parts[0])


def make_invoice(client, amount, *, status, on, contract=None, manager=None, project=None, shipped=None) -> Invoice:
    product = ProductFactory(name=f"Товар за {amount}", price=D(amount))
    invoice = Invoice(client=client, contract=contract, manager=manager, project=project, date=day(on))
    invoice = services.save_invoice(invoice, [Line(product, D(1), D(amount))])
    path = {"request": [], "in_work": ["in_work"], "ready": ["in_work", "ready"], "cancelled": ["cancelled"]}
    for step in path.get(status, ["in_work", "ready"]):
        services.set_status(invoice, step)
    if status == "shipped":
        services.set_status(invoice, "shipped", shipped_on=day(shipped or on))
    invoice.refresh_from_db()
    return invoice


def make_payment(client, amount, *, on, manager=None, project=None, allocations=()) -> Payment:
    payment = Payment(client=client, manager=manager, project=project, date=day(on), amount=D(amount))
    payment = services.create_payment(payment, allocate_oldest=False)
    if allocations:
        services.allocate(payment, {invoice.pk: D(amount) for invoice, amount in allocations})
    payment.refresh_from_db()
    return payment
