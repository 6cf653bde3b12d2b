"""The four roles are Django groups, created by a data migration; these helpers answer who may do what."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from django.db import connection
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
        cached = frozenset(_group_names(user))
        if user.is_superuser:
            cached |= {ADMINISTRATOR}
        user._crm_roles = cached
    return cached


@functools.cache
def _group_names_sql() -> str:
    from django.contrib.auth import get_user_model

    groups = get_user_model()._meta.get_field("groups")
    group, link = groups.related_model._meta, groups.remote_field.through._meta
    quote = connection.ops.quote_name
    return (
        f"SELECT g.{quote(group.get_field('name').column)} FROM {quote(group.db_table)} g"
        f" JOIN {quote(link.db_table)} l ON l.{quote(groups.m2m_reverse_name())} = g.{quote(group.pk.column)}"
        f" WHERE l.{quote(groups.m2m_column_name())} = %s"
    )


def _group_names(user) -> list[str]:
    """The names of the user's groups. Every page asks: written out, it costs a fifth of what
    `user.groups.values_list("name")` spends making the manager and building the statement."""
    with connection.cursor() as cursor:
        cursor.execute(_group_names_sql(), [user.pk])
        return [name for (name,) in cursor.fetchall()]


def has_any_role(user, *roles: str) -> bool:
    return bool(role_names(user) & set(roles))


def is_staff_role(user) -> bool:
    """Anyone who works in the CRM at all."""
    return bool(role_names(user) & set(ALL_ROLES))


def can_manage_all_clients(user) -> bool:
    """Supervisors and administrators edit any client card."""
    return has_any_role(user, SUPERVISOR, ADMINISTRATOR)
