"""End-to-end in Chromium: a sales head sets up a funnel with its stages in «Настройки воронок»
(putting them in order by drag and drop); a manager creates a deal and drags it through the stages
on the board — a move someone else made first is refused and the card goes back — to «Успех» with
its amount; the deal's history shows every move, and the sales head's «Конверсия воронки» and
«Время на этапах» count them (with a second deal that skipped «Переговоры»)."""

import re

import pytest
from playwright.sync_api import expect

from clients.tests import factories
from crm import roles
from funnel import services
from funnel.models import Deal, Stage
from funnel.tests import factories as funnel_factories

pytestmark = pytest.mark.browser


@pytest.fixture
def people(live_server, reference_data):
    head = factories.UserFactory(username="olga", first_name="Ольга", last_name="Продажина", role=roles.SALES_HEAD)
    manager = factories.manager(username="ivan", first_name="Иван", last_name="Менеджеров")
    return head, manager


def column(page, name: str):
    return page.locator(f'[data-column][data-stage-name="{name}"]')


def report_row(page, name: str):
    """The report table's row of the stage (or total) `name`."""
    return page.locator(".report-table tr").filter(has=page.locator("th", has_text=re.compile(f"^{name}$")))


def cells(row) -> list[str]:
    return [text.strip() for text in row.locator("td").all_inner_texts()]


def stage_names(page):
    return page.locator("#stage-list [data-stage-id] input[name$='-name']")


