"""crm.lists on its own: what it takes from the address, and where a user's columns are kept."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from crm import lists
from crm.models import ListSettings


@pytest.mark.parametrize(
    ("value", "size"),
    [("25", 25), ("200", 200), ("1000000", 50), ("-1", 50), ("99999999999999999999", 50), ("abc", 50), ("", 50)],
)
def test_only_an_offered_page_size_is_taken(rf, value, size):
    assert lists.page_size(rf.get("/", {"per_page": value})) == size
    assert lists.page_size(rf.get("/")) == 50


@pytest.mark.parametrize(
    ("value", "page"),
    [("3", 3), ("abc", 1), ("-1", 1), ("0", 1), ("1e3", 1), ("٣", 1), ("99999999999999999999", lists.LAST_PAGE)],
)
def test_a_page_number_is_a_positive_number_of_reasonable_size(rf, value, page):
    assert lists.page_number(rf.get("/", {"page": value})) == page


def request_of(user, session, **params):
    request = RequestFactory().get("/", params)
    request.user, request.session = user, session
    return request


def test_columns_are_the_default_until_chosen_then_kept_for_the_user(db, django_assert_num_queries):
    user = get_user_model().objects.create_user("anna")
    known, default = ["inn", "kpp", "phone"], ["inn", "phone"]
    session = SessionStore()
    with django_assert_num_queries(1):  # the stored choice, once a session
        assert lists.chosen_columns(request_of(user, session), "clients", known, default) == default
    with django_assert_num_queries(0):
        assert lists.chosen_columns(request_of(user, session), "clients", known, default) == default

    chosen = lists.chosen_columns(request_of(user, session, columns=["kpp", "unknown", ""]), "clients", known, default)

    assert chosen == ["kpp"]
    assert ListSettings.objects.get(user=user, key="clients").columns == ["kpp"]
    assert lists.chosen_columns(request_of(user, SessionStore()), "clients", known, default) == ["kpp"]
    assert lists.chosen_columns(request_of(user, SessionStore()), "invoices", known, default) == default
    # A column that went away (a deleted extra field) is no longer shown.
    assert lists.chosen_columns(request_of(user, SessionStore()), "clients", ["inn"], default) == []
