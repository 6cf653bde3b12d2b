"""How a user is named on pages, in lists and in files: the full name, or the login when there is
none."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from crm import roles

EMPTY = "—"


def user_name(user, empty: str | None = EMPTY) -> str | None:
    """«Анна Смирнова», or «anna» without a name; `empty` for no user."""
    if user is None:
        return empty
    return user.get_full_name() or user.username


# user_name() of a user read as these columns (crm.forms.list_as_rows, say): name_of(*columns).
NAME_COLUMNS = ("first_name", "last_name", "username")


def name_of(first_name: str, last_name: str, username: str) -> str:
    return f"{first_name} {last_name}".strip() or username


def staff_users() -> QuerySet:
    """Active users with a CRM role, by name."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=roles.ALL_ROLES)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def assignable(user, *, everyone: tuple[str, ...], keep_id: int | None = None) -> QuerySet:
    """Whom `user` may name as the manager of a deal or a document: any staff user for the roles
    in `everyone`, only themself for the rest; the one named already (`keep_id`) stays a choice."""
    User = get_user_model()
    chosen = staff_users() if roles.has_any_role(user, *everyone) else User.objects.filter(pk=user.pk)
    if keep_id:
        chosen = User.objects.filter(Q(pk__in=chosen.values("pk")) | Q(pk=keep_id))
    return chosen.order_by("last_name", "first_name", "username")
