import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients import extra_fields as extra
from clients import services
from clients.models import Client, ClientChange, ExtraField, ExtraFieldOption, ExtraValue, FieldGroup
from clients.tests import factories
from clients.tests.formdata import card_data


def edit_url(client) -> str:
    return reverse("clients:edit", args=[client.pk])


@pytest.fixture
def since(db):
    return factories.ExtraFieldFactory(name="Клиент с", value_type=ExtraField.ValueType.DATE)


# --- model and service --------------------------------------------------------------------------


def test_a_value_fills_exactly_one_typed_column(card, turnover):
    with pytest.raises(IntegrityError), transaction.atomic():
        ExtraValue.objects.create(field=turnover, client=card, value_number=1, value_text="1")
    with pytest.raises(IntegrityError), transaction.atomic():
        ExtraValue.objects.create(field=turnover, client=card)


def test_a_value_belongs_to_exactly_one_owner(card, turnover):
    contact = card.contacts.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        ExtraValue.objects.create(field=turnover, client=card, contact=contact, value_number=1)


def test_one_value_per_owner_and_field(card, turnover):
    ExtraValue.objects.create(field=turnover, client=card, value_number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ExtraValue.objects.create(field=turnover, client=card, value_number=2)


def test_field_names_are_unique_whatever_the_case(db):
    factories.ExtraFieldFactory(name="Лояльность")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ExtraFieldFactory(name="ЛОЯЛЬНОСТЬ")


def test_set_extra_values_upserts_and_clears(card, loyalty, turnover):
    services.set_extra_values({loyalty: factories.option(loyalty, "Высокая"), turnover: Decimal("12.5")}, client=card)
    services.set_extra_values({loyalty: factories.option(loyalty, "Низкая"), turnover: None}, client=card)
    (value,) = ExtraValue.objects.filter(client=card)
    assert value.value_option.name == "Низкая"
    assert value.value_number is None


def test_an_option_of_another_field_is_refused(card, loyalty):
    other = factories.list_field("Канал", ["Сайт"])
    with pytest.raises(ValueError):
        services.set_extra_values({loyalty: factories.option(other, "Сайт")}, client=card)


# --- the card -----------------------------------------------------------------------------------


def test_extra_values_are_saved_from_the_card_and_kept_in_history(client, card, owner, loyalty, turnover, since):
    client.force_login(owner)
    data = card_data(card)
    data.update(
        {
            f"client-extra_{loyalty.pk}": str(factories.option(loyalty, "Высокая").pk),
            f"client-extra_{turnover.pk}": "12,5",
            f"client-extra_{since.pk}": "2021-03-15",
        }
    )
    response = client.post(edit_url(card), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    values = {v.field_id: v.value for v in ExtraValue.objects.filter(client=card).select_related("value_option")}
    assert values[loyalty.pk].name == "Высокая"
    assert values[turnover.pk] == Decimal("12.5")
    assert values[since.pk] == datetime.date(2021, 3, 15)
    entry = card.changes.get(source=ClientChange.Source.FORM)
    changes = {c["label"]: c["new"] for c in entry.entries()}
    assert changes["Лояльность"] == "Высокая"
    assert changes["Клиент с"] == "15.03.2021"
    page = client.get(reverse("clients:detail", args=[card.pk])).content.decode()
    assert "Лояльность" in page and "Высокая" in page and "12,5" in page


@pytest.mark.parametrize(
    ("field_name", "value", "message"),
    [
        ("turnover", "много", "Введите число"),
        ("since", "2021-02-31", "Введите правильную дату"),
        ("loyalty", "999999", "нет в списке"),
    ],
)
def test_bad_extra_values_are_refused_and_nothing_saved(
    client, card, owner, loyalty, turnover, since, field_name, value, message
):
    field = {"loyalty": loyalty, "turnover": turnover, "since": since}[field_name]
    client.force_login(owner)
    data = card_data(card, comment="не потерять")
    data[f"client-extra_{field.pk}"] = value
    response = client.post(edit_url(card), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Карточка не записана" in page
    assert message in page
    assert "не потерять" in page
    assert not ExtraValue.objects.exists()
    card.refresh_from_db()
    assert card.version == 1


def test_a_required_extra_field_must_be_filled(client, card, owner):
    required = factories.ExtraFieldFactory(name="Источник", required=True)
    client.force_login(owner)
    response = client.post(edit_url(card), card_data(card))
    assert "Карточка не записана" in response.content.decode()
    assert "Обязательное поле" in response.content.decode()
    data = card_data(card)
    data[f"client-extra_{required.pk}"] = "Выставка"
    assert client.post(edit_url(card), data).status_code == 302


def test_fields_apply_by_belonging(client, owner, card):
    companies_only = factories.ExtraFieldFactory(name="Численность", applies_to="companies")
    people_only = factories.ExtraFieldFactory(name="Дата рождения", applies_to="individuals")
    contacts_only = factories.ExtraFieldFactory(name="Хобби", applies_to="contacts")
    person = factories.ClientFactory(kind="individual", kpp="", inn="500100732259", responsible=owner)
    client.force_login(owner)
    company_form = client.get(edit_url(card)).content.decode()
    person_form = client.get(edit_url(person)).content.decode()
    assert f"client-extra_{companies_only.pk}" in company_form
    assert f"client-extra_{people_only.pk}" not in company_form
    assert f"client-extra_{people_only.pk}" in person_form
    assert f"client-extra_{companies_only.pk}" not in person_form
    assert f"client-extra_{contacts_only.pk}" not in company_form
    assert f"contacts-0-extra_{contacts_only.pk}" in company_form


def test_a_contact_persons_extra_value_is_saved(client, card, owner):
    hobby = factories.ExtraFieldFactory(name="Хобби", applies_to="contacts")
    client.force_login(owner)
    data = card_data(card)
    data[f"contacts-0-extra_{hobby.pk}"] = "рыбалка"
    assert client.post(edit_url(card), data).status_code == 302
    assert ExtraValue.objects.get(contact=card.contacts.get()).value_text == "рыбалка"
    assert "рыбалка" in client.get(reverse("clients:detail", args=[card.pk])).content.decode()


def test_a_retired_list_value_stays_on_the_client_but_is_not_offered_to_others(client, card, owner, loyalty):
    low = factories.option(loyalty, "Низкая")
    services.set_extra_values({loyalty: low}, client=card)
    low.retired = True
    low.save()
    other = factories.ClientFactory(responsible=owner)
    client.force_login(owner)
    assert "Низкая" in client.get(edit_url(card)).content.decode()
    assert "Низкая" not in client.get(edit_url(other)).content.decode()
    assert client.post(edit_url(card), card_data(card) | {f"client-extra_{loyalty.pk}": str(low.pk)}).status_code == 302
    data = card_data(other) | {f"client-extra_{loyalty.pk}": str(low.pk)}
    assert "нет в списке" in client.post(edit_url(other), data).content.decode()


# --- the list -----------------------------------------------------------------------------------


@pytest.fixture
def base(db, loyalty, turnover, since):
    vip = factories.ExtraFieldFactory(name="VIP", value_type=ExtraField.ValueType.FLAG)
    note = factories.ExtraFieldFactory(name="Примечание")
    rows = {
        "Альфа": {
            loyalty: "Высокая",
            turnover: Decimal("10"),
            since: datetime.date(2020, 1, 1),
            vip: True,
            note: "опт",
        },
        "Бета": {loyalty: "Низкая", turnover: Decimal("250"), vip: False, note: "розница"},
        "Гамма": {loyalty: "Средняя", since: datetime.date(2023, 6, 1)},
        "Дельта": {},
    }
    for name, values in rows.items():
        c = factories.ClientFactory(name=name)
        services.set_extra_values(
            {f: (factories.option(f, v) if f.value_type == "list" else v) for f, v in values.items()}, client=c
        )
    return {"loyalty": loyalty, "turnover": turnover, "since": since, "vip": vip, "note": note}


def found(client, **params) -> list[str]:
    response = client.get(reverse("clients:list"), params)
    assert response.status_code == 200
    return [row.name for row in response.context["table"].page.object_list.data]


def test_list_filters_by_extra_fields_of_every_type(client, boss, base):
    client.force_login(boss)
    loyalty, turnover, since, vip, note = (base[k] for k in ("loyalty", "turnover", "since", "vip", "note"))
    high, low = factories.option(loyalty, "Высокая").pk, factories.option(loyalty, "Низкая").pk
    assert found(client, **{f"extra_{loyalty.pk}": [high, low]}) == ["Альфа", "Бета"]
    assert found(client, **{f"extra_{loyalty.pk}": ["__none__"]}) == ["Дельта"]
    assert found(client, **{f"extra_{turnover.pk}_min": "100"}) == ["Бета"]
    assert found(client, **{f"extra_{turnover.pk}_max": "100"}) == ["Альфа"]
    assert found(client, **{f"extra_{since.pk}_after": "2021-01-01"}) == ["Гамма"]
    assert found(client, **{f"extra_{vip.pk}": "yes"}) == ["Альфа"]
    assert found(client, **{f"extra_{vip.pk}": "no"}) == ["Бета"]
    assert found(client, **{f"extra_{vip.pk}": "__none__"}) == ["Гамма", "Дельта"]
    assert found(client, **{f"extra_{note.pk}": "ОПТ"}) == ["Альфа"]
    assert found(client, **{f"extra_{turnover.pk}_isset": "__none__"}) == ["Гамма", "Дельта"]
    assert found(client, **{f"extra_{since.pk}_isset": "__any__"}) == ["Альфа", "Гамма"]


def test_list_sorts_by_an_extra_field_with_empty_values_last(client, boss, base):
    client.force_login(boss)
    turnover, loyalty = base["turnover"], base["loyalty"]
    columns = [f"extra_{turnover.pk}", f"extra_{loyalty.pk}"]
    assert found(client, columns=columns, sort=f"extra_{turnover.pk}")[:2] == ["Альфа", "Бета"]
    assert found(client, columns=columns, sort=f"-extra_{turnover.pk}")[:2] == ["Бета", "Альфа"]
    # list values sort in the order of the list, not alphabetically
    assert found(client, columns=columns, sort=f"extra_{loyalty.pk}") == ["Альфа", "Гамма", "Бета", "Дельта"]


def test_a_page_sorted_by_an_extra_field_comes_with_the_count_of_all_matches(base):
    turnover = base["turnover"]
    by_turnover = Client.objects.for_list().order_by_extra_field(turnover.pk, "value_number", descending=True)

    def page(queryset, bottom, top):
        rows, total = queryset.page_and_count(bottom, top)
        return [c.name for c in rows], total

    assert page(by_turnover, 0, 2) == (["Бета", "Альфа"], 4)
    assert page(by_turnover, 2, 4) == (["Гамма", "Дельта"], 4)  # no value: last, by name
    assert page(by_turnover, 4, 6) == ([], None)  # past the end
    assert page(by_turnover.filter(name="Нет такого"), 0, 2) == ([], 0)
    # the rows come with the list's joins and prefetches
    rows, _total = by_turnover.page_and_count(0, 1)
    assert "segments" in rows[0]._prefetched_objects_cache
    # sorted by name an index finds the page: COUNT(*) and the page, the usual way
    by_name = Client.objects.for_list().order_by("name")
    assert page(by_name, 2, 4) == (["Гамма", "Дельта"], 4)
    assert page(by_name, 4, 6) == ([], None)


def test_a_list_sorted_by_an_extra_field_runs_its_filter_once(client, boss, base):
    client.force_login(boss)
    turnover = base["turnover"]
    column = f"extra_{turnover.pk}"
    params = {f"extra_{turnover.pk}_isset": "__any__", "sort": f"-{column}", "columns": ["inn", column]}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("clients:list"), params)
    assert [row.name for row in response.context["table"].page.object_list.data] == ["Бета", "Альфа"]
    assert response.context["table"].paginator.count == 2
    filtering = [q["sql"] for q in queries.captured_queries if "EXISTS" in q["sql"]]
    assert len(filtering) == 1 and "SELECT COUNT(*) FROM (" in filtering[0]  # the count rides along
    # a page past the end shows the last one
    response = client.get(reverse("clients:list"), {**params, "page": 9})
    assert response.status_code == 200
    assert [row.name for row in response.context["table"].page.object_list.data] == ["Бета", "Альфа"]


def test_bad_extra_filter_values_show_the_list_with_a_message(client, boss, base):
    client.force_login(boss)
    response = client.get(reverse("clients:list"), {f"extra_{base['turnover'].pk}_min": "много"})
    assert response.status_code == 200
    assert "Введите число" in response.content.decode()


def test_extra_filters_are_drawn_on_first_opening_unless_one_is_in_use(client, boss, base):
    client.force_login(boss)
    loyalty = base["loyalty"]
    page = client.get(reverse("clients:list")).content.decode()
    assert f'name="extra_{loyalty.pk}"' not in page
    assert "extra_filters=1" in page
    partial = client.get(reverse("clients:list"), {"extra_filters": "1"}, headers={"HX-Request": "true"})
    assert f'name="extra_{loyalty.pk}"' in partial.content.decode()
    assert "client-table" not in partial.content.decode()
    high = factories.option(loyalty, "Высокая").pk
    in_use = client.get(reverse("clients:list"), {f"extra_{loyalty.pk}": high}).content.decode()
    assert f'name="extra_{loyalty.pk}"' in in_use


def test_the_list_reads_list_values_only_where_the_extra_filters_are_drawn_or_used(client, boss, base):
    """The extra fields' filters are neither built nor checked on a page that does not draw them:
    the list values of «Лояльность» are read for the panel and for a filter by one, not otherwise."""
    client.force_login(boss)
    options = ExtraFieldOption._meta.db_table

    def reads_options(params: dict, **kwargs) -> bool:
        extra.forget()  # as a process that has not read the definitions yet
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("clients:list"), params, **kwargs).status_code == 200
        # (the definitions' digest reads a hash of the table, not its values)
        return any(
            f'FROM "{options}"' in query["sql"] and "md5(" not in query["sql"] for query in queries.captured_queries
        )

    loyalty = base["loyalty"]
    high = factories.option(loyalty, "Высокая").pk
    assert not reads_options({})
    assert not reads_options({"q": "Ромашка", "sort": "-name"})
    assert reads_options({"extra_filters": "1"}, headers={"HX-Request": "true"})
    assert reads_options({f"extra_{loyalty.pk}": high})


# --- definitions kept per process ---------------------------------------------------------------


def test_definitions_are_kept_while_their_tables_stay_the_same(db, django_assert_num_queries):
    industry = factories.list_field("Отрасль", ["Торговля", "Производство"])
    first = extra.definitions()
    with django_assert_num_queries(1):  # the tables' digest only
        again = extra.definitions()
    assert [f.pk for f in again] == [f.pk for f in first] and again[0] is first[0]
    again.clear()  # each call gets a list of its own
    assert extra.definitions()

    # Every kind of change, even one that sends no signal, is read at the next call.
    ExtraField.objects.filter(pk=industry.pk).update(name="Отрасль клиента")
    assert [f.name for f in extra.definitions()] == ["Отрасль клиента"]
    ExtraFieldOption.objects.filter(field=industry, name="Торговля").update(name="Опт")
    assert [o.name for o in extra.definitions()[0].option_list] == ["Опт", "Производство"]
    FieldGroup.objects.filter(pk=industry.group_id).update(name="Сведения о клиенте")
    assert extra.definitions()[0].group.name == "Сведения о клиенте"
    ExtraFieldOption.objects.create(field=industry, name="Услуги", order=2)
    assert len(extra.definitions()[0].option_list) == 3
    ExtraField.objects.filter(pk=industry.pk).update(hidden=True)
    assert extra.definitions() == []
    assert [f.pk for f in extra.definitions(include_hidden=True)] == [industry.pk]
