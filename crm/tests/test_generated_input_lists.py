"""Generated query strings (issue 13) on every list and report page: the page's own filter names
(read from the page), the frame's (page, per_page, sort, columns, q, period dates, export, print)
and unknown ones, with hostile and plausible values, repeated names included. The pages are
enumerated from the URL conf, so that a new list is covered without a change here. Every example
is answered without a 500 and changes no record (the user's choice of columns and an export's
run may be written)."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from clients.models import Client
from clients.tests import factories
from crm.testing import logged_in, pages_without_arguments
from crm.tests.strategies import GENERATED, Snapshot, assert_answered, each_example, form_names, query_strings
from funnel.models import Deal
from funnel.tests.conftest import deal_of
from funnel.tests.factories import FunnelFactory, stages
from sales.models import Contract, Invoice, Payment
from sales.services import Line
from sales.tests.conftest import make_invoice
from sales.tests.factories import ContractFactory, ProductFactory
from tasks.models import Task

# A generated `sort` such as "0.0" is refused by django-tables2 with this warning, not an error.
pytestmark = pytest.mark.filterwarnings("ignore:Use '__' to separate path components:DeprecationWarning")
# Pages that are not lists: signing in and out, the language switch (a POST), the admin site.
NOT_LISTS = {"login", "logout", "set_language"}
RECORDS = [Client, Invoice, Payment, Contract, Deal, Task]
FRAME = ["export", "print", "extra_filters", "all", "pk", "filter"]


REPORTS = [name for name in pages_without_arguments(leaving_out=NOT_LISTS) if name.startswith("reports:")]
LISTS = [name for name in pages_without_arguments(leaving_out=NOT_LISTS) if not name.startswith("reports:")]


@pytest.fixture
def rows(db, django_user_model):
    """A few rows of each kind, so that filters, sorting and paging have something to work on."""
    root = django_user_model.objects.create_superuser("gen-root", password="not-used-here")
    anna = factories.manager(username="gen-anna")
    client = factories.ClientFactory(name="ООО «Ромашка»", inn="7707083893", responsible=anna)
    contract = ContractFactory(client=client, credit_limit=100)

    make_invoice(
        client, [Line(ProductFactory(name="Виджет"), Decimal(2), Decimal("100.00"))], contract=contract, manager=anna
    )
    funnel = FunnelFactory(name="B2B")
    stages(funnel, "Контакт")
    deal_of(funnel, anna, client=client)
    return {"root": root, "ids": [root.pk, anna.pk, client.pk, contract.pk, funnel.pk]}


def _page_names(browser, names: list[str]) -> dict[str, tuple[str, list[str]]]:
    """Each page's address and the names its forms send (its filter, «Колонки»)."""
    pages = {}
    for name in names:
        url = reverse(name)
        response = browser.get(url)
        assert response.status_code < 500, name
        html = response.content if response.get("Content-Type", "").startswith("text/html") else b""
        pages[name] = (url, sorted((form_names(html) if html.strip() else set()) | set(FRAME)))
    return pages


def _check_pages(rows, names: list[str]) -> None:
    browser = logged_in(rows["root"])
    pages = _page_names(browser, names)
    queries = st.sampled_from(sorted(pages)).flatmap(
        lambda name: query_strings(pages[name][1], ids=rows["ids"]).map(lambda q: (name, q))
    )

    @GENERATED
    @given(queries, st.booleans())
    def check(drawn, htmx):
        name, pairs = drawn
        url = f"{pages[name][0]}?{urlencode(pairs)}"
        with each_example():
            snapshot = Snapshot(RECORDS)
            response = browser.get(url, HTTP_HX_REQUEST="true") if htmx else browser.get(url)
            assert_answered(response, (url, htmx), label=name)
            snapshot.assert_unchanged(url)

    check()


def test_every_list_answers_generated_query_strings(rows):
    _check_pages(rows, LISTS)


def test_every_report_answers_generated_query_strings(rows):
    _check_pages(rows, REPORTS)
