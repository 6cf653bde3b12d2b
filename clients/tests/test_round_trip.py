"""Opening a card's edit form and saving it as the browser sends it changes nothing: no value, no
history entry, no new version — for every built-in field and every extra-field type, on the client
and on its contact person."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from clients.models import Client, ClientChange, ExtraField, ExtraValue
from clients.services import snapshot
from clients.services.extra_values import set_extra_values
from clients.tests import factories
from crm.testing import submitted_form

TYPES = ExtraField.ValueType


@pytest.fixture
def full_card(owner):
    """A card with a value in every field the edit form shows."""
    card = factories.ClientFactory(
        name="ООО «Полная»",
        full_name="Общество с ограниченной ответственностью «Полная»",
        inn="7707083893",
        kpp="773601001",
        business_region=factories.BusinessRegionFactory(name="Москва"),
        legal_address="Москва, ул. Тверская, 1",
        responsible=owner,
        comment="первая строка\nвторая строка",
    )
    card.segments.set([factories.SegmentFactory(name="Опт"), factories.SegmentFactory(name="Розница")])
    factories.SegmentFactory(name="VIP")  # offered, not ticked
    factories.ContactInfoFactory(client=card, value="+79161234567")
    factories.ContactInfoFactory(client=card, kind=factories.kind("Email"), value="info@polnaya.ru")
    factories.ContactInfoFactory(client=card, kind=factories.kind("Сайт"), value="https://polnaya.ru")
    person = factories.ContactPersonFactory(client=card, name="Петров Иван", position="директор")
    person.notes = "звонить после обеда"
    person.save()
    factories.ContactInfoFactory(client=card, contact=person, kind=factories.kind("Мобильный телефон"))

    loyalty = factories.list_field("Лояльность", ["Высокая", "Средняя"])
    client_values = {
        loyalty: factories.option(loyalty, "Средняя"),
        factories.ExtraFieldFactory(name="Код", value_type=TYPES.STRING): "A-17",
        factories.ExtraFieldFactory(name="Сотрудников", value_type=TYPES.NUMBER): Decimal("25"),
        factories.ExtraFieldFactory(name="Оборот", value_type=TYPES.NUMBER): Decimal("1500000.5"),
        factories.ExtraFieldFactory(name="VIP-клиент", value_type=TYPES.FLAG): True,
        factories.ExtraFieldFactory(name="Бывший партнёр", value_type=TYPES.FLAG): False,
        factories.ExtraFieldFactory(name="Дата первой сделки", value_type=TYPES.DATE): datetime.date(2026, 3, 15),
    }
    set_extra_values(client_values, client=card)
    for_contacts = {"applies_to": ExtraField.AppliesTo.CONTACTS}
    hobby = factories.list_field("Хобби", ["Рыбалка", "Теннис"], **for_contacts)
    contact_values = {
        hobby: factories.option(hobby, "Теннис"),
        factories.ExtraFieldFactory(name="Прозвище", value_type=TYPES.STRING, **for_contacts): "Ваня",
        factories.ExtraFieldFactory(name="Стаж", value_type=TYPES.NUMBER, **for_contacts): Decimal("7.25"),
        factories.ExtraFieldFactory(name="ЛПР", value_type=TYPES.FLAG, **for_contacts): True,
        factories.ExtraFieldFactory(name="Не звонить", value_type=TYPES.FLAG, **for_contacts): False,
        factories.ExtraFieldFactory(name="День рождения", value_type=TYPES.DATE, **for_contacts): datetime.date(
            1980, 2, 29
        ),
    }
    set_extra_values(contact_values, contact=person)
    return card


def stored_values(card: Client) -> list[tuple]:
    return sorted(
        ExtraValue.objects.filter(client=card).values_list("field__name", *ExtraValue.TYPED_COLUMNS)
    ) + sorted(ExtraValue.objects.filter(contact__client=card).values_list("field__name", *ExtraValue.TYPED_COLUMNS))


def test_a_card_saved_unchanged_keeps_every_value_and_writes_no_history(client, full_card, owner):
    client.force_login(owner)
    url = reverse("clients:edit", args=[full_card.pk])
    before = (snapshot(full_card), stored_values(full_card), full_card.version)
    assert len(stored_values(full_card)) == 13

    data = submitted_form(client.get(url).content, "client-form")
    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    full_card = Client.objects.get(pk=full_card.pk)
    assert (snapshot(full_card), stored_values(full_card), full_card.version) == before
    assert not full_card.changes.filter(source=ClientChange.Source.FORM).exists()


def test_the_edit_form_shows_every_stored_value(client, full_card, owner):
    client.force_login(owner)
    data = submitted_form(client.get(reverse("clients:edit", args=[full_card.pk])).content, "client-form")
    by_label = {field.name: f"client-extra_{field.pk}" for field in ExtraField.objects.exclude(applies_to="contacts")}
    assert data[by_label["VIP-клиент"]] == "true"
    assert data[by_label["Бывший партнёр"]] == "false"
    assert data[by_label["Сотрудников"]] == "25"
    assert data[by_label["Дата первой сделки"]] == "15.03.2026"
    assert data["client-comment"] == "первая строка\r\nвторая строка" or data["client-comment"] == (
        "первая строка\nвторая строка"
    )
    assert sorted(data["client-segments"]) == sorted(str(s.pk) for s in full_card.segments.all())
