import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.urls import reverse

from crm import roles

ROOT = Path(__file__).resolve().parents[2]


def test_roles_exist_as_groups(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL_ROLES)


def test_deploy_check_passes_with_production_settings():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "0",
        "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
        "ALLOWED_HOSTS": "crm.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "", "ALLOWED_HOSTS": "crm.example.com"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.fixture
def clean_cache():
    cache.clear()
    yield
    cache.clear()


def test_login_is_refused_after_too_many_failures_even_with_the_right_password(
    client, django_user_model, clean_cache, settings
):
    settings.LOGIN_ATTEMPTS_LIMIT = 3
    django_user_model.objects.create_user("ivan", password="right-password-1")
    for _ in range(3):
        response = client.post(reverse("login"), {"username": "ivan", "password": "wrong"})
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
    response = client.post(reverse("login"), {"username": "ivan", "password": "right-password-1"})
    assert "Слишком много неудачных попыток входа" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_successful_login_resets_the_failure_count(client, django_user_model, clean_cache, settings):
    settings.LOGIN_ATTEMPTS_LIMIT = 3
    django_user_model.objects.create_user("ivan", password="right-password-1")
    client.post(reverse("login"), {"username": "ivan", "password": "wrong"})
    client.post(reverse("login"), {"username": "ivan", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "ivan", "password": "right-password-1"})
    assert response.status_code == 302
    client.logout()
    client.post(reverse("login"), {"username": "ivan", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "ivan", "password": "right-password-1"})
    assert response.status_code == 302


def test_failures_with_other_names_never_lock_out_an_account_that_did_not_fail(
    client, django_user_model, clean_cache, settings
):
    """The probe: 30 failed logins with random names locked every user at that address (and behind
    a proxy, the whole company)."""
    settings.LOGIN_ATTEMPTS_LIMIT = 3
    django_user_model.objects.create_user("ivan", password="right-password-1")
    for n in range(40):
        client.post(reverse("login"), {"username": f"guess{n}", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "ivan", "password": "right-password-1"})
    assert response.status_code == 302


def test_the_admin_login_is_limited_as_ours_and_shares_the_count(client, django_user_model, clean_cache, settings):
    """The probe: after /login/ locked `admin`, 25 guesses on /admin/login/ were answered and the
    right password let the attacker in."""
    settings.LOGIN_ATTEMPTS_LIMIT = 3
    django_user_model.objects.create_superuser("admin", password="right-password-1")
    admin_login = reverse("admin:login")
    client.post(reverse("login"), {"username": "admin", "password": "wrong"})
    for _ in range(2):
        client.post(admin_login, {"username": "admin", "password": "wrong", "next": "/admin/"})
    response = client.post(admin_login, {"username": "admin", "password": "right-password-1", "next": "/admin/"})
    assert response.status_code == 200
    assert "Слишком много неудачных попыток входа" in response.content.decode()
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("login"), {"username": "admin", "password": "right-password-1"})
    assert "_auth_user_id" not in client.session


def test_an_account_failing_from_many_addresses_is_paused_everywhere(client, django_user_model, clean_cache, settings):
    settings.LOGIN_ATTEMPTS_LIMIT = 3
    settings.LOGIN_ATTEMPTS_PER_ACCOUNT_LIMIT = 6
    django_user_model.objects.create_user("ivan", password="right-password-1")
    for n in range(6):
        client.post(reverse("login"), {"username": "Ivan ", "password": "wrong"}, REMOTE_ADDR=f"10.0.0.{n}")
    response = client.post(
        reverse("login"), {"username": "ivan", "password": "right-password-1"}, REMOTE_ADDR="10.0.9.9"
    )
    assert "Слишком много неудачных попыток входа" in response.content.decode()


def test_behind_a_proxy_the_clients_own_address_counts_and_a_forged_one_does_not(
    client, django_user_model, clean_cache, settings
):
    settings.LOGIN_ATTEMPTS_LIMIT = 3
    settings.LOGIN_PROXY_HOPS = 1
    django_user_model.objects.create_user("ivan", password="right-password-1")
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for n in range(3):
        # The attacker forges a different address each time; nginx appends the real one.
        client.post(
            reverse("login"),
            {"username": "ivan", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 203.0.113.7",
            **proxy,
        )
    locked = client.post(
        reverse("login"),
        {"username": "ivan", "password": "right-password-1"},
        HTTP_X_FORWARDED_FOR="203.0.113.7",
        **proxy,
    )
    assert "Слишком много неудачных попыток входа" in locked.content.decode()
    colleague = client.post(
        reverse("login"),
        {"username": "ivan", "password": "right-password-1"},
        HTTP_X_FORWARDED_FOR="198.51.100.20",
        **proxy,
    )
    assert colleague.status_code == 302


def test_with_the_cache_down_people_still_log_in(client, django_user_model, settings):
    """The probe: with Redis down, logging in answered 500 for everyone."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
    }
    with pytest.raises(redis.exceptions.ConnectionError):  # the cache is down indeed
        cache.get("anything")
    django_user_model.objects.create_user("ivan", password="right-password-1")
    wrong = client.post(reverse("login"), {"username": "ivan", "password": "wrong"})
    assert wrong.status_code == 200
    right = client.post(reverse("login"), {"username": "ivan", "password": "right-password-1"})
    assert right.status_code == 302


def test_login_page_is_open_and_in_russian(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Вход в CRM" in response.content.decode()


def test_service_page_requires_a_role(client, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="x-password-1")
    assert client.get(reverse("service")).status_code == 302
    client.force_login(user)
    assert client.get(reverse("service")).status_code == 403
    user.groups.add(Group.objects.get(name=roles.MANAGER))
    assert client.get(reverse("service")).status_code == 200


def test_logout_needs_a_post(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("ivan", password="x-password-1"))
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session
