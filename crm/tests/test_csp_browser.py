"""The Content-Security-Policy in a real Chromium: the main pages open and work without a single
violation of the policy (no inline script, event handler or style refused, no script error), every
page comes with the policy, and the handlers moved out of the templates into static files still do
their work when clicked."""

from __future__ import annotations

import io
import re
from urllib.parse import quote

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from clients.models import Client
from clients.tests import factories
from clients.tests.test_company_data import COMPANY_INN, dadata, dadata_server  # noqa: F401 - fixtures
from crm import roles
from funnel import services as funnel_services
from funnel.models import Deal
from funnel.tests import factories as funnel_factories
from tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.browser

# Every violation of the policy, from every page of the context, reported to the test; the event
# also covers what the console does not say (a style refused in a part htmx swapped in, say).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => window.cspViolation(
  `${event.violatedDirective} refused ${event.blockedURI || "inline"} on ${document.URL}`
  + ` (${event.sourceFile || "the page"}:${event.lineNumber}) ${event.sample || ""}`));
"""


class PolicyWatch:
    """Collects the policy's violations, script errors and pages answered without the policy."""

    def __init__(self, page):
        self.problems: list[str] = []
        self.pages = 0
        context = page.context
        context.expose_binding("cspViolation", lambda source, text: self.problems.append(f"violation: {text}"))
        context.add_init_script(REPORT_VIOLATIONS)
        context.on("page", self.watch)
        self.watch(page)

    def watch(self, page) -> None:
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.problems.append(f"script error on {page.url}: {error}"))
        page.on("response", self.response)

    def console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.problems.append(f"console: {message.text}")

    def response(self, response) -> None:
        if response.request.resource_type != "document":
            return
        self.pages += 1
        policy = response.headers.get("content-security-policy", "")
        if "script-src 'self'" not in policy or "style-src 'self'" not in policy:
            self.problems.append(f"no policy on {response.url}: {policy!r}")

    def check(self, page) -> None:
        page.wait_for_timeout(150)  # a violation's report is asynchronous
        problems, self.problems = self.problems, []
        assert self.pages, "no page was opened"
        assert not problems, "\n".join(problems)


@pytest.fixture
def watch(page):
    return PolicyWatch(page)


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def stub_print(page) -> None:
    """window.print() opens no dialog in a test: it marks the page instead."""
    page.evaluate("window.print = () => { document.body.dataset.printed = 'yes'; }")


