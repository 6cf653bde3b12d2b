"""What the report families share that speaks of the house (crm.reports is the domain-free frame):
who may open the reports on how people work, how a user is named in a grouped table, and the
filter widgets every report's filter uses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from typing import Self

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


class Totalled:
    """The figures of a line of a grouped table (a dataclass of numbers), which the total line adds
    up field by field; of the fields in `highest` it keeps the highest."""

    highest: tuple[str, ...] = ()

    def add(self, other: Self) -> None:
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if f.name in self.highest:
                setattr(self, f.name, max((v for v in (mine, theirs) if v is not None), default=None))
            else:
                setattr(self, f.name, mine + theirs)

    @classmethod
    def total(cls, lines: Iterable[Self]) -> Self:
        total = cls()
        for line in lines:
            total.add(line)
        return total


def select() -> forms.Select:
    """A filter's choice list, as small as the rest of the filter panel."""
    return forms.Select(attrs={"class": "form-select form-select-sm"})
