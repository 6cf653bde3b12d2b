"""In a real Chromium: «API-ключи» from the user menu, and the two documentation pages drawn from
the package's files under the Content-Security-Policy, without a single violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from clients.tests import factories
from crm.tests.test_csp_browser import watch  # noqa: F401 - the policy's watch, a fixture

pytestmark = pytest.mark.browser
REDOC_REFUSALS = (
    "violation: style-src-elem refused inline",
    "console: Applying inline style violates",
    "violation: img-src refused https://cdn.redoc.ly/",
    "console: Loading the image 'https://cdn.redoc.ly/",
)


@pytest.mark.usefixtures("reference_data")
def test_a_key_is_made_from_the_user_menu_and_the_docs_keep_the_policy(page, live_server, login, watch):  # noqa: F811
    factories.supervisor(username="olga", first_name="Ольга", last_name="Королёва")
    login(page, live_server, "olga", "secret-pass-1")
    page.click("#user-menu")
    page.click("#nav-api-keys")
    page.fill("#id_name", "1С:Бухгалтерия")
    page.click("#token-form button[type=submit]")
    expect(page.locator("#new-token-value")).to_contain_text("crm_")
    expect(page.locator("#tokens")).to_contain_text("1С:Бухгалтерия")
    watch.check(page)

    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Client Card CRM API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    watch.check(page)

    # Redoc draws with its nonce'd styles; what the policy still refuses there costs nothing that
    # matters: two style elements its bundle adds as it loads (before it knows the nonce) and the
    # Redocly logo from their CDN (refused, so never fetched).
    page.goto(f"{live_server.url}/api/redoc/")
    expect(page.locator("h1").first).to_contain_text("Client Card CRM API")
    expect(page.get_by_text("/api/v1/clients/{id}/").first).to_be_attached()
    page.wait_for_timeout(150)
    assert [p for p in watch.problems if not p.startswith(REDOC_REFUSALS)] == []
