"""«Уведомления» and «Настройка уведомлений»: the owner's own notices only (a colleague gets 404,
a user without a role 403), marking read, the bell's count, the settings form and its bad input."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from clients.tests.factories import UserFactory
from crm.testing import logged_in, opened_form
from notifications import services
from notifications.models import Kind, Notification, Preference
from notifications.tests.factories import notification, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return person("ivanov")


def test_the_list_shows_the_owners_notices_only_and_costs_a_few_queries(owner, django_assert_max_num_queries):
    for i in range(30):
        notification(owner, f"own-{i}", text=f"Моё {i}")
    notification(person("petrov"), "theirs", text="Чужое")
    notification(owner, "mail-only", text="Только письмом", in_bell=False)
    browser = logged_in(owner)
    with django_assert_max_num_queries(12):
        page = browser.get(reverse("notifications:list")).content.decode()
    assert page.count("data-unread>") == 30 and "Моё 29" in page
    assert "Чужое" not in page and "Только письмом" not in page
    assert 'data-unread="30"' in page  # the bell's badge


@pytest.mark.parametrize("name", ["notifications:open", "notifications:read"])
def test_a_colleagues_notice_is_not_found_and_stays_unread(owner, name):
    mine = notification(owner)
    colleague = logged_in(person("petrov"))
    answer = (
        colleague.post(reverse(name, args=[mine.pk]))
        if name.endswith("read")
        else colleague.get(reverse(name, args=[mine.pk]))
    )
    assert answer.status_code == 404
    mine.refresh_from_db()
    assert mine.read_at is None


def test_a_user_without_a_role_is_refused(owner):
    outsider = logged_in(UserFactory(username="outsider"))
    assert outsider.get(reverse("notifications:list")).status_code == 403
    assert outsider.get(reverse("notifications:settings")).status_code == 403


def test_opening_a_notice_marks_it_read_and_goes_to_its_object(owner):
    first, second = notification(owner, "a", link="/tasks/5/"), notification(owner, "b")
    browser = logged_in(owner)
    assert services.unread_count(owner) == 2
    answer = browser.get(reverse("notifications:open", args=[first.pk]))
    assert answer.status_code == 302 and answer["Location"] == "/tasks/5/"
    assert browser.get(reverse("notifications:count")).content.decode().count('data-unread="1"') == 1
    assert browser.post(reverse("notifications:read", args=[second.pk])).status_code == 302
    assert services.unread_count(owner) == 0
    notification(owner, "c"), notification(owner, "d")
    services.forget_counts([owner.pk])
    assert browser.post(reverse("notifications:read_all")).status_code == 302
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert "data-unread" not in browser.get(reverse("notifications:count")).content.decode()


def test_the_bell_costs_a_page_no_query_once_its_count_is_kept(owner, django_assert_num_queries):
    browser = logged_in(owner)
    notification(owner)
    services.forget_counts([owner.pk])
    page = browser.get(reverse("notifications:settings")).content.decode()
    assert 'hx-trigger="load, every 60s"' in page  # nothing kept: the bell asks at once
    with django_assert_num_queries(3):  # the session, the user, the count
        assert 'data-unread="1"' in browser.get(reverse("notifications:count")).content.decode()
    page = browser.get(reverse("notifications:settings")).content.decode()
    assert 'hx-trigger="every 60s"' in page and 'data-unread="1"' in page


def test_settings_switch_kinds_and_the_digest_time(owner):
    browser = logged_in(owner)
    form = opened_form(browser, reverse("notifications:settings"), "notification-settings-form")
    assert form[f"email_{Kind.ACCEPTED}"] == "on" and form["digest_at"] == "08:00"
    del form[f"email_{Kind.ACCEPTED}"], form[f"bell_{Kind.DIGEST}"]
    form["digest_at"] = "07:45"
    assert browser.post(reverse("notifications:settings"), form).status_code == 302
    saved = Preference.objects.get(user=owner)
    assert (saved.email_off, saved.bell_off, saved.digest_at) == (
        [Kind.ACCEPTED],
        [Kind.DIGEST],
        datetime.time(7, 45),
    )


def test_a_bad_digest_time_is_refused_with_a_message_and_nothing_saved(owner):
    browser = logged_in(owner)
    form = opened_form(browser, reverse("notifications:settings"), "notification-settings-form")
    form["digest_at"] = "25:99"
    del form[f"bell_{Kind.ASSIGNED}"]
    answer = browser.post(reverse("notifications:settings"), form)
    assert answer.status_code == 400
    assert "Введите время как чч:мм, например 08:30." in answer.content.decode()
    assert not Preference.objects.exists()
