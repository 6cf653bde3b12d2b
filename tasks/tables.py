"""The rows of a task's «Заполнение …» tab, drawn in Python: a task may hold hundreds of clients
and contact persons, and a template loop over them costs more than all the page's SQL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from crm.reversing import url_maker


@dataclass(frozen=True)
class ItemRow:
    client_id: int
    client_name: str | None  # None: the client was deleted
    contact_name: str
    missing: list[str]


def item_rows_html(rows: Iterable[ItemRow], back_to: str) -> list[SafeString]:
    detail, edit = url_maker("clients:detail"), url_maker("clients:edit")
    query = "?" + urlencode({"next": back_to})
    filled, deleted, fill = _("заполнено"), _("удалён"), _("Заполнить")
    html = []
    for row in rows:
        if row.client_name is None:
            client, button = format_html('<span class="text-muted">{}</span>', deleted), ""
        else:
            client = format_html('<a href="{}">{}</a>', detail(row.client_id), row.client_name)
            button = format_html(
                '<a class="btn btn-sm btn-outline-primary py-0" href="{}{}">{}</a>', edit(row.client_id), query, fill
            )
        missing = ", ".join(row.missing) if row.missing else format_html('<span class="text-success">{}</span>', filled)
        html.append(
            format_html(
                '<tr{}><td>{}</td><td>{}</td><td>{}</td><td class="text-end">{}</td></tr>',
                "" if row.missing else format_html(' class="{}"', "table-success"),
                client,
                row.contact_name,
                missing,
                button,
            )
        )
    return html
