"""The four roles are Django groups, created by a data migration; these helpers answer who may do what."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

MANAGER = "Менеджер"
SUPERVISOR = "Руководитель"
SALES_HEAD = "Руководитель отдела продаж"
ADMINISTRATOR = "Администратор"
ALL_ROLES = (MANAGER, SUPERVISOR, SALES_HEAD, ADMINISTRATOR)

# Group names stay Russian in the database; the UI shows them through gettext.
ROLE_LABELS = {
    MANAGER: _("Менеджер"),
    SUPERVISOR: _("Руководитель"),
    SALES_HEAD: _("Руководитель отдела продаж"),
    ADMINISTRATOR: _("Администратор"),
}


def role_names(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    """The user's role names, read once per request and kept on the user object."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_crm_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached |= {ADMINISTRATOR}
        user._crm_roles = cached
    return cached


def has_any_role(user, *roles: str) -> bool:
    return bool(role_names(user) & set(roles))


def is_staff_role(user) -> bool:
    """Anyone who works in the CRM at all."""
    return bool(role_names(user) & set(ALL_ROLES))


def can_manage_all_clients(user) -> bool:
    """Supervisors and administrators edit any client card."""
    return has_any_role(user, SUPERVISOR, ADMINISTRATOR)
