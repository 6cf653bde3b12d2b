"""Odd input in the address never answers 500: every page without arguments, opened by an
administrator with a NUL character in its parameters, answers 400 with a page that says why."""

import pytest
from django.urls import reverse

from crm.testing import pages_without_arguments

NUL = "\x00"


@pytest.mark.parametrize("name", pages_without_arguments(leaving_out={"logout", "set_language"}))
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
