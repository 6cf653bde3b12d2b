"""«Сформировать акт» on the report «Акт сверки»: the act made as a document (sales) keeps the
report's balances and turnovers and the report's own Excel file; only who works with the client
is offered the button."""

from __future__ import annotations

import html
import re
from decimal import Decimal as D
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from clients.tests import factories as client_factories
from crm import roles
from crm.testing import submitted_form
from reports.tests.ledger.data import make_documents
from sales.models import Reconciliation

URL = reverse("reports:reconciliation")
MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


@pytest.fixture
def docs(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return make_documents()


def make_act_link(response) -> str:
    found = re.search(r'href="([^"]+)" id="make-act"', response.content.decode())
    return html.unescape(found.group(1)) if found else ""


def cells(content: bytes) -> list[tuple]:
    return [tuple(row) for row in load_workbook(BytesIO(content)).active.iter_rows(values_only=True)]


@pytest.mark.parametrize(
    ("contract", "figures"),
    [
        ("", (D("900.00"), D("1450.50"), D("1300.00"), D("1050.50"))),
        ("k1", (D("400.00"), D("250.50"), D("1000.00"), D("-349.50"))),
        ("none", (D("0.00"), D("0.00"), D("100.00"), D("-100.00"))),
    ],
)
def test_the_act_made_from_the_report_keeps_its_figures_and_its_file(client, docs, contract, figures):
    client.force_login(docs.anna)
    chosen = str(docs.k1.pk) if contract == "k1" else contract
    report = client.get(URL, {"client": docs.buyer.pk, "contract": chosen, **MARCH})
    ledger = report.context["ledger"]
    assert (ledger.opening, ledger.debit, ledger.credit, ledger.closing) == figures

    form_page = client.get(make_act_link(report))
    assert form_page.status_code == 200
    response = client.post(
        reverse("sales:reconciliation_create"), submitted_form(form_page.content, "reconciliation-create-form")
    )
    act = Reconciliation.objects.get()
    assert response.status_code == 302 and response["Location"] == act.get_absolute_url()
    assert (act.opening, act.debit, act.credit, act.closing) == figures
    assert (act.client, act.start.isoformat(), act.end.isoformat()) == (docs.buyer, *MARCH.values())
    assert (act.contract, act.without_contract) == (docs.k1 if contract == "k1" else None, contract == "none")
    assert (act.state, act.manager, act.author) == ("made", docs.anna, docs.anna)

    excel = client.get(URL, {"client": docs.buyer.pk, "contract": chosen, **MARCH, "export": "xlsx"})
    kept = client.get(reverse("sales:reconciliation_file", args=[act.pk]))
    assert cells(b"".join(kept.streaming_content)) == cells(excel.content)


def test_only_who_works_with_the_client_is_offered_to_make_an_act(client, docs):
    head = client_factories.UserFactory(username="head", role=roles.SALES_HEAD)
    boss = client_factories.UserFactory(username="boss", role=roles.SUPERVISOR)
    client.force_login(head)
    assert make_act_link(client.get(URL, {"client": docs.buyer.pk, **MARCH})) == ""
    client.force_login(boss)
    link = make_act_link(client.get(URL, {"client": docs.buyer.pk, **MARCH}))
    assert link.startswith(reverse("sales:reconciliation_create"))
    client.force_login(head)
    assert client.get(link).status_code == 403
    client.force_login(docs.boris)
    assert client.get(link).status_code == 403
    assert not Reconciliation.objects.exists()
