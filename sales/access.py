"""Who sees and changes which sales documents.

Managers see and create the documents of their own clients (Client.responsible) and of unassigned
ones; supervisors, sales heads and administrators see everything. A sales head only reads: changing
a document follows Client.editable_by, which gives managers their own and unassigned clients and
supervisors and administrators all of them. Contracts are part of the client card: everyone who
reads the card reads them, and whoever may edit the card changes them."""

from __future__ import annotations

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from clients.models import Client
from crm import roles


def sees_all_documents(user) -> bool:
    return roles.has_any_role(user, roles.SUPERVISOR, roles.SALES_HEAD, roles.ADMINISTRATOR)


def may_create_documents(user) -> bool:
    return roles.has_any_role(user, roles.MANAGER, roles.SUPERVISOR, roles.ADMINISTRATOR)


def own_clients(user, path: str = "") -> Q:
    """The clients a manager works with: their own and the unassigned ones."""
    return Q(**{f"{path}responsible": user}) | Q(**{f"{path}responsible__isnull": True})


def visible_documents(queryset: QuerySet, user) -> QuerySet:
    """The invoices or payments (anything with a `client`) the user may see."""
    if sees_all_documents(user):
        return queryset
    if roles.has_any_role(user, roles.MANAGER):
        return queryset.filter(own_clients(user, "client__"))
    return queryset.none()


def documents_visible(client: Client, user) -> bool:
    if sees_all_documents(user):
        return True
    return roles.has_any_role(user, roles.MANAGER) and (client.responsible_id in (None, user.pk))


def clients_for_documents(user) -> QuerySet[Client]:
    """The clients the user may make documents for."""
    if roles.can_manage_all_clients(user):
        return Client.objects.all()
    if roles.has_any_role(user, roles.MANAGER):
        return Client.objects.filter(own_clients(user))
    return Client.objects.none()


def visible_document_or_404(queryset: QuerySet, pk: int, user) -> Model:
    """The document, or 404 when it does not exist or belongs to a client the user may not see."""
    document = queryset.filter(pk=pk).first()
    if document is None or not documents_visible(document.client, user):
        raise Http404
    return document
