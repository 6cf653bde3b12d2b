"""A deal's header and lines saved unchanged change nothing; two people's changes merge by field,
and lines both changed are a conflict with a choice."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from clients.tests import factories as client_factories
from crm.testing import logged_in, opened_form, submitted_form
from funnel import services
from funnel.models import Deal, StageTransition
from funnel.services import Line
from funnel.tests.conftest import deal_of
from sales.tests.factories import ProductFactory


@pytest.fixture
def boss(db):
    """A supervisor: changes any deal."""
    return client_factories.supervisor(username="boss", first_name="Борис", last_name="Руководитель")


def lined_deal(funnel, manager) -> Deal:
    deal = deal_of(funnel, manager, lead_email="", source="сайт")
    widget, gadget = ProductFactory(name="Виджет", cost=D(50)), ProductFactory(name="Гаджет", cost=D(100))
    return services.save_lines(deal, [Line(widget, D("2.5"), D(100)), Line(gadget, D(1), D(250), D(5))], user=manager)


def deal_state(deal: Deal) -> tuple:
    deal = Deal.objects.get(pk=deal.pk)
    lines = list(deal.lines.order_by("pk").values_list("pk", "product", "quantity", "price", "discount"))
    header = {f.name: getattr(deal, f.attname) for f in Deal._meta.concrete_fields}
    return header, lines, deal.margin_confirmations.count(), StageTransition.objects.filter(deal=deal).count()


def test_a_deal_saved_unchanged_changes_nothing(anna, b2b):
    deal = lined_deal(b2b[0], anna)
    browser = logged_in(anna)
    before = deal_state(deal)
    edit_url = reverse("funnel:deal_edit", args=[deal.pk])
    detail_url = reverse("funnel:deal_detail", args=[deal.pk])

    assert browser.post(edit_url, opened_form(browser, edit_url, "deal-form")).status_code == 302
    lines_url = reverse("funnel:deal_lines", args=[deal.pk])
    assert browser.post(lines_url, opened_form(browser, detail_url, "lines-form")).status_code == 302

    assert deal_state(deal) == before


def test_deal_header_fields_merge_and_a_field_both_changed_is_a_conflict(anna, boss, b2b):
    deal = lined_deal(b2b[0], anna)
    a, b = logged_in(anna), logged_in(boss)
    url = reverse("funnel:deal_edit", args=[deal.pk])
    form_a, form_b = opened_form(a, url, "deal-form"), opened_form(b, url, "deal-form")
    form_a["title"] = "Поставка виджетов"
    assert a.post(url, form_a).status_code == 302
    form_b["source"] = "выставка"
    assert b.post(url, form_b).status_code == 302
    deal.refresh_from_db()
    assert (deal.title, deal.source) == ("Поставка виджетов", "выставка")

    form_b = opened_form(b, url, "deal-form")
    form_a = opened_form(a, url, "deal-form")
    form_a["title"] = "От Анны"
    a.post(url, form_a)
    form_b["title"] = "От Бориса"
    response = b.post(url, form_b)
    assert response.status_code == 409 and 'data-conflict="title"' in response.content.decode()
    assert Deal.objects.get(pk=deal.pk).title == "От Анны"


def test_deal_lines_both_changed_are_a_conflict_and_theirs_can_be_kept(anna, boss, b2b):
    deal = lined_deal(b2b[0], anna)
    a, b = logged_in(anna), logged_in(boss)
    detail_url = reverse("funnel:deal_detail", args=[deal.pk])
    lines_url = reverse("funnel:deal_lines", args=[deal.pk])
    form_a, form_b = opened_form(a, detail_url, "lines-form"), opened_form(b, detail_url, "lines-form")
    form_a["lines-0-quantity"] = "3"
    assert a.post(lines_url, form_a).status_code == 302
    form_b["lines-1-quantity"] = "4"

    response = b.post(lines_url, form_b)

    assert response.status_code == 409 and 'id="lines-conflict"' in response.content.decode()
    quantities = sorted(Deal.objects.get(pk=deal.pk).lines.values_list("quantity", flat=True))
    assert quantities == [D(1), D(3)]
    retry = submitted_form(response.content, "lines-form")
    assert b.post(lines_url, retry).status_code == 302  # «записать мои строки», the default
    assert sorted(Deal.objects.get(pk=deal.pk).lines.values_list("quantity", flat=True)) == [D("2.5"), D(4)]


def test_changing_one_line_keeps_the_others(anna, b2b):
    """Saving lines used to keep only the changed ones: the untouched lines were deleted."""
    deal = lined_deal(b2b[0], anna)
    browser = logged_in(anna)
    form = opened_form(browser, reverse("funnel:deal_detail", args=[deal.pk]), "lines-form")
    form["lines-1-discount"] = "0"

    assert browser.post(reverse("funnel:deal_lines", args=[deal.pk]), form).status_code == 302

    lines = Deal.objects.get(pk=deal.pk).lines.order_by("product__name")
    assert [(x.product.name, x.quantity, x.discount) for x in lines] == [("Виджет", D("2.5"), 0), ("Гаджет", 1, 0)]
