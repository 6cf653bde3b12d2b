"""A deal's page, form, stage buttons, lines with the margin guard and lead → client, for the
owner, a colleague, a sales head and someone without a role; bad input is a message."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from clients.models import Client, ClientChange, ContactInfo
from clients.tests import factories as client_factories
from funnel import services
from funnel.models import Deal, DealLine, MarginConfirmation, StageTransition
from funnel.services import Line
from funnel.tests.conftest import deal_of
from funnel.tests.factories import reason
from sales.tests.factories import ProductFactory

CREATE = reverse("funnel:deal_create")


def detail(deal) -> str:
    return reverse("funnel:deal_detail", args=[deal.pk])


def edit(deal) -> str:
    return reverse("funnel:deal_edit", args=[deal.pk])


def lines_url(deal) -> str:
    return reverse("funnel:deal_lines", args=[deal.pk])


def convert_url(deal) -> str:
    return reverse("funnel:deal_convert", args=[deal.pk])


def text(response) -> str:
    return response.content.decode().replace("\xa0", " ")


def deal_data(funnel=None, **fields) -> dict:
    data = {
        "title": "Поставка станков",
        "client": "",
        "lead_name": "",
        "lead_email": "",
        "lead_phone": "",
        "lead_inn": "",
        "manager": "",
        "amount": "",
        "source": "",
        "expected_close": "",
        **fields,
    }
    if funnel is not None:
        data["funnel"] = funnel.pk
    return data


def lines_data(lines, existing=(), **extra) -> dict:
    data = {
        "lines-TOTAL_FORMS": len(lines),
        "lines-INITIAL_FORMS": len(existing),
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 1000,
        **extra,
    }
    for i, line in enumerate(lines):
        if i < len(existing):
            data[f"lines-{i}-id"] = existing[i].pk
        for key, value in line.items():
            data[f"lines-{i}-{key}"] = value.pk if hasattr(value, "pk") else value
    return data


@pytest.fixture
def widget(db):
    return ProductFactory(name="Виджет", price=D("100.00"), cost=D("80.00"))


# --- access -----------------------------------------------------------------------------------------------


def test_the_owner_and_the_sales_head_see_the_deal_a_colleague_does_not(client, anna, boris, head, outsider, b2b):
    funnel, _stages = b2b
    deal = deal_of(funnel, anna)
    for user, status in ((anna, 200), (head, 200), (boris, 404), (outsider, 403)):
        client.force_login(user)
        assert client.get(detail(deal)).status_code == status, user
    client.force_login(boris)
    assert client.get(edit(deal)).status_code == 404
    assert client.post(lines_url(deal), lines_data([])).status_code == 404
    assert client.post(convert_url(deal)).status_code == 404


def test_an_unassigned_deal_is_any_managers(client, boris, b2b):
    funnel, (_contact, _offer, *_rest) = b2b
    deal = deal_of(funnel, boris, lead_name="Иван")
    Deal.objects.filter(pk=deal.pk).update(manager=None)
    client.force_login(boris)
    response = client.get(detail(deal))
    assert response.status_code == 200 and response.context["may_change"]


# --- the page ---------------------------------------------------------------------------------------------


def test_the_page_shows_the_deal_its_stage_buttons_and_the_history(client, anna, b2b):
    funnel, (_contact, offer, contract, *_closed) = b2b
    deal = deal_of(funnel, anna, "Станки", amount=D("1500"), source="Выставка")
    services.move(deal, contract, user=anna, comment="сразу договор")
    services.move(deal, offer, user=anna)
    client.force_login(anna)
    page = text(client.get(detail(deal)))
    assert "Станки" in page and "Выставка" in page and "1 500,00" in page
    assert 'id="deal-stage">Предложение<' in page
    for name in ("Контакт", "Договор", "Успех", "Провал"):
        assert f'data-stage-button="{name}"' in page
    history = page[page.index('id="deal-history"') :]
    assert history.index("Создана") < history.index("Контакт → ") < history.index("Договор → ")
    assert "сразу договор" in history


def test_the_stage_buttons_move_the_deal(client, anna, b2b):
    funnel, (contact, offer, _contract, won, lost) = b2b
    deal = deal_of(funnel, anna)
    client.force_login(anna)
    url = reverse("funnel:deal_move", args=[deal.pk])
    response = client.post(url, {"stage": offer.pk, "seen_stage": contact.pk}, follow=True)
    assert "Сделка «Поставка» перенесена на этап «Предложение»." in text(response)
    response = client.post(url, {"stage": won.pk, "seen_stage": offer.pk, "amount": ""})
    assert response.status_code == 409
    assert "Укажите сумму сделки: без неё сделку в этой воронке не выиграть." in text(response)
    response = client.post(url, {"stage": lost.pk, "seen_stage": contact.pk, "lost_reason": reason().pk})
    assert response.status_code == 409 and "Сделку уже переместили на этап «Предложение»" in text(response)
    response = client.post(url, {"stage": won.pk, "seen_stage": offer.pk, "amount": "700"})
    assert response.status_code == 302
    assert Deal.objects.get(pk=deal.pk).amount == D("700.00")


# --- create and edit --------------------------------------------------------------------------------------


def test_a_manager_creates_a_deal_for_a_client_on_the_first_stage(client, anna, b2b):
    funnel, (contact, *_rest) = b2b
    buyer = client_factories.ClientFactory(name="ООО «Покупатель»", responsible=anna)
    client.force_login(anna)
    form = client.get(CREATE, {"funnel": funnel.pk, "client": buyer.pk})
    assert form.status_code == 200 and "ООО «Покупатель»" in text(form)
    response = client.post(CREATE, deal_data(funnel, client=buyer.pk, manager=anna.pk, amount="1 000,50"))
    deal = Deal.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(deal)
    assert (deal.stage, deal.client, deal.manager, deal.amount) == (contact, buyer, anna, D("1000.50"))
    assert StageTransition.objects.filter(deal=deal, from_stage=None, to_stage=contact, by=anna).exists()


def test_a_new_deal_is_the_creators_unless_they_choose_otherwise(client, anna, b2b):
    funnel, _stages = b2b
    client.force_login(anna)
    page = text(client.get(CREATE, {"funnel": funnel.pk}))
    managers = page.split('<select name="manager"')[1].split("</select>")[0]
    assert f'<option value="{anna.pk}" selected>' in managers


def test_a_lead_needs_a_name_and_a_valid_phone(client, anna, b2b):
    funnel, _stages = b2b
    client.force_login(anna)
    response = client.post(CREATE, deal_data(funnel))
    assert response.status_code == 400
    assert "Укажите клиента или, для лида, имя того, кто обратился." in text(response)
    response = client.post(CREATE, deal_data(funnel, lead_name="Иван", lead_phone="12"))
    assert response.status_code == 400 and "телефона «12»" in text(response)
    response = client.post(CREATE, deal_data(funnel, lead_name="Иван", lead_phone="8 916 123-45-67", amount="-1"))
    assert response.status_code == 400
    response = client.post(CREATE, deal_data(funnel, lead_name="Иван", lead_phone="8 916 123-45-67"))
    assert response.status_code == 302
    assert Deal.objects.get().lead_phone == "+79161234567"


def test_a_manager_cannot_give_a_deal_or_take_a_client_that_is_not_theirs(client, anna, boris, b2b):
    funnel, _stages = b2b
    theirs = client_factories.ClientFactory(name="Чужой", responsible=boris)
    client.force_login(anna)
    response = client.post(CREATE, deal_data(funnel, lead_name="Иван", manager=boris.pk))
    assert response.status_code == 400 and "manager" in response.context["form"].errors
    response = client.post(CREATE, deal_data(funnel, client=theirs.pk, manager=anna.pk))
    assert response.status_code == 400 and "client" in response.context["form"].errors
    assert not Deal.objects.exists()


def test_editing_changes_the_header_and_never_the_stage(client, anna, head, b2b):
    funnel, (_contact, offer, *_rest) = b2b
    deal = deal_of(funnel, anna)
    client.force_login(anna)
    form = client.get(edit(deal))
    services.move(deal, offer, user=head)  # moved while the form was open
    response = client.post(edit(deal), deal_data(client=deal.client_id, manager=anna.pk, title="Поставка-2"))
    assert form.status_code == 200 and response.status_code == 302
    deal.refresh_from_db()
    assert (deal.title, deal.stage) == ("Поставка-2", offer)


def test_a_client_search_offers_the_users_clients(client, anna, boris, head):
    client_factories.ClientFactory(name="Ромашка своя", responsible=anna)
    client_factories.ClientFactory(name="Ромашка чужая", responsible=boris)
    url = reverse("funnel:client_choices")
    client.force_login(anna)
    page = text(client.get(url, {"q": "Ромашка"}))
    assert "Ромашка своя" in page and "Ромашка чужая" not in page
    client.force_login(head)
    assert "Ромашка чужая" in text(client.get(url, {"q": "ромашка"}))


# --- lines and the margin guard ---------------------------------------------------------------------------


def test_lines_are_saved_and_the_deal_amount_follows(client, anna, b2b, widget):
    funnel, _stages = b2b
    deal = deal_of(funnel, anna)
    client.force_login(anna)
    data = lines_data([{"product": widget, "quantity": "2", "price": "", "discount": "5"}])
    response = client.post(lines_url(deal), data, follow=True)
    assert "Строки записаны, сумма сделки 190,00." in text(response)
    assert Deal.objects.get(pk=deal.pk).amount == D("190.00")
    line = DealLine.objects.get(deal=deal)
    assert (line.price, line.discount, line.amount) == (D("100.00"), D("5.00"), D("190.00"))
    assert "Рентабельность" in text(response) and "15,79 %" in text(response)


@pytest.mark.parametrize("discount", ["101", "-1"])
def test_a_discount_over_100_or_negative_is_refused(client, anna, b2b, widget, discount):
    funnel, _stages = b2b
    deal = deal_of(funnel, anna)
    client.force_login(anna)
    response = client.post(lines_url(deal), lines_data([{"product": widget, "quantity": "1", "discount": discount}]))
    assert response.status_code == 400
    page = text(response)
    assert "Строки не записаны: исправьте отмеченные поля." in page and "Скидка — от 0 до 100 %." in page
    assert not DealLine.objects.exists()


def test_an_unprofitable_discount_is_warned_about_and_saved_once_confirmed(client, anna, b2b, widget, settings):
    settings.FUNNEL_MIN_MARGIN = 10
    funnel, _stages = b2b
    deal = deal_of(funnel, anna)
    client.force_login(anna)
    cheap = lines_data([{"product": widget, "quantity": "1", "price": "100", "discount": "25"}])
    warned = client.post(lines_url(deal), cheap)
    assert warned.status_code == 200
    page = text(warned)
    assert "Строка 1 «Виджет»: цена со скидкой 75,00 ниже себестоимости 80,00." in page
    assert "Рентабельность сделки −6,67 % ниже минимальной 10 %." in page
    assert "Подтверждаю скидку" in page and not DealLine.objects.exists()
    token = warned.context["warnings_token"]

    # A confirmation holds for the numbers shown: a bigger discount is warned about again.
    cheaper = lines_data([{"product": widget, "quantity": "1", "price": "100", "discount": "30"}])
    again = client.post(lines_url(deal), {**cheaper, "confirm_discount": token})
    assert again.status_code == 200 and "−14,29 %" in text(again) and not DealLine.objects.exists()

    saved = client.post(lines_url(deal), {**cheap, "confirm_discount": token}, follow=True)
    assert "подтверждение сохранено" in text(saved)
    assert Deal.objects.get(pk=deal.pk).amount == D("75.00")
    confirmation = MarginConfirmation.objects.get(deal=deal)
    assert (confirmation.user, confirmation.margin) == (anna, D("-6.67"))
    assert "Подтверждения скидки" in text(saved)


def test_existing_lines_are_changed_and_removed(client, anna, b2b, widget):
    funnel, _stages = b2b
    deal = deal_of(funnel, anna)
    services.save_lines(deal, [Line(widget, D(1), D(100)), Line(widget, D(3), D(100))], user=anna)
    first, second = DealLine.objects.filter(deal=deal)
    client.force_login(anna)
    data = lines_data(
        [
            {"product": widget, "quantity": "4", "price": "100", "discount": "0"},
            {"product": widget, "quantity": "3", "price": "100", "discount": "0", "DELETE": "on"},
        ],
        existing=[first, second],
    )
    assert client.post(lines_url(deal), data).status_code == 302
    assert list(DealLine.objects.filter(deal=deal).values_list("quantity", flat=True)) == [D("4.000")]


# --- lead → client ----------------------------------------------------------------------------------------


def test_a_lead_becomes_a_new_client_card(client, anna, b2b):
    funnel, _stages = b2b
    deal = deal_of(funnel, anna, lead_name="Иван Петров", lead_email="ivan@Example.ru", lead_phone="+79161234567")
    client.force_login(anna)
    response = client.post(convert_url(deal), follow=True)
    assert "Создана карточка клиента «Иван Петров»." in text(response)
    card = Client.objects.get(name="Иван Петров")
    assert (card.kind, card.responsible) == (Client.Kind.INDIVIDUAL, anna)
    assert sorted(ContactInfo.objects.filter(client=card).values_list("value", flat=True)) == [
        "+79161234567",
        "ivan@example.ru",
    ]
    assert ClientChange.objects.filter(client=card, source=ClientChange.Source.CREATED, user=anna).exists()
    assert Deal.objects.get(pk=deal.pk).client == card
    assert client.post(convert_url(deal), follow=True).status_code == 200  # already a client: a message
    assert Client.objects.filter(name="Иван Петров").count() == 1


def test_a_lead_with_a_known_phone_is_linked_to_the_existing_card(client, anna, b2b):
    funnel, _stages = b2b
    known = client_factories.ClientFactory(name="ООО «Ромашка»")
    client_factories.ContactInfoFactory(client=known, value="+79161234567")
    deal = deal_of(funnel, anna, lead_name="Иван", lead_phone="8 (916) 123-45-67")
    client.force_login(anna)
    offered = client.post(convert_url(deal))
    assert offered.status_code == 200
    page = text(offered)
    assert "ООО «Ромашка»" in page and "тот же телефон +7 916 123-45-67" in page
    assert Deal.objects.get(pk=deal.pk).client is None
    assert client.post(convert_url(deal), {"client": client_factories.ClientFactory().pk}).status_code == 400
    response = client.post(convert_url(deal), {"client": known.pk}, follow=True)
    assert "Сделка связана с клиентом «ООО «Ромашка»»." in text(response)
    assert Deal.objects.get(pk=deal.pk).client == known
    assert Client.objects.count() == 2


def test_a_lead_can_still_become_a_new_card_despite_a_lookalike(client, anna, b2b):
    funnel, _stages = b2b
    known = client_factories.ClientFactory(name="ООО «Ромашка»")
    client_factories.ContactInfoFactory(client=known, value="+79161234567")
    deal = deal_of(funnel, anna, lead_name="Иван", lead_phone="+79161234567")
    client.force_login(anna)
    assert client.post(convert_url(deal), {"create": "1"}).status_code == 302
    assert Deal.objects.get(pk=deal.pk).client.name == "Иван"


def test_a_lead_with_a_known_inn_is_offered_the_existing_card(client, anna, b2b):
    funnel, _stages = b2b
    known = client_factories.ClientFactory(name="ПАО «Сбербанк»", kind="company", inn="7707083893")
    deal = deal_of(funnel, anna, lead_name="Закупки Сбербанка", lead_inn="7707083893")
    client.force_login(anna)
    page = text(client.post(convert_url(deal)))
    assert "ПАО «Сбербанк»" in page and "тот же ИНН 7707083893" in page
    assert Deal.objects.get(pk=deal.pk).client is None
    client.post(convert_url(deal), {"client": known.pk})
    assert Deal.objects.get(pk=deal.pk).client == known


def test_a_sales_head_who_may_not_create_cards_cannot_create_one_from_a_lead(client, head, anna, b2b):
    """The probe: the sales head, who may not create cards, created one by converting a lead."""
    funnel, _stages = b2b
    deal = deal_of(funnel, anna, lead_name="Иван Петров")
    client.force_login(head)
    response = client.post(convert_url(deal), follow=True)
    assert "Создать карточку клиента вы не можете" in text(response)
    assert not Client.objects.filter(name="Иван Петров").exists()
    assert Deal.objects.get(pk=deal.pk).client is None


def test_a_manager_cannot_link_a_lead_to_another_managers_client(client, anna, boris, b2b):
    """The probe: a manager linked their own deal to another manager's client with client=<id>."""
    funnel, _stages = b2b
    theirs = client_factories.ClientFactory(name="ООО «Чужое»", responsible=boris)
    client_factories.ContactInfoFactory(client=theirs, value="+79161234567")
    deal = deal_of(funnel, anna, lead_name="Иван", lead_phone="+79161234567")
    client.force_login(anna)
    response = client.post(convert_url(deal), {"client": theirs.pk}, follow=True)
    assert "не из ваших" in text(response)
    assert Deal.objects.get(pk=deal.pk).client is None


