"""Generated bad input (issue 13) against the deal forms: a new deal, a deal's header, a move
(stage buttons with amount, reason and comment), the deal's lines and lead → client. Every example
is answered without a 500; a refused one changes nothing; after an accepted one every deal stands
on a stage of its own funnel, where its last move put it."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from clients.models import Client, ContactInfo
from clients.tests import factories as client_factories
from crm.testing import logged_in, submitted_form
from crm.tests.strategies import GENERATED, Snapshot, assert_answered, each_example, last, mutated, offered_choices
from funnel.models import Deal, DealLine, MarginConfirmation, StageTransition
from funnel.tests.conftest import deal_of
from funnel.tests.factories import FunnelFactory, reason, stages
from sales.tests.factories import ProductFactory

MODELS = [Deal, StageTransition, DealLine, MarginConfirmation, Client, ContactInfo]
CHOICES = {
    "amount": ["1000", "0", "-5", "1e20"],
    "expected_close": ["01.06.2026", "9999-12-31"],
    "lead_email": ["lead@romashka.ru", "not-an-email"],
    "create": ["1", ""],
}


@pytest.fixture
def deals(db):
    anna = client_factories.manager(username="gen-anna")
    boris = client_factories.manager(username="gen-boris")
    funnel = FunnelFactory(name="B2B")
    funnel_stages = stages(funnel, "Контакт", "Предложение", "Договор")
    other = FunnelFactory(name="B2C")
    other_stages = stages(other, "Звонок")
    widget = ProductFactory(name="Виджет", price=D("100.00"), cost=D("60.00"))
    deal = deal_of(funnel, anna, title="Поставка")
    theirs = deal_of(funnel, boris, title="Чужая")
    known = client_factories.ClientFactory(name="ООО «Ромашка»", responsible=boris)
    client_factories.ContactInfoFactory(client=known, kind=client_factories.kind("Email"), value="lead@romashka.ru")
    lead = deal_of(funnel, anna, title="Лид", lead_name="Иван", lead_email="lead@romashka.ru")
    ids = [o.pk for o in [anna, boris, funnel, other, widget, deal, theirs, known, lead, reason()]]
    ids += [s.pk for s in [*funnel_stages, *other_stages]]
    return {"anna": anna, "widget": widget.pk, "deal": deal, "lead": lead, "stages": funnel_stages, "ids": ids}


def _forms(browser, deals) -> dict[str, tuple[str, dict, dict]]:
    deal, lead = deals["deal"], deals["lead"]
    detail = browser.get(reverse("funnel:deal_detail", args=[deal.pk])).content
    forms = {}
    for key, url in [("new", reverse("funnel:deal_create")), ("edit", reverse("funnel:deal_edit", args=[deal.pk]))]:
        page = browser.get(url).content
        data = submitted_form(page, "deal-form")
        if key == "new":  # what the user types into the empty form
            data.update({"funnel": str(deal.funnel_id), "title": "Новая", "client": str(deal.client_id)})
        forms[key] = (url, data, offered_choices(page, "deal-form"))
    move = submitted_form(detail, "move-form")
    stage_ids = [str(s.pk) for s in deals["stages"]]
    forms["move"] = (
        reverse("funnel:deal_move", args=[deal.pk]),
        {**move, "stage": stage_ids[1]},
        {**offered_choices(detail, "move-form"), "stage": stage_ids, "seen_stage": stage_ids},
    )
    lines = {k: v for k, v in submitted_form(detail, "lines-form").items() if "__prefix__" not in k}
    rows = int(lines.get("lines-TOTAL_FORMS", 0))
    row = {"product": str(deals["widget"]), "quantity": "1", "price": "100,00", "discount": "0"}
    lines.update({"lines-TOTAL_FORMS": str(rows + 1), **{f"lines-{rows}-{k}": v for k, v in row.items()}})
    line_choices = {**offered_choices(detail, "lines-form"), "confirm_discount": ["", "x"]}
    forms["lines"] = (reverse("funnel:deal_lines", args=[deal.pk]), lines, line_choices)
    convert_url = reverse("funnel:deal_convert", args=[lead.pk])
    forms["convert"] = (convert_url, {"create": "", "client": ""}, {"client": [str(i) for i in deals["ids"]]})
    return {key: (url, data, {**CHOICES, **choices}) for key, (url, data, choices) in forms.items()}


def _assert_deals_stand_where_moved() -> None:
    for deal in Deal.objects.select_related("stage"):
        assert deal.stage.funnel_id == deal.funnel_id, deal
        last = deal.transitions.order_by("-at", "-pk").first()
        assert last is None or last.to_stage_id == deal.stage_id, deal
        assert deal.client_id is not None or deal.lead_name, deal


def test_the_deal_forms_answer_generated_input_and_change_all_or_nothing(deals):
    browser = logged_in(deals["anna"])
    forms = _forms(browser, deals)
    drawn_forms = st.sampled_from(sorted(forms)).flatmap(
        lambda key: mutated(forms[key][1], ids=deals["ids"], choices=forms[key][2], most=4).map(lambda d: (key, d))
    )
    rows = [deals["deal"], deals["lead"]]

    @GENERATED
    @given(drawn_forms, st.booleans())
    def check(drawn, as_json):
        key, data = drawn
        headers = {"HTTP_ACCEPT": "application/json"} if as_json and key == "move" else {}
        with each_example():
            snapshot = Snapshot(MODELS, rows)
            response = browser.post(forms[key][0], data, **headers)
            assert_answered(response, drawn, label=key)
            if response.status_code != 302 and not (as_json and response.status_code == 200):
                snapshot.assert_unchanged(drawn)
            elif key in ("new", "edit"):
                # The page names the deal it saved: the title stored is the one sent.
                saved = Deal.objects.order_by("-pk").first() if key == "new" else deals["deal"]
                saved.refresh_from_db()
                assert saved.title == last(data, "title").strip(), drawn
            _assert_deals_stand_where_moved()

    check()
