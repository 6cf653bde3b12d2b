"""Dynamic segments (a saved client-list filter, evaluated when used) beside hand-picked ones: the
same clients as the list with that filter, wherever a client filter is."""

import io

import pytest
from django.http import QueryDict
from django.urls import reverse
from openpyxl import load_workbook

from clients import extra_fields as extra
from clients import segments
from clients.filters import ClientFilterSet
from clients.models import Client, Segment
from clients.services import ClientChangeSet, set_extra_values, write
from clients.services.segments import SegmentRefused, create_segment, delete_segment
from clients.tests import factories
from clients.views.bulk import _selection
from crm.testing import logged_in, submitted_form

LIST_URL = reverse("clients:list")
SEGMENTS_URL = reverse("clients:segments")


@pytest.fixture
def base(owner, colleague, loyalty):
    """Four clients: two of class A with «Лояльность» Высокая (the owner's and the colleague's), one
    of class A without it, one of class B with it."""
    high = factories.option(loyalty, "Высокая")
    rows = {}
    for name, abc, level, responsible in [
        ("Альфа", "A", high, owner),
        ("Бета", "A", high, colleague),
        ("Гамма", "A", None, None),
        ("Дельта", "B", high, owner),
    ]:
        rows[name] = factories.ClientFactory(name=name, abc_class=abc, responsible=responsible)
        if level:
            set_extra_values({loyalty: level}, client=rows[name])
    return rows


@pytest.fixture
def loyal_a(base, loyalty):
    query = f"abc_class=A&{loyalty.key}={factories.option(loyalty, 'Высокая').pk}"
    return create_segment(name="Лояльные A", kind=Segment.Kind.DYNAMIC, query=query)


def names(clients) -> set[str]:
    return {c.name for c in clients}


def listed(browser, query: str) -> list[str]:
    response = browser.get(f"{LIST_URL}?{query}")
    assert response.status_code == 200
    return [row.record.name for row in response.context["table"].page.object_list]


def test_a_dynamic_segment_holds_what_the_list_finds_with_its_filter(base, loyal_a, boss):
    by_list = ClientFilterSet(
        QueryDict(loyal_a.query), queryset=Client.objects.all(), extra_fields=extra.client_definitions()
    )
    assert names(segments.clients_in(loyal_a)) == names(by_list.qs) == {"Альфа", "Бета"}
    assert sorted(listed(logged_in(boss), f"segments={loyal_a.pk}")) == ["Альфа", "Бета"]


def test_a_dynamic_segment_follows_the_data(base, loyal_a, boss, loyalty):
    gamma = base["Гамма"]
    write([ClientChangeSet(gamma, extra={loyalty: factories.option(loyalty, "Высокая")})], user=boss, source="form")
    assert names(segments.clients_in(loyal_a)) == {"Альфа", "Бета", "Гамма"}
    Client.objects.filter(pk=base["Альфа"].pk).update(abc_class="C")
    assert names(segments.clients_in(loyal_a)) == {"Бета", "Гамма"}


def test_a_hand_picked_segment_holds_the_clients_filed_under_it(base, boss):
    wholesale = create_segment(name="Опт", kind=Segment.Kind.MANUAL)
    base["Гамма"].segments.add(wholesale)
    assert names(segments.clients_in(wholesale)) == {"Гамма"}
    assert listed(logged_in(boss), f"segments={wholesale.pk}") == ["Гамма"]
    page = logged_in(boss).get(f"{LIST_URL}?segments={wholesale.pk}").content.decode()
    assert "сегмент «Опт» (вручную)" in page


def test_a_manager_sees_only_own_and_unassigned_clients_of_a_segment(base, loyal_a, owner, colleague):
    assert names(segments.clients_in(loyal_a, owner)) == {"Альфа"}
    assert listed(logged_in(owner), f"segments={loyal_a.pk}") == ["Альфа"]
    assert segments.counts([loyal_a], colleague) == {loyal_a.pk: 1}


def test_a_dynamic_segment_inside_a_dynamic_segments_filter_is_refused(base, loyal_a):
    with pytest.raises(SegmentRefused, match="не может ссылаться на другой динамический сегмент"):
        create_segment(name="Вложенный", kind=Segment.Kind.DYNAMIC, query=f"segments={loyal_a.pk}")
    # Stored anyway (by hand, in the database): refused when used, without recursing.
    nested = Segment.objects.create(name="Сам в себе", kind=Segment.Kind.DYNAMIC, query="")
    nested.query = f"segments={nested.pk}"
    nested.save()
    assert "не может ссылаться" in segments.segment_problem(nested)
    assert list(segments.clients_in(nested)) == []


