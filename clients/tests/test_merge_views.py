"""«Дубли» and «Объединение карточек» as pages: who may see and merge what, the preview and the merge
POST as the browser sends them, a stale preview, the record and its undo."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clients import jobs
from clients.models import Client, ClientMerge, DuplicateGroup, DuplicateSearch
from clients.services import duplicates
from clients.tests import factories
from crm.testing import logged_in, submitted_form


@pytest.fixture
def pair(owner):
    a = factories.ClientFactory(name="ООО «Ромашка»", inn="7707083893", kpp="773601001", responsible=owner)
    b = factories.ClientFactory(name="Ромашка", inn="7707083893", kpp="", responsible=None, legal_address="Москва")
    factories.ContactInfoFactory(client=b, kind=factories.kind("Email"), value="info@romashka.ru")
    return a, b


@pytest.fixture
def theirs(colleague):
    return factories.ClientFactory(name="Ромашка (колл.)", inn="7707083893", kpp="", responsible=colleague)


def merge_url(*clients) -> str:
    return reverse("clients:merge") + "?" + "&".join(f"ids={c.pk}" for c in clients)


def test_the_preview_and_the_merge_post(pair, owner, django_assert_max_num_queries):
    a, b = pair
    browser = logged_in(owner)
    with django_assert_max_num_queries(40):
        page = browser.get(merge_url(a, b))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Что будет перенесено" in html and "info@romashka.ru" in html
    form = submitted_form(html, "merge-form")
    form["field_legal_address"] = str(b.pk)

    answer = browser.post(reverse("clients:merge"), form)

    record = ClientMerge.objects.get()
    assert answer.status_code == 302 and answer["Location"] == record.get_absolute_url()
    a.refresh_from_db()
    assert a.legal_address == "Москва" and a.name == "ООО «Ромашка»"
    assert Client.all_objects.get(pk=b.pk).merged_into_id == a.pk
    assert browser.get(reverse("clients:detail", args=[b.pk]))["Location"] == a.get_absolute_url()
    assert "Присоединены: Ромашка (7707083893)" in browser.get(a.get_absolute_url()).content.decode()
    detail = browser.get(record.get_absolute_url())
    assert "Отменить объединение" in detail.content.decode()
    browser.post(reverse("clients:merge_undo", args=[record.pk]))
    assert Client.objects.filter(pk=b.pk).exists()


def test_a_stale_preview_refuses_with_a_message(pair, owner, boss):
    a, b = pair
    browser = logged_in(owner)
    form = submitted_form(browser.get(merge_url(a, b)).content.decode(), "merge-form")
    Client.objects.filter(pk=b.pk).update(version=b.version + 1)  # someone saved the card meanwhile

    answer = browser.post(reverse("clients:merge"), form, follow=True)

    assert "изменены после того, как вы открыли сравнение" in answer.content.decode()
    assert not ClientMerge.objects.exists() and Client.objects.filter(pk=b.pk).exists()


def test_a_manager_may_not_merge_a_colleagues_card(pair, theirs, owner, colleague, outsider, boss):
    a, _b = pair
    assert logged_in(owner).get(merge_url(a, theirs)).status_code == 403
    assert logged_in(owner).post(reverse("clients:merge"), {"ids": [a.pk, theirs.pk]}).status_code == 403
    assert logged_in(colleague).get(merge_url(a, theirs)).status_code == 403
    assert logged_in(outsider).get(merge_url(a, theirs)).status_code == 403
    assert logged_in(boss).get(merge_url(a, theirs)).status_code == 200
    assert logged_in(boss).get(reverse("clients:merge") + f"?ids={a.pk}&ids=999999").status_code == 404


def test_a_merge_record_is_its_authors_and_the_supervisors(pair, owner, colleague, boss):
    a, b = pair
    browser = logged_in(owner)
    browser.post(reverse("clients:merge"), submitted_form(browser.get(merge_url(a, b)).content.decode(), "merge-form"))
    record = ClientMerge.objects.get()
    assert logged_in(colleague).get(record.get_absolute_url()).status_code == 404
    assert logged_in(colleague).post(reverse("clients:merge_undo", args=[record.pk])).status_code == 404
    assert logged_in(boss).get(record.get_absolute_url()).status_code == 200


def test_the_duplicates_page_lists_groups_by_role_and_filter(pair, theirs, owner, colleague, boss, outsider):
    region = factories.BusinessRegionFactory(name="Север")
    Client.objects.filter(pk=theirs.pk).update(business_region=region)
    search = DuplicateSearch.objects.create()
    duplicates.execute_search(search.pk)
    assert DuplicateGroup.objects.get().size == 3
    url = reverse("clients:duplicates")

    assert "Ромашка (колл.)" in logged_in(boss).get(url).content.decode()
    assert "Ромашка (колл.)" in logged_in(boss).get(url, {"region": region.pk}).content.decode()
    assert "Дублей не найдено" in logged_in(boss).get(url, {"responsible": boss.pk}).content.decode()
    # the group holds a colleague's card: not the owner's to merge
    assert "Дублей не найдено" in logged_in(owner).get(url).content.decode()
    assert logged_in(outsider).get(url).status_code == 403
    assert logged_in(owner).post(reverse("clients:duplicates_find")).status_code == 403


def test_the_duplicates_page_reads_stored_groups_in_few_queries(boss, django_assert_max_num_queries):
    search = DuplicateSearch.objects.create(state=DuplicateSearch.State.DONE)
    for n in range(30):
        group = DuplicateGroup.objects.create(search=search, size=2, score=1.0, reasons=["тот же ИНН"])
        group.clients.set([factories.ClientFactory(name=f"Клиент {n}"), factories.ClientFactory(name=f"Клиент {n}-2")])
    browser = logged_in(boss)
    with django_assert_max_num_queries(15):
        page = browser.get(reverse("clients:duplicates"))
    assert page.content.decode().count("Объединить") >= 30


def test_find_duplicates_queues_a_search_whose_job_stores_the_groups(pair, boss, django_capture_on_commit_callbacks):
    browser = logged_in(boss)
    with django_capture_on_commit_callbacks() as callbacks:
        answer = browser.post(reverse("clients:duplicates_find"))
    search = DuplicateSearch.objects.get()
    assert answer.status_code == 302 and len(callbacks) == 1 and search.state == "queued"
    assert "Поиск дублей ждёт очереди" in browser.get(reverse("clients:duplicates")).content.decode()

    assert jobs.find_duplicates(search.pk) == 1  # what the worker does
    assert jobs.find_duplicates(search.pk) is None  # a duplicated job does nothing
    page = browser.get(reverse("clients:duplicates")).content.decode()
    assert "групп дублей 1" in page and "тот же ИНН 7707083893" in page
