"""Two people edit one card: a save applies only what its author changed, a field both changed is
a conflict shown on that field, and nothing anyone typed is lost. Each person's form is read from
the page as the browser would send it."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from clients.models import Client, ClientChange, ContactInfo, ExtraField, ExtraValue
from clients.services.extra_values import set_extra_values
from clients.tests import factories
from crm.testing import logged_in, submitted_form


def edit_url(card: Client) -> str:
    return reverse("clients:edit", args=[card.pk])


def opened(browser: HttpClient, card: Client) -> dict:
    """The card's edit form as this user opened it."""
    response = browser.get(edit_url(card))
    assert response.status_code == 200
    return submitted_form(response.content, "client-form")


@pytest.fixture
def anna(owner):
    browser = HttpClient()
    browser.force_login(owner)
    return browser


@pytest.fixture
def boris(boss):
    browser = HttpClient()
    browser.force_login(boss)
    return browser


def test_a_colleagues_change_to_another_field_survives_my_save(anna, boris, card, owner, boss):
    form_a, form_b = opened(anna, card), opened(boris, card)
    form_a["client-comment"] = "звонить после 14:00"
    assert anna.post(edit_url(card), form_a).status_code == 302

    form_b["client-legal_address"] = "Москва, ул. Тверская, 7"
    assert boris.post(edit_url(card), form_b).status_code == 302

    card.refresh_from_db()
    assert (card.comment, card.legal_address, card.version) == ("звонить после 14:00", "Москва, ул. Тверская, 7", 3)
    authors = [(e.user.username, [c["field"] for c in e.changes]) for e in card.changes.order_by("version")]
    assert authors == [("owner", ["comment"]), ("boss", ["legal_address"])]


def test_a_field_both_changed_is_a_conflict_shown_on_it_and_nothing_is_written(anna, boris, card):
    form_a, form_b = opened(anna, card), opened(boris, card)
    form_a["client-comment"] = "от Анны"
    form_a["client-name"] = "ООО «Ромашка-А»"
    assert anna.post(edit_url(card), form_a).status_code == 302

    form_b["client-comment"] = "от Бориса"
    form_b["client-legal_address"] = "Тверская, 7"
    response = boris.post(edit_url(card), form_b)

    assert response.status_code == 409
    page = response.content.decode()
    assert 'data-conflict="comment"' in page
    assert "от Анны" in page and "от Бориса" in page
    card.refresh_from_db()
    assert (card.comment, card.name, card.legal_address) == ("от Анны", "ООО «Ромашка-А»", "")
    again = submitted_form(response.content, "client-form")
    assert again["client-legal_address"] == "Тверская, 7"  # Boris's input stays
    assert again["client-name"] == "ООО «Ромашка-А»"  # Anna's change is shown, not Boris's old name
    assert again["client-comment"] == "от Бориса"
    assert again["client-comment-keep"] == "mine"


def test_the_retry_after_a_conflict_keeps_the_colleagues_other_changes(anna, boris, card):
    """The issue's lost update: a second «Записать» after the conflict must not revert Anna."""
    form_a, form_b = opened(anna, card), opened(boris, card)
    form_a["client-comment"] = "от Анны"
    form_a["client-name"] = "ООО «Ромашка-А»"
    assert anna.post(edit_url(card), form_a).status_code == 302
    form_b["client-comment"] = "от Бориса"
    form_b["client-legal_address"] = "Тверская, 7"
    retry = submitted_form(boris.post(edit_url(card), form_b).content, "client-form")

    assert boris.post(edit_url(card), retry).status_code == 302

    card.refresh_from_db()
    assert (card.comment, card.name, card.legal_address) == ("от Бориса", "ООО «Ромашка-А»", "Тверская, 7")


