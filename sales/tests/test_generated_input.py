"""Generated bad input (issue 13) against the document forms: an invoice with its lines (new and
edit), a payment, its allocations, a contract (new and edit) and a shipment. Every example is
answered without a 500; a refused one changes nothing; after an accepted one every document still
adds up (lines to totals, allocations to open and unallocated amounts)."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.db.models import Sum
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from clients.tests import factories as client_factories
from crm.testing import logged_in, submitted_form
from crm.tests.strategies import GENERATED, Snapshot, assert_answered, each_example, last, mutated, offered_choices
from sales import services
from sales.models import Allocation, Contract, Invoice, InvoiceLine, Payment
from sales.services import Line
from sales.tests.conftest import make_invoice
from sales.tests.factories import ContractFactory, ProductFactory

MODELS = [Invoice, InvoiceLine, Payment, Allocation, Contract]
CHOICES = {
    "date": ["01.03.2026", "2026-03-01", "31.12.2100"],
    "shipped_on": ["02.03.2026", "01.01.1900", "01.01.2101"],
    "amount": ["100", "0,01", "150,005", "1000000000000"],
    "credit_limit": ["", "1000", "-1"],
    "credit_days": ["", "10", "32768", "-1"],
    "number": ["7/26", "Д-1", ""],
    "status": ["in_work", "ready", "shipped", "cancelled", "request"],
}


@pytest.fixture
def documents(db):
    owner = client_factories.manager(username="gen-owner")
    colleague = client_factories.manager(username="gen-colleague")
    buyer = client_factories.ClientFactory(name="ООО «Покупатель»", inn="7707083893", responsible=owner)
    theirs = client_factories.ClientFactory(name="ООО «Чужой»", responsible=colleague)
    contract = ContractFactory(client=buyer, number="7/26", credit_limit=D("1000.00"), credit_days=10)
    their_contract = ContractFactory(client=theirs, number="9/26")
    widget = ProductFactory(name="Виджет", price=D("100.00"))
    gadget = ProductFactory(name="Гаджет", price=D("250.00"))
    invoice = make_invoice(buyer, [Line(widget, D(2), D("100.00"))], contract=contract, manager=owner)
    ready = make_invoice(buyer, [Line(gadget, D(1), D("250.00"))], contract=contract, manager=owner)
    for status in ("in_work", "ready"):
        services.set_status(ready, status)
    their_invoice = make_invoice(theirs, [Line(widget, D(1), D("100.00"))], contract=their_contract)
    payment = services.create_payment(
        Payment(client=buyer, contract=contract, date=datetime.date(2026, 3, 5), amount=D("300.00")),
        allocate_oldest=False,
    )
    rows = [invoice, ready, payment, contract]
    ids = [o.pk for o in [owner, colleague, buyer, theirs, contract, their_contract, widget, gadget, *rows]]
    ids += [their_invoice.pk]
    return {
        "owner": owner,
        "widget": widget.pk,
        "buyer": buyer,
        "invoice": invoice,
        "ready": ready,
        "payment": payment,
        "rows": rows,
        "ids": ids,
    }


def _with_new_line(data: dict, product: int, prefix: str = "lines") -> dict:
    """The form as sent after «Добавить строку» with one widget in the new row."""
    data = {k: v for k, v in data.items() if "__prefix__" not in k}
    rows = int(data.get(f"{prefix}-TOTAL_FORMS", 0))
    row = {"product": str(product), "quantity": "1", "price": "100,00", "discount": "0"}
    data.update({f"{prefix}-TOTAL_FORMS": str(rows + 1), **{f"{prefix}-{rows}-{k}": v for k, v in row.items()}})
    return data


def _forms(browser, docs) -> dict[str, tuple[str, dict, dict]]:
    """Each form as its page sends it: (where it posts, the data, the choices it offers)."""
    invoice, ready, payment = docs["invoice"], docs["ready"], docs["payment"]
    pages = {
        "invoice_new": (reverse("sales:invoice_create"), reverse("sales:invoice_create"), "invoice-form"),
        "invoice_edit": (reverse("sales:invoice_edit", args=[invoice.pk]),) * 2 + ("invoice-form",),
        "payment_new": (reverse("sales:payment_create"),) * 2 + ("payment-form",),
        "allocation": (
            reverse("sales:payment_detail", args=[payment.pk]),
            reverse("sales:payment_allocate", args=[payment.pk]),
            "allocation-form",
        ),
        "contract_new": (
            reverse("sales:contract_create") + f"?client={docs['buyer'].pk}",
            reverse("sales:contract_create") + f"?client={docs['buyer'].pk}",
            "contract-form",
        ),
        "contract_edit": (reverse("sales:contract_edit", args=[docs["rows"][3].pk]),) * 2 + ("contract-form",),
        "shipment": (
            reverse("sales:invoice_detail", args=[ready.pk]),
            reverse("sales:invoice_status", args=[ready.pk]),
            "ship-form",
        ),
    }
    # What the user types into the empty new forms, so that they can be accepted as they are.
    document = {"client": str(docs["buyer"].pk), "contract": str(docs["rows"][3].pk), "date": "05.03.2026"}
    filled = {
        "invoice_new": document,
        "payment_new": {**document, "amount": "50,00"},
        "contract_new": {"number": "8/26", "date": "01.03.2026"},
        "shipment": {"status": "shipped", "shipped_on": "06.03.2026", "from": "ready"},
    }
    forms = {}
    for key, (page_url, post_url, form_id) in pages.items():
        response = browser.get(page_url)
        assert response.status_code == 200, (key, response.status_code)
        data = submitted_form(response.content, form_id)
        if key.startswith("invoice"):
            data = _with_new_line(data, docs["widget"])
        data.update(filled.get(key, {}))
        choices = {**CHOICES, **offered_choices(response.content, form_id)}
        forms[key] = (post_url, data, choices)
    return forms


def _assert_documents_add_up() -> None:
    for invoice in Invoice.objects.annotate(lines_total=Sum("lines__amount")):
        assert invoice.total == (invoice.lines_total or 0), invoice
        paid = Allocation.objects.filter(invoice=invoice).aggregate(s=Sum("amount"))["s"] or 0
        assert invoice.open_amount == invoice.total - paid or invoice.status == Invoice.Status.CANCELLED, invoice
        assert 0 <= invoice.open_amount <= invoice.total, invoice
    for payment in Payment.objects.all():
        allocated = Allocation.objects.filter(payment=payment).aggregate(s=Sum("amount"))["s"] or 0
        assert payment.unallocated == payment.amount - allocated, payment
        assert 0 <= payment.unallocated <= payment.amount, payment


def test_the_document_forms_answer_generated_input_and_keep_documents_adding_up(documents):
    browser = logged_in(documents["owner"])
    forms = _forms(browser, documents)
    drawn_forms = st.sampled_from(sorted(forms)).flatmap(
        lambda key: mutated(forms[key][1], ids=documents["ids"], choices=forms[key][2], most=4).map(lambda d: (key, d))
    )

    @GENERATED
    @given(drawn_forms)
    def check(drawn):
        key, data = drawn
        with each_example():
            snapshot = Snapshot(MODELS, documents["rows"])
            response = browser.post(forms[key][0], data)
            assert_answered(response, drawn, label=key)
            if response.status_code != 302:
                snapshot.assert_unchanged(drawn)
            elif key.startswith("contract"):
                saved = Contract.objects.order_by("-pk").first() if key == "contract_new" else documents["rows"][3]
                saved.refresh_from_db()
                assert saved.number == last(data, "number").strip(), drawn
            _assert_documents_add_up()

    check()
