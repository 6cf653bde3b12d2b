"""What the report families share that speaks of the house (crm.reports is the domain-free frame):
who may open the reports on how people work, how a user is named in a grouped table, and the
filter widgets every report's filter uses."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.contrib.auth import get_user_model

from crm import roles

# Reports on how people work are for management; a manager sees their own tasks in «Мои дела» and
# a card's «Заполненность» on the card and in the client list.
MANAGEMENT_ROLES = (roles.SUPERVISOR, roles.SALES_HEAD, roles.ADMINISTRATOR)


def user_names(ids: Sequence[int]) -> dict[int, str]:
    """The users' names as User.get_full_name() gives them, or their logins, in one query."""
    if not ids:
        return {}
    users = get_user_model().objects.filter(pk__in=ids).values_list("pk", "first_name", "last_name", "username")
    return {pk: f"{first} {last}".strip() or username for pk, first, last, username in users}


def select() -> forms.Select:
    """A filter's choice list, as small as the rest of the filter panel."""
    return forms.Select(attrs={"class": "form-select form-select-sm"})
