import pytest

from clients import services
from clients.models import Client, ClientChange
from clients.services import BulkChanges
from clients.tests import factories


def all_ids() -> list[int]:
    return list(Client.objects.values_list("pk", flat=True))


@pytest.mark.django_db
def test_bulk_update_changes_every_client_and_writes_history_for_each(boss):
    region = factories.BusinessRegionFactory(name="Урал")
    clients = factories.ClientFactory.create_batch(3)
    result = services.bulk_edit_clients(
        [c.pk for c in clients], BulkChanges(builtin={"business_region": region, "abc_class": "B"}), user=boss
    )
    assert result.changed == 3
    for client in clients:
        client.refresh_from_db()
        assert (client.business_region, client.abc_class, client.version) == (region, "B", 2)
        entry = client.changes.get()
        assert entry.source == ClientChange.Source.BULK
        assert entry.user == boss
        assert {c["field"]: c["new"] for c in entry.changes} == {"business_region": "Урал", "abc_class": "B"}


@pytest.mark.django_db
def test_bulk_update_skips_clients_that_already_have_the_value(boss):
    same = factories.ClientFactory(abc_class="A")
    other = factories.ClientFactory(abc_class="C")
    result = services.bulk_edit_clients([same.pk, other.pk], BulkChanges(builtin={"abc_class": "A"}), user=boss)
    assert result.changed == 1
    assert not same.changes.exists()
    assert other.changes.count() == 1


@pytest.mark.django_db
def test_bulk_update_refuses_fields_it_does_not_know(boss):
    factories.ClientFactory()
    with pytest.raises(ValueError):
        services.bulk_edit_clients(all_ids(), BulkChanges(builtin={"inn": "7707083893"}), user=boss)


@pytest.mark.django_db
def test_bulk_update_is_all_or_nothing(boss, monkeypatch):
    clients = factories.ClientFactory.create_batch(2, abc_class="C")

    def broken_history(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ClientChange.objects, "bulk_create", broken_history)
    with pytest.raises(RuntimeError):
        services.bulk_edit_clients(all_ids(), BulkChanges(builtin={"abc_class": "A"}), user=boss)
    assert set(Client.objects.values_list("abc_class", flat=True)) == {"C"}
    assert all(Client.objects.get(pk=c.pk).version == 1 for c in clients)


@pytest.mark.django_db
def test_duplicates_are_found_by_inn_email_and_phone(card):
    by_inn = services.find_duplicates(inn="7707083893", kpp="773601001")
    by_phone = services.find_duplicates(phones=["+79161234567"])
    by_contact_email = services.find_duplicates(emails=["petrov@romashka.ru"])
    assert [d.client for d in by_inn] == [card]
    assert [d.client for d in by_phone] == [card]
    assert [d.client for d in by_contact_email] == [card]
    assert "ИНН" in by_inn[0].reason


@pytest.mark.django_db
def test_a_branch_with_another_kpp_is_not_a_duplicate(card):
    assert services.find_duplicates(inn="7707083893", kpp="773602002") == []


@pytest.mark.django_db
def test_the_card_itself_is_not_its_own_duplicate(card):
    assert services.find_duplicates(inn=card.inn, phones=["+79161234567"], exclude_pk=card.pk) == []
