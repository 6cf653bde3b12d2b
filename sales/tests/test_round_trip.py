"""A document's or contract's edit form saved as the browser sends it changes nothing; two people
changing different fields both keep their change; a field both changed is a conflict on it."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse

from crm.testing import logged_in, opened_form, submitted_form
from sales.models import Contract, Invoice
from sales.services import Line
from sales.tests.conftest import make_invoice


def invoice_state(invoice: Invoice) -> tuple:
    invoice = Invoice.objects.get(pk=invoice.pk)
    lines = list(invoice.lines.order_by("pk").values_list("pk", "product", "quantity", "price", "discount", "amount"))
    return (
        invoice.client_id,
        invoice.contract_id,
        invoice.date,
        invoice.manager_id,
        invoice.project_id,
        invoice.comment,
        invoice.total,
        invoice.open_amount,
        invoice.updated_at,
        lines,
    )


@pytest.fixture
def two_line_invoice(buyer, contract, widget, gadget, owner):
    return make_invoice(
        buyer,
        [Line(widget, D("2.5"), D("100.00"), D("7")), Line(gadget, D(1), D("250.00"))],
        contract=contract,
        manager=owner,
        comment="доставка\nдо 12:00",
    )


def test_an_invoice_saved_unchanged_changes_nothing(owner, two_line_invoice):
    browser = logged_in(owner)
    url = reverse("sales:invoice_edit", args=[two_line_invoice.pk])
    before = invoice_state(two_line_invoice)

    response = browser.post(url, opened_form(browser, url, "invoice-form"))

    assert response.status_code == 302, response.content.decode()[-3000:]
    assert invoice_state(two_line_invoice) == before


def test_a_contract_saved_unchanged_changes_nothing(owner, contract):
    browser = logged_in(owner)
    url = reverse("sales:contract_edit", args=[contract.pk])
    before = Contract.objects.filter(pk=contract.pk).values().get()

    assert browser.post(url, opened_form(browser, url, "contract-form")).status_code == 302
    assert Contract.objects.filter(pk=contract.pk).values().get() == before


def test_contract_terms_merge_by_field_and_a_field_both_changed_is_a_conflict(owner, boss, contract):
    anna, boris = logged_in(owner), logged_in(boss)
    url = reverse("sales:contract_edit", args=[contract.pk])
    form_a, form_b = opened_form(anna, url, "contract-form"), opened_form(boris, url, "contract-form")
    form_a["credit_days"] = "30"
    assert anna.post(url, form_a).status_code == 302
    form_b["credit_limit"] = "5 000,00"
    assert boris.post(url, form_b).status_code == 302
    contract.refresh_from_db()
    assert (contract.credit_days, contract.credit_limit) == (30, D("5000.00"))

    form_c = opened_form(boris, url, "contract-form")
    form_a = opened_form(anna, url, "contract-form")
    form_a["credit_days"] = "45"
    anna.post(url, form_a)
    form_c["credit_days"] = "60"
    response = boris.post(url, form_c)
    assert response.status_code == 409
    assert 'data-conflict="credit_days"' in response.content.decode()
    assert Contract.objects.get(pk=contract.pk).credit_days == 45
    retry = submitted_form(response.content, "contract-form")
    assert boris.post(url, retry).status_code == 302
    assert Contract.objects.get(pk=contract.pk).credit_days == 60


def test_invoice_header_fields_merge_and_lines_stay_as_the_other_saved_them(owner, boss, two_line_invoice):
    anna, boris = logged_in(owner), logged_in(boss)
    url = reverse("sales:invoice_edit", args=[two_line_invoice.pk])
    form_a, form_b = opened_form(anna, url, "invoice-form"), opened_form(boris, url, "invoice-form")
    form_a["lines-1-quantity"] = "3"
    assert anna.post(url, form_a).status_code == 302

    form_b["comment"] = "позвонить перед доставкой"
    form_b["date"] = "02.03.2026"
    assert boris.post(url, form_b).status_code == 302

    invoice = Invoice.objects.get(pk=two_line_invoice.pk)
    assert (invoice.comment, invoice.date) == ("позвонить перед доставкой", datetime.date(2026, 3, 2))
    assert sorted(invoice.lines.values_list("quantity", flat=True)) == [D("2.5"), D(3)]
    assert invoice.total == D("232.50") + D("750.00")


def test_lines_both_changed_are_a_conflict_with_a_choice(owner, boss, two_line_invoice):
    anna, boris = logged_in(owner), logged_in(boss)
    url = reverse("sales:invoice_edit", args=[two_line_invoice.pk])
    form_a, form_b = opened_form(anna, url, "invoice-form"), opened_form(boris, url, "invoice-form")
    form_a["lines-1-quantity"] = "3"
    assert anna.post(url, form_a).status_code == 302
    form_b["lines-0-quantity"] = "4"
    form_b["comment"] = "от Бориса"

    response = boris.post(url, form_b)

    assert response.status_code == 409
    assert 'id="lines-conflict"' in response.content.decode()
    invoice = Invoice.objects.get(pk=two_line_invoice.pk)
    assert (invoice.comment, sorted(invoice.lines.values_list("quantity", flat=True))) == (
        "доставка\nдо 12:00",
        [D("2.5"), D(3)],
    )
    retry = submitted_form(response.content, "invoice-form")
    retry["lines-keep"] = "theirs"
    assert boris.post(url, retry).status_code == 302
    invoice = Invoice.objects.get(pk=two_line_invoice.pk)
    assert (invoice.comment, sorted(invoice.lines.values_list("quantity", flat=True))) == (
        "от Бориса",
        [D("2.5"), D(3)],
    )
