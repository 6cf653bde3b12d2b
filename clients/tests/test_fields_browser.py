"""End-to-end in Chromium: a supervisor sets up «Лояльность» in «Настроить поля», drags it into a
new section, and a card shows it there."""

import re

import pytest
from playwright.sync_api import expect

from clients.models import ExtraField
from clients.tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def base(live_server, reference_data):
    factories.supervisor(username="olga", first_name="Ольга", last_name="Королёва")
    factories.ExtraFieldFactory(name="Источник")  # «Дополнительно» is not empty: the drag crosses sections
    return factories.ClientFactory(name="ООО «Ромашка»", inn="7707083893", kpp="773601001")


def section(page, name: str):
    """A section of «Настроить поля» by its name."""
    return page.locator("[data-field-group]").filter(
        has=page.locator("[data-group-name]", has_text=re.compile(f"^{name}$"))
    )


def test_supervisor_adds_a_list_field_drags_it_into_a_new_section_and_fills_it_on_a_card(
    page, live_server, login, base
):
    card = base
    login(page, live_server, "olga", "secret-pass-1")
    page.goto(f"{live_server.url}/clients/{card.pk}/")
    page.click("#field-settings")
    expect(page.locator("h1")).to_have_text("Настроить поля")

    page.click("#add-field")
    page.fill("#id_name", "Лояльность")
    expect(page.locator("#id_options")).to_be_hidden()  # only a list has values
    page.select_option("#id_value_type", label="Список")
    page.fill("#id_options", "Высокая\nСредняя\nНизкая")
    page.click("#save-field")
    expect(page.locator(".alert-success")).to_contain_text("Поле «Лояльность» добавлено")
    expect(section(page, "Дополнительно")).to_contain_text("Высокая, Средняя, Низкая")

    page.fill("#id_group-name", "Маркетинг")
    page.click("#add-group")
    expect(page.locator(".alert-success")).to_contain_text("Группа «Маркетинг» добавлена")

    loyalty = page.locator("[data-field-id]", has_text="Лояльность")
    loyalty.drag_to(section(page, "Маркетинг").locator("[data-empty]"))
    expect(page.locator("#field-move-status")).to_have_text("Порядок полей сохранён.")
    expect(section(page, "Маркетинг").locator("[data-field-id]")).to_have_count(1)
    assert ExtraField.objects.get(name="Лояльность").group.name == "Маркетинг"

    page.reload()
    expect(section(page, "Маркетинг").locator("[data-field-name]")).to_have_text(["Лояльность"])
    expect(section(page, "Дополнительно").locator("[data-field-name]")).to_have_text(["Источник"])

    page.goto(f"{live_server.url}/clients/{card.pk}/edit/")
    marketing = page.locator(".extra-section", has=page.locator(".card-header", has_text="Маркетинг"))
    marketing.get_by_label("Лояльность").select_option(label="Высокая")
    page.click("#save-client")
    page.wait_for_url(f"**/clients/{card.pk}/")
    shown = page.locator(".extra-section", has=page.locator(".card-header", has_text="Маркетинг"))
    expect(shown).to_contain_text("Лояльность")
    expect(shown).to_contain_text("Высокая")


def test_a_field_is_dragged_between_two_others_in_its_section(page, live_server, login, base):
    for name in ("Канал", "Сайт"):
        factories.ExtraFieldFactory(name=name)
    login(page, live_server, "olga", "secret-pass-1")
    page.goto(f"{live_server.url}/clients/fields/")
    fields = section(page, "Дополнительно").locator("[data-field-name]")
    expect(fields).to_have_text(["Источник", "Канал", "Сайт"])
    source = page.locator("[data-field-id]", has_text="Сайт")
    target = page.locator("[data-field-id]", has_text="Канал")
    source.drag_to(target, target_position={"x": 40, "y": 2})  # the upper half: before «Канал»
    expect(page.locator("#field-move-status")).to_have_text("Порядок полей сохранён.")
    page.reload()
    expect(fields).to_have_text(["Источник", "Сайт", "Канал"])


def test_a_drop_the_server_refuses_puts_the_field_back_and_says_why(page, live_server, login, base):
    factories.ExtraFieldFactory(name="Канал")
    login(page, live_server, "olga", "secret-pass-1")
    page.goto(f"{live_server.url}/clients/fields/")
    page.route("**/move/", lambda route: route.fulfill(status=409, json={"error": "поле удалено"}))
    fields = section(page, "Дополнительно").locator("[data-field-name]")
    expect(fields).to_have_text(["Источник", "Канал"])
    source = page.locator("[data-field-id]", has_text="Канал")
    source.drag_to(page.locator("[data-field-id]", has_text="Источник"), target_position={"x": 40, "y": 2})
    expect(page.locator("#field-move-status")).to_have_text("Не удалось сохранить порядок полей: поле удалено")
    expect(fields).to_have_text(["Источник", "Канал"])
