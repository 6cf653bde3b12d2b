"""«Веб-хуки» pages: administrators only; an address must be http(s), said on the field."""

from __future__ import annotations

from django.urls import reverse

from clients.tests.factories import manager, supervisor
from crm.testing import logged_in, opened_form
from webhooks.models import Delivery, Subscription
from webhooks.tests.factories import administrator, subscription

LIST = reverse("webhooks:list")
CREATE = reverse("webhooks:create")


def test_only_administrators_see_the_webhooks_and_the_service_page_links_them(db):
    for user in (manager(), supervisor()):
        browser = logged_in(user)
        assert browser.get(LIST).status_code == 403
        assert browser.post(CREATE, {"name": "x", "url": "https://a.ru/", "events": ["deal.won"]}).status_code == 403
        assert 'id="webhooks"' not in browser.get(reverse("service")).content.decode()
    assert not Subscription.objects.exists()
    admin = logged_in(administrator())
    assert admin.get(LIST).status_code == 200
    assert 'id="webhooks"' in admin.get(reverse("service")).content.decode()


def test_an_address_that_is_not_http_is_refused_with_a_message(db):
    admin = logged_in(administrator())
    for url in ("ftp://example.com/hook", "example.com/hook", "javascript:alert(1)", "https://"):
        answer = admin.post(CREATE, {"name": "Учёт", "url": url, "events": ["deal.won"]})
        assert answer.status_code == 400
        assert "Адрес должен начинаться с http:// или https://" in answer.content.decode()
    answer = admin.post(CREATE, {"name": "Учёт", "url": "https://example.com/hook", "events": ["no.such.event"]})
    assert answer.status_code == 400 and "events" in answer.context["form"].errors
    assert not Subscription.objects.exists()


def test_a_subscription_is_created_with_a_secret_changed_and_deleted(db):
    user = administrator()
    admin = logged_in(user)
    form = {**opened_form(admin, CREATE, "subscription-form"), "name": "Учёт", "url": " https://erp.example.com/hook "}
    form["events"] = ["deal.won", "invoice.paid"]
    answer = admin.post(CREATE, form)
    hook = Subscription.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("webhooks:edit", args=[hook.pk])
    assert (hook.url, hook.events, hook.author, hook.is_active) == (
        "https://erp.example.com/hook",
        ["deal.won", "invoice.paid"],
        user,
        True,
    )
    assert len(hook.secret) >= 40 and hook.secret in admin.get(answer.url).content.decode()
    edit = reverse("webhooks:edit", args=[hook.pk])
    admin.post(edit, {**opened_form(admin, edit, "subscription-form"), "new_secret": "on", "events": ["task.done"]})
    old_secret, hook = hook.secret, Subscription.objects.get()
    assert hook.secret != old_secret and hook.events == ["task.done"]
    assert "Учёт" in admin.get(LIST).content.decode()
    assert admin.post(reverse("webhooks:delete", args=[hook.pk])).status_code == 302
    assert not Subscription.objects.exists()


def test_the_delivery_log_filters_by_status_and_a_retry_of_an_unknown_delivery_is_404(db):
    hook = subscription("https://example.com/hook", "deal.won")
    body = {"id": "x", "event": "deal.won", "data": {}}
    Delivery.objects.create(subscription=hook, event="deal.won", payload=body, status="failed", last_code=500)
    Delivery.objects.create(subscription=hook, event="deal.won", payload=body, status="delivered", last_code=200)
    admin = logged_in(administrator())
    log = reverse("webhooks:deliveries", args=[hook.pk])
    assert admin.get(log).content.decode().count('data-status="') == 2
    failed = admin.get(log, {"status": "failed"}).content.decode()
    assert failed.count('data-status="') == 1 and "data-retry" in failed
    assert admin.get(log, {"status": "nonsense", "page": "x"}).status_code == 200
    assert admin.post(reverse("webhooks:retry", args=[10**9])).status_code == 404
