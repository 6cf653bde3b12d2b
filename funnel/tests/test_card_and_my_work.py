"""The funnel on other apps' pages: the client card's «Сделки» and «Зависшие сделки» in «Мои дела»."""

import datetime
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.tests import factories as client_factories
from funnel import services
from funnel.models import Deal, Stage
from funnel.stuck import stuck_deals
from funnel.tests.conftest import deal_of
from funnel.tests.factories import reason

MY_WORK = reverse("tasks:my")


def card(client_card) -> str:
    return reverse("clients:detail", args=[client_card.pk])


def text(response) -> str:
    return response.content.decode().replace("\xa0", " ")


def aged(deal: Deal, days: int) -> Deal:
    """As if the deal had been on its stage for `days` days."""
    Deal.objects.filter(pk=deal.pk).update(stage_entered_at=timezone.now() - datetime.timedelta(days=days))
    return Deal.objects.get(pk=deal.pk)


# --- the card's «Сделки» ----------------------------------------------------------------------------------


@pytest.fixture
def romashka(anna):
    return client_factories.ClientFactory(name="ООО «Ромашка»", responsible=anna)


def test_the_card_lists_the_clients_deals_in_work_first_with_the_totals(client, anna, head, b2b, romashka):
    funnel, (_contact, offer, _contract, won, lost) = b2b
    old_win = deal_of(funnel, anna, "Первая поставка", client=romashka, amount=D("1000.00"))
    services.move(old_win, won, user=anna)
    lost_one = deal_of(funnel, anna, "Сервис", client=romashka, amount=D("50.00"))
    services.move(lost_one, lost, user=anna, lost_reason=reason())
    in_work = deal_of(funnel, anna, "Вторая поставка", client=romashka, amount=D("300.00"))
    services.move(in_work, offer, user=anna)
    deal_of(funnel, anna, "Чужой клиент")  # another client's deal is not on this card

    client.force_login(anna)
    response = client.get(card(romashka))
    page = text(response)
    assert "Сделки" in page and "Чужой клиент" not in page
    shown = [d.title for d in response.context["panels"]["main"][0]["deals"]]
    assert shown == ["Вторая поставка", "Сервис", "Первая поставка"]  # in work, then the latest closed
    summary = page.split('id="client-deals-summary"')[1].split("</span>")[0]
    assert " ".join(summary.split()) == "> в работе 1 на 300,00 · выиграно 1 на 1 000,00 · проиграно 1"
    assert reverse("funnel:deal_create") + f"?client={romashka.pk}" in page


def test_a_manager_sees_on_the_card_only_the_deals_they_may_see(client, anna, boris, head, b2b, romashka):
    funnel, _stages = b2b
    deal_of(funnel, anna, "Сделка Анны", client=romashka)
    deal_of(funnel, boris, "Сделка Бориса", client=romashka)
    client.force_login(boris)
    page = text(client.get(card(romashka)))
    assert "Сделка Бориса" in page and "Сделка Анны" not in page
    assert 'id="client-new-deal"' not in page  # Анна's client: Борис makes no deals for it
    client.force_login(head)
    page = text(client.get(card(romashka)))
    assert "Сделка Бориса" in page and "Сделка Анны" in page and 'id="client-new-deal"' in page


def test_a_card_with_many_deals_shows_ten_and_says_how_many_there_are(client, anna, b2b, romashka):
    funnel, _stages = b2b
    for n in range(12):
        deal_of(funnel, anna, f"Сделка {n}", client=romashka)
    client.force_login(anna)
    page = text(client.get(card(romashka)))
    assert page.count("data-deal=") == 10 and "Показаны 10 из 12" in page


@pytest.mark.parametrize("deals", [0, 1, 15])
def test_the_deals_add_two_queries_to_the_card(client, anna, b2b, romashka, deals):
    funnel, _stages = b2b
    for n in range(deals):
        deal_of(funnel, anna, f"Сделка {n}", client=romashka)
    client.force_login(anna)
    client.get(card(romashka))  # warm the session and the caches
    with CaptureQueriesContext(connection) as queries:
        client.get(card(romashka))
    deal_queries = [q["sql"] for q in queries.captured_queries if '"funnel_deal"' in q["sql"]]
    assert len(deal_queries) == 2


# --- «Зависшие сделки» ----------------------------------------------------------------------------------


@pytest.fixture
def timed(b2b):
    """«Контакт» expects 3 days, «Предложение» 10; «Договор» has no limit."""
    funnel, stages = b2b
    contact, offer, _contract = stages[:3]
    Stage.objects.filter(pk=contact.pk).update(expected_days=3)
    Stage.objects.filter(pk=offer.pk).update(expected_days=10)
    return funnel, stages


def test_a_deal_longer_on_its_stage_than_expected_is_stuck(anna, boris, timed):
    funnel, (_contact, offer, contract, won, _lost) = timed
    fresh = aged(deal_of(funnel, anna, "Свежая"), 2)
    stuck = aged(deal_of(funnel, anna, "Зависла на контакте"), 4)
    offered = deal_of(funnel, anna, "Предложение отправлено")
    services.move(offered, offer, user=anna)
    aged(offered, 9)  # within the 10 days of «Предложение»
    on_contract = deal_of(funnel, anna, "Без срока")
    services.move(on_contract, contract, user=anna)
    aged(on_contract, 400)  # «Договор» has no expected time
    closed = deal_of(funnel, anna, "Выиграна", amount=D(1))
    services.move(closed, won, user=anna)
    aged(closed, 400)
    borises = aged(deal_of(funnel, boris, "Чужая"), 30)

    assert list(stuck_deals(Deal.objects.filter(manager=anna))) == [stuck]
    assert set(stuck_deals(Deal.objects.all())) == {stuck, borises}
    assert fresh not in stuck_deals(Deal.objects.all())


