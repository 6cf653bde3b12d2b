"""«API-ключи»: a token is shown once, stored only as its hash, revoked by its owner alone, and
the API answers 401 to a wrong or revoked one."""

from __future__ import annotations

import hashlib

from django.urls import reverse

from api.models import ApiToken
from api.services import tokens
from api.tests.conftest import Api, api_of
from crm.testing import logged_in


def test_the_page_makes_a_token_shown_once_and_stored_only_as_its_hash(owner):
    browser = logged_in(owner)
    page = browser.post(reverse("api:tokens"), {"name": "1С:Бухгалтерия"})
    assert page.status_code == 200
    secret = page.context["secret"]
    assert secret.startswith("crm_") and secret in page.content.decode()
    row = ApiToken.objects.get(user=owner)
    assert row.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {row.prefix, row.digest, row.name}
    again = browser.get(reverse("api:tokens")).content.decode()
    assert "1С:Бухгалтерия" in again and secret not in again
    assert Api(secret).get("/api/v1/clients/").status_code == 200


def test_the_user_menu_links_to_the_tokens_page(owner):
    assert reverse("api:tokens") in logged_in(owner).get(reverse("clients:list")).content.decode()


def test_a_revoked_or_wrong_token_gets_401(owner, colleague):
    row, secret = tokens.create_token(owner, "скрипт")
    assert Api(secret).get("/api/v1/clients/").status_code == 200
    # A colleague cannot revoke it; its owner can.
    logged_in(colleague).post(reverse("api:token_revoke", args=[row.pk]))
    assert Api(secret).get("/api/v1/clients/").status_code == 200
    logged_in(owner).post(reverse("api:token_revoke", args=[row.pk]))
    answer = Api(secret).get("/api/v1/clients/")
    assert answer.status_code == 401 and answer["WWW-Authenticate"] == "Bearer"
    assert "detail" in answer.json()
    for wrong in (secret[:-1] + "x", "crm_nothing", "junk", secret.replace("crm_", "")):
        assert Api(wrong).get("/api/v1/clients/").status_code == 401, wrong
    assert HttpClientWithout().get("/api/v1/clients/").status_code == 401


def HttpClientWithout():
    from django.test import Client

    return Client()


def test_last_use_is_written_at_most_once_a_minute(owner, django_assert_num_queries):
    api = api_of(owner)
    api.get("/api/v1/tasks/")
    first = ApiToken.objects.get(user=owner).last_used_at
    assert first is not None
    api.get("/api/v1/tasks/")
    assert ApiToken.objects.get(user=owner).last_used_at == first
    ApiToken.objects.filter(user=owner).update(last_used_at=first.replace(year=first.year - 1))
    api.get("/api/v1/tasks/")
    assert ApiToken.objects.get(user=owner).last_used_at > first


def test_a_user_without_a_crm_role_gets_403(db):
    from clients.tests.factories import UserFactory

    assert api_of(UserFactory(username="stranger")).get("/api/v1/clients/").status_code == 403
