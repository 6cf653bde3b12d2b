"""«Настройки воронок»: funnels, stages (added, edited, reordered on drop, retired with their deals
moved elsewhere, restored) and lost reasons — for sales heads and administrators only."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from clients.tests import factories as client_factories
from crm import roles
from funnel.models import Deal, Funnel, LostReason, Stage, StageTransition
from funnel.tests.conftest import deal_of
from funnel.tests.factories import FunnelFactory, reason, stages

SETTINGS = reverse("funnel:settings")


def text(response) -> str:
    return response.content.decode().replace("\xa0", " ")


def names(funnel) -> list[str]:
    return list(funnel.stages.filter(is_active=True).order_by("order", "pk").values_list("name", flat=True))


def stage_data(stage=None, **fields) -> dict:
    prefix = f"stage-{stage.pk}" if stage else "stage"
    values = {"name": "", "kind": "open", "probability": "0", "expected_days": "", **fields}
    return {f"{prefix}-{k}": v for k, v in values.items()}


def retire(client, stage, **data):
    return client.post(reverse("funnel:stage_retire", args=[stage.pk]), data)


@pytest.fixture
def admin(db):
    return client_factories.UserFactory(username="admin", role=roles.ADMINISTRATOR)


def test_only_sales_heads_and_administrators_set_up_funnels(client, head, admin, anna, outsider, b2b):
    _funnel, (contact, *_rest) = b2b
    supervisor = client_factories.supervisor(username="boss")
    for user, status in ((head, 200), (admin, 200), (supervisor, 403), (anna, 403), (outsider, 403)):
        client.force_login(user)
        assert client.get(SETTINGS).status_code == status, user
    client.force_login(anna)
    assert client.post(reverse("funnel:funnel_create"), {"new-name": "Моя"}).status_code == 403
    assert client.post(reverse("funnel:stage_retire", args=[contact.pk])).status_code == 403
    assert "Настройки воронок" not in text(client.get(reverse("funnel:board")))
    client.force_login(head)
    assert "Настройки воронок" in text(client.get(reverse("funnel:board")))


def test_a_new_funnel_comes_with_success_and_failure_and_open_stages_go_before_them(client, head):
    client.force_login(head)
    data = {"new-name": " Оптовики ", "new-kind": "b2b", "new-requires_amount": "on"}
    response = client.post(reverse("funnel:funnel_create"), data)
    funnel = Funnel.objects.get(name="Оптовики")
    assert response.status_code == 302 and response["Location"] == f"{SETTINGS}?funnel={funnel.pk}"
    assert funnel.requires_amount and names(funnel) == ["Успех", "Провал"]
    assert list(funnel.stages.values_list("kind", flat=True).order_by("order")) == ["won", "lost"]
    add = reverse("funnel:stage_add", args=[funnel.pk])
    client.post(add, stage_data(name="Первичный контакт", probability="10", expected_days="3"))
    client.post(add, stage_data(name="Коммерческое предложение", probability="40"))
    client.post(add, stage_data(name="Отказ клиента", kind="lost"))
    assert names(funnel) == ["Первичный контакт", "Коммерческое предложение", "Успех", "Провал", "Отказ клиента"]
    assert Stage.objects.get(name="Первичный контакт").expected_days == 3
    page = text(client.get(SETTINGS, {"funnel": funnel.pk}))
    assert "Первичный контакт" in page and "Причины проигрыша" in page

    again = client.post(reverse("funnel:funnel_create"), {"new-name": "оптовики", "new-kind": "b2b"})
    assert again.status_code == 400 and "Воронка «оптовики» уже есть." in text(again)
    assert Funnel.objects.count() == 1


def test_bad_stage_input_is_a_message(client, head, b2b):
    funnel, (_contact, *_rest) = b2b
    client.force_login(head)
    add = reverse("funnel:stage_add", args=[funnel.pk])
    response = client.post(add, stage_data(name="контакт"))
    assert response.status_code == 400 and "В воронке уже есть этап «контакт»." in text(response)
    response = client.post(add, stage_data(name="Переговоры", probability="150"))
    assert response.status_code == 400 and "меньше либо равно 100" in text(response)
    response = client.post(add, stage_data(name="Переговоры", probability="много"))
    assert response.status_code == 400
    assert funnel.stages.count() == 5


def test_a_stage_is_renamed_and_its_kind_kept_while_it_has_deals(client, head, anna, b2b):
    funnel, (contact, offer, *_rest) = b2b
    deal_of(funnel, anna)
    client.force_login(head)
    url = reverse("funnel:stage_edit", args=[contact.pk])
    data = stage_data(contact, name="Первый контакт", probability="15", expected_days="5")
    assert client.post(url, data).status_code == 302
    contact.refresh_from_db()
    assert (contact.name, contact.probability, contact.expected_days) == ("Первый контакт", 15, 5)
    response = client.post(url, stage_data(contact, name="Первый контакт", kind="won", probability="15"))
    assert response.status_code == 409 and "его вид не изменить" in text(response)
    assert Stage.objects.get(pk=contact.pk).kind == "open"
    taken = client.post(reverse("funnel:stage_edit", args=[offer.pk]), stage_data(offer, name="Первый контакт"))
    assert taken.status_code == 400 and "В воронке уже есть этап «Первый контакт»." in text(taken)


def test_stages_are_reordered_by_a_drop(client, head, b2b):
    funnel, (contact, offer, contract, won, lost) = b2b
    client.force_login(head)
    url = reverse("funnel:stage_reorder", args=[funnel.pk])
    order = [offer.pk, contact.pk, contract.pk, won.pk, lost.pk]
    response = client.post(url, {"stage": order}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert names(funnel) == ["Предложение", "Контакт", "Договор", "Успех", "Провал"]
    stale = client.post(url, {"stage": order[:-1]}, HTTP_ACCEPT="application/json")
    assert stale.status_code == 409 and "Обновите страницу" in stale.json()["error"]
    foreign = stages(FunnelFactory(name="B2C"), "Заявка")[0]
    assert client.post(url, {"stage": [*order[:-1], foreign.pk]}, HTTP_ACCEPT="application/json").status_code == 409
    assert client.post(url, {"stage": ["x"]}, HTTP_ACCEPT="application/json").status_code == 409
    assert names(funnel) == ["Предложение", "Контакт", "Договор", "Успех", "Провал"]


def test_retiring_a_stage_with_deals_asks_where_they_go_and_moves_each_with_a_transition(client, head, anna, b2b):
    funnel, (contact, offer, *_rest) = b2b
    deals = [deal_of(funnel, anna, f"Сделка {n}") for n in range(3)]
    client.force_login(head)
    page = client.get(reverse("funnel:stage_retire", args=[contact.pk]))
    assert "Сделок на этапе: 3." in text(page)
    refused = retire(client, contact)
    assert refused.status_code == 400
    assert "На этапе «Контакт» сделок: 3. Выберите, на какой этап их перенести." in text(refused)
    assert Stage.objects.get(pk=contact.pk).is_active
    response = retire(client, contact, move_to=offer.pk)
    assert response.status_code == 302
    assert "Перенесено сделок: 3." in text(client.get(response["Location"]))
    assert not Stage.objects.get(pk=contact.pk).is_active
    assert set(Deal.objects.values_list("stage", flat=True)) == {offer.pk}
    for deal in deals:
        last = deal.transitions.last()
        assert (last.from_stage, last.to_stage, last.by) == (contact, offer, head)
        assert last.comment == "Этап «Контакт» больше не используется."
    board = client.get(reverse("funnel:board"), {"funnel": funnel.pk})
    assert [c.stage.name for c in board.context["columns"]] == ["Предложение", "Договор", "Успех", "Провал"]
    # Used again: back before the closing stages.
    client.post(reverse("funnel:stage_restore", args=[contact.pk]))
    assert names(funnel) == ["Предложение", "Договор", "Контакт", "Успех", "Провал"]


def test_retiring_into_success_or_failure_needs_amounts_or_a_reason(client, head, anna, b2b):
    funnel, (contact, _offer, _contract, won, lost) = b2b
    deal_of(funnel, anna, "С суммой", amount=D("100"))
    deal_of(funnel, anna, "Без суммы")
    client.force_login(head)
    refused = retire(client, contact, move_to=won.pk)
    assert refused.status_code == 400 and "Сделок без суммы: 1." in text(refused)
    refused = retire(client, contact, move_to=lost.pk)
    assert refused.status_code == 400 and "Укажите причину проигрыша." in text(refused)
    assert StageTransition.objects.filter(to_stage__in=[won, lost]).count() == 0
    assert retire(client, contact, move_to=lost.pk, lost_reason=reason("Нет бюджета").pk).status_code == 302
    assert set(Deal.objects.values_list("lost_reason__name", flat=True)) == {"Нет бюджета"}
    assert Deal.objects.exclude(closed_at=None).count() == 2


def test_the_last_open_stage_stays(client, head, db):
    funnel = FunnelFactory(name="Простая")
    only, _won, _lost = stages(funnel, "Единственный")
    client.force_login(head)
    response = retire(client, only)
    assert response.status_code == 400 and "хотя бы один этап «В работе»" in text(response)
    url = reverse("funnel:stage_edit", args=[only.pk])
    assert client.post(url, stage_data(only, name="Единственный", kind="won")).status_code == 409


def test_lost_reasons_are_kept_by_users(client, head, anna, b2b):
    client.force_login(head)
    add = reverse("funnel:reason_add")
    assert client.post(add, {"reason-name": "Дорого"}).status_code == 302
    duplicate = client.post(add, {"reason-name": " дорого "})
    assert duplicate.status_code == 400 and "Причина «дорого» уже есть." in text(duplicate)
    expensive = LostReason.objects.get()
    rename = reverse("funnel:reason_edit", args=[expensive.pk])
    assert client.post(rename, {f"reason-{expensive.pk}-name": "Высокая цена"}).status_code == 302
    assert client.post(reverse("funnel:reason_toggle", args=[expensive.pk]), follow=True).status_code == 200
    assert not LostReason.objects.get().is_active
    client.force_login(anna)
    assert "Высокая цена" not in text(client.get(reverse("funnel:board")))  # not offered any more


def test_the_funnel_is_renamed_and_switched_off(client, head, b2b):
    funnel, _stages = b2b
    client.force_login(head)
    url = reverse("funnel:funnel_edit", args=[funnel.pk])
    data = {"funnel-name": "B2B-продажи", "funnel-kind": "b2b"}
    assert client.post(url, data).status_code == 302
    funnel.refresh_from_db()
    assert (funnel.name, funnel.is_active, funnel.requires_amount) == ("B2B-продажи", False, False)
    assert client.get(reverse("funnel:board")).context["funnel"] is None
