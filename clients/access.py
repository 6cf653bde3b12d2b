"""Which clients a user works with — the one rule that clients, sales and funnel share.

A manager works with their own clients (Client.responsible) and the unassigned ones; the roles in
`everyone` (by default supervisors and administrators, who manage every card) work with all of
them; any other user with none. Sales documents and deals follow the same rule, each with the
roles that see everything there (a sales head reads every document and makes deals for anyone)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from clients.models import Client
from crm import roles

MANAGE_ALL = (roles.SUPERVISOR, roles.ADMINISTRATOR)


def own_or_unassigned(user, path: str = "") -> Q:
    """A manager's clients, as a filter; `path` leads from the filtered model to its client
    («client__»)."""
    return Q(**{f"{path}responsible": user}) | Q(**{f"{path}responsible__isnull": True})


def works_with(client: Client, user, *, everyone: tuple[str, ...] = MANAGE_ALL) -> bool:
    """The rule for one client, without a query."""
    if roles.has_any_role(user, *everyone):
        return True
    return roles.has_any_role(user, roles.MANAGER) and client.responsible_id in (None, user.pk)


def clients_of(user, *, everyone: tuple[str, ...] = MANAGE_ALL) -> QuerySet[Client]:
    """The rule as a queryset of clients."""
    return worked(Client.objects.all(), user, everyone=everyone)


def worked(queryset: QuerySet, user, *, path: str = "", everyone: tuple[str, ...] = MANAGE_ALL) -> QuerySet:
    """`queryset` (of clients, or of rows with a client at `path`) narrowed to the rule."""
    if roles.has_any_role(user, *everyone):
        return queryset
    if roles.has_any_role(user, roles.MANAGER):
        return queryset.filter(own_or_unassigned(user, path))
    return queryset.none()


def editable_client(user, pk: int) -> Client:
    """The client whose card the user may edit: 404 when there is none, 403 when it is not theirs."""
    client = get_object_or_404(Client, pk=pk)
    if not works_with(client, user):
        raise PermissionDenied
    return client


def mergeable_clients(user, ids: list[int]) -> list[Client]:
    """The cards `ids` (in that order) if the user may merge them: supervisors and administrators
    any, a manager only when every card is theirs (or unassigned). 404 when one is not (any more)
    a card, 403 when one is not the user's."""
    clients = Client.objects.in_bulk(ids)
    if len(clients) != len(set(ids)):
        raise Http404
    if not all(works_with(client, user) for client in clients.values()):
        raise PermissionDenied
    return [clients[pk] for pk in dict.fromkeys(ids)]
