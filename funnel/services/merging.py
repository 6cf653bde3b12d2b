"""Deals when client cards are merged (clients.services.merging): they move to the surviving card,
with their stages and transitions as they are, and back on undo."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext_lazy

from clients.reassign import Moved, Mover, moved_rows, return_rows
from funnel.models import Deal

KIND = "funnel.deal"


def client_deals(from_ids: Sequence[int]) -> dict[str, int]:
    return {KIND: Deal.objects.filter(client_id__in=from_ids).count()}


def reassign_client(from_ids: Sequence[int], to_id: int) -> Moved:
    return {KIND: moved_rows(Deal.objects.filter(client_id__in=from_ids), to_id)}


def return_client(moved: Moved) -> None:
    return_rows(Deal, moved.get(KIND, {}))


MOVER = Mover({KIND: gettext_lazy("Сделки")}, client_deals, reassign_client, return_client)
