"""Bench scenarios of long lists (see runner.py, crm/paging.py): deep pages of the client list,
reached as a user reaches them — «Следующая» from the page before, which carries that page's last
row as the key (`?after=`) — and the count of a long list. Page 2,000 at 50 a page at size XL
(1M clients), the deepest page there is at smaller sizes."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.urls import reverse

from clients.models import Client
from crm import paging
from devtools.bench.clients import list_page_floor
from devtools.bench.runner import BenchContext, Scenario, register, run_sql, table

PAGE = 2_000
PER_PAGE = 50


class DeepPage(Scenario):
    """Page PAGE (or the last one) of the list filtered by `where`/`query`, sorted by name: the
    floor is the page found from the key through the index, its count read up to the exact limit,
    and the page's contact values and segments."""

    query: dict[str, str] = {}
    where = "TRUE"
    params: list = []

    def setup(self, ctx: BenchContext) -> None:
        matching = Client.objects.filter(**self.filters()).order_by("name", "pk")
        total = paging.bounded_count(matching, PAGE * PER_PAGE)
        total = PAGE * PER_PAGE if total is None else total
        self.page = max(1, min(PAGE, (total - 1) // PER_PAGE + 1))
        self.key, self.last = "", None  # a base of one page: page 1
        if self.page > 1:
            name, pk = matching.values_list("name", "pk")[(self.page - 1) * PER_PAGE - 1]
            self.key = json.dumps([name, str(pk)], ensure_ascii=False, separators=(",", ":"))
            self.last = (name, pk)

    def filters(self) -> dict:
        return {}

    def url(self, i: int) -> str:
        key = {"page": self.page, "after": self.key} if self.key else {}
        return f"{reverse('clients:list')}?{urlencode({**self.query, **key})}"

    def floor(self, cursor, i: int) -> None:
        if self.last is None:
            list_page_floor(cursor, self.where, self.params, count=False)
        else:
            where = f"{self.where} AND (c.name, c.id) > (%s, %s)"
            list_page_floor(cursor, where, [*self.params, *self.last], count=False)
        run_sql(
            cursor,
            f"SELECT count(*) FROM (SELECT 1 FROM {table(Client)} c WHERE {self.where} LIMIT %s) s",
            [*self.params, paging.exact_count_limit() + 1],
        )


@register
class ClientListDeep(DeepPage):
    name = "clients:list deep"


@register
class ClientListDeepFiltered(DeepPage):
    """The companies (three clients in four)."""

    name = "clients:list deep filtered"
    query = {"kind": Client.Kind.COMPANY}
    where = "c.kind = %s"
    params = [Client.Kind.COMPANY]

    def filters(self) -> dict:
        return {"kind": Client.Kind.COMPANY}