@pytest.mark.usefixtures("dadata")
def test_the_client_pages_keep_the_policy_and_their_scripts_work(page, live_server, login, reference_data, watch):
    factories.supervisor(username="olga", first_name="Ольга", last_name="Королёва")
    moscow = factories.BusinessRegionFactory(name="Москва")
    card = factories.ClientFactory(name="ООО «Волга-Трейд»", responsible=None)
    factories.ContactInfoFactory(client=card, value="+79161234567")
    for i in range(30):
        factories.ClientFactory(name=f"ООО «Прочий {i:02}»", responsible=None)
    base = live_server.url
    login(page, live_server, "olga", "secret-pass-1")

    # The list: «Колонки», the filter through htmx, «Excel» with the filter of the moment.
    page.goto(f"{base}/clients/")
    page.click("#columns-menu")
    page.uncheck("#col-inn")
    page.click("#columns-form button[type=submit]")
    expect(page.locator("#client-table thead")).not_to_contain_text("ИНН")
    page.fill("#id_q", "прочий")
    page.click("#apply-filter")
    expect(page.locator("#list-count")).to_contain_text("30")
    assert "q=" in page.url
    with page.expect_download() as download:
        page.click("#export-excel")
    assert f"q={quote('прочий')}" in download.value.url

    # The page size is applied as soon as it is chosen, the filter kept.
    page.select_option("#per-page", "25")
    # Waited for by its address: the filter's own request may still navigate first under load.
    page.wait_for_url(re.compile(r"per_page=25"))
    assert "q=" in page.url
    expect(page.locator("#client-table tbody tr")).to_have_count(25)

    # The header's box ticks every row; «Изменить выделенные» ticks a field when a value is chosen.
    page.check("#client-table [data-select-all]")
    assert page.locator("#client-table input[name='pk']:checked").count() == 25
    page.click("#bulk-edit")
    page.wait_for_url(re.compile(r"/clients/bulk-edit/\?"))
    page.select_option("#id_business_region", label="Москва")
    expect(page.locator("#id_change_business_region")).to_be_checked()

    # The language is switched as soon as it is chosen, and back.
    with page.expect_navigation():
        page.select_option("#language-switch select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    with page.expect_navigation():
        page.select_option("#language-switch select", "ru")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    watch.check(page)

    # The card: a formset row added in place, «Заполнить по ИНН» and «Подставить», saved.
    page.goto(f"{base}/clients/{card.pk}/edit/")
    page.click("[data-add-form='info']")
    expect(page.locator("select[name='info-1-kind']")).to_be_visible()
    page.fill("#id_client-inn", COMPANY_INN)
    page.click("#fill-by-inn")
    expect(page.locator("#company-data-name")).to_have_text("ООО «МОТОРИКА»")
    page.click("#fill-company")
    expect(page.locator("#id_client-name")).to_have_value("ООО «МОТОРИКА»")
    expect(page.locator("[data-filled]")).to_be_visible()
    page.click("#save-client")
    page.wait_for_url(f"**/clients/{card.pk}/")
    expect(page.locator("#client-completeness")).not_to_be_empty()
    card.refresh_from_db()
    assert (card.name, card.business_region) == ("ООО «МОТОРИКА»", moscow)
    watch.check(page)

    # The import: a file, its columns mapped (the preview follows through htmx), loaded.
    page.goto(f"{base}/clients/import/")
    page.set_input_files(
        "#id_file",
        files=[
            {
                "name": "clients.xlsx",
                "mimeType": "application/octet-stream",
                "buffer": xlsx([["Наименование", "Комментарий"], ["ООО «Новый»", "из файла"]]),
            }
        ],
    )
    page.click("#import-upload")
    expect(page.locator("#import-mapping")).to_be_visible()
    page.locator("#import-mapping select").nth(1).select_option("")
    expect(page.locator("#import-preview")).not_to_contain_text("из файла")
    page.click("#import-run")
    expect(page.locator("#report-created")).to_have_text("1")
    assert Client.objects.filter(name="ООО «Новый»").exists()
    watch.check(page)


def test_the_board_my_work_and_the_reports_keep_the_policy(page, live_server, login, reference_data, watch):
    factories.UserFactory(username="olga", first_name="Ольга", last_name="Продажина", role=roles.SALES_HEAD)
    manager = factories.manager(username="ivan", first_name="Иван", last_name="Менеджеров")
    funnel = funnel_factories.FunnelFactory(name="Оптовые продажи")
    _first, talks, won, _lost = funnel_factories.stages(funnel, "Первичный контакт", "Переговоры")
    buyer = factories.ClientFactory(name="ООО «Покупатель»", responsible=manager)
    deal, quick = (
        funnel_services.create_deal(Deal(funnel=funnel, title=title, client=buyer, manager=manager), user=manager)
        for title in ("Поставка станков", "Срочный заказ")
    )
    funnel_services.move(quick, won, user=manager, amount=1000)
    TaskFactory(executor=manager, title="Позвонить в «Покупатель»")
    base = live_server.url

    # The board: a deal dragged to the next stage, saved by the board's script.
    login(page, live_server, "ivan", "secret-pass-1")
    page.click("#nav-funnel")
    card = page.locator("[data-deal-id]", has_text="Поставка станков")
    card.drag_to(page.locator(f'[data-column][data-stage-name="{talks.name}"] [data-cards]'))
    expect(page.locator("#board-status")).to_have_text("Сделка «Поставка станков» перенесена на этап «Переговоры».")
    assert Deal.objects.get(pk=deal.pk).stage == talks

    # «Мои дела»: each filter applies itself when changed.
    page.click("#nav-my-tasks")
    expect(page.locator("#my-tasks")).to_contain_text("Позвонить в «Покупатель»")
    with page.expect_navigation():
        page.select_option("#f-state", "done")
    assert "state=done" in page.url
    expect(page.locator("#my-tasks")).not_to_contain_text("Позвонить")
    with page.expect_navigation():
        page.check("#f-overdue")
    assert "overdue=1" in page.url and "state=done" in page.url
    watch.check(page)

    # A report with its chart, its print view (opened in a tab) and «Печать» there.
    page.context.clear_cookies()
    login(page, live_server, "olga", "secret-pass-1")
    page.goto(f"{base}/reports/funnel-conversion/?funnel={funnel.pk}")
    expect(page.locator("#funnel-chart")).to_be_visible()
    with page.context.expect_page() as opened:
        page.click("#print-view")
    paper = opened.value
    paper.wait_for_load_state()
    expect(paper.locator("h1")).to_contain_text("Конверсия")
    stub_print(paper)
    paper.click("#print-button")
    expect(paper.locator("body")).to_have_attribute("data-printed", "yes")
    paper.close()

    # A report whose rows are indented, grouped by manager.
    page.goto(f"{base}/reports/funnel-time-in-stage/?funnel={funnel.pk}")
    expect(page.locator("#time-in-stage-chart")).to_be_visible()
    page.goto(f"{base}/reports/funnel-time-in-stage/?funnel={funnel.pk}&print=1")
    expect(page.locator("table").first).to_be_visible()

    # A document's print view: the client's ledger on paper, and «Печать».
    page.goto(f"{base}/reports/client-ledger/?client={buyer.pk}&export=print")
    stub_print(page)
    page.click("#print-button")
    expect(page.locator("body")).to_have_attribute("data-printed", "yes")
    watch.check(page)


def test_the_wizard_and_the_task_it_makes_keep_the_policy(
    page, live_server, login, celery_worker, reference_data, watch
):
    factories.supervisor(username="boss", first_name="Ольга", last_name="Руководова")
    anna = factories.manager(username="anna", first_name="Анна", last_name="Аверина")
    factories.ClientFactory(name="ООО «Бета»", responsible=anna, abc_class="A")
    login(page, live_server, "boss", "secret-pass-1")
    page.get_by_role("link", name="Сервис").click()
    page.click("#contact-info-wizard")
    page.locator("fieldset", has_text="У клиентов").get_by_label("Email").check()
    page.click("#wizard-next")
    page.click("#wizard-next")
    expect(page.locator("#selection")).to_contain_text("ООО «Бета»")
    page.click("#wizard-next")
    page.get_by_label("Распределение по ответственным менеджерам").check()
    page.click("#wizard-finish")
    page.wait_for_selector("#wizard-run[data-state='done']", timeout=30_000)
    page.locator("#run-tasks a").first.click()
    expect(page.locator("#task-progress")).to_contain_text("Заполнено 0 из 1")
    watch.check(page)


def test_the_admin_keeps_the_policy(page, live_server, reference_data, django_user_model, watch):
    root = django_user_model.objects.create_superuser("root", password="secret-pass-1")
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "secret-pass-1")
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_be_visible()
    page.goto(f"{live_server.url}/admin/auth/user/")
    page.check("#action-toggle")
    expect(page.locator(".action-counter")).to_contain_text("1")
    page.goto(f"{live_server.url}/admin/auth/user/{root.pk}/change/")
    expect(page.locator("#id_username")).to_have_value("root")
    watch.check(page)
