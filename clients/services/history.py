"""A client's history: the card as text, field by field (snapshot), and the lines of a history entry
(diff). Every entry of «История изменений» is written from these."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import override

from clients import extra_fields
from clients.models import Client, ClientChange, ContactInfo, ExtraField
from crm.users import user_name

# Built-in fields whose changes are kept in the history, in card order.
TRACKED_FIELDS = (
    "kind",
    "name",
    "full_name",
    "inn",
    "kpp",
    "business_region",
    "legal_address",
    "responsible",
    "abc_class",
    "xyz_class",
    "comment",
)


def display(client: Client, field_name: str) -> str:
    field = Client._meta.get_field(field_name)
    if field.choices:
        # History text is stored once, in the site's language, whoever made the change.
        with override(settings.LANGUAGE_CODE):
            return str(getattr(client, f"get_{field_name}_display")())
    value = getattr(client, field_name)
    if value is None:
        return ""
    if field_name == "responsible":
        return user_name(value)
    return str(value)


def snapshot(client: Client) -> dict[str, str]:
    """What the card shows, field by field, as text: {field: display value}; extra fields are
    keyed `extra:<id>`."""
    values = {name: display(client, name) for name in TRACKED_FIELDS}
    if client.pk:
        values["segments"] = ", ".join(sorted(s.name for s in client.segments.all()))
        values["contact_info"] = contact_info_text(
            client.contact_info.select_related("kind", "contact").order_by("contact_id", "kind__order", "id")
        )
        values["contacts"] = "; ".join(sorted(c.name for c in client.contacts.all()))
        for row in client.extra_values.select_related("field", "value_option"):
            values[extra_key(row.field)] = extra_fields.display(row.field, row.value)
    return values


def extra_key(field: ExtraField) -> str:
    return f"extra:{field.pk}"


def contact_info_text(infos: Iterable[ContactInfo]) -> str:
    """Contact information rows (with their kind and person) as one line of the history."""
    refused = " ({})".format(_("не отправлять рассылки"))
    return "; ".join(
        f"{f'{info.contact.name}, ' if info.contact_id else ''}{info.kind.name}: {info.display_value}"
        f"{refused if info.no_mailing else ''}"
        for info in infos
    )


def diff(before: dict[str, str], after: dict[str, str], labels: dict[str, str] | None = None) -> list[dict[str, str]]:
    """The fields whose text changed. Extra fields keep their name as it was (`labels`), since the
    field may be renamed or deleted later."""
    labels = labels or {}
    changes = []
    for name in dict.fromkeys([*after, *before]):
        old, new = before.get(name, ""), after.get(name, "")
        if old != new:
            change = {"field": name, "old": old, "new": new}
            if name in labels:
                change["label"] = labels[name]
            changes.append(change)
    return changes


def changes_since(client: Client, version: int) -> list[ClientChange]:
    return list(client.changes.filter(version__gt=version).select_related("user").order_by("at", "id"))
