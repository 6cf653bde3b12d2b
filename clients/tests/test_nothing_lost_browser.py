"""In Chromium: what a person types is never lost — two people on one card, an impossible date,
every segment ticked, a flag saved unchanged."""

import datetime

import pytest

from clients.models import Client, ExtraField, ExtraValue
from clients.services.extra_values import set_extra_values
from clients.tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def card(live_server, reference_data):
    anna = factories.manager(username="anna", first_name="Анна", last_name="Смирнова")
    factories.supervisor(username="boris", first_name="Борис", last_name="Петров")
    return factories.ClientFactory(name="ООО «Волга-Трейд»", inn="7707083893", kpp="773601001", responsible=anna)


def open_card_form(browser, live_server, login, username: str, card: Client):
    context = browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    login(page, live_server, username, "secret-pass-1")
    page.goto(f"{live_server.url}/clients/{card.pk}/edit/")
    return page


def test_two_people_save_one_card_and_both_changes_survive_the_conflict_retry(browser, live_server, login, card):
    anna = open_card_form(browser, live_server, login, "anna", card)
    boris = open_card_form(browser, live_server, login, "boris", card)
    try:
        anna.fill("#id_client-comment", "звонить после 14:00")
        anna.fill("#id_client-full_name", "ООО «Волга-Трейд» (Казань)")
        anna.click("#save-client")
        anna.wait_for_url(f"**/clients/{card.pk}/")

        boris.fill("#id_client-legal_address", "Казань, ул. Баумана, 1")
        boris.fill("#id_client-comment", "клиент просит счёт")
        boris.click("#save-client")
        conflict = boris.locator('[data-conflict="comment"]')
        assert "звонить после 14:00" in conflict.inner_text()
        assert boris.input_value("#id_client-full_name") == "ООО «Волга-Трейд» (Казань)"  # Anna's, shown
        assert boris.input_value("#id_client-legal_address") == "Казань, ул. Баумана, 1"  # Boris's, kept
        boris.screenshot(path="/tmp/crm-conflict.png", full_page=True)

        boris.click("#save-client")  # «Записать» again, as the message suggests
        boris.wait_for_url(f"**/clients/{card.pk}/")
    finally:
        anna.context.close()
        boris.context.close()

    card.refresh_from_db()
    assert (card.full_name, card.legal_address, card.comment) == (
        "ООО «Волга-Трейд» (Казань)",
        "Казань, ул. Баумана, 1",
        "клиент просит счёт",
    )
    assert [e.user.username for e in card.changes.order_by("version")] == ["anna", "boris"]


def test_an_impossible_date_typed_into_a_filled_date_field_is_refused_and_the_date_kept(page, live_server, login, card):
    first_deal = factories.ExtraFieldFactory(name="Дата первой сделки", value_type=ExtraField.ValueType.DATE)
    set_extra_values({first_deal: datetime.date(2026, 3, 15)}, client=card)
    login(page, live_server, "anna", "secret-pass-1")
    page.goto(f"{live_server.url}/clients/{card.pk}/edit/")
    box = page.locator(f"#id_client-extra_{first_deal.pk}")
    assert box.input_value() == "15.03.2026"
    assert box.get_attribute("placeholder") == "дд.мм.гггг"

    box.fill("")
    box.press_sequentially("31.02.2026")
    page.fill("#id_client-comment", "не терять")
    page.click("#save-client")

    field = page.locator(f"#id_client-extra_{first_deal.pk}").locator("..")
    assert "Введите правильную дату" in field.inner_text()
    assert page.input_value(f"#id_client-extra_{first_deal.pk}") == "31.02.2026"
    assert page.input_value("#id_client-comment") == "не терять"
    assert ExtraValue.objects.get(client=card, field=first_deal).value == datetime.date(2026, 3, 15)
    assert not card.changes.exists()


def test_every_segment_can_be_ticked(page, live_server, login, card):
    segments = [factories.SegmentFactory(name=name) for name in ("Опт", "Розница", "VIP", "Дилеры", "HoReCa", "Сети")]
    login(page, live_server, "anna", "secret-pass-1")
    page.goto(f"{live_server.url}/clients/{card.pk}/edit/")
    for segment in segments:
        page.get_by_label(segment.name, exact=True).click()  # a real click: fails if the box is covered
    page.locator("#id_client-segments").screenshot(path="/tmp/crm-segments.png")
    page.click("#save-client")
    page.wait_for_url(f"**/clients/{card.pk}/")
    assert sorted(card.segments.values_list("name", flat=True)) == sorted(s.name for s in segments)


def test_a_flag_survives_a_save_that_changed_something_else(page, live_server, login, card):
    vip = factories.ExtraFieldFactory(name="VIP", value_type=ExtraField.ValueType.FLAG)
    former = factories.ExtraFieldFactory(name="Бывший партнёр", value_type=ExtraField.ValueType.FLAG)
    set_extra_values({vip: True, former: False}, client=card)
    login(page, live_server, "anna", "secret-pass-1")
    page.goto(f"{live_server.url}/clients/{card.pk}/edit/")
    assert page.locator(f"#id_client-extra_{vip.pk} option:checked").inner_text() == "Да"
    page.fill("#id_client-comment", "только комментарий")
    page.click("#save-client")
    page.wait_for_url(f"**/clients/{card.pk}/")
    assert {v.field_id: v.value for v in ExtraValue.objects.filter(client=card)} == {vip.pk: True, former.pk: False}
    (entry,) = card.changes.all()
    assert [c["field"] for c in entry.changes] == ["comment"]


def test_every_option_of_every_multi_choice_control_can_be_ticked(page, live_server, login, card):
    """The sweep behind «Сегменты»: on each page with tick-box lists, every box takes a real click
    (Playwright refuses to click a box that something else covers)."""
    for name in ("Опт", "Розница", "VIP"):
        factories.SegmentFactory(name=name)
    factories.ExtraFieldFactory(name="Стаж", value_type=ExtraField.ValueType.NUMBER)
    login(page, live_server, "boris", "secret-pass-1")
    pages = [
        f"/clients/{card.pk}/edit/",
        "/clients/",
        "/clients/required-fields/",
        "/quality/contact-info/",
        "/quality/properties/",
    ]
    ticked = 0
    for path in pages:
        page.goto(live_server.url + path)
        names = page.eval_on_selector_all(
            "input[type=checkbox][name]",
            "boxes => boxes.filter(b => b.offsetParent).map(b => b.name).filter((n, i, all) => all.indexOf(n) !== i)",
        )
        for name in dict.fromkeys(names):
            boxes = page.locator(f"input[type=checkbox][name='{name}']")
            for i in range(boxes.count()):
                box = boxes.nth(i)
                if not box.is_visible():
                    continue
                was = box.is_checked()
                box.click()
                assert box.is_checked() != was, f"{path}: {name} #{i}"
                ticked += 1
    assert ticked >= 20