def test_my_work_lists_my_stuck_deals_the_longest_first(client, anna, boris, timed):
    funnel, _stages = timed
    aged(deal_of(funnel, anna, "Зависла неделю"), 7)
    aged(deal_of(funnel, anna, "Зависла месяц"), 30)
    aged(deal_of(funnel, boris, "Зависла у Бориса"), 30)
    client.force_login(anna)
    page = text(client.get(MY_WORK))
    assert "Зависшие сделки" in page and "Зависла у Бориса" not in page
    section = page.split('id="stuck-deals"')[1]
    assert section.index("Зависла месяц") < section.index("Зависла неделю")
    row = section.split("Зависла месяц</a>")[1].split("</li>")[0]
    assert "Контакт: <span" in row and ">30 дн.</span>" in row and "(ожидается 3)" in row


def test_my_work_has_no_stuck_section_when_nothing_is_stuck(client, anna, timed):
    funnel, _stages = timed
    aged(deal_of(funnel, anna, "Свежая"), 1)
    client.force_login(anna)
    assert "Зависшие сделки" not in text(client.get(MY_WORK))


def test_a_funnel_no_longer_used_leaves_no_stuck_deals(anna, timed):
    funnel, (_contact, *_rest) = timed
    aged(deal_of(funnel, anna, "Зависла"), 30)
    assert stuck_deals(Deal.objects.all()).count() == 1
    funnel.is_active = False
    funnel.save()
    assert stuck_deals(Deal.objects.all()).count() == 0


@pytest.mark.parametrize("stuck", [1, 25])
def test_the_stuck_deals_cost_my_work_a_fixed_number_of_queries(client, anna, timed, stuck):
    funnel, _stages = timed
    for n in range(stuck):
        aged(deal_of(funnel, anna, f"Зависла {n}"), 5 + n)
    client.force_login(anna)
    client.get(MY_WORK)
    with CaptureQueriesContext(connection) as queries:
        page = text(client.get(MY_WORK))
    funnel_queries = [q["sql"] for q in queries.captured_queries if '"funnel_' in q["sql"]]
    assert len(funnel_queries) == (2 if stuck < 10 else 3)  # the limits, the deals (and their count)
    assert page.count("data-deal=") == min(stuck, 10)
    if stuck > 10:
        assert f"Показаны 10 самых давних из {stuck}." in page


# --- «Зависшие сделки», the page ------------------------------------------------------------------------

STUCK = reverse("funnel:stuck")


def test_the_stuck_page_lists_every_stuck_deal_a_page_at_a_time(client, anna, boris, head, timed):
    funnel, _stages = timed
    for n in range(53):
        aged(deal_of(funnel, anna, f"Зависла {n:02}"), 10 + n)
    aged(deal_of(funnel, boris, "У Бориса"), 100)
    aged(deal_of(funnel, anna, "Свежая"), 1)
    client.force_login(anna)
    mine = text(client.get(MY_WORK))
    assert f'href="{STUCK}?manager={anna.pk}"' in mine and "Показаны 10 самых давних из 53." in mine

    first = client.get(STUCK, {"manager": anna.pk})
    page = text(first)
    assert "Найдено: 53" in page and page.count("data-deal=") == 50
    assert page.index("Зависла 52") < page.index("Зависла 03") and "Зависла 00" not in page  # the longest first
    assert "Свежая" not in page
    second = text(client.get(STUCK, {"manager": anna.pk, "page": 2}))
    assert second.count("data-deal=") == 3 and "Зависла 00" in second

    assert "У Бориса" not in text(client.get(STUCK))  # a manager sees own and unassigned deals only
    client.force_login(head)
    assert "Найдено: 54" in text(client.get(STUCK))


def test_the_stuck_page_says_a_wrong_filter_and_shows_everything(client, anna, timed):
    funnel, _stages = timed
    aged(deal_of(funnel, anna, "Зависла"), 10)
    client.force_login(anna)
    response = client.get(STUCK, {"created_from": "вчера", "manager": "чужой"})
    assert response.status_code == 200
    page = text(response)
    assert "Создана с:" in page and "Зависла" in page


@pytest.mark.parametrize("stuck", [3, 60])
def test_the_stuck_page_reads_a_fixed_number_of_queries(client, anna, timed, stuck, django_assert_max_num_queries):
    funnel, _stages = timed
    for n in range(stuck):
        aged(deal_of(funnel, anna, f"Зависла {n}"), 5 + n)
    client.force_login(anna)
    client.get(STUCK)
    with django_assert_max_num_queries(12):
        assert client.get(STUCK).status_code == 200


def test_the_stuck_page_takes_any_page_number_without_an_error(client, anna, timed):
    funnel, _stages = timed
    for n in range(3):
        aged(deal_of(funnel, anna, f"Зависла {n}"), 10 + n)
    client.force_login(anna)
    for page in ["abc", "-1", "0", "99999999999999999999", "1e3"]:
        response = client.get(STUCK, {"page": page})
        assert response.status_code == 200, page
        assert text(response).count("data-deal=") == 3, page
