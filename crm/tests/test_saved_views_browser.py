"""«Сохранённые отборы» in Chromium: a filter set on the client list through htmx is saved under a
name, and picked on a fresh list it gives the same rows."""

import pytest
from playwright.sync_api import expect

from clients.tests import factories
from crm.models import SavedView

pytestmark = pytest.mark.browser


def test_a_filter_saved_on_the_client_list_is_picked_on_a_fresh_list(page, live_server, login, reference_data):
    anna = factories.manager(username="anna", first_name="Анна", last_name="Смирнова")
    factories.ClientFactory(name="ООО «Волга-Трейд»", responsible=anna)
    for i in range(5):
        factories.ClientFactory(name=f"ООО «Прочий {i}»", responsible=anna)
    rows = page.locator("#client-table tbody tr")
    login(page, live_server, "anna", "secret-pass-1")

    page.goto(f"{live_server.url}/clients/")
    expect(rows).to_have_count(6)
    page.fill("#id_q", "волга")
    page.click("#apply-filter")
    expect(rows).to_have_count(1)  # htmx: the table and the address changed, the header did not

    page.click("#saved-view-save-menu")
    page.fill("#saved-view-name", "Волжские")
    with page.expect_navigation():
        page.click("#saved-view-save-button")
    view = SavedView.objects.get(author=anna, key="clients")
    assert view.query == "per_page=50&q=%D0%B2%D0%BE%D0%BB%D0%B3%D0%B0"  # the page size is part of it
    expect(page.locator(".alert-success")).to_contain_text("Отбор «Волжские» сохранён")

    page.goto(f"{live_server.url}/clients/")
    expect(rows).to_have_count(6)
    page.click("#saved-views-menu")
    page.get_by_role("link", name="Волжские").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("ООО «Волга-Трейд»")
    expect(page.locator("#saved-views-menu")).to_have_text("Отбор: «Волжские»")
    expect(page.locator("#id_q")).to_have_value("волга")
