"""End-to-end in Chromium: what a manager does every day with a client card."""

import pytest

from clients.models import ContactInfo
from clients.tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def base(live_server, reference_data):
    manager = factories.manager(username="anna", first_name="Анна", last_name="Смирнова")
    region = factories.BusinessRegionFactory(name="Поволжье")
    card = factories.ClientFactory(
        name="ООО «Волга-Трейд»", inn="7707083893", kpp="773601001", responsible=manager, business_region=region
    )
    factories.ContactInfoFactory(client=card, value="+79161234567")
    for i in range(30):
        factories.ClientFactory(name=f"ООО «Прочий {i}»", responsible=manager)
    return manager, card


def test_manager_finds_a_client_opens_the_card_and_changes_a_phone(page, live_server, login, base):
    _manager, card = base
    login(page, live_server, "anna", "secret-pass-1")
    page.get_by_role("link", name="Клиенты").first.click()
    assert page.locator("#client-table tbody tr").count() == 31

    page.fill("#id_q", "волга")
    page.click("#apply-filter")
    page.wait_for_function("() => document.querySelectorAll('#client-table tbody tr').length === 1")
    assert "q=" in page.url  # htmx pushed the filtered URL, so the view can be bookmarked

    page.get_by_role("link", name="ООО «Волга-Трейд»").click()
    assert page.locator("#client-contact-info").inner_text().strip().endswith("+7 916 123-45-67")

    page.click("#edit-client")
    phone = page.locator("input[name='info-0-value']")
    assert phone.input_value() == "+7 916 123-45-67"
    phone.fill("8 (843) 200-30-40")
    page.click("#save-client")

    page.wait_for_url(f"**/clients/{card.pk}/")
    assert "Карточка «ООО «Волга-Трейд»» сохранена" in page.locator(".alert-success").inner_text()
    assert "+7 843 200-30-40" in page.locator("#client-contact-info").inner_text()
    assert "+7 843 200-30-40" in page.locator("#client-history").inner_text()
    assert ContactInfo.objects.get(client=card).value == "+78432003040"


def test_a_wrong_phone_is_explained_on_the_page_and_the_input_is_kept(page, live_server, login, base):
    _manager, card = base
    login(page, live_server, "anna", "secret-pass-1")
    page.goto(f"{live_server.url}/clients/{card.pk}/edit/")
    page.fill("input[name='info-0-value']", "позвонить вечером")
    page.fill("#id_client-comment", "не терять этот текст")
    page.click("#save-client")
    assert "Не удалось распознать номер телефона" in page.content()
    assert page.input_value("#id_client-comment") == "не терять этот текст"
    assert ContactInfo.objects.get(client=card).value == "+79161234567"


def test_a_second_phone_row_is_added_without_reloading(page, live_server, login, base):
    _manager, card = base
    login(page, live_server, "anna", "secret-pass-1")
    page.goto(f"{live_server.url}/clients/{card.pk}/edit/")
    page.click("[data-add-form='info']")
    page.select_option("select[name='info-2-kind']", label="Телефон")
    page.fill("input[name='info-2-value']", "+7 495 111-22-33")
    page.click("#save-client")
    page.wait_for_url(f"**/clients/{card.pk}/")
    assert "+7 495 111-22-33" in page.locator("#client-contact-info").inner_text()


def test_two_new_contact_persons_with_their_contacts_are_added_in_one_save(page, live_server, login, base):
    _manager, card = base
    login(page, live_server, "anna", "secret-pass-1")
    page.goto(f"{live_server.url}/clients/{card.pk}/edit/")
    # The blank person the page starts with, and one more from «Добавить контактное лицо».
    page.fill("input[name='contacts-0-name']", "Орлова Мария")
    page.select_option("select[name='contacts-0-info-0-kind']", label="Email")
    page.fill("input[name='contacts-0-info-0-value']", "orlova@volga.ru")
    page.click("#add-contact")
    page.fill("input[name='contacts-1-name']", "Зайцев Олег")
    page.fill("input[name='contacts-1-position']", "отвечает за закупки")
    page.select_option("select[name='contacts-1-info-0-kind']", label="Мобильный телефон")
    page.fill("input[name='contacts-1-info-0-value']", "+7 917 000-11-22")
    page.click("[data-add-form='contacts-1-info']")
    page.select_option("select[name='contacts-1-info-1-kind']", label="Email")
    page.fill("input[name='contacts-1-info-1-value']", "zaitsev@volga.ru")
    page.click("#save-client")
    page.wait_for_url(f"**/clients/{card.pk}/")
    contacts = page.locator("#client-contacts").inner_text()
    for text in [
        "Орлова Мария",
        "orlova@volga.ru",
        "Зайцев Олег",
        "отвечает за закупки",
        "+7 917 000-11-22",
        "zaitsev@volga.ru",
    ]:
        assert text in contacts
    assert card.contacts.count() == 2
