"""Who sees and changes which sales documents.

Managers see and create the documents of their own clients (Client.responsible) and of unassigned
ones; supervisors, sales heads and administrators see everything (clients.access, the one rule).
A sales head only reads: changing a document follows clients.access.works_with, which gives
managers their own and unassigned clients and supervisors and administrators all of them.
Contracts are part of the client card: everyone who reads the card reads them, and whoever may
edit the card changes them."""

from __future__ import annotations

from django.db.models import Model, QuerySet
from django.http import Http404

from clients import access as client_access
from clients.models import Client
from crm import roles

SEE_ALL = (roles.SUPERVISOR, roles.SALES_HEAD, roles.ADMINISTRATOR)


def sees_all_documents(user) -> bool:
    return roles.has_any_role(user, *SEE_ALL)


def may_create_documents(user) -> bool:
    return roles.has_any_role(user, roles.MANAGER, roles.SUPERVISOR, roles.ADMINISTRATOR)


def visible_documents(queryset: QuerySet, user) -> QuerySet:
    """The invoices or payments (anything with a `client`) the user may see."""
    return client_access.worked(queryset, user, path="client__", everyone=SEE_ALL)


def documents_visible(client: Client, user) -> bool:
    return client_access.works_with(client, user, everyone=SEE_ALL)


def clients_for_documents(user) -> QuerySet[Client]:
    """The clients the user may make documents for."""
    return client_access.clients_of(user)


def visible_document_or_404(queryset: QuerySet, pk: int, user) -> Model:
    """The document, or 404 when it does not exist or belongs to a client the user may not see."""
    document = queryset.filter(pk=pk).first()
    if document is None or not documents_visible(document.client, user):
        raise Http404
    return document
