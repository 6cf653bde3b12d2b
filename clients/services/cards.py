"""A client card: saving it from its edit page with optimistic locking and a history entry, the
card as text (snapshot, diff) that every history entry is written from, duplicate detection."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import override

from clients import completeness, extra_fields
from clients.models import Client, ClientChange, ContactInfo, ContactInfoKind, ExtraField
from clients.services.extra_values import set_extra_values

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


class StaleEdit(Exception):
    """The card was saved by someone else after this user opened it."""

    def __init__(self, client: Client, changes: Sequence[ClientChange]):
        super().__init__(f"client {client.pk} changed since it was opened")
        self.client = client
        self.changes = changes


def _display(client: Client, field_name: str) -> str:
    field = Client._meta.get_field(field_name)
    if field.choices:
        # History text is stored once, in the site's language, whoever made the change.
        with override(settings.LANGUAGE_CODE):
            return str(getattr(client, f"get_{field_name}_display")())
    value = getattr(client, field_name)
    if value is None:
        return ""
    if field_name == "responsible":
        return value.get_full_name() or value.username
    return str(value)


def snapshot(client: Client) -> dict[str, str]:
    """What the card shows, field by field, as text: {field: display value}; extra fields are
    keyed `extra:<id>`."""
    values = {name: _display(client, name) for name in TRACKED_FIELDS}
    if client.pk:
        values["segments"] = ", ".join(sorted(s.name for s in client.segments.all()))
        values["contact_info"] = _contact_info_text(client.contact_info.all())
        values["contacts"] = "; ".join(sorted(c.name for c in client.contacts.all()))
        for row in client.extra_values.select_related("field", "value_option"):
            values[extra_key(row.field)] = extra_fields.display(row.field, row.value)
    return values


def extra_key(field: ExtraField) -> str:
    return f"extra:{field.pk}"


def _contact_info_text(infos: QuerySet[ContactInfo]) -> str:
    lines = []
    for info in infos.select_related("kind", "contact").order_by("contact_id", "kind__order", "id"):
        owner = f"{info.contact.name}, " if info.contact_id else ""
        lines.append(f"{owner}{info.kind.name}: {info.display_value}")
    return "; ".join(lines)


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


@transaction.atomic
def save_card(form, info_formset, contact_formset, *, user, expected_version: int | None) -> Client:
    """Save a card from its edit page: the client form, its contact info and its contact persons
    (each with a nested `info_formset`). Refuses a stale save; records the change in the history."""
    client = form.instance
    is_new = client.pk is None
    if is_new:
        before = {}
    else:
        locked = Client.objects.select_for_update().get(pk=client.pk)
        if expected_version is None or locked.version != expected_version:
            raise StaleEdit(locked, changes_since(locked, expected_version or 0))
        before = snapshot(locked)
        client.version = locked.version + 1
    client = form.save()
    set_extra_values(form.extra_values(), client=client)
    info_formset.instance = client
    info_formset.save()
    contact_formset.instance = client
    contacts = contact_formset.save(commit=False)
    for contact in contact_formset.deleted_objects:
        contact.delete()
    for contact in contacts:
        contact.client = client
        contact.save()
    for contact_form in contact_formset.forms:
        if contact_form in contact_formset.deleted_forms or contact_form.instance.pk is None:
            continue
        nested = contact_form.info_formset
        nested.instance = contact_form.instance
        nested.save()
        set_extra_values(contact_form.extra_values(), contact=contact_form.instance)
    after = snapshot(client)
    labels = {extra_key(field): field.name for field in form.extra_fields}
    if is_new:
        ClientChange.objects.create(
            client=client,
            user=user,
            source=ClientChange.Source.CREATED,
            version=client.version,
            changes=diff({}, after, labels),
        )
    else:
        changes = diff(before, after, labels)
        if changes:
            ClientChange.objects.create(
                client=client, user=user, source=ClientChange.Source.FORM, version=client.version, changes=changes
            )
    completeness.recompute(Client.objects.filter(pk=client.pk))
    return client


@dataclass(frozen=True)
class Duplicate:
    client: Client
    reason: str


def find_duplicates(
    *,
    inn: str = "",
    kpp: str = "",
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
    exclude_pk: int | None = None,
) -> list[Duplicate]:
    """Other cards that share this card's ИНН (+КПП when both have one), an e-mail or a phone."""
    found: dict[int, Duplicate] = {}
    others = Client.objects.exclude(pk=exclude_pk) if exclude_pk else Client.objects.all()
    if inn:
        same_inn = others.filter(inn=inn)
        if kpp:
            same_inn = same_inn.filter(Q(kpp=kpp) | Q(kpp=""))
        for client in same_inn[:5]:
            found.setdefault(client.pk, Duplicate(client, _("тот же ИНН %(inn)s") % {"inn": inn}))
    values = {v for v in emails if v} | {v for v in phones if v}
    if values:
        infos = (
            ContactInfo.objects.filter(
                value__in=values,
                kind__value_type__in=(ContactInfoKind.ValueType.EMAIL, ContactInfoKind.ValueType.PHONE),
            )
            .exclude(client_id=exclude_pk)
            .select_related("client", "kind")[:10]
        )
        for info in infos:
            found.setdefault(
                info.client_id,
                Duplicate(
                    info.client,
                    _("тот же %(kind)s %(value)s") % {"kind": info.kind.name.lower(), "value": info.display_value},
                ),
            )
    return list(found.values())
