"""The edit forms: the client card's «Изменить» page (every built-in and extra field, the contact
information and the contact persons as forms)."""

from __future__ import annotations

from devtools.bench.clients import ClientDetail
from devtools.bench.runner import register


@register
class ClientEdit(ClientDetail):
    """The edit form of a client with contact persons, another client per request; its SQL floor is
    the card's (the same rows, without the history the form does not show)."""

    name = "clients:edit"

    def queries(self) -> list[str]:
        return super().queries()[:-1]
