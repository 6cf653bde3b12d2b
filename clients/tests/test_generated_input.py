"""Generated bad input (issue 13) against the client card (new and edit, with its contact
information and contact persons), the extra fields of every type and their settings form: every
example is answered without a 500, a refused one changes nothing, an accepted one stores what was
sent. The examples are derandomized (crm.tests.strategies.GENERATED): a failure repeats."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from clients.models import Client, ContactInfo, ContactPerson, ExtraField, ExtraFieldOption, ExtraValue, FieldGroup
from clients.models.history import ClientChange
from clients.tests import factories
from crm.testing import logged_in, opened_form, submitted_form
from crm.tests.strategies import (
    GENERATED,
    Snapshot,
    assert_answered,
    each_example,
    last,
    mutated,
)

CARD_MODELS = [Client, ContactPerson, ContactInfo, ExtraValue, ClientChange]


@pytest.fixture
def world(db):
    """A manager's card with contact information, a contact person and extra values of every type,
    a colleague's card, and the ids of things the manager may or may not use."""
    owner = factories.manager(username="gen-owner")
    colleague = factories.manager(username="gen-colleague")
    boss = factories.supervisor(username="gen-boss")
    region = factories.BusinessRegionFactory(name="Урал")
    segment = factories.SegmentFactory(name="Опт")
    card = factories.ClientFactory(name="ООО «Ромашка»", inn="7707083893", kpp="773601001", responsible=owner)
    factories.ContactInfoFactory(client=card, value="+79161234567")
    person = factories.ContactPersonFactory(client=card, name="Петров Иван")
    factories.ContactInfoFactory(client=card, contact=person, kind=factories.kind("Email"), value="petrov@romashka.ru")
    theirs = factories.ClientFactory(name="ООО «Чужая»", responsible=colleague)
    fields = {}
    # Every type of the registry for all clients, and each kind of «Принадлежность» once.
    kinds = [(t, "all") for t in ExtraField.ValueType.values]
    kinds += [("list", "contacts"), ("date", "contacts"), ("string", "companies"), ("number", "individuals")]
    for value_type, applies in kinds:
        name = f"{value_type}-{applies}"
        if value_type == ExtraField.ValueType.LIST:
            fields[name] = factories.list_field(name, ["Первое", "Второе"], applies_to=applies)
        else:
            fields[name] = factories.ExtraFieldFactory(name=name, value_type=value_type, applies_to=applies)
    retired = factories.option(fields["list-all"], "Второе")
    retired.retired = True
    retired.save()
    ExtraValue.objects.create(client=card, field=fields["number-all"], value_number=Decimal("12.5"))
    first = factories.option(fields["list-all"], "Первое")
    ExtraValue.objects.create(client=card, field=fields["list-all"], value_option=first)
    ids = [
        card.pk,
        theirs.pk,
        person.pk,
        owner.pk,
        colleague.pk,
        boss.pk,
        region.pk,
        segment.pk,
        *(f.pk for f in fields.values()),
        *ExtraFieldOption.objects.values_list("pk", flat=True),
        *ContactInfo.objects.values_list("pk", flat=True),
    ]
    return {"owner": owner, "boss": boss, "card": card, "theirs": theirs, "fields": fields, "ids": ids}


def _card_choices(world) -> dict[str, list[str]]:
    """Valid values the card's fields also take, so that some examples are accepted."""
    fields = world["fields"]
    choices = {
        "client-kind": ["company", "individual", "COMPANY"],
        "client-inn": ["7707083893", "500100732259", ""],
        "client-kpp": ["773601001", ""],
        "client-name": ["ООО «Лютик»", "  Лютик  ", "=1+1"],
        "client-comment": ["строка\r\nвторая", "=HYPERLINK(1)"],
        "client-responsible": [str(world["owner"].pk), ""],
    }
    for field in fields.values():
        good = {
            "list": [str(o) for o in field.options.values_list("pk", flat=True)],
            "string": ["текст", "=1+1"],
            "number": ["12,5", "-3", "0"],
            "flag": ["true", "false", "unknown"],
            "date": ["01.02.2025", "2025-02-01"],
        }[field.value_type]
        choices[f"client-{field.key}"] = [*good, ""]
    return choices


def _add_rows(data: dict) -> dict:
    """The page as sent after «Добавить» on the client's contact information and on the persons."""
    data = dict(data)
    rows = int(data["info-TOTAL_FORMS"])
    data.update({"info-TOTAL_FORMS": str(rows + 1), f"info-{rows}-kind": "", f"info-{rows}-value": ""})
    people = int(data["contacts-TOTAL_FORMS"])
    data.update(
        {
            "contacts-TOTAL_FORMS": str(people + 1),
            f"contacts-{people}-name": "Новый Человек",
            f"contacts-{people}-position": "",
            f"contacts-{people}-info-TOTAL_FORMS": "1",
            f"contacts-{people}-info-INITIAL_FORMS": "0",
            f"contacts-{people}-info-0-kind": "",
            f"contacts-{people}-info-0-value": "",
        }
    )
    return {k: v for k, v in data.items() if "__prefix__" not in k and "__row__" not in k}


def _check_card(response, data, snapshot: Snapshot, card: Client | None) -> None:
    assert_answered(response, data)
    if response.status_code != 302:
        snapshot.assert_unchanged(data)
        return
    # Accepted: the card says «сохранена» and stores what was sent.
    saved = card if card is not None else Client.objects.order_by("-pk").first()
    saved.refresh_from_db()
    assert saved.name == last(data, "client-name").strip()
    assert saved.comment == last(data, "client-comment").strip()
    assert saved.legal_address == last(data, "client-legal_address").strip()
    assert saved.kind == last(data, "client-kind")


