"""«Найти дубли» (clients.services.duplicates) on a base with known duplicates: by ИНН (+КПП), e-mail,
phone (a contact person's too) and alike names; it finds them all and nothing else."""

from __future__ import annotations

import pytest

from clients.models import DuplicateGroup, DuplicateSearch
from clients.services import duplicates
from clients.tests import factories


def company(name: str, inn: str = "", kpp: str = "", **fields):
    return factories.ClientFactory(name=name, inn=inn, kpp=kpp, **fields)


@pytest.fixture
def seeded(db):
    by_inn = [company("ООО «Ромашка»", "7707083893", "773601001"), company("Торговый дом Ромашковый", "7707083893")]
    branch = [company("Филиал Север", "7736207543", "773601001"), company("Филиал Юг", "7736207543", "772801001")]
    mail = [company("Технопром"), company("Агрохолдинг Заря")]
    factories.ContactInfoFactory(client=mail[0], kind=factories.kind("Email"), value="zakaz@tehno.ru")
    factories.ContactInfoFactory(client=mail[1], kind=factories.kind("Email"), value="zakaz@tehno.ru")
    phone = [company("Мебельная фабрика «Уют»"), company("Стройсервис")]
    factories.ContactInfoFactory(client=phone[0], value="+79031112233")
    person = factories.ContactPersonFactory(client=phone[1], name="Иванова Анна")
    factories.ContactInfoFactory(client=phone[1], contact=person, value="+79031112233")
    names = [company("ООО «Северный ветер»"), company("Северный Ветер ЗАО")]
    alone = [company("Колокольчик"), company("Лютик и партнёры"), company("ИП Сидоров Пётр Иванович")]
    factories.ContactInfoFactory(client=alone[0], value="+79035554433")
    return {"inn": by_inn, "branch": branch, "mail": mail, "phone": phone, "names": names, "alone": alone}


def _run() -> DuplicateSearch:
    search = DuplicateSearch.objects.create()
    return duplicates.execute_search(search.pk)


def test_it_finds_every_known_duplicate_and_nothing_else(seeded):
    search = _run()

    assert search.state == DuplicateSearch.State.DONE and search.by_names
    found = {frozenset(g.clients.values_list("pk", flat=True)): g for g in DuplicateGroup.objects.filter(search=search)}
    expected = {frozenset(c.pk for c in seeded[key]) for key in ("inn", "mail", "phone", "names")}
    assert set(found) == expected
    assert found[frozenset(c.pk for c in seeded["inn"])].score == 1.0
    assert "тот же ИНН 7707083893" in found[frozenset(c.pk for c in seeded["inn"])].reasons
    assert found[frozenset(c.pk for c in seeded["mail"])].reasons == ["тот же e-mail zakaz@tehno.ru"]
    assert found[frozenset(c.pk for c in seeded["phone"])].reasons == ["тот же телефон +7 903 111-22-33"]
    names = found[frozenset(c.pk for c in seeded["names"])]
    assert names.score == 1.0 and names.reasons[0].startswith("похожие наименования")


def test_a_new_search_replaces_the_groups_and_skips_merged_cards(seeded):
    _run()
    mail = seeded["mail"]
    type(mail[1]).all_objects.filter(pk=mail[1].pk).update(merged_into=mail[0])

    search = _run()

    assert DuplicateGroup.objects.count() == 3 == search.groups
    assert not DuplicateGroup.objects.filter(clients=mail[0]).exists()


def test_names_below_the_threshold_are_not_duplicates(db):
    company("Ромашка")
    company("Ромашка-Строй Северо-Запад")
    assert duplicates.name_links() == []


def test_cards_with_different_inn_are_not_duplicates_by_name(db):
    first = company("ООО «Иванов»", "7707083893")
    company("АО «Иванов»", "7736207543")
    assert duplicates.name_links() == []
    without = company("Иванов", "")

    links = duplicates.name_links()

    assert [(link.a, link.b, link.score) for link in links] == [(without.pk, first.pk, 1.0)]
