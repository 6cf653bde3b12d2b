import re

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients import services
from clients.models import Client, ClientChange, ContactInfo, ExtraField
from clients.tests import factories
from clients.tests.formdata import card_data
from crm import fragments
from crm.testing import logged_in, opened_form


def edit_url(client: Client) -> str:
    return reverse("clients:edit", args=[client.pk])


# --- access -------------------------------------------------------------------------------------


def test_every_page_requires_login(client, card):
    for url in [
        reverse("clients:list"),
        reverse("clients:detail", args=[card.pk]),
        edit_url(card),
        reverse("clients:create"),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_owner_colleague_and_outsider_see_the_card_as_their_role_allows(client, card, owner, colleague, outsider):
    detail = reverse("clients:detail", args=[card.pk])
    client.force_login(owner)
    assert client.get(detail).status_code == 200
    assert client.get(edit_url(card)).status_code == 200
    client.force_login(colleague)
    assert client.get(detail).status_code == 200
    assert client.get(edit_url(card)).status_code == 403
    client.force_login(outsider)
    assert client.get(detail).status_code == 403
    assert client.get(reverse("clients:list")).status_code == 403


def test_a_manager_cannot_save_another_managers_client(client, card, colleague):
    client.force_login(colleague)
    response = client.post(edit_url(card), card_data(card, name="Захвачено"))
    assert response.status_code == 403
    card.refresh_from_db()
    assert card.name == "ООО «Ромашка»"


def test_a_manager_may_edit_an_unassigned_client(client, colleague):
    unassigned = factories.ClientFactory(responsible=None)
    client.force_login(colleague)
    response = client.post(
        edit_url(unassigned), card_data(unassigned, name="Теперь моё", responsible=str(colleague.pk))
    )
    assert response.status_code == 302
    unassigned.refresh_from_db()
    assert unassigned.responsible == colleague


def test_a_supervisor_edits_any_client(client, card, boss):
    client.force_login(boss)
    response = client.post(edit_url(card), card_data(card, comment="Проверено"))
    assert response.status_code == 302


def test_a_post_without_csrf_token_is_refused(card, owner):
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(owner)
    response = browser.post(edit_url(card), card_data(card, name="Без токена"))
    assert response.status_code == 403
    card.refresh_from_db()
    assert card.name == "ООО «Ромашка»"


def test_unknown_client_is_404(client, owner):
    client.force_login(owner)
    assert client.get(reverse("clients:detail", args=[999999])).status_code == 404
    assert client.get(reverse("clients:edit", args=[999999])).status_code == 404


# --- saving and history -------------------------------------------------------------------------


def test_creating_a_client_with_contacts_saves_everything_and_records_creation(client, owner):
    client.force_login(owner)
    data = card_data(
        name="ООО «Василёк»",
        responsible=str(owner.pk),
        inn="7736050003",
        kpp="773601001",
        info=[("Телефон", "8 (495) 123-45-67")],
        contacts=[{"name": "Сидорова Анна", "position": "главный бухгалтер", "info": [("Email", "anna@vasilek.ru")]}],
    )
    response = client.post(reverse("clients:create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Client.objects.get(name="ООО «Василёк»")
    assert created.responsible == owner
    assert created.contact_info.get(contact__isnull=True).value == "+74951234567"
    anna = created.contacts.get()
    assert anna.contact_info.get().value == "anna@vasilek.ru"
    assert anna.contact_info.get().client == created
    assert created.changes.get().source == ClientChange.Source.CREATED


def test_editing_a_phone_records_old_and_new_value_in_history(client, card, owner):
    client.force_login(owner)
    data = card_data(card)
    data["info-0-value"] = "+7 916 765-43-21"
    response = client.post(edit_url(card), data)
    assert response.status_code == 302
    assert ContactInfo.objects.get(client=card, contact__isnull=True).value == "+79167654321"
    entry = card.changes.get(source=ClientChange.Source.FORM)
    (change,) = [c for c in entry.changes if c["field"] == "contact_info"]
    assert "+7 916 123-45-67" in change["old"]
    assert "+7 916 765-43-21" in change["new"]
    page = client.get(reverse("clients:detail", args=[card.pk])).content.decode()
    assert "+7 916 765-43-21" in page
    assert "Контактная информация" in page


def test_saving_without_changes_writes_no_history(client, card, owner):
    client.force_login(owner)
    assert client.post(edit_url(card), card_data(card)).status_code == 302
    assert not card.changes.filter(source=ClientChange.Source.FORM).exists()


# --- bad input ----------------------------------------------------------------------------------


def assert_refused(response, message: str, card: Client | None = None):
    assert response.status_code == 200
    page = response.content.decode()
    assert "Карточка не записана" in page
    assert message in page
    if card is not None:
        card.refresh_from_db()
        assert card.version == 1


def test_wrong_inn_checksum_is_explained_and_nothing_saved(client, card, owner):
    client.force_login(owner)
    response = client.post(edit_url(card), card_data(card, inn="7707083894", name="Новое имя"))
    assert_refused(response, "Неверное контрольное число ИНН", card)
    assert card.name == "ООО «Ромашка»"
    assert 'value="Новое имя"' in response.content.decode()


def test_kpp_on_an_individual_is_refused(client, owner):
    client.force_login(owner)
    data = card_data(kind="individual", name="Иванов Иван", inn="500100732259", kpp="773601001")
    response = client.post(reverse("clients:create"), data)
    assert_refused(response, "КПП указывается только для организаций")
    assert not Client.objects.exists()


def test_an_unparsable_phone_is_refused_and_the_rest_kept(client, card, owner):
    client.force_login(owner)
    response = client.post(edit_url(card), card_data(card, comment="важно", info=[("Телефон", "звонить секретарю")]))
    assert_refused(response, "Не удалось распознать номер телефона", card)
    assert "звонить секретарю" in response.content.decode()
    assert card.comment == ""


def test_a_malformed_email_of_a_contact_person_is_refused(client, card, owner):
    client.force_login(owner)
    response = client.post(
        edit_url(card), card_data(card, contacts=[{"name": "Новиков", "info": [("Email", "novikov@")]}])
    )
    assert_refused(response, "Неверный адрес электронной почты", card)
    assert not card.contacts.filter(name="Новиков").exists()


def test_an_empty_name_is_refused(client, owner):
    client.force_login(owner)
    response = client.post(reverse("clients:create"), card_data(name=""))
    assert_refused(response, "Обязательное поле")
    assert not Client.objects.exists()


def test_text_where_a_choice_is_expected_is_refused_not_a_500(client, card, owner):
    client.force_login(owner)
    response = client.post(edit_url(card), card_data(card, business_region="не число"))
    assert_refused(response, "Выберите корректный вариант", card)


def test_a_region_that_is_gone_or_a_responsible_who_left_is_refused(client, card, owner):
    """The form's own choices check them (the model does not look them up a second time)."""
    client.force_login(owner)
    response = client.post(edit_url(card), card_data(card, business_region="999999"))
    assert_refused(response, "Выберите корректный вариант", card)
    left = factories.UserFactory(username="ushla", is_active=False)
    response = client.post(edit_url(card), card_data(card, responsible=str(left.pk)))
    assert_refused(response, "Выберите корректный вариант", card)


def test_contact_info_without_a_contact_name_is_refused(client, card, owner):
    client.force_login(owner)
    response = client.post(edit_url(card), card_data(card, contacts=[{"name": "", "info": [("Email", "x@y.ru")]}]))
    assert_refused(response, "Укажите ФИО контактного лица", card)


# --- optimistic locking -------------------------------------------------------------------------


def test_a_stale_save_is_refused_showing_what_changed_and_keeping_the_input(client, card, owner, boss):
    opened_by_owner = card_data(card)
    other = HttpClient()
    other.force_login(boss)
    assert other.post(edit_url(card), card_data(card, name="ООО «Ромашка-2»")).status_code == 302

    client.force_login(owner)
    opened_by_owner["client-comment"] = "мой комментарий"
    response = client.post(edit_url(card), opened_by_owner)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Карточку уже изменил другой пользователь" in page
    assert "ООО «Ромашка-2»" in page
    assert "мой комментарий" in page
    card.refresh_from_db()
    assert (card.name, card.comment, card.version) == ("ООО «Ромашка-2»", "", 2)


def test_after_seeing_the_conflict_a_second_save_goes_through(client, card, owner, boss):
    opened = card_data(card, comment="мой комментарий")
    card.name = "Другое"
    card.version = 2
    card.save()
    client.force_login(owner)
    assert client.post(edit_url(card), opened).status_code == 409
    opened["client-version"] = "2"
    assert client.post(edit_url(card), opened).status_code == 302
    card.refresh_from_db()
    assert card.comment == "мой комментарий"
    assert card.version == 3


# --- duplicates ---------------------------------------------------------------------------------


def test_a_new_client_with_an_existing_inn_gets_a_warning_with_a_link(client, card, owner):
    client.force_login(owner)
    data = card_data(name="Ромашка (копия)", inn="7707083893", kpp="773601001")
    response = client.post(reverse("clients:create"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Похоже, такой клиент уже есть" in page
    assert reverse("clients:detail", args=[card.pk]) in page
    assert Client.objects.count() == 1
    data["client-confirm_duplicates"] = "on"
    assert client.post(reverse("clients:create"), data).status_code == 302
    assert Client.objects.count() == 2


def test_a_phone_of_another_card_gets_a_warning(client, owner, card):
    other = factories.ClientFactory(responsible=owner)
    client.force_login(owner)
    response = client.post(edit_url(other), card_data(other, info=[("Телефон", "8 916 123 45 67")]))
    assert "Похоже, такой клиент уже есть" in response.content.decode()
    assert not other.contact_info.exists()


# --- list ---------------------------------------------------------------------------------------


@pytest.fixture
def many_clients(owner):
    region = factories.BusinessRegionFactory(name="Сибирь")
    segment = factories.SegmentFactory(name="Опт")
    clients = factories.ClientFactory.create_batch(60, responsible=owner, business_region=region)
    for c in clients:
        c.segments.add(segment)
        factories.ContactInfoFactory(client=c, value="+79160000000")
        factories.ContactInfoFactory(client=c, kind=factories.kind("Email"), value=f"c{c.pk}@example.ru")
    loyalty = factories.list_field("Лояльность", ["Высокая", "Низкая"])
    turnover = factories.ExtraFieldFactory(name="Оборот", value_type="number")
    for i, c in enumerate(clients):
        services.set_extra_values({loyalty: factories.option(loyalty, "Высокая"), turnover: i}, client=c)
    return clients


@pytest.mark.parametrize("per_page", [25, 100])
def test_list_queries_do_not_grow_with_page_size(
    client, many_clients, owner, boss, per_page, django_assert_max_num_queries
):
    loyalty, turnover = ExtraField.objects.order_by("pk")
    high = factories.option(loyalty, "Высокая")
    client.force_login(boss)
    columns = ["kind", "inn", "business_region", "responsible", "segments", "phone", "email"]
    client.get(reverse("clients:list"), {"columns": [*columns, f"extra_{loyalty.pk}", f"extra_{turnover.pk}"]})
    # session, user, roles, 3 filter choice lists, the chosen responsible, the extra field
    # definitions (their tables' digest, and 2 to read them with their list values, which the
    # process does not keep yet), count, page, the segments' prefetch, the page's phones and
    # e-mails, the page's extra values, the top bar's task counters, the list's saved views
    with django_assert_max_num_queries(17):
        response = client.get(
            reverse("clients:list"),
            {
                "per_page": per_page,
                "responsible": owner.pk,
                f"extra_{loyalty.pk}": high.pk,
                f"extra_{turnover.pk}_min": "0",
                "sort": f"-extra_{turnover.pk}",
            },
        )
    assert response.status_code == 200
    rows = response.context["table"].page.object_list
    assert len(rows) == min(per_page, 60)
    assert "Высокая" in response.content.decode()
    assert rows.data[0].pk == many_clients[-1].pk  # sorted by turnover, highest first


def test_a_hidden_column_costs_no_query_and_a_shown_one_shows_its_values(client, many_clients, boss):
    """The segments and the contact values are read only when their columns are shown."""
    client.force_login(boss)

    def tables_read(columns: list[str]) -> str:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("clients:list"), {"columns": columns}).content.decode()
        return page, " ".join(query["sql"] for query in queries.captured_queries)

    page, sql = tables_read(["inn"])
    assert '"clients_client_segments"' not in sql and '"clients_contactinfo"' not in sql
    assert "<td>Опт</td>" not in page and "+7 916 000-00-00" not in page
    page, sql = tables_read(["inn", "segments", "phone"])
    assert '"clients_client_segments"' in sql and '"clients_contactinfo"' in sql
    assert "<td>Опт</td>" in page and "+7 916 000-00-00" in page


def test_list_filters_by_text_inn_phone_and_email(client, card, boss):
    factories.ClientFactory(name="ЗАО Лютик", inn="7736050003")
    client.force_login(boss)

    def found(**params) -> set[str]:
        response = client.get(reverse("clients:list"), params)
        return {row.name for row in response.context["table"].page.object_list.data}

    assert found(q="ромаш") == {"ООО «Ромашка»"}
    assert found(q="77070") == {"ООО «Ромашка»"}
    assert found(q="8 916 123-45-67") == {"ООО «Ромашка»"}
    assert found(q="petrov@romashka") == {"ООО «Ромашка»"}
    assert found(q="лютик") == {"ЗАО Лютик"}


def test_list_filters_by_responsible_region_and_kind(client, card, owner, boss):
    region = factories.BusinessRegionFactory(name="Юг")
    factories.ClientFactory(name="Южный", business_region=region)
    factories.ClientFactory(name="Иванов ИП", kind="individual", kpp="", inn="500100732259")
    client.force_login(boss)

    def found(**params) -> set[str]:
        return {r.name for r in client.get(reverse("clients:list"), params).context["table"].page.object_list.data}

    assert found(responsible=owner.pk) == {"ООО «Ромашка»"}
    assert found(business_region=region.pk) == {"Южный"}
    assert found(kind="individual") == {"Иванов ИП"}


def test_a_bad_filter_value_shows_the_list_not_a_500(client, card, boss):
    client.force_login(boss)
    response = client.get(reverse("clients:list"), {"responsible": "abc", "created_min": "31.02.2025", "per_page": "x"})
    assert response.status_code == 200


def test_chosen_columns_are_remembered(client, card, boss):
    client.force_login(boss)
    client.get(reverse("clients:list"), {"columns": ["inn"]})
    page = client.get(reverse("clients:list")).content.decode()
    assert "7707083893" in page
    assert "+7 916 123-45-67" not in page


def test_chosen_columns_are_remembered_across_logins_and_per_user(card, boss, owner):
    columns = ["inn", f"extra_{factories.ExtraFieldFactory(name='Оборот', value_type='number').pk}"]
    assert logged_in(boss).get(reverse("clients:list"), {"columns": columns}).status_code == 200

    later = logged_in(boss)  # another login: a new session
    table = later.get(reverse("clients:list")).context["table"]
    assert [c.name for c in table.columns if c.name not in ("selection", "name")] == columns
    # Another user, the first time: the default columns (КПП, Сегменты, Создан hidden).
    shown = [c.name for c in logged_in(owner).get(reverse("clients:list")).context["table"].columns]
    assert "phone" in shown and "kpp" not in shown and "inn" in shown


def test_choosing_no_column_is_remembered_as_none(client, card, boss):
    client.force_login(boss)
    client.get(reverse("clients:list"), {"columns": [""]})
    table = logged_in(boss).get(reverse("clients:list")).context["table"]
    assert [c.name for c in table.columns] == ["selection", "name"]


@pytest.fixture
def sixty(owner):
    return factories.ClientFactory.create_batch(60, responsible=owner)


def test_a_page_size_that_is_not_offered_shows_fifty_clients(client, boss, sixty):
    client.force_login(boss)
    for size in ["1000000", "-1", "99999999999999999999", "abc", "0", ""]:
        response = client.get(reverse("clients:list"), {"per_page": size})
        assert response.status_code == 200, size
        assert len(response.context["table"].page.object_list) == 50, size


@pytest.mark.parametrize("sort", ["name", f"-extra_{10**6}", "garbage"])
def test_a_page_number_that_is_not_one_shows_a_page_not_an_error(client, boss, sixty, sort):
    client.force_login(boss)
    for page in ["abc", "-1", "0", "99999999999999999999", "1e3", "9"]:
        response = client.get(reverse("clients:list"), {"page": page, "per_page": "25", "sort": sort})
        assert response.status_code == 200, page
        assert 0 < len(response.context["table"].page.object_list) <= 25, page


def test_a_page_past_the_end_sorted_by_an_extra_field_shows_the_last_page(client, boss, owner, turnover):
    for i in range(30):
        services.set_extra_values({turnover: i}, client=factories.ClientFactory(responsible=owner))
    client.force_login(boss)
    response = client.get(
        reverse("clients:list"),
        {"page": "99999999999999999999", "per_page": "25", "sort": f"-extra_{turnover.pk}", "columns": [turnover.key]},
    )
    assert response.status_code == 200
    assert len(response.context["table"].page.object_list) == 5


def test_htmx_gets_the_table_alone(client, boss, card):
    client.force_login(boss)
    partial = client.get(reverse("clients:list"), {"q": "ромашка"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and 'id="client-table"' in partial and "Ромашка" in partial


def test_htmx_request_gets_only_the_table(client, card, boss):
    client.force_login(boss)
    response = client.get(reverse("clients:list"), {"q": "ромаш"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert "ООО «Ромашка»" in page
    assert "<nav" not in page


# --- card ---------------------------------------------------------------------------------------


def test_card_shows_sections_contacts_and_history_in_constant_queries(
    client, card, owner, django_assert_max_num_queries
):
    for i in range(5):
        contact = factories.ContactPersonFactory(client=card, name=f"Контакт {i}")
        factories.ContactInfoFactory(client=card, contact=contact, kind=factories.kind("Email"), value=f"k{i}@r.ru")
    ClientChange.objects.create(
        client=card, user=owner, source="form", version=2, changes=[{"field": "name", "old": "А", "new": "Б"}]
    )
    loyalty = factories.list_field("Лояльность", ["Высокая", "Средняя", "Низкая"])
    factories.list_field("Канал", ["Сайт", "Выставка"])
    role = factories.list_field("Роль в закупке", ["ЛПР", "Влияет"], applies_to="contacts")
    services.set_extra_values({loyalty: factories.option(loyalty, "Высокая")}, client=card)
    for contact in card.contacts.all():
        services.set_extra_values({role: factories.option(role, "ЛПР")}, contact=contact)
    client.force_login(owner)
    # 9 for the card, 2 for the extra field definitions, 1 for the client's and 1 for its contacts' values,
    # 1 for the top bar's task counters, 2 for «Взаиморасчёты» (sales), 2 for «Сделки» (funnel), 1 for «Задачи»
    with django_assert_max_num_queries(19):
        response = client.get(reverse("clients:detail", args=[card.pk]))
    page = response.content.decode()
    for text in [
        "Основные сведения",
        "Контактные лица",
        "Петров Иван",
        "Лояльность",
        "Высокая",
        "ЛПР",
        "petrov@romashka.ru",
        "Контакт 4",
        "История изменений",
        "+7 916 123-45-67",
    ]:
        assert text in page


def test_a_contact_persons_empty_extra_fields_are_not_listed(client, card, owner):
    hobby = factories.ExtraFieldFactory(name="Хобби", applies_to=ExtraField.AppliesTo.CONTACTS)
    factories.ExtraFieldFactory(name="Стаж", applies_to=ExtraField.AppliesTo.CONTACTS)
    services.set_extra_values({hobby: "рыбалка"}, contact=card.contacts.get())
    client.force_login(owner)
    page = client.get(reverse("clients:detail", args=[card.pk])).content.decode()
    assert "Хобби:</span> рыбалка" in page
    assert "Стаж" not in page


@pytest.mark.parametrize("contacts", [1, 6])
def test_edit_page_queries_do_not_grow_with_contacts(client, card, owner, contacts, django_assert_max_num_queries):
    factories.list_field("Лояльность", ["Высокая", "Низкая"])
    role = factories.list_field("Роль в закупке", ["ЛПР", "Влияет"], applies_to="contacts")
    for i in range(contacts):
        contact = factories.ContactPersonFactory(client=card, name=f"Контакт {i}")
        factories.ContactInfoFactory(client=card, contact=contact, kind=factories.kind("Email"), value=f"k{i}@r.ru")
        services.set_extra_values({role: factories.option(role, "ЛПР")}, contact=contact)
    client.force_login(owner)
    # with the top bar's task counters, and the extra fields' digest and the 2 queries that read
    # them, as the process does not keep them yet
    with django_assert_max_num_queries(18):
        response = client.get(edit_url(card))
    assert response.content.decode().count('name="contacts-') > contacts


def test_a_sales_head_reads_cards_but_does_not_edit_them(client, card):
    head = factories.UserFactory(username="head", role="Руководитель отдела продаж")
    client.force_login(head)
    page = client.get(reverse("clients:detail", args=[card.pk]))
    assert page.status_code == 200
    assert 'id="edit-client"' not in page.content.decode()
    assert client.get(edit_url(card)).status_code == 403


# --- contact information kinds --------------------------------------------------------------------


def test_only_supervisors_set_up_contact_info_kinds(client, owner, boss):
    url = reverse("clients:contact_info_kinds")
    client.force_login(owner)
    assert client.get(url).status_code == 403
    client.force_login(boss)
    assert client.get(url).status_code == 200


def test_a_supervisor_adds_a_contact_info_kind_that_then_validates_values(client, boss, card):
    from clients.models import ContactInfoKind

    client.force_login(boss)
    formset = client.get(reverse("clients:contact_info_kinds")).context["formset"]
    data = {"form-TOTAL_FORMS": str(len(formset.forms)), "form-INITIAL_FORMS": str(formset.initial_form_count())}
    for i, form in enumerate(formset.forms[:-1]):
        kind = form.instance
        data.update({f"form-{i}-id": kind.pk, f"form-{i}-name": kind.name, f"form-{i}-value_type": kind.value_type})
        data[f"form-{i}-order"] = kind.order
        for name in ("for_clients", "for_contacts"):
            if getattr(kind, name):
                data[f"form-{i}-{name}"] = "on"
    last = len(formset.forms) - 1
    data.update({f"form-{last}-name": "Телефон склада", f"form-{last}-value_type": "phone", f"form-{last}-order": "5"})
    data[f"form-{last}-for_clients"] = "on"
    response = client.post(reverse("clients:contact_info_kinds"), data)
    assert response.status_code == 302
    assert ContactInfoKind.objects.get(name="Телефон склада").value_type == "phone"
    refused = client.post(edit_url(card), card_data(card, info=[("Телефон склада", "склад")]))
    assert "Не удалось распознать номер телефона" in refused.content.decode()


@pytest.mark.parametrize("contacts", [1, 6])
def test_saving_a_card_reads_a_fixed_number_of_queries(card, owner, contacts, django_assert_max_num_queries):
    """A comment changed on a card with its contact persons: the merge judges every person and
    row against what is stored without a query per person."""
    role = factories.list_field("Роль в закупке", ["ЛПР", "Влияет"], applies_to="contacts")
    for i in range(contacts):
        contact = factories.ContactPersonFactory(client=card, name=f"Контакт {i}")
        factories.ContactInfoFactory(client=card, contact=contact, kind=factories.kind("Email"), value=f"k{i}@r.ru")
        services.set_extra_values({role: factories.option(role, "ЛПР")}, contact=contact)
    browser = logged_in(owner)
    form = opened_form(browser, edit_url(card), "client-form")
    form["client-comment"] = "важно"
    with django_assert_max_num_queries(45):  # 43 measured, with 1 and with 6 persons
        assert browser.post(edit_url(card), form).status_code == 302
    assert Client.objects.get(pk=card.pk).comment == "важно"


def test_the_blank_rows_kept_drawn_are_those_drawn_afresh_with_each_cards_own_id(client, card, boss):
    """The edit page's blank contact row and blank contact person are kept drawn per process
    (crm.fragments) with a hole for the owner's id: each card gets its own id in them, and a
    renamed kind is a new drawing, not a stale one."""
    other = factories.ClientFactory(name="ООО «Лютик»", inn="7736050003")
    # Two persons: the other card's second row is a saved person where the first card has its
    # blank one (an owner without an id).
    factories.ContactPersonFactory(client=other, name="Сидоров")
    factories.ContactPersonFactory(client=other, name="Смирнова")
    client.force_login(boss)

    def page(pk: int) -> str:
        html = client.get(reverse("clients:edit", args=[pk])).content.decode()
        return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1…", html)  # masked anew each time

    fragments.forget()
    fresh = {pk: page(pk) for pk in (card.pk, other.pk)}
    again = {pk: page(pk) for pk in (other.pk, card.pk)}  # drawn from what was kept
    assert again == fresh
    for pk, html in again.items():
        assert f'name="info-__row__-client" value="{pk}"' in html
        assert f'name="contacts-__prefix__-client" value="{pk}"' in html
    kind = factories.kind("Телефон")
    kind.name = "Мобильный"
    kind.save()
    renamed = page(card.pk)
    assert renamed.count(">Мобильный</option>") >= 3  # the rows, the blank row and the blank person's
    fragments.forget()
    assert page(card.pk) == renamed
