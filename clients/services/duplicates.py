"""«Найти дубли»: groups of cards that look like one counterparty — the same ИНН (+КПП when both
have one), the same e-mail or phone (compared as stored: the card keeps them normalised, as its
«возможный дубль» warning compares them), or alike names (PostgreSQL pg_trgm similarity of
`client_name_key(name)`: legal forms, quotes and case set aside; migration 0020). Every link between
two cards has a score and a reason; linked cards form one group. The whole search is a stored run
done by a Celery job; the page reads the groups it stored."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from clients.models import Client, ContactInfo, ContactInfoKind, DuplicateGroup, DuplicateSearch
from crm import runs

# Names at least this alike (pg_trgm similarity of their keys, 0…1) are taken for duplicates.
NAME_SIMILARITY = 0.7
# A phone or e-mail on more cards than this is an office switchboard or a placeholder, not a duplicate.
SHARED_VALUE_LIMIT = 20
SCORES = {"inn": 1.0, "contact": 0.9}
REASONS_KEPT = 5
STEPS = 3  # ИНН, contacts, names: the progress the page shows


@dataclass(frozen=True)
class Link:
    a: int
    b: int
    score: float
    reason: str


def start_search(*, user) -> DuplicateSearch:
    """Store a search and queue its job (QueueUnavailable: nothing stored)."""
    with transaction.atomic():
        search = DuplicateSearch.objects.create(author=user)
        runs.queue(search)
    return search


def execute_search(pk) -> DuplicateSearch | None:
    return runs.execute(
        DuplicateSearch,
        pk,
        _search,
        failure=_(
            "Поиск дублей не выполнен из-за ошибки. Запустите ещё раз; если не получится, сообщите администратору."
        ),
    )


def latest_search() -> DuplicateSearch | None:
    return DuplicateSearch.objects.first()


def shown_search() -> DuplicateSearch | None:
    """The last finished search: its groups are the ones the page lists."""
    return DuplicateSearch.objects.filter(state=DuplicateSearch.State.DONE).first()


def _search(search: DuplicateSearch) -> None:
    links = list(inn_links())
    runs.report_progress(DuplicateSearch, search.pk, 1)
    links += contact_links()
    runs.report_progress(DuplicateSearch, search.pk, 2)
    search.by_names = connection.vendor == "postgresql"
    if search.by_names:
        links += name_links()
    groups = grouped(links)
    DuplicateGroup.objects.exclude(search=search).delete()
    rows = DuplicateGroup.objects.bulk_create(
        [DuplicateGroup(search=search, size=len(ids), score=score, reasons=reasons) for ids, score, reasons in groups],
        batch_size=1000,
    )
    through = DuplicateGroup.clients.through
    members = [
        through(duplicategroup_id=row.pk, client_id=pk)
        for row, (ids, *_rest) in zip(rows, groups, strict=True)
        for pk in ids
    ]
    through.objects.bulk_create(members, batch_size=5000)
    search.groups = len(rows)


def inn_links() -> Iterable[Link]:
    """Cards with the same ИНН; where both have a КПП, only the same one (a branch is not a duplicate)."""
    twice = Client.objects.exclude(inn="").values("inn").annotate(n=Count("pk")).filter(n__gt=1).values("inn")
    by_inn: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for pk, inn, kpp in Client.objects.filter(inn__in=twice).order_by("inn", "pk").values_list("pk", "inn", "kpp"):
        by_inn[inn].append((pk, kpp))
    for inn, cards in by_inn.items():
        for i, (a, kpp_a) in enumerate(cards):
            for b, kpp_b in cards[i + 1 :]:
                if kpp_a and kpp_b and kpp_a != kpp_b:
                    continue
                kpp = kpp_a or kpp_b
                reason = _("тот же ИНН %(inn)s") % {"inn": inn}
                if kpp_a and kpp_a == kpp_b:
                    reason = _("тот же ИНН %(inn)s и КПП %(kpp)s") % {"inn": inn, "kpp": kpp}
                yield Link(a, b, SCORES["inn"], reason)


def contact_links() -> list[Link]:
    """Cards (with their contact persons) sharing an e-mail or a phone."""
    kinds = (ContactInfoKind.ValueType.EMAIL, ContactInfoKind.ValueType.PHONE)
    infos = ContactInfo.objects.filter(kind__value_type__in=kinds, client__merged_into__isnull=True)
    shared = (
        infos.values("value")
        .annotate(n=Count("client_id", distinct=True))
        .filter(n__gt=1, n__lte=SHARED_VALUE_LIMIT)
        .values("value")
    )
    by_value: dict[tuple[str, str], set[int]] = defaultdict(set)
    for value, value_type, client_id in infos.filter(value__in=shared).values_list(
        "value", "kind__value_type", "client_id"
    ):
        by_value[(value, value_type)].add(client_id)
    links = []
    for (value, value_type), ids in by_value.items():
        if len(ids) < 2:  # the same text as another kind (a phone typed as «Другое»)
            continue
        shown = ContactInfo.shown(value, value_type)
        if value_type == ContactInfoKind.ValueType.PHONE:
            reason = _("тот же телефон %(value)s") % {"value": shown}
        else:
            reason = _("тот же e-mail %(value)s") % {"value": shown}
        first, *others = sorted(ids)
        links += [Link(first, other, SCORES["contact"], reason) for other in others]
    return links


# Two cards with different ИНН are two counterparties whatever their names: a card is compared by
# name only when it has no ИНН, and joins the one card its name is most like (the first of equals),
# so that many companies of one name are not chained into one group through a card without an ИНН.
NAME_PAIRS = """
SELECT DISTINCT ON (a.id) a.id, b.id, similarity(client_name_key(a.name), client_name_key(b.name)) AS alike
FROM clients_client a
JOIN clients_client b
  ON client_name_key(a.name) % client_name_key(b.name) AND b.id <> a.id AND b.merged_into_id IS NULL
WHERE a.inn = '' AND a.merged_into_id IS NULL AND client_name_key(a.name) <> ''
ORDER BY a.id, alike DESC, b.id
"""


def name_links(threshold: float = NAME_SIMILARITY) -> list[Link]:
    """Each card without an ИНН and the card whose name key is most like its own, at least
    `threshold` alike (PostgreSQL only): the trigram index on client_name_key(name) finds the
    candidates."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(threshold)])
        cursor.execute(NAME_PAIRS)  # no parameters: its % is the trigram operator
        pairs = cursor.fetchall()
    reason = _("похожие наименования (%(score)s)")
    return [Link(a, b, round(score, 2), reason % {"score": f"{score:.2f}"}) for a, b, score in pairs]


def grouped(links: Iterable[Link]) -> list[tuple[list[int], float, list[str]]]:
    """Linked cards as groups (connected by any link): (client ids, the best score, the reasons),
    largest first."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    kept: list[Link] = []
    for link in links:
        parent[root(link.a)] = root(link.b)
        kept.append(link)
    members: dict[int, list[int]] = defaultdict(list)
    for x in list(parent):
        members[root(x)].append(x)
    scores: dict[int, float] = defaultdict(float)
    reasons: dict[int, list[str]] = defaultdict(list)
    for link in kept:
        top = root(link.a)
        scores[top] = max(scores[top], link.score)
        if link.reason not in reasons[top] and len(reasons[top]) < REASONS_KEPT:
            reasons[top].append(link.reason)
    groups = [(sorted(ids), scores[top], reasons[top]) for top, ids in members.items()]
    return sorted(groups, key=lambda g: (-len(g[0]), -g[1], g[0][0]))