def test_a_funnel_is_set_up_and_a_deal_dragged_through_its_stages_to_success(page, live_server, login, people):
    head, manager = people
    login(page, live_server, "olga", "secret-pass-1")
    page.click("#nav-funnel")
    expect(page.locator(".alert-info")).to_contain_text("Воронок продаж пока нет")
    page.click("#funnel-settings-link")
    expect(page.locator("h1")).to_have_text("Настройки воронок")

    page.fill("#id_new-name", "Оптовые продажи")
    page.select_option("#id_new-kind", label="B2B")
    expect(page.locator("#id_new-requires_amount")).to_be_checked()
    page.click("#create-funnel")
    expect(page.locator(".alert-success")).to_contain_text("Воронка «Оптовые продажи» создана")
    for name, probability in (("Переговоры", "50"), ("Первичный контакт", "10")):
        page.fill("#id_stage-name", name)
        page.fill("#id_stage-probability", probability)
        page.click("#add-stage")
        expect(page.locator(".alert-success")).to_contain_text(f"Этап «{name}» добавлен")
    expect(stage_names(page).nth(0)).to_have_value("Переговоры")

    # «Первичный контакт» comes first: dragged by its handle above «Переговоры», saved on drop.
    first = page.locator("#stage-list [data-stage-id]").nth(1)
    first.locator("[data-stage-handle]").drag_to(
        page.locator("#stage-list [data-stage-id]").nth(0), target_position={"x": 20, "y": 3}
    )
    expect(page.locator("#stage-move-status")).to_have_text("Порядок этапов сохранён.")
    page.reload()
    expect(stage_names(page)).to_have_count(4)
    for i, name in enumerate(("Первичный контакт", "Переговоры", "Успех", "Провал")):
        expect(stage_names(page).nth(i)).to_have_value(name)

    # The manager makes a deal for a lead and works it on the board.
    page.context.clear_cookies()
    login(page, live_server, "ivan", "secret-pass-1")
    page.click("#nav-funnel")
    expect(page.locator("h1")).to_contain_text("Оптовые продажи")
    page.click("#create-deal")
    page.fill("#id_title", "Поставка станков")
    page.fill("#id_lead_name", "Пётр Заказчиков")
    page.fill("#id_lead_phone", "+7 916 123-45-67")
    page.click("#save-deal")
    expect(page.locator("#deal-stage")).to_have_text("Первичный контакт")
    page.click("#nav-funnel")

    card = page.locator("[data-deal-id]", has_text="Поставка станков")
    card.drag_to(column(page, "Переговоры").locator("[data-cards]"))
    expect(page.locator("#board-status")).to_have_text("Сделка «Поставка станков» перенесена на этап «Переговоры».")
    expect(column(page, "Переговоры").locator("[data-deal-id]")).to_have_count(1)
    expect(column(page, "Первичный контакт").locator("[data-count]")).to_have_text("0")

    # Meanwhile the sales head puts it back on «Первичный контакт»: this page does not know.
    deal = Deal.objects.get(title="Поставка станков")
    services.move(deal, Stage.objects.get(name="Первичный контакт"), user=head, comment="рано")

    card.drag_to(column(page, "Успех").locator("[data-cards]"))
    expect(page.locator("#move-modal")).to_be_visible()
    expect(page.locator("#move-modal [data-move-question]")).to_contain_text("укажите её сумму")
    page.fill("#id_amount", "150 000")
    page.click("#move-confirm")
    expect(page.locator("#board-status")).to_have_text(
        "Сделку уже переместили на этап «Первичный контакт». Обновите страницу."
    )
    expect(column(page, "Переговоры").locator("[data-deal-id]")).to_have_count(1)  # the card went back
    expect(column(page, "Успех").locator("[data-deal-id]")).to_have_count(0)

    page.reload()
    card.drag_to(column(page, "Успех").locator("[data-cards]"))
    expect(page.locator("#move-modal")).to_be_visible()
    page.fill("#id_amount", "150 000")
    page.click("#move-confirm")
    expect(page.locator("#board-status")).to_have_text("Сделка «Поставка станков» перенесена на этап «Успех».")
    won = column(page, "Успех")
    expect(won.locator("[data-deal-amount]")).to_have_text("150 000,00")
    expect(won.locator("[data-count]")).to_have_text("1")
    expect(won.locator("[data-total]")).to_have_text("150 000,00")

    won.locator("[data-deal-title]").click()
    expect(page.locator("#deal-stage")).to_have_text("Успех")
    expect(page.locator("#deal-amount")).to_have_text("150 000,00")
    rows = page.locator("#deal-history [data-transition]")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("Создана: Первичный контакт")
    expect(rows.nth(1)).to_contain_text("Первичный контакт → Переговоры")
    expect(rows.nth(2)).to_contain_text("Переговоры → Первичный контакт")
    expect(rows.nth(2)).to_contain_text("рано")
    expect(rows.nth(3)).to_contain_text("Первичный контакт → Успех")
    expect(rows.nth(3)).to_contain_text("Иван Менеджеров")

    # A second deal went straight from «Первичный контакт» to «Успех», skipping «Переговоры».
    quick = services.create_deal(
        Deal(funnel=deal.funnel, title="Срочный заказ", lead_name="Анна Быстрова", manager=manager), user=manager
    )
    services.move(quick, Stage.objects.get(name="Успех"), user=manager, amount=1000)

    # The sales head's reports: both deals reached both stages and were won; «Первичный контакт»
    # was stayed on three times (twice by the first deal, which came back to it), «Переговоры» once.
    page.context.clear_cookies()
    login(page, live_server, "olga", "secret-pass-1")
    page.get_by_role("link", name="Отчёты").click()
    page.click("#report-funnel-conversion")
    expect(page.locator("h1")).to_contain_text("Оптовые продажи")
    expect(page.locator("svg")).to_be_visible()
    assert cells(report_row(page, "Первичный контакт"))[:3] == ["2", "100,0", "100,0"]
    assert cells(report_row(page, "Переговоры"))[:3] == ["2", "100,0", "100,0"]
    assert cells(report_row(page, "Успех"))[:1] == ["2"]
    assert cells(report_row(page, "В работе"))[:1] == [""]  # a zero is left blank, as 1C reports do
    expect(page.locator("#report-notes, .report-note").last).to_contain_text(re.compile(r"100,0\s*%"))

    page.go_back()
    page.click("#report-funnel-time-in-stage")
    page.select_option("#id_funnel", label="Оптовые продажи")
    page.click("#build-report")
    assert cells(report_row(page, "Первичный контакт"))[0] == "3"
    assert cells(report_row(page, "Переговоры"))[0] == "1"


def test_a_stage_order_refused_because_the_stages_changed_puts_the_list_back(page, live_server, login, people):
    funnel = funnel_factories.FunnelFactory(name="Розница")
    funnel_factories.stages(funnel, "Звонок", "Встреча")
    login(page, live_server, "olga", "secret-pass-1")
    page.goto(f"{live_server.url}/funnel/settings/?funnel={funnel.pk}")
    expect(stage_names(page)).to_have_count(4)
    Stage.objects.create(funnel=funnel, name="Счёт", order=50)  # meanwhile, in another tab

    second = page.locator("#stage-list [data-stage-id]").nth(1)
    second.locator("[data-stage-handle]").drag_to(
        page.locator("#stage-list [data-stage-id]").nth(0), target_position={"x": 20, "y": 3}
    )
    expect(page.locator("#stage-move-status")).to_have_text(
        "Порядок этапов не сохранён: Этапы воронки изменились, пока страница была открыта. Обновите страницу."
    )
    for i, name in enumerate(("Звонок", "Встреча", "Успех", "Провал")):
        expect(stage_names(page).nth(i)).to_have_value(name)
