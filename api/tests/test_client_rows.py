"""A client's contact information and contact persons changed through the API: a list sent is the
whole list (kept by id, added without, deleted when left out), written by the one client writer
with the card's history; sending back what was read changes nothing."""

from __future__ import annotations

import pytest

from api.tests.conftest import api_of
from clients import extra_fields
from clients.models import Client, ClientChange, ContactInfo, ContactPerson, ExtraField
from clients.tests import factories


@pytest.fixture
def card(db, owner):
    """A client of the owner with a phone and an e-mail, and two persons (one with a phone)."""
    client = factories.ClientFactory(name="Ромашка", responsible=owner)
    phone = factories.ContactInfoFactory(client=client, value="+79161234567")
    email = factories.ContactInfoFactory(client=client, kind=factories.kind("Email"), value="info@r.ru")
    ivan = factories.ContactPersonFactory(client=client, name="Петров Иван")
    factories.ContactInfoFactory(client=client, contact=ivan, value="+79031112233")
    olga = factories.ContactPersonFactory(client=client, name="Олейник Ольга")
    return {"client": client, "phone": phone, "email": email, "ivan": ivan, "olga": olga}


@pytest.fixture
def hobby(db):
    return factories.ExtraFieldFactory(name="Хобби", applies_to=ExtraField.AppliesTo.CONTACTS)


def _url(client: Client) -> str:
    return f"/api/v1/clients/{client.pk}/"


def test_contact_information_sent_is_kept_by_id_added_without_and_deleted_when_left_out(owner, card):
    client, phone = card["client"], card["phone"]
    answer = api_of(owner).patch(
        _url(client),
        {
            "contact_info": [
                {"id": phone.pk, "kind": phone.kind_id, "value": "8 916 765-43-21", "comment": "офис"},
                {"kind": factories.kind("Email").pk, "value": "sales@r.ru"},
            ]
        },
    )
    assert answer.status_code == 200, answer.content
    own = ContactInfo.objects.filter(client=client, contact=None).order_by("id")
    assert [(row.value, row.comment) for row in own] == [("+79167654321", "офис"), ("sales@r.ru", "")]
    assert own[0].pk == phone.pk
    assert ContactInfo.objects.filter(contact=card["ivan"]).count() == 1  # persons' rows left alone
    entry = ClientChange.objects.get(client=client)
    assert entry.source == ClientChange.Source.API
    assert [line["field"] for line in entry.changes] == ["contact_info"]
    assert "sales@r.ru" in entry.changes[0]["new"] and "info@r.ru" in entry.changes[0]["old"]


def test_contact_persons_sent_are_changed_added_and_deleted_with_their_rows_and_extra_values(owner, card, hobby):
    client, ivan = card["client"], card["ivan"]
    answer = api_of(owner).patch(
        _url(client),
        {
            "contact_persons": [
                {"id": ivan.pk, "name": "Петров Иван", "position": "директор", "extra": {"Хобби": "рыбалка"}},
                {
                    "name": "Сидорова Анна",
                    "contact_info": [{"kind": factories.kind("Email").pk, "value": "anna@r.ru"}],
                    "extra": {hobby.key: "шахматы"},
                },
            ]
        },
    )
    assert answer.status_code == 200, answer.content
    persons = {p.name: p for p in ContactPerson.objects.filter(client=client)}
    assert set(persons) == {"Петров Иван", "Сидорова Анна"}  # Ольга, left out, is deleted
    assert persons["Петров Иван"].position == "директор"
    assert ContactInfo.objects.get(contact=ivan).value == "+79031112233"  # his rows were not sent
    assert ContactInfo.objects.get(contact=persons["Сидорова Анна"]).value == "anna@r.ru"
    values = extra_fields.values_of_contacts(client)
    assert values[ivan.pk] == {hobby.pk: "рыбалка"}
    assert values[persons["Сидорова Анна"].pk] == {hobby.pk: "шахматы"}
    assert [line["field"] for line in ClientChange.objects.get(client=client).changes] == ["contact_info", "contacts"]


def _rows_as_sent(rows: list[dict]) -> list[dict]:
    return [{k: row[k] for k in ("id", "kind", "value", "comment")} for row in rows]


def test_sending_back_the_rows_as_read_changes_nothing(owner, card, hobby):
    client = card["client"]
    api = api_of(owner)
    read = api.get(_url(client)).json()
    version = read["version"]
    sent = {
        "contact_info": _rows_as_sent(read["contact_info"]),
        "contact_persons": [
            {
                **{k: person[k] for k in ("id", "name", "position", "notes", "extra")},
                "contact_info": _rows_as_sent(person["contact_info"]),
            }
            for person in read["contact_persons"]
        ],
    }
    answer = api.patch(_url(client), sent, **{"If-Match": str(version)})
    assert answer.status_code == 200, answer.content
    assert answer.json() == read
    assert not ClientChange.objects.exists()
    client.refresh_from_db()
    assert client.version == version


def test_a_row_id_of_another_client_is_a_400_and_nothing_is_written(owner, card):
    stranger = factories.ContactInfoFactory(value="+79990000000")
    client, phone = card["client"], card["phone"]
    answer = api_of(owner).patch(
        _url(client),
        {"contact_info": [{"id": stranger.pk, "kind": phone.kind_id, "value": "+79161111111"}]},
    )
    assert answer.status_code == 400
    assert str(stranger.pk) in answer.json()["contact_info"][0]
    assert ContactInfo.objects.filter(client=client, contact=None).count() == 2
    assert ContactInfo.objects.get(pk=stranger.pk).value == "+79990000000"
    assert not ClientChange.objects.exists()


def test_a_new_client_cannot_name_row_ids(owner, card):
    answer = api_of(owner).post(
        "/api/v1/clients/", {"name": "Новый", "contact_info": [{"id": card["phone"].pk, "kind": 1, "value": "a@b.ru"}]}
    )
    assert answer.status_code == 400
    assert not Client.objects.filter(name="Новый").exists()


def test_rows_sent_with_if_match_are_refused_when_someone_changed_the_rows_since(owner, boss, card):
    client, phone = card["client"], card["phone"]
    version = api_of(owner).get(_url(client)).json()["version"]
    theirs = {"contact_info": [{"id": phone.pk, "kind": phone.kind_id, "value": "+79160000001"}]}
    assert api_of(boss).patch(_url(client), theirs).status_code == 200
    mine = {"contact_info": [{"id": phone.pk, "kind": phone.kind_id, "value": "+79160000002"}]}
    answer = api_of(owner).patch(_url(client), mine, **{"If-Match": str(version)})
    assert answer.status_code == 412
    assert ContactInfo.objects.get(pk=phone.pk).value == "+79160000001"
    # A change of a field nobody touched still merges.
    assert api_of(owner).patch(_url(client), {"comment": "ок"}, **{"If-Match": str(version)}).status_code == 200


def test_if_match_naming_a_version_not_yet_stored_is_refused(owner, card):
    client = card["client"]
    answer = api_of(owner).patch(_url(client), {"comment": "из будущего"}, **{"If-Match": str(client.version + 5)})
    assert answer.status_code == 412
    assert answer.json()["conflicts"] == {"version": client.version}
    client.refresh_from_db()
    assert client.comment != "из будущего"


def test_a_dynamic_segment_cannot_be_given_to_a_client(owner, card):
    dynamic = factories.SegmentFactory(name="Крупные", kind="dynamic", query="kind=company")
    answer = api_of(owner).patch(_url(card["client"]), {"segments": [dynamic.pk]})
    assert answer.status_code == 400 and "segments" in answer.json()
    assert not card["client"].segments.exists()
