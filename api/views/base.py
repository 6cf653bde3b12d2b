"""What every resource of the API shares: a CRM role required, `?fields=` documented, rows found
by the pages' access rules (404 for a row the user does not see)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, viewsets

from api.schema import FIELDS
from crm import roles


class HasCrmRole(permissions.BasePermission):
    """A user with a CRM role, as every page asks (crm.access.role_required)."""

    def has_permission(self, request, view) -> bool:
        return roles.is_staff_role(request.user)


def documented(viewset: type) -> type:
    """`?fields=` on the list and the single row of a resource, in the schema."""
    return extend_schema_view(
        list=extend_schema(parameters=[FIELDS]),
        retrieve=extend_schema(parameters=[FIELDS]),
    )(viewset)


class ReadViewSet(viewsets.ReadOnlyModelViewSet):
    """A resource's list and rows. `visible(queryset)` narrows the rows to the user's."""

    permission_classes = [permissions.IsAuthenticated, HasCrmRole]

    def visible(self, queryset):
        return queryset

    def get_queryset(self):
        return self.visible(self.queryset.all())
