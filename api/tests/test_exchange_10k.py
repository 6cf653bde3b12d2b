"""10,000 invoices and payments sent through the API in batches of 1,000, as an accounting
system's nightly exchange: within 30 s here, the receivables reports add up to what was sent, and
the same exchange sent again changes nothing."""

from __future__ import annotations

import datetime
import time
from decimal import Decimal as D

from django.db.models import Max
from django.urls import reverse

from api.tests.conftest import api_of
from crm.testing import logged_in
from sales.models import Allocation, Invoice, Payment
from sales.tests.factories import ProductFactory

SOURCE = "1c-ut"
CLIENTS, INVOICES, BATCH = 100, 5_000, 1_000


def item(kind: str, key: str, data: dict) -> dict:
    return {"kind": kind, "source": SOURCE, "id": key, "data": data}


def documents(product_id: int) -> tuple[list[dict], list[dict], dict]:
    """The invoices and payments of the exchange, and the sums they make."""
    invoices, payments = [], []
    sums = {"total": D(0), "allocated": D(0), "paid": D(0), "open_invoices": 0}
    start = datetime.date(2026, 1, 1)
    for n in range(INVOICES):
        client = f"К-{n % CLIENTS}"
        day = start + datetime.timedelta(days=n % 300)
        price = D(100 + n % 900) + D("0.50")
        invoices.append(
            item(
                "invoices",
                f"Н-{n}",
                {
                    "client": client,
                    "contract": f"Д-{n % CLIENTS}",
                    "date": day.isoformat(),
                    "shipped_on": day.isoformat(),
                    "lines": [{"product": product_id, "quantity": "2", "price": str(price), "discount": "10"}],
                },
            )
        )
        total = (2 * price * D("0.9")).quantize(D("0.01"))
        # A third paid in full, a third by half (and 10 more left unallocated), a third not at all.
        allocated = {0: total, 1: (total / 2).quantize(D("0.01")), 2: D(0)}[n % 3]
        amount = allocated + (D(10) if n % 3 else D(0))
        payments.append(
            item(
                "payments",
                f"П-{n}",
                {
                    "client": client,
                    "date": (day + datetime.timedelta(days=5)).isoformat(),
                    "amount": str(amount),
                    "allocations": [{"invoice": f"Н-{n}", "amount": str(allocated)}] if allocated else [],
                },
            )
        )
        sums["total"] += total
        sums["allocated"] += allocated
        sums["paid"] += amount
        sums["open_invoices"] += allocated < total
    return invoices, payments, sums


def send(api, items: list[dict]) -> list[str]:
    results = []
    for start in range(0, len(items), BATCH):
        answer = api.http.post("/api/v1/exchange/batch/", items[start : start + BATCH], content_type="application/json")
        assert answer.status_code == 200, str(answer.json())[:2000]
        results += [row["result"] for row in answer.json()["results"]]
    return results


def stamps() -> tuple:
    """The last change of an invoice and the last allocation made."""
    return Invoice.objects.aggregate(m=Max("updated_at"))["m"], Allocation.objects.aggregate(m=Max("pk"))["m"]


def report_total(browser, name: str, **params) -> list:
    response = browser.get(reverse(name), params)
    return list(response.context["report"].sections[0][1].total.values[1:])


def test_ten_thousand_invoices_and_payments_in_batches_add_up_and_are_idempotent(boss, settings):
    settings.API_RATE_LIMITS = {"read": "600/min", "write": "600/min"}
    api = api_of(boss)
    product = ProductFactory(name="Насос")
    parties = [item("clients", f"К-{n}", {"kind": "company", "name": f"Покупатель {n}"}) for n in range(CLIENTS)] + [
        item("contracts", f"Д-{n}", {"client": f"К-{n}", "number": f"{n}/26", "date": "2026-01-01", "credit_days": 30})
        for n in range(CLIENTS)
    ]
    assert set(send(api, parties)) == {"created"}
    invoices, payments, sums = documents(product.pk)

    started = time.monotonic()
    results = send(api, invoices) + send(api, payments)
    took = time.monotonic() - started
    print(f"\n10,000 documents in {took:.1f} s")
    assert took <= 30
    assert results == ["created"] * (2 * INVOICES)

    browser = logged_in(boss)
    debt = report_total(browser, "reports:debt_by_manager", on="2030-01-01")
    assert debt[:2] == [sums["open_invoices"], sums["total"] - sums["allocated"]]
    paid = report_total(browser, "reports:payments_by_manager", period_after="2026-01-01", period_before="2026-12-31")
    assert paid[:3] == [INVOICES, sums["paid"], sums["paid"] - sums["allocated"]]
    register = report_total(browser, "reports:invoice_register", period_after="2026-01-01", period_before="2026-12-31")
    assert sums["total"] in register

    stamps = Invoice.objects.aggregate(m=Max("updated_at"))["m"], Allocation.objects.aggregate(m=Max("pk"))["m"]
    assert set(send(api, invoices) + send(api, payments)) == {"unchanged"}
    assert (
        Invoice.objects.aggregate(m=Max("updated_at"))["m"],
        Allocation.objects.aggregate(m=Max("pk"))["m"],
    ) == stamps
    assert (Invoice.objects.count(), Payment.objects.count()) == (INVOICES, INVOICES)