@pytest.fixture
def card_form(world):
    browser = logged_in(world["owner"])
    url = reverse("clients:edit", args=[world["card"].pk])
    return browser, url, _add_rows(opened_form(browser, url, "client-form"))


@pytest.fixture
def new_card_form(world):
    browser = logged_in(world["owner"])
    url = reverse("clients:create")
    return browser, url, _add_rows(opened_form(browser, url, "client-form"))


def test_the_card_new_and_edit_answers_generated_input_and_saves_all_or_nothing(world, card_form, new_card_form):
    browser, edit_url, edit_base = card_form
    _, new_url, new_base = new_card_form
    card = world["card"]
    choices = _card_choices(world)
    extra_names = ["contacts-0-DELETE", "info-0-DELETE", "next"]
    pages = st.one_of(
        mutated(edit_base, ids=world["ids"], choices=choices, extra_names=extra_names).map(lambda d: (True, d)),
        mutated(new_base, ids=world["ids"], choices=choices, extra_names=extra_names).map(lambda d: (False, d)),
    )

    @GENERATED
    @given(pages)
    @example((True, {**edit_base, "client-inn": "7707083893\x00"}))
    def check(drawn):
        editing, data = drawn
        with each_example():
            snapshot = Snapshot(CARD_MODELS, [card])
            response = browser.post(edit_url if editing else new_url, data)
            _check_card(response, data, snapshot, card if editing else None)

    check()


def _stored_extra(card: Client) -> dict[int, object]:
    return {
        v["field_id"]: (v["value_text"], v["value_number"], v["value_date"], v["value_bool"], v["value_option_id"])
        for v in ExtraValue.objects.filter(client=card).values()
    }


def _check_extra_values(world, base, data, before, stored) -> None:
    """An accepted card stores each extra field's value as its type reads it; one not sent is kept."""
    for field in world["fields"].values():
        name = f"client-{field.key}"
        if name not in base:
            continue  # not on this card (a contact person's, or another kind's)
        sent = last(data, name)
        if name not in data:
            assert stored.get(field.pk) == before.get(field.pk), f"{field.name} changed without being sent"
        elif field.value_type == "string":
            assert stored.get(field.pk, (None,))[0] == (sent.strip() or None)
        elif field.value_type == "list":
            assert (stored.get(field.pk) or (None,) * 5)[4] == (int(sent) if sent else None)
        elif sent in ("", "unknown"):
            assert field.pk not in stored, f"{field.name} kept a value after {sent!r}"


def _settings_forms(world, browser) -> dict[str, tuple[str, dict]]:
    """«Настроить поля»: a new field, a list field's settings, a new section, a new list value."""
    field = world["fields"]["list-all"]
    create_url = reverse("clients:field_create")
    edit_url = reverse("clients:field_edit", args=[field.pk])
    edit_page = browser.get(edit_url).content
    return {
        "create": (create_url, opened_form(browser, create_url, "field-form")),
        "edit": (edit_url, submitted_form(edit_page, "field-form")),
        "group": (
            reverse("clients:field_group_create"),
            submitted_form(browser.get(reverse("clients:fields")).content, "add-group-form"),
        ),
        "option": (reverse("clients:field_option_add", args=[field.pk]), submitted_form(edit_page, "add-option-form")),
    }


SETTINGS_CHOICES = {
    "name": ["Новое поле", "list-all", "LIST-ALL", " ", "=1+1"],
    "value_type": ExtraField.ValueType.values,
    "applies_to": ExtraField.AppliesTo.values,
    "options": ["a\nb\nb", "\n\n", "x" * 200, "Первое\r\nПервое"],
    "group-name": ["Дополнительно", "Новый раздел"],
    "option-name": ["Первое", "Третье", "первое "],
}


def test_extra_fields_of_every_type_and_their_settings_answer_generated_input(world, card_form):
    """The card's extra fields only (their values, another field's or a retired list value, a
    contact person's field on the client), and the settings forms of «Настроить поля», as the
    supervisor: a refused save keeps every value, an accepted card stores what was sent."""
    _, url, base = card_form
    card = world["card"]
    boss = logged_in(world["boss"])
    extra_names = [name for name in base if "extra_" in name]
    kept = {k: v for k, v in base.items() if k not in extra_names}
    forms = _settings_forms(world, boss)
    field = world["fields"]["list-all"]
    card_changes = mutated({n: base[n] for n in extra_names}, ids=world["ids"], choices=_card_choices(world), most=3)
    settings_changes = st.sampled_from(sorted(forms)).flatmap(
        lambda key: mutated(forms[key][1], ids=world["ids"], choices=SETTINGS_CHOICES).map(lambda d: (key, d))
    )

    @GENERATED
    @given(card_changes.map(lambda d: ("card", {**kept, **d})) | settings_changes)
    def check(drawn):
        key, data = drawn
        with each_example():
            snapshot = Snapshot([*CARD_MODELS, ExtraField, ExtraFieldOption, FieldGroup], [card, field])
            before = _stored_extra(card)
            response = boss.post(url if key == "card" else forms[key][0], data)
            assert_answered(response, (key, data))
            if response.status_code != 302:
                snapshot.assert_unchanged((key, data))
            elif key == "card":
                _check_extra_values(world, base, data, before, _stored_extra(card))

    check()
