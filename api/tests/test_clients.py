"""Clients through the API: written by the one client writer under the token's user, merged by
field with If-Match, paged by a cursor, trimmed by ?fields=, in a bounded number of queries."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from api.tests.conftest import api_of
from clients import extra_fields
from clients.models import Client, ClientChange, ExtraField
from clients.tests import factories


@pytest.fixture
def loyalty(db):
    return factories.list_field("Лояльность", ["Высокая", "Низкая"])


def test_a_client_is_created_with_its_contacts_and_extra_values_under_the_tokens_user(owner, loyalty):
    hobby = factories.ExtraFieldFactory(name="Хобби", applies_to=ExtraField.AppliesTo.CONTACTS)
    phone = factories.kind("Телефон")
    email = factories.kind("Email")
    answer = api_of(owner).post(
        "/api/v1/clients/",
        {
            "name": "ООО «Ромашка»",
            "inn": "7707083893",
            "kpp": "773601001",
            "contact_info": [{"kind": phone.pk, "value": "8 (916) 123-45-67"}],
            "contact_persons": [{"name": "Петров Иван", "contact_info": [{"kind": email.pk, "value": "ivan@r.ru"}]}],
            "extra": {"Лояльность": "высокая"},
        },
    )
    assert answer.status_code == 201, answer.content
    data = answer.json()
    assert data["contact_info"][0]["value"] == "+79161234567"
    assert data["contact_persons"][0]["contact_info"][0]["value"] == "ivan@r.ru"
    assert data["extra"] == {loyalty.key: "Высокая"}
    assert data["contact_persons"][0]["extra"] == {hobby.key: None}
    assert data["responsible"] == owner.pk
    change = ClientChange.objects.get(client_id=data["id"])
    assert (change.user, change.source) == (owner, ClientChange.Source.API)


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"name": "А", "inn": "7707083894"}, "inn"),
        ({"name": "А", "kind": "individual", "kpp": "773601001"}, "kpp"),
        ({"name": "А", "extra": {"Нет такого": 1}}, "extra"),
        ({"name": "А", "contact_info": [{"kind": 1, "value": "не телефон"}]}, "contact_info"),
        ({"inn": "7707083893"}, "name"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(owner, sent, field):
    if field == "contact_info":
        sent["contact_info"][0]["kind"] = factories.kind("Телефон").pk
    answer = api_of(owner).post("/api/v1/clients/", sent)
    assert answer.status_code == 400
    assert field in answer.json()
    assert not Client.objects.exists()


def test_a_patch_with_if_match_merges_by_field_and_refuses_a_field_both_changed(owner, boss, loyalty):
    client = factories.ClientFactory(name="Ромашка", responsible=owner)
    mine, theirs = api_of(owner), api_of(boss)
    start = mine.get(f"/api/v1/clients/{client.pk}/")
    version = start.json()["version"]
    assert start["ETag"] == f'"{version}"'
    # Someone changes the comment and the list field after this version.
    assert theirs.patch(f"/api/v1/clients/{client.pk}/", {"comment": "от руководителя"}).status_code == 200
    assert theirs.patch(f"/api/v1/clients/{client.pk}/", {"extra": {loyalty.key: "Низкая"}}).status_code == 200
    # A change of other fields goes through and keeps theirs.
    merged = mine.patch(f"/api/v1/clients/{client.pk}/", {"full_name": "ООО Ромашка"}, **{"If-Match": str(version)})
    assert merged.status_code == 200, merged.content
    assert (merged.json()["full_name"], merged.json()["comment"]) == ("ООО Ромашка", "от руководителя")
    # The same field, to another value: 412 naming it with the stored value; nothing written.
    refused = mine.patch(
        f"/api/v1/clients/{client.pk}/",
        {"comment": "от менеджера", "extra": {loyalty.key: "Высокая"}, "name": "Ромашка-2"},
        **{"If-Match": f'"{version}"'},
    )
    assert refused.status_code == 412
    assert refused.json()["conflicts"] == {"comment": "от руководителя", loyalty.key: "Низкая"}
    client.refresh_from_db()
    assert client.name == "Ромашка"
    # From the version it now knows, the change is accepted.
    current = mine.get(f"/api/v1/clients/{client.pk}/").json()["version"]
    assert (
        mine.patch(
            f"/api/v1/clients/{client.pk}/", {"comment": "от менеджера"}, **{"If-Match": str(current)}
        ).status_code
        == 200
    )
    sources = set(ClientChange.objects.filter(client=client).values_list("user__username", "source"))
    assert sources == {("boss", "api"), ("owner", "api")}
    for wrong in ("пять", "²", "-1"):
        assert mine.patch(f"/api/v1/clients/{client.pk}/", {}, **{"If-Match": wrong}).status_code == 400
    assert mine.patch("/api/v1/clients/²/", {}).status_code == 404


def test_cursor_paging_walks_every_client_once(owner):
    made = {factories.ClientFactory(name=f"Клиент {n}").pk for n in range(7)}
    api, seen, url = api_of(owner), [], "/api/v1/clients/?page_size=3"
    while url:
        page = api.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == sorted(made)


def test_fields_trims_every_row_and_filters_narrow_as_on_the_list(owner, colleague):
    factories.ClientFactory(name="Свой", responsible=owner, inn="7707083893")
    factories.ClientFactory(name="Чужой", responsible=colleague)
    page = api_of(owner).get("/api/v1/clients/", fields="id,name,inn,nothing", responsible=owner.pk).json()
    assert [set(row) for row in page["results"]] == [{"id", "name", "inn"}]
    assert page["results"][0]["name"] == "Свой"
    assert api_of(owner).get("/api/v1/clients/", q="Чуж").json()["results"][0]["name"] == "Чужой"
    assert api_of(owner).get("/api/v1/clients/", created_after="не дата").status_code == 400


def test_a_page_of_clients_costs_the_same_queries_whatever_its_size(owner, loyalty):
    factories.ExtraFieldFactory(name="Хобби", applies_to=ExtraField.AppliesTo.CONTACTS)
    for n in range(30):
        client = factories.ClientFactory(name=f"Клиент {n}")
        factories.ContactInfoFactory(client=client, value=f"+7916123{n:04d}")
        person = factories.ContactPersonFactory(client=client)
        factories.ContactInfoFactory(client=client, contact=person, kind=factories.kind("Email"), value=f"p{n}@x.ru")
    api = api_of(owner)
    api.get("/api/v1/clients/?page_size=1")
    counts = []
    for size in (3, 30):
        extra_fields.forget()
        with CaptureQueriesContext(connection) as queries:
            assert len(api.get(f"/api/v1/clients/?page_size={size}").json()["results"]) == size
        counts.append(len(queries))
    # Token, roles, the page, its segments, contact information, persons with theirs, the extra
    # values of clients and of persons, the extra fields' definitions (digest, fields, options).
    assert counts[0] == counts[1] <= 13


@pytest.mark.parametrize(("resource", "limit"), [("invoices", 8), ("payments", 8), ("deals", 8), ("tasks", 8)])
def test_other_lists_cost_a_bounded_number_of_queries(world, boss, resource, limit, django_assert_max_num_queries):
    api = api_of(boss)
    with django_assert_max_num_queries(limit):
        assert api.get(f"/api/v1/{resource}/").status_code == 200


@override_settings(API_RATE_LIMITS={"read": "3/min", "write": "1/min"})
def test_reads_and_writes_are_limited_per_token_with_retry_after(owner):
    cache.clear()
    client = factories.ClientFactory(responsible=owner)
    api, other = api_of(owner), api_of(owner)
    assert [api.get("/api/v1/tasks/").status_code for _ in range(3)] == [200, 200, 200]
    limited = api.get("/api/v1/tasks/")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert api.patch(f"/api/v1/clients/{client.pk}/", {"comment": "1"}).status_code == 200
    assert api.patch(f"/api/v1/clients/{client.pk}/", {"comment": "2"}).status_code == 429
    assert other.get("/api/v1/tasks/").status_code == 200
    cache.clear()


def test_extra_fields_are_listed_with_their_keys_and_filter_the_clients(owner, loyalty):
    high = loyalty.options.get(name="Высокая")
    api = api_of(owner)
    fields = api.get("/api/v1/extra-fields/").json()["results"]
    assert [(f["key"], f["value_type"], [o["name"] for o in f["options"]]) for f in fields] == [
        (loyalty.key, "list", ["Высокая", "Низкая"])
    ]
    loyal = api.post("/api/v1/clients/", {"name": "Верный", "extra": {loyalty.key: "Высокая"}}).json()
    api.post("/api/v1/clients/", {"name": "Случайный"})
    found = api.get("/api/v1/clients/", **{loyalty.key: high.pk, "fields": "id,extra"}).json()["results"]
    assert found == [{"id": loyal["id"], "extra": {loyalty.key: "Высокая"}}]
    cleared = api.patch(f"/api/v1/clients/{loyal['id']}/", {"extra": {"Лояльность": None}})
    assert cleared.json()["extra"] == {loyalty.key: None}
