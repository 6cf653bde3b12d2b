"""The story of issue 3 in Chromium, end to end: a supervisor adds «Лояльность» as a list field,
puts it into a new section, sets it for a filtered set of clients in one go, and sees the client
base analysis grouped and filtered by it."""

import re

import pytest
from playwright.sync_api import expect

from clients.models import ExtraField, ExtraValue
from clients.tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def base(live_server, reference_data):
    factories.supervisor(username="olga", first_name="Ольга", last_name="Королёва")
    ural = factories.BusinessRegionFactory(name="Урал")
    south = factories.BusinessRegionFactory(name="Юг")
    factories.ClientFactory(name="ООО «Уральская сталь»", business_region=ural)
    factories.ClientFactory(name="ООО «Екатеринбург-Опт»", business_region=ural)
    factories.ClientFactory(name="ООО «Южный порт»", business_region=south)
    return ural


def test_supervisor_adds_loyalty_sets_it_for_a_filtered_set_and_analyses_the_base(page, live_server, login, base):
    ural = base
    login(page, live_server, "olga", "secret-pass-1")

    # «Настроить поля»: the list field and a new section, the field dragged into it.
    page.goto(f"{live_server.url}/clients/fields/")
    page.click("#add-field")
    page.fill("#id_name", "Лояльность")
    page.select_option("#id_value_type", label="Список")
    page.fill("#id_options", "Высокая\nСредняя\nНизкая")
    page.click("#save-field")
    expect(page.locator(".alert-success")).to_contain_text("Поле «Лояльность» добавлено")
    page.fill("#id_group-name", "Маркетинг")
    page.click("#add-group")
    marketing = page.locator("[data-field-group]").filter(
        has=page.locator("[data-group-name]", has_text=re.compile("^Маркетинг$"))
    )
    page.locator("[data-field-id]", has_text="Лояльность").drag_to(marketing.locator("[data-empty]"))
    expect(page.locator("#field-move-status")).to_have_text("Порядок полей сохранён.")
    loyalty = ExtraField.objects.get(name="Лояльность")
    assert loyalty.group.name == "Маркетинг"

    # The list filtered by region; «все N, подходящие под отбор» → «Изменить выделенные».
    page.goto(f"{live_server.url}/clients/")
    page.select_option("#id_business_region", label="Урал")
    expect(page.locator("#client-table tbody tr")).to_have_count(2)
    page.check("#bulk-all")
    page.click("#bulk-edit")
    page.wait_for_url(re.compile(r"/clients/bulk-edit/\?"))
    expect(page.locator("#bulk-count")).to_contain_text("Выбрано клиентов: 2")
    page.select_option(f"#id_extra_{loyalty.pk}", label="Высокая")
    page.click("#bulk-save")
    page.wait_for_url(re.compile(r"/clients/bulk-edit/\d+/$"))
    expect(page.locator("#bulk-result")).to_contain_text("Изменено клиентов: 2")
    assert set(ExtraValue.objects.filter(field=loyalty).values_list("client__business_region", flat=True)) == {ural.pk}

    # The list's extra-field filters are drawn when first opened, and filter at once.
    page.goto(f"{live_server.url}/clients/")
    expect(page.locator("#client-table tbody tr")).to_have_count(3)
    page.locator("#extra-filters summary").click()
    page.select_option(f"#id_extra_{loyalty.pk}", label="Высокая")
    expect(page.locator("#client-table tbody tr")).to_have_count(2)

    # «Анализ клиентской базы» by «Лояльность (Клиент)», then filtered by it.
    page.click("nav >> text=Отчёты")
    page.click("text=Анализ клиентской базы")
    page.select_option("#id_rows", label="Лояльность (Клиент)")
    page.click("#build-report")
    table = page.locator("#report-table")
    expect(table.locator("tbody tr", has_text="Высокая")).to_contain_text("2")
    expect(table.locator("tbody tr", has_text="не заполнено")).to_contain_text("1")

    page.locator("#extra-filters summary").click()
    page.select_option(f"#id_extra_{loyalty.pk}", label="Высокая")
    page.click("#build-report")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tfoot")).to_contain_text("2")

    # Drill-down from the cell to the matching clients.
    table.locator("tbody tr", has_text="Высокая").locator("a").last.click()
    expect(page.locator("#client-table tbody tr")).to_have_count(2)