def test_bad_filter_text_gets_a_clear_message(base, boss):
    with pytest.raises(SegmentRefused, match="Отбор задан неверно: Создан"):
        create_segment(name="Плохой", kind=Segment.Kind.DYNAMIC, query="created_after=31.02.2020")
    browser = logged_in(boss)
    response = browser.post(
        reverse("clients:segment_create"), {"name": "Плохой", "kind": "dynamic", "query": "abc_class=Q"}
    )
    assert response.status_code == 200
    assert "Отбор задан неверно: ABC-класс" in response.content.decode()
    assert not Segment.objects.filter(name="Плохой").exists()


def test_a_segment_whose_filter_went_wrong_says_so_and_finds_nobody(base, boss, loyalty):
    option = factories.option(loyalty, "Низкая")
    broken = create_segment(name="Низкая", kind=Segment.Kind.DYNAMIC, query=f"{loyalty.key}={option.pk}")
    option.delete()
    broken = Segment.objects.get(pk=broken.pk)
    assert "Отбор сегмента «Низкая» задан неверно" in segments.segment_problem(broken)
    browser = logged_in(boss)
    assert "Отбор сегмента «Низкая» задан неверно" in browser.get(SEGMENTS_URL).content.decode()
    mailing = browser.get(f"{reverse('clients:mailing')}?segments={broken.pk}")
    assert "Отбор сегмента «Низкая» задан неверно" in mailing.content.decode()


def test_save_as_segment_from_the_list_and_the_segments_page(base, boss, loyalty, django_assert_max_num_queries):
    browser = logged_in(boss)
    level = factories.option(loyalty, "Высокая").pk
    page = browser.get(f"{reverse('clients:segment_create')}?abc_class=A&{loyalty.key}={level}&sort=name&page=2")
    form = submitted_form(page.content, "segment-form")
    assert form["kind"] == "dynamic" and form["query"] == f"abc_class=A&{loyalty.key}={level}"
    response = browser.post(reverse("clients:segment_create"), {**form, "name": "Лояльные A"})
    assert response.url == SEGMENTS_URL
    create_segment(name="Опт", kind=Segment.Kind.MANUAL)
    create_segment(name="Класс B", kind=Segment.Kind.DYNAMIC, query="abc_class=B")
    with django_assert_max_num_queries(12):
        page = browser.get(SEGMENTS_URL)
    rows = {s.name: (count, problem) for s, count, problem in page.context["rows"]}
    assert rows == {"Лояльные A": (2, None), "Опт": (0, None), "Класс B": (1, None)}


def test_supervisors_edit_and_delete_segments_managers_only_look(base, loyal_a, boss, owner, outsider):
    edit_url = reverse("clients:segment_edit", args=[loyal_a.pk])
    manager = logged_in(owner)
    page = manager.get(SEGMENTS_URL)
    assert page.status_code == 200 and edit_url not in page.content.decode()
    assert manager.get(edit_url).status_code == 403
    assert manager.post(reverse("clients:segment_delete", args=[loyal_a.pk])).status_code == 403
    assert logged_in(outsider).get(SEGMENTS_URL).status_code == 403
    browser = logged_in(boss)
    form = submitted_form(browser.get(edit_url).content, "segment-form")
    assert browser.post(edit_url, {**form, "name": "Лояльные", "query": "abc_class=B"}).status_code == 302
    assert names(segments.clients_in(Segment.objects.get(pk=loyal_a.pk))) == {"Дельта"}
    assert browser.post(reverse("clients:segment_edit", args=[999999]), form).status_code == 404
    assert browser.post(reverse("clients:segment_delete", args=[loyal_a.pk])).status_code == 302
    assert not Segment.objects.filter(pk=loyal_a.pk).exists()


def test_a_hand_picked_segment_named_by_a_dynamic_one_is_not_deleted(base):
    wholesale = create_segment(name="Опт", kind=Segment.Kind.MANUAL)
    create_segment(name="Опт A", kind=Segment.Kind.DYNAMIC, query=f"abc_class=A&segments={wholesale.pk}")
    with pytest.raises(SegmentRefused, match="«Опт A»"):
        delete_segment(wholesale)


def test_excel_and_bulk_edit_act_on_a_dynamic_segments_clients(base, loyal_a, boss):
    browser = logged_in(boss)
    response = browser.get(f"{reverse('clients:export')}?segments={loyal_a.pk}&sort=name")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == ["Альфа", "Бета"]
    selection = _selection(QueryDict(f"all=1&filter=segments%3D{loyal_a.pk}"), extra.client_definitions(), boss)
    assert names(selection.clients) == {"Альфа", "Бета"}
    # «Изменить выделенные» adds and removes hand-picked segments only.
    wholesale = create_segment(name="Опт", kind=Segment.Kind.MANUAL)
    page = browser.get(f"{reverse('clients:bulk_edit')}?all=1&filter=segments%3D{loyal_a.pk}")
    offered = [label for _value, label in page.context["form"].fields["add_segment"].choices]
    assert wholesale.name in offered and loyal_a.name not in offered
