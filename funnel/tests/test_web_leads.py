"""«Форма для сайта»: a visitor's form (as the snippet sends it) or JSON makes a lead on the leads
funnel's first stage, matched with the cards by ИНН, e-mail and phone; robots, floods, oversized and
bad input get a clear answer and leave nothing; the rest of the app still wants its CSRF token."""

from __future__ import annotations

import json

import pytest
from django.test import Client as Browser
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

from clients.tests import factories as client_factories
from crm.testing import logged_in, submitted_form
from crm.tests.strategies import EXAMPLES, GENERATED, assert_answered, each_example, mutated
from funnel import services
from funnel.models import Deal, Funnel
from funnel.tests.factories import FunnelFactory, stages

INN = "7707083893"


@pytest.fixture
def leads(db) -> Funnel:
    funnel = FunnelFactory(name="Лиды с сайта", kind=Funnel.Kind.LEADS)
    stages(funnel, "Новый", "Квалификация")
    return services.new_public_key(funnel)


def visitor(address: str) -> Browser:
    """A browser on another site: no session, CSRF checked as for everyone, its own address."""
    return Browser(enforce_csrf_checks=True, REMOTE_ADDR=address)


def url(funnel: Funnel) -> str:
    return reverse("web_lead", args=[funnel.public_key])


def post_json(browser: Browser, address: str, data) -> tuple[int, dict]:
    answer = browser.post(address, json.dumps(data), content_type="application/json")
    return answer.status_code, answer.json()


def test_the_settings_snippet_posted_as_a_browser_sends_it_makes_a_lead_on_the_first_stage(leads, head):
    page = logged_in(head).get(reverse("funnel:settings"), {"funnel": leads.pk}).content.decode()
    assert 'id="web-form"' in page and leads.public_key in page and "data-copy" in page
    snippet = services_snippet(page)
    form = submitted_form(snippet, action=f"http://testserver{url(leads)}")
    assert set(form) == {"company", "person", "phone", "email", "inn", "comment", "website"}
    form.update(company="ООО «Ромашка»", person="Иван Петров", phone="8 (916) 123-45-67", comment="Нужны станки")
    answer = visitor("10.0.0.1").post(url(leads), form)
    assert answer.status_code == 200 and "Спасибо! Заявка принята." in answer.content.decode()
    deal = Deal.objects.get()
    assert (deal.funnel, deal.stage.name, deal.client, deal.manager) == (leads, "Новый", None, None)
    assert (deal.title, deal.lead_name, deal.lead_phone, deal.source) == (
        "ООО «Ромашка»",
        "ООО «Ромашка»",
        "+79161234567",
        "Форма на сайте",
    )
    comment = deal.transitions.get().comment
    assert "Контактное лицо: Иван Петров" in comment and "Комментарий: Нужны станки" in comment


def services_snippet(page: str) -> str:
    """The snippet as the settings page shows it in its text box."""
    from lxml import html

    return html.fromstring(page).get_element_by_id("web-form-snippet").text


def test_json_makes_a_lead_and_names_the_cards_it_matches_by_inn_email_and_phone(leads):
    by_inn = client_factories.ClientFactory(name="ООО «По ИНН»", inn=INN)
    by_email = client_factories.ClientFactory(name="ООО «По почте»")
    client_factories.ContactInfoFactory(client=by_email, kind=client_factories.kind("Email"), value="buy@romashka.ru")
    by_phone = client_factories.ClientFactory(name="ООО «По телефону»")
    client_factories.ContactInfoFactory(client=by_phone, kind=client_factories.kind("Телефон"), value="+79161234567")
    data = {"name": "Ромашка", "email": "buy@Romashka.RU", "phone": "+7 916 123 45 67", "inn": INN}
    status, body = post_json(visitor("10.0.0.2"), url(leads), data)
    assert (status, body) == (201, {"ok": True, "message": "Спасибо! Заявка принята."})  # no word of the matches
    deal = Deal.objects.get()
    assert (deal.lead_name, deal.lead_email, deal.lead_inn) == ("Ромашка", "buy@romashka.ru", INN)
    comment = deal.transitions.get().comment
    for client in (by_inn, by_email, by_phone):
        assert f"«{client.name}» (№ {client.pk})" in comment
    assert f"тот же ИНН {INN}" in comment


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"company": "Ромашка", "email": "not-an-email"}, "email", "Неверный адрес электронной почты"),
        ({"company": "Ромашка", "phone": "12"}, "phone", "Номер телефона «12» не существует"),
        ({"company": "Ромашка", "phone": "+79161234567", "inn": "7707083890"}, "inn", "контрольное число ИНН"),
        ({"company": "Ромашка"}, "phone", "Укажите телефон или e-mail"),
        ({"email": "a@b.ru"}, "company", "Укажите организацию или контактное лицо"),
        ({"company": "Р" * 256, "email": "a@b.ru"}, "company", "не более 255"),
        ({"company": "Ромашка", "email": "a@b.ru", "comment": "x" * 2001}, "comment", "не более 2000"),
    ],
)
def test_bad_input_is_refused_field_by_field_and_keeps_nothing(leads, data, field, message):
    status, body = post_json(visitor("10.0.0.3"), url(leads), data)
    assert status == 400 and body["ok"] is False
    assert message in " ".join(body["errors"][field])
    assert not Deal.objects.exists()


def test_a_form_with_errors_gets_a_plain_page_saying_what_is_wrong(leads):
    answer = visitor("10.0.0.4").post(url(leads), {"company": "Ромашка", "email": "@", "website": ""})
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "Заявка не принята" in page and "Неверный адрес электронной почты" in page
    assert not Deal.objects.exists()


