"""What points at a client from other apps, moved to another client when cards are merged and moved
back when the merge is undone. Each app that keeps rows of clients registers a Mover in its
`AppConfig.ready` (sales, funnel, tasks): clients cannot import them, and each app's rows change
only through that app's service. `moved_rows`/`return_rows` are the one way such a service moves
rows and records them: {merged client id (text): [row ids]} per kind."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db.models import Model, QuerySet

Moved = dict[str, dict[str, list[int]]]  # {kind: {merged client id: [row ids]}}


@dataclass(frozen=True)
class Mover:
    """An app's rows of clients: `kinds` {kind: label}; `count(from_ids)` {kind: n} (the dry run);
    `obstacles(from_ids, to_id)` messages that refuse the merge; `reassign(from_ids, to_id)` moves
    and returns Moved; `restore(moved)` moves exactly those rows back."""

    kinds: dict[str, str]
    count: Callable[[Sequence[int]], dict[str, int]]
    reassign: Callable[[Sequence[int], int], Moved]
    restore: Callable[[Moved], None]
    obstacles: Callable[[Sequence[int], int], list[str]] = lambda from_ids, to_id: []


MOVERS: dict[str, Mover] = {}


def register(name: str, mover: Mover) -> None:
    MOVERS[name] = mover


def moved_rows(rows: QuerySet, to_id: int, *, field: str = "client_id") -> dict[str, list[int]]:
    """Point `rows` (of the merged clients) at client `to_id`; their ids by former client."""
    by_client: dict[str, list[int]] = defaultdict(list)
    for pk, client_id in rows.values_list("pk", field):
        by_client[str(client_id)].append(pk)
    if by_client:
        rows.model._base_manager.filter(pk__in=[pk for ids in by_client.values() for pk in ids]).update(
            **{field: to_id}
        )
    return dict(by_client)


def return_rows(model: type[Model], moved: dict[str, list[int]], *, field: str = "client_id") -> None:
    """Point the rows `moved_rows` recorded back at their former clients."""
    for client_id, ids in moved.items():
        model._base_manager.filter(pk__in=ids).update(**{field: int(client_id)})
