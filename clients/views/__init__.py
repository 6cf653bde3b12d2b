"""The client pages, one module per area: cards (list, card, edit, contact-info kinds)."""

from clients.views.cards import (
    client_create,
    client_detail,
    client_edit,
    client_list,
    contact_info_kinds,
    fill_by_inn,
)

__all__ = ["client_create", "client_detail", "client_edit", "client_list", "contact_info_kinds", "fill_by_inn"]
