"""The bell in Chromium: its count comes by htmx, its page opens, a notice is marked read, then all."""

import pytest
from playwright.sync_api import expect

from notifications.tests.factories import notification, person

pytestmark = pytest.mark.browser


def test_the_bell_counts_opens_and_marks_read(page, live_server, login, reference_data):
    owner = person("ivanov")
    for key in ("a", "b", "c"):
        notification(owner, key, text=f"Вам поручена задача «Звонок {key}»", link="/tasks/")
    login(page, live_server, "ivanov", "secret-pass-1")
    badge = page.locator("#nav-bell [data-unread]")
    expect(badge).to_have_text("3")

    page.click("#nav-bell")
    expect(page.locator("h1")).to_have_text("Уведомления")
    expect(page.locator("#notifications tr[data-unread]")).to_have_count(3)
    page.locator("#notifications tr", has_text="Звонок a").locator("[data-read]").click()
    expect(page.locator("#notifications tr[data-unread]")).to_have_count(2)
    expect(badge).to_have_text("2")

    page.click("text=Вам поручена задача «Звонок b»")
    expect(page).to_have_url(f"{live_server.url}/tasks/")
    expect(badge).to_have_text("1")

    page.click("#nav-bell")
    page.click("#read-all")
    expect(page.locator(".alert-success")).to_contain_text("Прочитано уведомлений: 1.")
    expect(page.locator("#notifications tr[data-unread]")).to_have_count(0)
    expect(badge).to_have_count(0)