def test_choosing_the_colleagues_value_keeps_it_and_saves_the_rest(anna, boris, card):
    form_a, form_b = opened(anna, card), opened(boris, card)
    form_a["client-comment"] = "от Анны"
    anna.post(edit_url(card), form_a)
    form_b["client-comment"] = "от Бориса"
    form_b["client-legal_address"] = "Тверская, 7"
    retry = submitted_form(boris.post(edit_url(card), form_b).content, "client-form")

    retry["client-comment-keep"] = "theirs"
    assert boris.post(edit_url(card), retry).status_code == 302

    card.refresh_from_db()
    assert (card.comment, card.legal_address) == ("от Анны", "Тверская, 7")


def test_both_setting_the_same_value_is_no_conflict(anna, boris, card):
    form_a, form_b = opened(anna, card), opened(boris, card)
    form_a["client-comment"] = form_b["client-comment"] = "одно и то же"
    assert anna.post(edit_url(card), form_a).status_code == 302
    assert boris.post(edit_url(card), form_b).status_code == 302
    assert Client.objects.get(pk=card.pk).comment == "одно и то же"


def test_a_third_change_during_the_conflict_is_caught_again(anna, boris, card, boss):
    form_a, form_b = opened(anna, card), opened(boris, card)
    form_a["client-comment"] = "от Анны"
    anna.post(edit_url(card), form_a)
    form_b["client-comment"] = "от Бориса"
    retry = submitted_form(boris.post(edit_url(card), form_b).content, "client-form")
    form_a = opened(anna, card)
    form_a["client-comment"] = "Анна ещё раз"
    anna.post(edit_url(card), form_a)

    response = boris.post(edit_url(card), retry)

    assert response.status_code == 409 and "Анна ещё раз" in response.content.decode()
    assert Client.objects.get(pk=card.pk).comment == "Анна ещё раз"


def test_contact_rows_merge_by_row_and_field(anna, boris, card):
    """Anna changes the phone, Boris the contact person's e-mail and adds a row: all of it stays."""
    form_a, form_b = opened(anna, card), opened(boris, card)
    form_a["info-0-value"] = "+7 916 765-43-21"
    assert anna.post(edit_url(card), form_a).status_code == 302

    form_b["contacts-0-info-0-value"] = "ivan@romashka.ru"
    form_b["contacts-0-position"] = "главный инженер"
    assert boris.post(edit_url(card), form_b).status_code == 302

    assert ContactInfo.objects.get(client=card, contact__isnull=True).value == "+79167654321"
    person = card.contacts.get()
    assert (person.position, person.contact_info.get().value) == ("главный инженер", "ivan@romashka.ru")


def test_a_phone_both_changed_is_a_conflict_on_that_row(anna, boris, card):
    form_a, form_b = opened(anna, card), opened(boris, card)
    form_a["info-0-value"] = "+7 916 765-43-21"
    anna.post(edit_url(card), form_a)
    form_b["info-0-value"] = "+7 916 000-00-01"

    response = boris.post(edit_url(card), form_b)

    assert response.status_code == 409
    assert "+7 916 765-43-21" in response.content.decode()
    assert ContactInfo.objects.get(client=card, contact__isnull=True).value == "+79167654321"


@pytest.mark.parametrize(
    ("value_type", "stored", "typed", "saved", "theirs"),
    [
        (ExtraField.ValueType.STRING, "A-17", "B-1", "B-1", "A-18"),
        (ExtraField.ValueType.NUMBER, 25, "26,5", Decimal("26.5"), 27),
        (ExtraField.ValueType.FLAG, True, "false", False, None),
        (ExtraField.ValueType.DATE, datetime.date(2026, 3, 15), "16.03.2026", datetime.date(2026, 3, 16), None),
    ],
)
def test_extra_fields_merge_by_field(anna, boris, card, value_type, stored, typed, saved, theirs):
    mine = factories.ExtraFieldFactory(name="Моё", value_type=value_type)
    other = factories.ExtraFieldFactory(name="Чужое", value_type=value_type)
    set_extra_values({mine: stored, other: stored}, client=card)
    form_b = opened(boris, card)
    set_extra_values({other: theirs}, client=card)  # what Anna saved meanwhile (None: she cleared it)
    form_b[f"client-extra_{mine.pk}"] = typed

    assert boris.post(edit_url(card), form_b).status_code == 302

    values = {v.field_id: v.value for v in ExtraValue.objects.filter(client=card)}
    assert values.get(other.pk) == theirs
    assert values[mine.pk] == saved


