"""«Обязательные реквизиты» and the «Заполненность» on the card and in the list."""

from django.urls import reverse

from clients import completeness, jobs
from clients.models import ContactInfoKind, RequiredProperty
from clients.tests import factories


def test_only_supervisors_set_what_is_required_and_saving_recomputes(
    client, owner, boss, card, django_capture_on_commit_callbacks
):
    url = reverse("clients:required_fields")
    client.force_login(owner)
    assert client.get(url).status_code == 403
    client.force_login(boss)
    page = client.get(url).content.decode()
    assert "Обязательные реквизиты" in page and "Бизнес-регион" in page
    email = ContactInfoKind.objects.get(name="Email")
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url, {"properties": ["inn", "kpp"], "kinds": [email.pk]})
    assert response.status_code == 302
    assert len(callbacks) == 1  # the recomputation job is queued once the settings are saved
    assert set(RequiredProperty.objects.values_list("name", flat=True)) == {"inn", "kpp"}
    assert list(ContactInfoKind.objects.filter(required=True)) == [email]
    jobs.recompute_completeness()
    card.refresh_from_db()
    assert card.completeness == 66  # ИНН and КПП; its e-mail is its contact person's, not its own
    response = client.post(url, {"properties": ["не реквизит"]})
    assert response.status_code == 400 and "Выберите корректный вариант" in response.content.decode()


def test_the_card_shows_its_completeness_and_what_is_missing(client, owner, card):
    completeness.recompute()
    client.force_login(owner)
    page = client.get(reverse("clients:detail", args=[card.pk])).content.decode()
    assert reverse("clients:completeness", args=[card.pk]) in page
    part = client.get(reverse("clients:completeness", args=[card.pk])).content.decode()
    # the defaults: ИНН, business region, a phone, an e-mail; the card has its ИНН and a phone
    assert "50 %" in part
    assert "Бизнес-регион, Email" in part


def test_the_list_sorts_by_completeness_with_unscored_cards_last(client, boss):
    factories.ClientFactory(name="Полный", inn="7707083893", business_region=factories.BusinessRegionFactory())
    factories.ClientFactory(name="Пустой", inn="")
    completeness.recompute()
    factories.ClientFactory(name="Без оценки")  # made after the recomputation: no score yet
    client.force_login(boss)

    def names(sort):
        response = client.get(reverse("clients:list"), {"sort": sort})
        return [row.name for row in response.context["table"].page.object_list.data]

    assert names("completeness") == ["Пустой", "Полный", "Без оценки"]
    assert names("-completeness") == ["Полный", "Пустой", "Без оценки"]
    assert "50&nbsp;%" in client.get(reverse("clients:list")).content.decode()  # ИНН and region of four