def test_a_robot_filling_the_honeypot_is_thanked_and_nothing_is_kept(leads):
    data = {"company": "Spam", "email": "spam@spam.ru", "website": "http://spam.example"}
    assert post_json(visitor("10.0.0.5"), url(leads), data)[0] == 201
    assert visitor("10.0.0.5").post(url(leads), data).status_code == 200
    assert not Deal.objects.exists()


def test_an_address_past_its_limit_is_refused_until_later_and_others_are_not(leads, settings):
    settings.WEB_LEAD_RATE_LIMIT = 2
    data = {"company": "Ромашка", "email": "a@b.ru"}
    flood = visitor("10.0.0.6")
    assert [post_json(flood, url(leads), data)[0] for _ in range(3)] == [201, 201, 429]
    assert "Слишком много заявок" in post_json(flood, url(leads), data)[1]["message"]
    assert post_json(flood, reverse("web_lead", args=["guessed-key"]), data)[0] == 429  # guessing keys too
    assert post_json(visitor("10.0.0.7"), url(leads), data)[0] == 201
    assert Deal.objects.count() == 3


def test_oversized_odd_and_unknown_requests_get_clear_answers_never_a_500(leads, settings):
    settings.WEB_LEAD_MAX_BYTES = 1000
    browser = visitor("10.0.0.8")
    big = {"company": "Ромашка", "email": "a@b.ru", "comment": "x" * 1000}
    assert post_json(browser, url(leads), big)[0] == 413
    assert browser.post(url(leads), big).status_code == 413
    assert post_json(browser, url(leads), ["a", "list"])[0] == 400
    assert post_json(browser, url(leads), {"company": {"nested": 1}})[0] == 400
    answer = browser.post(url(leads), "{not json", content_type="application/json")
    assert answer.status_code == 400 and "JSON" in answer.json()["message"]
    assert browser.post(url(leads), "company=x", content_type="text/plain").status_code == 415
    assert browser.get(url(leads)).status_code == 405
    assert browser.options(url(leads))["Access-Control-Allow-Origin"] == "*"
    assert post_json(browser, reverse("web_lead", args=["no-such-key"]), {"company": "x"})[0] == 404
    closed = FunnelFactory(name="Без этапов", kind=Funnel.Kind.LEADS, public_key="closed-key")
    status, body = post_json(
        browser, reverse("web_lead", args=[closed.public_key]), {"company": "x", "phone": None, "email": "a@b.ru"}
    )
    assert status == 503 and "не принимает заявки" in body["message"]
    b2b = FunnelFactory(name="B2B", public_key="b2b-key")
    assert post_json(browser, reverse("web_lead", args=[b2b.public_key]), {"company": "x", "email": "a@b.ru"})[0] == 404
    assert not Deal.objects.exists()


def test_only_the_lead_form_goes_without_csrf_the_rest_refuses_a_post_without_the_token(leads, head):
    browser = Browser(enforce_csrf_checks=True, REMOTE_ADDR="10.0.0.9")
    browser.force_login(head)
    data = {"new-name": "Без токена", "new-kind": "b2b"}
    assert browser.post(reverse("funnel:funnel_create"), data).status_code == 403
    assert browser.post(reverse("webhooks:create"), {"name": "x"}).status_code == 403
    assert not Funnel.objects.filter(name="Без токена").exists()
    assert browser.post(url(leads), {"company": "Ромашка", "email": "a@b.ru"}).status_code == 200


def test_a_new_key_retires_the_old_address_and_only_a_leads_funnel_has_one(leads, head, b2b):
    old = url(leads)
    sales_head = logged_in(head)
    answer = sales_head.post(reverse("funnel:web_form_key", args=[leads.pk]))
    assert answer.status_code == 302 and answer.url.endswith(f"?funnel={leads.pk}#web-form")
    leads.refresh_from_db()
    assert url(leads) != old
    assert post_json(visitor("10.0.0.10"), old, {"company": "x", "email": "a@b.ru"})[0] == 404
    funnel, _stages = b2b
    sales_head.post(reverse("funnel:web_form_key", args=[funnel.pk]))
    funnel.refresh_from_db()
    assert funnel.public_key is None
    assert 'id="web-form"' not in sales_head.get(reverse("funnel:settings"), {"funnel": funnel.pk}).content.decode()
    assert (
        logged_in(client_factories.manager()).post(reverse("funnel:web_form_key", args=[leads.pk])).status_code == 403
    )


GOOD = {
    "company": "ООО «Ромашка»",
    "person": "Иван Петров",
    "phone": "+79161234567",
    "email": "buy@romashka.ru",
    "inn": INN,
    "comment": "Нужны станки",
    "website": "",
}


@examples(GENERATED, max_examples=min(EXAMPLES, 150))
@given(data=mutated(GOOD, extra_names=["name"]), as_json=st.booleans())
def test_generated_forms_and_json_are_answered_never_a_500_and_a_refusal_keeps_nothing(leads, settings, data, as_json):
    settings.WEB_LEAD_RATE_LIMIT = 10**6
    with each_example():
        before = Deal.objects.count()
        browser = visitor("10.1.0.1")
        if as_json:
            answer = browser.post(url(leads), json.dumps(data), content_type="application/json")
        else:
            answer = browser.post(url(leads), data)
        assert_answered(answer, data)
        made = Deal.objects.count() - before
        assert made == (1 if answer.status_code in (200, 201) and not data.get("website") else 0), data
