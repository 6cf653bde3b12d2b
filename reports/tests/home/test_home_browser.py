"""Each role logs in and lands on its home page, in Chromium: its blocks are there and drawn (the
charts as SVG), another role's are not, and a figure opens the page that makes it."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "secret-pass-1"  # the user factory's


def test_each_role_lands_on_its_home_page(page, live_server, login, reference_data, home_base):
    login(page, live_server, "anna", PASSWORD)
    expect(page.locator("h1")).to_have_text("Главная")
    expect(page.locator("#home-tasks-overdue [data-figure]")).to_have_text("2")
    expect(page.locator("#home-completeness, #home-funnel-month")).to_have_count(0)
    page.click("#home-tasks-today")
    expect(page.locator("#f-due-today")).to_be_checked()
    page.context.clear_cookies()

    login(page, live_server, "boss", PASSWORD)
    expect(page.locator("#home-completeness-chart")).to_be_visible()
    expect(page.locator("#home-completeness-since")).to_contain_text("ещё нет")
    expect(page.locator("#home-wizard-tasks tr[data-kind]")).to_have_count(2)
    expect(page.locator("#home-my-tasks")).to_have_count(0)
    page.context.clear_cookies()

    for head in ("head", "admin"):
        login(page, live_server, head, PASSWORD)
        expect(page.locator("#home-funnel-chart")).to_be_visible()
        expect(page.locator("#home-funnel-table [data-month='1'] [data-figure='deals']")).to_have_text("4")
        expect(page.locator("#home-debt-by-manager tfoot [data-figure='overdue']")).to_have_text("2 540,00")
        expect(page.locator("#home-month-payments")).to_be_visible()
        page.context.clear_cookies()
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/login/?next=/")