def test_a_list_value_both_changed_is_a_conflict_with_both_names(anna, boris, card, loyalty):
    set_extra_values({loyalty: factories.option(loyalty, "Средняя")}, client=card)
    form_a, form_b = opened(anna, card), opened(boris, card)
    name = f"client-extra_{loyalty.pk}"
    form_a[name] = str(factories.option(loyalty, "Высокая").pk)
    assert anna.post(edit_url(card), form_a).status_code == 302
    form_b[name] = str(factories.option(loyalty, "Низкая").pk)

    response = boris.post(edit_url(card), form_b)

    assert response.status_code == 409
    conflict = response.content.decode().split(f'data-conflict="extra_{loyalty.pk}"')[1].split("</div></div>")[0]
    assert "Высокая" in conflict and "Низкая" in conflict


def test_an_input_not_sent_at_all_is_not_cleared(anna, card, owner):
    """A field missing from the request (a browser that sent nothing for it) keeps its value;
    clearing is an explicit act: an empty value."""
    when = factories.ExtraFieldFactory(name="Дата первой сделки", value_type=ExtraField.ValueType.DATE)
    set_extra_values({when: datetime.date(2026, 3, 15)}, client=card)
    card.comment = "важно"
    card.save()
    form = opened(anna, card)
    del form[f"client-extra_{when.pk}"]
    del form["client-comment"]

    assert anna.post(edit_url(card), form).status_code == 302
    card.refresh_from_db()
    assert card.comment == "важно"
    assert ExtraValue.objects.get(client=card, field=when).value == datetime.date(2026, 3, 15)
    assert not card.changes.filter(source=ClientChange.Source.FORM).exists()

    form = opened(anna, card)
    form[f"client-extra_{when.pk}"] = ""
    assert anna.post(edit_url(card), form).status_code == 302
    assert not ExtraValue.objects.filter(client=card, field=when).exists()


def test_an_impossible_date_is_refused_on_its_field_and_the_stored_date_kept(anna, card):
    when = factories.ExtraFieldFactory(name="Дата первой сделки", value_type=ExtraField.ValueType.DATE)
    set_extra_values({when: datetime.date(2026, 3, 15)}, client=card)
    form = opened(anna, card)
    assert form[f"client-extra_{when.pk}"] == "15.03.2026"
    form[f"client-extra_{when.pk}"] = "31.02.2026"
    form["client-comment"] = "не потеряется"

    response = anna.post(edit_url(card), form)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Введите правильную дату" in page and 'value="31.02.2026"' in page and "не потеряется" in page
    assert ExtraValue.objects.get(client=card, field=when).value == datetime.date(2026, 3, 15)


def test_a_row_removed_by_a_colleague_while_i_edited_it_comes_back_with_my_value(anna, boris, card):
    form_a, form_b = opened(anna, card), opened(boris, card)
    form_a["info-0-DELETE"] = "on"
    assert anna.post(edit_url(card), form_a).status_code == 302
    assert not ContactInfo.objects.filter(client=card, contact__isnull=True).exists()

    form_b["info-0-value"] = "+7 916 000-00-01"
    response = boris.post(edit_url(card), form_b)

    assert response.status_code == 302, response.content.decode()[-2000:]
    assert ContactInfo.objects.get(client=card, contact__isnull=True).value == "+79160000001"


def test_a_row_removed_by_a_colleague_stays_removed_when_i_did_not_touch_it(anna, boris, card):
    form_a, form_b = opened(anna, card), opened(boris, card)
    form_a["contacts-0-DELETE"] = "on"
    assert anna.post(edit_url(card), form_a).status_code == 302

    form_b["client-comment"] = "от Бориса"
    assert boris.post(edit_url(card), form_b).status_code == 302

    card.refresh_from_db()
    assert (card.comment, card.contacts.count(), card.contact_info.count()) == ("от Бориса", 0, 1)


