"""Odd input in the address never answers 500: every page without arguments, opened by an
administrator with a NUL character in its parameters, answers 400 with a page that says why."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

NUL = "\x00"


def pages_without_arguments() -> list[str]:
    names = []

    def walk(patterns, namespace: str = "") -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                walk(pattern.url_patterns, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
            elif isinstance(pattern, URLPattern) and pattern.name and not pattern.pattern.regex.groups:
                names.append(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns)
    return sorted(set(names) - {"logout", "set_language"})


@pytest.mark.parametrize("name", pages_without_arguments())
def test_a_nul_character_in_the_address_is_refused_with_a_message(client, django_user_model, name):
    client.force_login(django_user_model.objects.create_superuser("root", password="not-used-here"))
    response = client.get(reverse(name), {"q": f"Ромашка{NUL}", "page": NUL, f"x{NUL}": "1"})
    assert response.status_code == 400, name
    assert "недопустимый символ" in response.content.decode()


@pytest.mark.parametrize("name", ["sales:client_choices", "funnel:client_choices"])
def test_the_client_boxes_of_documents_and_deals_refuse_a_nul(client, django_user_model, name):
    """The probe: a NUL byte in `q` answered 500 on both client boxes."""
    client.force_login(django_user_model.objects.create_superuser("root", password="not-used-here"))
    assert client.get(reverse(name), {"q": NUL}).status_code == 400
