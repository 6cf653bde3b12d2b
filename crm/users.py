"""How a user is named on pages, in lists and in files: the full name, or the login when there is
none."""

from __future__ import annotations

EMPTY = "—"


def user_name(user, empty: str | None = EMPTY) -> str | None:
    """«Анна Смирнова», or «anna» without a name; `empty` for no user."""
    if user is None:
        return empty
    return user.get_full_name() or user.username
