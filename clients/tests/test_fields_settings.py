"""«Настроить поля»: fields, groups, list values and their placement, set up by a supervisor."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients import services
from clients.models import ExtraField, ExtraFieldOption, ExtraValue, FieldGroup
from clients.tests import factories
from clients.tests.formdata import card_data
from crm import roles

FIELDS_URL = reverse("clients:fields")
CREATE_URL = reverse("clients:field_create")


def page_text(response) -> str:
    return response.content.decode()


def follow_text(client, response) -> str:
    assert response.status_code == 302, page_text(response)[:2000]
    return page_text(client.get(response.url))


@pytest.fixture
def marketing(db):
    return factories.FieldGroupFactory(name="Маркетинг", order=200)


@pytest.fixture
def boss_client(client, boss):
    client.force_login(boss)
    return client


def field_data(**overrides) -> dict:
    data = {
        "name": "Лояльность",
        "value_type": "list",
        "applies_to": "all",
        "group": str(factories.default_group().pk),
        "options": "",
    }
    data.update(overrides)
    return data


def edit_data(field: ExtraField, **overrides) -> dict:
    data = {
        "name": field.name,
        "value_type": field.value_type,
        "applies_to": field.applies_to,
        "group": str(field.group_id),
    }
    if field.required:
        data["required"] = "on"
    if field.hidden:
        data["hidden"] = "on"
    data.update(overrides)
    return data


def names_in(group: FieldGroup) -> list[str]:
    return list(ExtraField.objects.filter(group=group).order_by("order", "id").values_list("name", flat=True))


def orders_in(group: FieldGroup) -> list[int]:
    return list(ExtraField.objects.filter(group=group).order_by("order", "id").values_list("order", flat=True))


# --- who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "status"),
    [("owner", 403), ("colleague", 403), ("outsider", 403), ("sales_head", 403), ("boss", 200), ("admin", 200)],
)
def test_only_supervisors_and_administrators_open_the_settings(client, db, request, user, status):
    if user == "sales_head":
        person = factories.UserFactory(username="head", role=roles.SALES_HEAD)
    elif user == "admin":
        person = factories.UserFactory(username="admin", role=roles.ADMINISTRATOR)
    else:
        person = request.getfixturevalue(user)
    client.force_login(person)
    assert client.get(FIELDS_URL).status_code == status


def test_it_sends_anonymous_users_to_the_login_page(client, db):
    response = client.get(FIELDS_URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_managers_cannot_change_anything(client, owner, loyalty, marketing):
    client.force_login(owner)
    option = factories.option(loyalty, "Низкая")
    posts = [
        (CREATE_URL, field_data(name="Канал", value_type="string")),
        (reverse("clients:field_edit", args=[loyalty.pk]), edit_data(loyalty, name="Другое")),
        (reverse("clients:field_delete", args=[loyalty.pk]), {}),
        (reverse("clients:field_move", args=[loyalty.pk]), {"group": marketing.pk, "position": 0}),
        (reverse("clients:field_group_create"), {"group-name": "Ещё"}),
        (reverse("clients:field_group_edit", args=[marketing.pk]), {"name": "Ещё"}),
        (reverse("clients:field_group_delete", args=[marketing.pk]), {}),
        (reverse("clients:field_group_move", args=[marketing.pk]), {"direction": "up"}),
        (reverse("clients:field_option_add", args=[loyalty.pk]), {"option-name": "Нулевая"}),
        (reverse("clients:field_option_edit", args=[option.pk]), {f"option-{option.pk}-name": "Никакая"}),
        (reverse("clients:field_option_move", args=[option.pk]), {"direction": "up"}),
        (reverse("clients:field_option_retire", args=[option.pk]), {}),
        (reverse("clients:field_option_delete", args=[option.pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    loyalty.refresh_from_db()
    assert (loyalty.name, loyalty.group.name) == ("Лояльность", "Дополнительно")
    assert list(loyalty.options.values_list("name", "retired")) == [
        ("Высокая", False),
        ("Средняя", False),
        ("Низкая", False),
    ]
    assert list(FieldGroup.objects.values_list("name", flat=True)) == ["Дополнительно", "Маркетинг"]


def test_the_card_and_the_list_link_to_the_settings_for_supervisors_only(client, owner, boss, card):
    detail, listing = reverse("clients:detail", args=[card.pk]), reverse("clients:list")
    client.force_login(owner)
    assert FIELDS_URL not in page_text(client.get(detail))
    assert FIELDS_URL not in page_text(client.get(listing))
    client.force_login(boss)
    assert FIELDS_URL in page_text(client.get(detail))
    assert FIELDS_URL in page_text(client.get(listing))


# --- the page -----------------------------------------------------------------------------------


def test_the_page_lists_sections_in_order_with_their_fields(boss_client, loyalty, marketing):
    hobby = factories.ExtraFieldFactory(name="Хобби", applies_to="contacts", group=marketing, required=True)
    factories.ExtraFieldFactory(name="Старый код", group=marketing, hidden=True)
    response = boss_client.get(FIELDS_URL)
    assert response.status_code == 200
    text = page_text(response)
    assert text.index("Дополнительно") < text.index("Лояльность") < text.index("Маркетинг") < text.index("Хобби")
    assert text.index("Хобби") < text.index("Старый код")
    row = text[text.index(f'id="field-{hobby.pk}"') :]
    row = row[: row.index("</li>")]
    assert "Контактные лица" in row and "Строка" in row and "Обязательное" in row
    assert "Скрыто" in text
    assert "Высокая, Средняя, Низкая" in text


def test_the_page_makes_the_same_number_of_queries_whatever_the_number_of_fields(boss_client, marketing):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert boss_client.get(FIELDS_URL).status_code == 200
        return len(queries)

    for i in range(5):
        factories.list_field(f"Список {i}", ["а", "б"], group=marketing)
    few = count()
    for i in range(5, 20):
        factories.list_field(f"Список {i}", ["а", "б", "в"], group=factories.FieldGroupFactory(name=f"Группа {i}"))
    assert count() == few
    assert few <= 8


# --- «Добавить поле» ----------------------------------------------------------------------------


@pytest.mark.parametrize("value_type", ["list", "string", "number", "flag", "date"])
def test_a_field_of_each_type_is_added_at_the_end_of_its_group(boss_client, marketing, value_type):
    factories.ExtraFieldFactory(name="Первое", group=marketing)
    data = field_data(name="Новое поле", value_type=value_type, group=str(marketing.pk), required="on")
    response = boss_client.post(CREATE_URL, data)
    assert response.status_code == 302
    field = ExtraField.objects.get(name="Новое поле")
    assert (field.value_type, field.group, field.required, field.applies_to) == (value_type, marketing, True, "all")
    assert names_in(marketing) == ["Первое", "Новое поле"]


def test_a_list_field_is_added_with_its_values_one_per_line(boss_client):
    data = field_data(options="Высокая\r\n\r\n  Средняя \r\nНизкая\r\n", applies_to="companies")
    text = follow_text(boss_client, boss_client.post(CREATE_URL, data))
    assert "Поле «Лояльность» добавлено" in text
    field = ExtraField.objects.get(name="Лояльность")
    assert field.applies_to == "companies"
    assert list(field.options.values_list("name", flat=True)) == ["Высокая", "Средняя", "Низкая"]


def test_values_typed_for_a_non_list_field_are_ignored(boss_client):
    boss_client.post(CREATE_URL, field_data(name="Сайт", value_type="string", options="а\nб"))
    assert not ExtraFieldOption.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "лояльность"}, "Поле «лояльность» для «Все клиенты» уже есть"),
        ({"name": "   "}, "Обязательное поле"),
        ({"name": "Канал", "options": "Сайт\nсайт"}, "Значение «сайт» повторяется"),
        ({"name": "Канал", "value_type": "formula"}, "Выберите корректный вариант"),
        ({"name": "Канал", "group": "999999"}, "Выберите корректный вариант"),
    ],
)
def test_bad_new_fields_are_refused_with_a_message_and_the_input_kept(boss_client, loyalty, overrides, message):
    response = boss_client.post(CREATE_URL, field_data(**overrides))
    assert response.status_code == 200
    text = page_text(response)
    assert message in text
    assert "Поле не записано" in text
    assert ExtraField.objects.count() == 1


def test_the_same_name_may_serve_clients_and_contact_persons(boss_client, loyalty):
    response = boss_client.post(CREATE_URL, field_data(applies_to="contacts", value_type="string"))
    assert response.status_code == 302
    assert ExtraField.objects.filter(name="Лояльность").count() == 2


def test_a_duplicate_that_slips_past_the_form_is_caught_from_the_database(boss_client, monkeypatch):
    create = services.create_field

    def create_after_a_colleague(**kwargs):
        factories.ExtraFieldFactory(name="Канал")  # saved a moment after the form checked the name
        return create(**kwargs)

    monkeypatch.setattr(services, "create_field", create_after_a_colleague)
    response = boss_client.post(CREATE_URL, field_data(name="Канал", value_type="string"))
    assert response.status_code == 200
    assert "Поле «Канал» для «Все клиенты» уже есть" in page_text(response)
    assert ExtraField.objects.filter(name="Канал").count() == 1


# --- groups -------------------------------------------------------------------------------------


def test_a_group_is_added_after_the_last_one(boss_client, marketing):
    response = boss_client.post(reverse("clients:field_group_create"), {"group-name": " Логистика "})
    assert "Группа «Логистика» добавлена" in follow_text(boss_client, response)
    assert list(FieldGroup.objects.values_list("name", flat=True)) == ["Дополнительно", "Маркетинг", "Логистика"]


@pytest.mark.parametrize(("name", "message"), [("маркетинг", "Группа «маркетинг» уже есть"), ("", "Обязательное поле")])
def test_a_bad_group_name_is_refused_on_the_page(boss_client, marketing, name, message):
    response = boss_client.post(reverse("clients:field_group_create"), {"group-name": name})
    assert response.status_code == 200
    assert message in page_text(response)
    assert FieldGroup.objects.count() == 2


def test_a_group_is_renamed_but_not_to_another_groups_name(boss_client, marketing):
    url = reverse("clients:field_group_edit", args=[marketing.pk])
    assert boss_client.get(url).status_code == 200
    response = boss_client.post(url, {"name": "ДОПОЛНИТЕЛЬНО"})
    assert "Группа «ДОПОЛНИТЕЛЬНО» уже есть" in page_text(response)
    assert boss_client.post(url, {"name": "Маркетинг и PR"}).status_code == 302
    marketing.refresh_from_db()
    assert marketing.name == "Маркетинг и PR"


def test_a_group_with_fields_is_not_deleted(boss_client, marketing):
    factories.ExtraFieldFactory(name="Канал", group=marketing)
    response = boss_client.post(reverse("clients:field_group_delete", args=[marketing.pk]))
    assert "В группе «Маркетинг» есть поля (1)" in follow_text(boss_client, response)
    assert FieldGroup.objects.filter(pk=marketing.pk).exists()


def test_an_empty_group_is_deleted_but_not_the_last_one(boss_client, marketing):
    response = boss_client.post(reverse("clients:field_group_delete", args=[marketing.pk]))
    assert "Группа «Маркетинг» удалена" in follow_text(boss_client, response)
    last = factories.default_group()
    response = boss_client.post(reverse("clients:field_group_delete", args=[last.pk]))
    assert "Это единственная группа" in follow_text(boss_client, response)
    assert FieldGroup.objects.filter(pk=last.pk).exists()


def test_sections_are_reordered_with_up_and_down(client, boss, owner, card, marketing, loyalty):
    factories.ExtraFieldFactory(name="Канал", group=marketing)
    client.force_login(boss)
    client.post(reverse("clients:field_group_move", args=[marketing.pk]), {"direction": "up"})
    assert list(FieldGroup.objects.values_list("name", "order")) == [("Маркетинг", 0), ("Дополнительно", 1)]
    client.post(reverse("clients:field_group_move", args=[marketing.pk]), {"direction": "up"})  # already first
    assert list(FieldGroup.objects.values_list("name", flat=True)) == ["Маркетинг", "Дополнительно"]
    client.force_login(owner)
    text = page_text(client.get(reverse("clients:edit", args=[card.pk])))
    assert text.index("Канал") < text.index("Лояльность")
    client.force_login(boss)
    client.post(reverse("clients:field_group_move", args=[marketing.pk]), {"direction": "down"})
    assert list(FieldGroup.objects.values_list("name", flat=True)) == ["Дополнительно", "Маркетинг"]


# --- editing and deleting a field ---------------------------------------------------------------


def test_a_field_is_renamed_made_required_hidden_and_moved_to_the_end_of_another_group(boss_client, loyalty, marketing):
    factories.ExtraFieldFactory(name="Канал", group=marketing)
    url = reverse("clients:field_edit", args=[loyalty.pk])
    assert boss_client.get(url).status_code == 200
    data = edit_data(loyalty, name="Лояльность клиента", group=str(marketing.pk), required="on", hidden="on")
    assert boss_client.post(url, data).status_code == 302
    loyalty.refresh_from_db()
    assert (loyalty.name, loyalty.required, loyalty.hidden) == ("Лояльность клиента", True, True)
    assert names_in(marketing) == ["Канал", "Лояльность клиента"]


def test_a_hidden_field_leaves_the_card_form_and_keeps_its_values(client, boss, owner, card, loyalty):
    services.set_extra_values({loyalty: factories.option(loyalty, "Высокая")}, client=card)
    client.force_login(boss)
    client.post(reverse("clients:field_edit", args=[loyalty.pk]), edit_data(loyalty, hidden="on"))
    client.force_login(owner)
    assert f"client-extra_{loyalty.pk}" not in page_text(client.get(reverse("clients:edit", args=[card.pk])))
    assert ExtraValue.objects.filter(field=loyalty, client=card).exists()


def test_the_type_cannot_change_once_the_field_has_values(boss_client, card, loyalty):
    services.set_extra_values({loyalty: factories.option(loyalty, "Высокая")}, client=card)
    url = reverse("clients:field_edit", args=[loyalty.pk])
    assert "поэтому тип изменить нельзя" in page_text(boss_client.get(url))
    response = boss_client.post(url, edit_data(loyalty, value_type="string", name="Лояльность 2"))
    assert response.status_code == 200
    assert "Тип значения нельзя изменить: у поля уже есть значения (1)" in page_text(response)
    loyalty.refresh_from_db()
    assert (loyalty.value_type, loyalty.name) == ("list", "Лояльность")
    assert loyalty.options.count() == 3


def test_a_field_without_values_changes_type_and_drops_its_list_values(boss_client, loyalty):
    response = boss_client.post(
        reverse("clients:field_edit", args=[loyalty.pk]), edit_data(loyalty, value_type="string")
    )
    assert response.status_code == 302
    loyalty.refresh_from_db()
    assert loyalty.value_type == "string"
    assert not loyalty.options.exists()


def test_client_values_do_not_become_contact_person_values(boss_client, card, loyalty):
    services.set_extra_values({loyalty: factories.option(loyalty, "Высокая")}, client=card)
    url = reverse("clients:field_edit", args=[loyalty.pk])
    response = boss_client.post(url, edit_data(loyalty, applies_to="contacts"))
    assert "Принадлежность нельзя изменить" in page_text(response)
    assert boss_client.post(url, edit_data(loyalty, applies_to="companies")).status_code == 302


def test_renaming_to_an_existing_name_is_refused(boss_client, loyalty):
    other = factories.ExtraFieldFactory(name="Канал")
    response = boss_client.post(reverse("clients:field_edit", args=[other.pk]), edit_data(other, name="ЛОЯЛЬНОСТЬ"))
    assert response.status_code == 200
    assert "Поле «ЛОЯЛЬНОСТЬ» для «Все клиенты» уже есть" in page_text(response)


def test_deleting_a_field_says_how_many_values_go_then_deletes_them(boss_client, loyalty, owner):
    for _i in range(3):
        services.set_extra_values(
            {loyalty: factories.option(loyalty, "Средняя")}, client=factories.ClientFactory(responsible=owner)
        )
    url = reverse("clients:field_delete", args=[loyalty.pk])
    response = boss_client.get(url)
    assert "Будет удалено значений: 3" in page_text(response)
    assert ExtraField.objects.filter(pk=loyalty.pk).exists()
    text = follow_text(boss_client, boss_client.post(url))
    assert "Поле «Лояльность» удалено, значений удалено: 3" in text
    assert not ExtraField.objects.exists()
    assert not ExtraValue.objects.exists()
    assert not ExtraFieldOption.objects.exists()


def test_unknown_fields_and_groups_are_not_found(boss_client):
    assert boss_client.get(reverse("clients:field_edit", args=[999999])).status_code == 404
    assert boss_client.get(reverse("clients:field_delete", args=[999999])).status_code == 404
    assert boss_client.get(reverse("clients:field_group_edit", args=[999999])).status_code == 404
    assert boss_client.post(reverse("clients:field_group_delete", args=[999999])).status_code == 404
    assert boss_client.post(reverse("clients:field_option_retire", args=[999999])).status_code == 404
    assert boss_client.get(f"{CREATE_URL}?group=abc").status_code == 200


# --- list values --------------------------------------------------------------------------------


def option_names(field: ExtraField) -> list[str]:
    return list(field.options.order_by("order", "id").values_list("name", flat=True))


def test_a_list_value_is_added_at_the_end(boss_client, loyalty):
    response = boss_client.post(reverse("clients:field_option_add", args=[loyalty.pk]), {"option-name": "Нулевая"})
    assert "Значение «Нулевая» добавлено" in follow_text(boss_client, response)
    assert option_names(loyalty) == ["Высокая", "Средняя", "Низкая", "Нулевая"]


@pytest.mark.parametrize(("name", "message"), [("высокая", "уже есть в списке"), (" ", "Обязательное поле")])
def test_a_bad_new_list_value_is_refused_on_the_fields_page(boss_client, loyalty, name, message):
    response = boss_client.post(reverse("clients:field_option_add", args=[loyalty.pk]), {"option-name": name})
    assert response.status_code == 200
    assert message in page_text(response)
    assert loyalty.options.count() == 3


def test_values_are_added_only_to_list_fields(boss_client):
    text_field = factories.ExtraFieldFactory(name="Сайт")
    response = boss_client.post(reverse("clients:field_option_add", args=[text_field.pk]), {"option-name": "а"})
    assert response.status_code == 404


def test_a_list_value_is_renamed_and_the_cards_show_the_new_name(boss_client, card, loyalty):
    high = factories.option(loyalty, "Высокая")
    services.set_extra_values({loyalty: high}, client=card)
    url = reverse("clients:field_option_edit", args=[high.pk])
    response = boss_client.post(url, {f"option-{high.pk}-name": "Средняя"})
    assert response.status_code == 200
    assert "Значение «Средняя» уже есть в списке" in page_text(response)
    assert boss_client.post(url, {f"option-{high.pk}-name": "Очень высокая"}).status_code == 302
    assert "Очень высокая" in page_text(boss_client.get(reverse("clients:detail", args=[card.pk])))


def test_list_values_are_reordered_with_up_and_down(boss_client, loyalty):
    low = factories.option(loyalty, "Низкая")
    boss_client.post(reverse("clients:field_option_move", args=[low.pk]), {"direction": "up"})
    assert option_names(loyalty) == ["Высокая", "Низкая", "Средняя"]
    boss_client.post(reverse("clients:field_option_move", args=[low.pk]), {"direction": "up"})
    boss_client.post(reverse("clients:field_option_move", args=[low.pk]), {"direction": "up"})
    assert option_names(loyalty) == ["Низкая", "Высокая", "Средняя"]
    boss_client.post(reverse("clients:field_option_move", args=[low.pk]), {"direction": "down"})
    assert option_names(loyalty) == ["Высокая", "Низкая", "Средняя"]
    assert list(loyalty.options.order_by("order").values_list("order", flat=True)) == [0, 1, 2]


def test_a_retired_value_stays_on_its_clients_is_not_offered_and_comes_back(client, boss, owner, card, loyalty):
    low = factories.option(loyalty, "Низкая")
    services.set_extra_values({loyalty: low}, client=card)
    other = factories.ClientFactory(responsible=owner)
    client.force_login(boss)
    text = follow_text(client, client.post(reverse("clients:field_option_retire", args=[low.pk])))
    assert "Значение «Низкая» больше не предлагается" in text
    low.refresh_from_db()
    assert low.retired
    assert ExtraValue.objects.get(field=loyalty, client=card).value_option == low
    client.force_login(owner)
    assert "Низкая" in page_text(client.get(reverse("clients:detail", args=[card.pk])))
    assert "Низкая" in page_text(client.get(reverse("clients:edit", args=[card.pk])))
    assert "Низкая" not in page_text(client.get(reverse("clients:edit", args=[other.pk])))
    data = card_data(other) | {f"client-extra_{loyalty.pk}": str(low.pk)}
    assert "нет в списке" in page_text(client.post(reverse("clients:edit", args=[other.pk]), data))

    client.force_login(boss)
    client.post(reverse("clients:field_option_restore", args=[low.pk]))
    client.force_login(owner)
    assert "Низкая" in page_text(client.get(reverse("clients:edit", args=[other.pk])))


def test_an_unused_value_is_deleted_and_a_used_one_is_not(boss_client, card, loyalty):
    high, low = factories.option(loyalty, "Высокая"), factories.option(loyalty, "Низкая")
    services.set_extra_values({loyalty: high}, client=card)
    text = follow_text(boss_client, boss_client.post(reverse("clients:field_option_delete", args=[high.pk])))
    assert "Значение «Высокая» уже выбрано в карточках (1)" in text
    assert ExtraFieldOption.objects.filter(pk=high.pk).exists()
    text = follow_text(boss_client, boss_client.post(reverse("clients:field_option_delete", args=[low.pk])))
    assert "Значение «Низкая» удалено" in text
    assert option_names(loyalty) == ["Высокая", "Средняя"]


def test_the_field_page_makes_the_same_number_of_queries_whatever_the_number_of_values(boss_client, owner):
    def count(field: ExtraField) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert boss_client.get(reverse("clients:field_edit", args=[field.pk])).status_code == 200
        return len(queries)

    few = factories.list_field("Канал", ["Сайт", "Звонок"])
    many = factories.list_field("Город", [f"Город {i}" for i in range(30)])
    for option in many.options.all()[:10]:
        services.set_extra_values({many: option}, client=factories.ClientFactory(responsible=owner))
    assert count(few) == count(many) <= 9


def test_the_field_page_shows_how_often_each_value_is_chosen(boss_client, loyalty, owner):
    for name in ("Высокая", "Высокая", "Низкая"):
        services.set_extra_values(
            {loyalty: factories.option(loyalty, name)}, client=factories.ClientFactory(responsible=owner)
        )
    response = boss_client.get(reverse("clients:field_edit", args=[loyalty.pk]))
    options = {option.name: used for option, used, _form in response.context["options"]}
    assert options == {"Высокая": 2, "Средняя": 0, "Низкая": 1}
    assert "Заполнено в карточках: 3" in page_text(response)


# --- moving fields ------------------------------------------------------------------------------


@pytest.fixture
def two_groups(db, marketing):
    other = factories.default_group()
    for name in ("А", "Б", "В", "Г"):
        factories.ExtraFieldFactory(name=name, group=other)
    for name in ("М1", "М2"):
        factories.ExtraFieldFactory(name=name, group=marketing)
    return other, marketing


def field(name: str) -> ExtraField:
    return ExtraField.objects.get(name=name)


@pytest.mark.parametrize(
    ("name", "position", "expected"),
    [
        ("А", 2, ["Б", "В", "А", "Г"]),
        ("Г", 0, ["Г", "А", "Б", "В"]),
        ("Б", 3, ["А", "В", "Г", "Б"]),
        ("Б", 99, ["А", "В", "Г", "Б"]),
        ("В", -5, ["В", "А", "Б", "Г"]),
        ("В", 2, ["А", "Б", "В", "Г"]),
    ],
)
def test_move_field_within_a_group_renumbers_it(two_groups, name, position, expected):
    group, _marketing = two_groups
    services.move_field(field(name), group, position)
    assert names_in(group) == expected
    assert orders_in(group) == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("position", "expected"), [(0, ["Б", "М1", "М2"]), (1, ["М1", "Б", "М2"]), (2, ["М1", "М2", "Б"])]
)
def test_move_field_to_another_group_renumbers_both(two_groups, position, expected):
    source, target = two_groups
    moving = field("Б")
    services.move_field(moving, target, position)
    assert (moving.group, moving.order) == (target, expected.index("Б"))
    assert names_in(source) == ["А", "В", "Г"]
    assert orders_in(source) == [0, 1, 2]
    assert names_in(target) == expected
    assert orders_in(target) == [0, 1, 2]


def test_move_field_into_an_empty_group(two_groups):
    source, _target = two_groups
    empty = factories.FieldGroupFactory(name="Пустая")
    services.move_field(field("А"), empty, 5)
    assert names_in(empty) == ["А"]
    assert orders_in(empty) == [0]
    assert names_in(source) == ["Б", "В", "Г"]


def test_the_move_view_saves_a_drop_and_answers_json(boss_client, two_groups):
    _source, target = two_groups
    moving = field("В")
    response = boss_client.post(
        reverse("clients:field_move", args=[moving.pk]),
        {"group": target.pk, "position": 1},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.json() == {"field": moving.pk, "group": target.pk, "position": 1}
    assert names_in(target) == ["М1", "В", "М2"]


def test_the_up_and_down_buttons_move_a_field_without_javascript(boss_client, two_groups):
    source, _target = two_groups
    url = reverse("clients:field_move", args=[field("В").pk])
    response = boss_client.post(url, {"direction": "up"})
    assert response.status_code == 302
    assert names_in(source) == ["А", "В", "Б", "Г"]
    boss_client.post(url, {"direction": "up"})
    boss_client.post(url, {"direction": "up"})  # already first: stays
    assert names_in(source) == ["В", "А", "Б", "Г"]
    boss_client.post(url, {"direction": "down"})
    assert names_in(source) == ["А", "В", "Б", "Г"]


def test_the_move_view_does_not_know_unknown_fields_or_groups(boss_client, two_groups):
    _source, target = two_groups
    assert (
        boss_client.post(reverse("clients:field_move", args=[999999]), {"group": target.pk, "position": 0}).status_code
        == 404
    )
    url = reverse("clients:field_move", args=[field("А").pk])
    assert boss_client.post(url, {"group": 999999, "position": 0}).status_code == 404
    assert boss_client.post(url, {"group": 10**20, "position": 0}).status_code == 404
    huge = reverse("clients:field_move", args=[10**20])
    assert boss_client.post(huge, {"group": target.pk, "position": 0}).status_code == 404
    assert boss_client.get(url).status_code == 405


@pytest.mark.parametrize(
    "data", [{"position": "first"}, {"position": "-1"}, {"position": ""}, {"group": "Маркетинг"}, {}]
)
def test_the_move_view_refuses_bad_positions_with_a_message(boss_client, two_groups, data):
    source, target = two_groups
    url = reverse("clients:field_move", args=[field("А").pk])
    data = {"group": str(target.pk), "position": "0"} | data if data else {}
    response = boss_client.post(url, data, headers={"accept": "application/json"})
    assert response.status_code == 400
    assert "Не удалось переместить поле" in response.json()["error"]
    text = follow_text(boss_client, boss_client.post(url, data))
    assert "Не удалось переместить поле" in text
    assert names_in(source) == ["А", "Б", "В", "Г"]
