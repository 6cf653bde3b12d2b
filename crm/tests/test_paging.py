"""crm/paging.py on real PostgreSQL, with its thresholds lowered: a long list is counted exactly up to
a limit and estimated beyond, and its deep pages are found by the edge row's sort key."""

from __future__ import annotations

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.models import Client
from clients.tests import factories
from crm import paging
from crm.testing import logged_in

PER_PAGE = 25
CLIENTS = 130


@pytest.fixture
def boss_client(db):
    return logged_in(factories.supervisor(username="boss"))


@pytest.fixture
def clients(db):
    """130 clients, names and ИНН repeated so that only the id tells some apart."""
    rows = [
        Client(kind=Client.Kind.COMPANY, name=f"ООО «Клиент {n % 40:02d}»", inn=f"77{n % 13:02d}")
        for n in range(CLIENTS)
    ]
    return Client.objects.bulk_create(rows)


@pytest.fixture
def long_lists(settings):
    """Pages 1–2 by number (50 rows at 25 a page), beyond by key; counts exact up to 100."""
    settings.LIST_OFFSET_ROWS = 2 * PER_PAGE
    settings.LIST_EXACT_COUNT_UP_TO = 100
    return settings


def ids_on(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'href="/clients/(\d+)/"', page)]


def count_on(page: str) -> str:
    return re.search(r'id="list-count">([^<]*)<', page).group(1)


def link(page: str, which: str) -> str | None:
    found = re.search(rf'<li class="{which} page-item"><a href="([^"]*)"', page)
    return html.unescape(found.group(1)) if found else None


def walk(browser, url: str, which: str) -> list[list[int]]:
    """The pages met following «Следующая» (or «Предыдущая») from `url` to the end."""
    pages = []
    while url:
        page = browser.get(f"/clients/{url}").content.decode()
        pages.append(ids_on(page))
        url = link(page, which)
    return pages


def in_order(clients, *keys) -> list[int]:
    return [c.pk for c in Client.objects.filter(pk__in=[c.pk for c in clients]).order_by(*keys)]


def test_a_list_of_up_to_the_offset_rows_is_paged_as_before(boss_client, clients):
    page = boss_client.get("/clients/?per_page=25&page=2").content.decode()

    assert count_on(page) == f"Найдено клиентов: {CLIENTS}"
    assert 'aria-label="Table navigation"' in page and "long-pager" not in page
    assert "after=" not in page


def test_a_long_list_is_counted_exactly_up_to_the_limit_then_estimated(boss_client, clients, long_lists):
    long_lists.LIST_EXACT_COUNT_UP_TO = 200
    exact = boss_client.get("/clients/?per_page=25").content.decode()
    long_lists.LIST_EXACT_COUNT_UP_TO = 100
    estimated = boss_client.get("/clients/?per_page=25").content.decode()

    assert count_on(exact) == f"Найдено клиентов: {CLIENTS}"
    assert re.fullmatch(r"Найдено клиентов: около [\d\s\xa0]+", count_on(estimated))
    assert 'id="long-pager"' in exact and 'id="long-pager"' in estimated
    # A filter that leaves few rows is counted exactly and paged as before.
    few = boss_client.get("/clients/?per_page=25&q=Клиент 07").content.decode()
    assert count_on(few) == "Найдено клиентов: 4"


@pytest.mark.parametrize("sort", ["", "-name", "inn", "-inn"])
def test_next_and_previous_walk_the_whole_list_by_key_beyond_the_numbered_pages(boss_client, clients, long_lists, sort):
    query = f"?per_page=25&sort={sort}" if sort else "?per_page=25"
    forward = walk(boss_client, query, "next")
    keys = [sort or "name", ("-pk" if sort.startswith("-") else "pk")]
    expected = in_order(clients, *keys)

    assert [pk for page in forward for pk in page] == expected
    assert [len(page) for page in forward] == [25, 25, 25, 25, 25, 5]
    last = boss_client.get(f"/clients/{query}").content.decode()
    for _n in range(5):
        last = boss_client.get(f"/clients/{link(last, 'next')}").content.decode()
    assert "after=" in link(boss_client.get(f"/clients/{query}&page=2").content.decode(), "next")
    backward = walk(boss_client, link(last, "previous"), "previous")
    assert backward == [expected[i : i + 25] for i in (100, 75, 50, 25, 0)]


def test_a_page_found_by_key_reads_no_offset_and_numbers_stay_within_the_first_rows(boss_client, clients, long_lists):
    expected = in_order(clients, "name", "pk")
    second = boss_client.get("/clients/?per_page=25&page=2").content.decode()
    with CaptureQueriesContext(connection) as queries:
        third = boss_client.get(f"/clients/{link(second, 'next')}").content.decode()

    assert ids_on(third) == expected[50:75]
    page_query = next(q["sql"] for q in queries if "ORDER BY" in q["sql"] and "clients_client" in q["sql"])
    assert "OFFSET" not in page_query
    numbers = re.findall(r'class="page-link"(?: href="[^"]*")?>(\d+)<', third)
    assert numbers == ["1", "2", "3"]  # 1 and 2 linked, 3 the current one


def test_an_edited_key_gives_the_numbered_page(boss_client, clients, long_lists):
    expected = in_order(clients, "name", "pk")
    for key in ("nonsense", '["x"]', '["ООО", "not a number"]', "[1, 2, 3]"):
        response = boss_client.get("/clients/", {"per_page": 25, "page": 4, "after": key})
        assert response.status_code == 200
        assert ids_on(response.content.decode()) == expected[75:100]


def test_a_sort_without_a_keyset_pages_by_number(boss_client, clients, long_lists):
    page = boss_client.get("/clients/?per_page=25&sort=responsible&page=3").content.decode()

    assert 'id="long-pager"' in page
    assert link(page, "next") == "?per_page=25&sort=responsible&page=4"
    assert len(ids_on(page)) == 25


def test_the_count_of_a_long_list_is_the_planners_rounded_estimate(clients):
    rows = Client.objects.all()
    assert paging.bounded_count(rows, 200) == CLIENTS
    assert paging.bounded_count(rows, 100) is None
    assert paging.planned_count(rows) > 0
    assert [paging.rounded(n) for n in (7, 99, 1_034_567, 56_789, 150)] == [7, 99, 1_000_000, 57_000, 150]