def test_a_contact_person_removed_by_a_colleague_while_i_added_his_phone_comes_back(anna, boris, card):
    form_a, form_b = opened(anna, card), opened(boris, card)
    form_a["contacts-0-DELETE"] = "on"
    assert anna.post(edit_url(card), form_a).status_code == 302

    form_b["contacts-0-info-1-kind"] = str(factories.kind("Мобильный телефон").pk)
    form_b["contacts-0-info-1-value"] = "+7 916 555-44-33"
    response = boris.post(edit_url(card), form_b)

    assert response.status_code == 302, response.content.decode()[-2000:]
    person = card.contacts.get()
    assert person.name == "Петров Иван"
    assert sorted(person.contact_info.values_list("value", flat=True)) == ["+79165554433", "petrov@romashka.ru"]


@pytest.fixture
def choices(db):
    regions = [factories.BusinessRegionFactory(name=n) for n in ("Москва", "Казань", "Самара")]
    segments = [factories.SegmentFactory(name=n) for n in ("Опт", "Розница", "Сети")]
    people = [factories.manager(username=f"m{n}", last_name=f"Менеджер {n}") for n in range(3)]
    return {"business_region": regions, "segments": segments, "responsible": people}


# A field and three values as form data: Anna's first, Anna's second, Boris's.
BUILT_IN = {
    "name": ("ООО «Анна»", "ООО «Анна-2»", "ООО «Борис»"),
    "full_name": ("Полное А", "Полное А-2", "Полное Б"),
    "inn": ("7736050003", "7710140679", "7702070139"),
    "kpp": ("773601001", "773601002", "773601003"),
    "legal_address": ("Москва", "Москва, 2", "Казань"),
    "comment": ("от Анны", "от Анны ещё", "от Бориса"),
    # Two kinds only: Boris choosing what Anna chose is no conflict.
    "kind": ("individual", "company", "company"),
    "business_region": None,
    "responsible": None,
    "segments": None,
}


def _values(field: str, choices: dict) -> tuple:
    if BUILT_IN[field] is not None:
        return BUILT_IN[field]
    keys = [str(row.pk) for row in choices[field]]
    return ([keys[0]], [keys[1]], [keys[2]]) if field == "segments" else tuple(keys)


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("field", BUILT_IN)
def test_every_built_in_field_merges_and_conflicts(boss, card, choices, field):
    """Anna changes the field while Boris changes another one: both stay. Then both change the
    field: Boris meets a conflict on it, and nothing of his is written."""
    anna, boris = logged_in(boss), logged_in(factories.supervisor(username="boris2"))
    first, second, borises = _values(field, choices)
    if field in ("kind", "inn"):  # an individual has a 12-digit ИНН and no КПП
        card.inn, card.kpp = ("" if field == "kind" else card.inn), ""
        card.save()
    other = "legal_address" if field == "comment" else "comment"
    form_a, form_b = opened(anna, card), opened(boris, card)
    form_a[f"client-{field}"] = first
    assert anna.post(edit_url(card), form_a).status_code == 302
    form_b[f"client-{other}"] = "Борис тоже был здесь"
    assert boris.post(edit_url(card), form_b).status_code == 302
    now = opened(anna, card)
    assert (_as_list(now[f"client-{field}"]), now[f"client-{other}"]) == (_as_list(first), "Борис тоже был здесь")

    form_a, form_b = opened(anna, card), opened(boris, card)
    form_a[f"client-{field}"] = second
    assert anna.post(edit_url(card), form_a).status_code == 302
    form_b[f"client-{field}"] = borises
    response = boris.post(edit_url(card), form_b)
    if borises == second:
        assert response.status_code == 302
        return
    assert response.status_code == 409
    assert f'data-conflict="{field}"' in response.content.decode()
    assert _as_list(opened(anna, card)[f"client-{field}"]) == _as_list(second)