def test_a_lead_with_a_company_inn_becomes_an_organisation_card(client, anna, b2b):
    funnel, _stages = b2b
    deal = deal_of(funnel, anna, lead_name="ООО «Новый»", lead_inn="7707083893")
    client.force_login(anna)
    client.post(convert_url(deal))
    card = Deal.objects.get(pk=deal.pk).client
    assert (card.name, card.kind, card.inn) == ("ООО «Новый»", Client.Kind.COMPANY, "7707083893")


@pytest.mark.parametrize(
    ("inn", "message"),
    [("7707083894", "Неверное контрольное число ИНН 7707083894."), ("77070", "ИНН должен содержать 10 или 12 цифр.")],
)
def test_a_wrong_lead_inn_is_explained_and_the_input_kept(client, anna, b2b, inn, message):
    funnel, _stages = b2b
    client.force_login(anna)
    response = client.post(CREATE, deal_data(funnel, lead_name="Лид с ИНН", lead_inn=inn))
    assert response.status_code == 400
    page = text(response)
    assert message in page and 'value="Лид с ИНН"' in page
    assert not Deal.objects.exists()


# --- query counts -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 15])
def test_the_deal_page_reads_a_fixed_number_of_queries(client, anna, b2b, django_assert_max_num_queries, size):
    funnel, (contact, offer, *_rest) = b2b
    deal = deal_of(funnel, anna)
    products = [ProductFactory(name=f"Товар {n}", cost=D(1)) for n in range(size)]
    services.save_lines(deal, [Line(p, D(1), D(100)) for p in products], user=anna)
    for _n in range(size):
        services.move(deal, offer, user=anna)
        services.move(deal, contact, user=anna)
    client.force_login(anna)
    with django_assert_max_num_queries(12):
        response = client.get(detail(deal))
    assert response.status_code == 200 and len(response.context["history"]) == 1 + 2 * size
