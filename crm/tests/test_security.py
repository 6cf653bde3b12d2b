import os
import subprocess
import sys
from pathlib import Path

import pytest
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


def test_many_failures_from_one_address_lock_it_for_every_username(client, django_user_model, clean_cache, settings):
    settings.LOGIN_ATTEMPTS_PER_ADDRESS_LIMIT = 4
    django_user_model.objects.create_user("ivan", password="right-password-1")
    for n in range(4):
        client.post(reverse("login"), {"username": f"guess{n}", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "ivan", "password": "right-password-1"})
    assert "Слишком много неудачных попыток входа" in response.content.decode()


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
