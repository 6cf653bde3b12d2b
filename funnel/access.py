"""Who sees and changes which deals — decided as sales/access.py decides for documents, on the
deal's manager: managers see and work their own deals and the unassigned ones; sales heads,
supervisors and administrators see and move every deal. Changing a deal follows
funnel.services.may_move, the rule the move service itself enforces. Funnels and stages are set
up by sales heads and administrators."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from clients import access as client_access
from clients.models import Client
from crm import roles
from funnel.models import Deal
from funnel.services import ALL_DEALS_ROLES, may_move

SETTINGS_ROLES = (roles.SALES_HEAD, roles.ADMINISTRATOR)


def sees_all_deals(user) -> bool:
    return roles.has_any_role(user, *ALL_DEALS_ROLES)


def works_with_deals(user) -> bool:
    """Managers (their own and unassigned deals) and whoever sees them all."""
    return roles.has_any_role(user, roles.MANAGER, *ALL_DEALS_ROLES)


def may_set_up_funnels(user) -> bool:
    return roles.has_any_role(user, *SETTINGS_ROLES)


def own_deals(user) -> Q:
    return Q(manager=user) | Q(manager__isnull=True)


def visible_deals(queryset: QuerySet[Deal], user) -> QuerySet[Deal]:
    if sees_all_deals(user):
        return queryset
    if works_with_deals(user):
        return queryset.filter(own_deals(user))
    return queryset.none()


def deal_visible(deal: Deal, user) -> bool:
    if sees_all_deals(user):
        return True
    return roles.has_any_role(user, roles.MANAGER) and deal.manager_id in (None, user.pk)


def may_change(user, deal: Deal) -> bool:
    return may_move(user, deal)


def visible_deal_or_404(queryset: QuerySet[Deal], pk: int, user) -> Deal:
    deal = queryset.filter(pk=pk).first()
    if deal is None or not deal_visible(deal, user):
        raise Http404
    return deal


def clients_for_deals(user) -> QuerySet[Client]:
    """The clients a deal may be made for: a manager's own and unassigned ones, anyone's for the rest."""
    return client_access.clients_of(user, everyone=ALL_DEALS_ROLES)


def may_create_for(client: Client, user) -> bool:
    """Whether the user may make a deal for the client (without a query: clients_for_deals's rule)."""
    return client_access.works_with(client, user, everyone=ALL_DEALS_ROLES)
