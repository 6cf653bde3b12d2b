"""Clients written through the API: plain, checked values handed to the one client writer
(clients.services.write, source «API»), a change carrying `If-Match` merged by field with what
others saved since that version (crm.merge: a field both changed is a conflict, nothing written)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field

from django.db import transaction

from clients import extra_fields
from clients.models import Client, ClientChange, ContactInfo, ExtraField, Segment
from clients.services import ClientChangeSet, NewPerson, changes_since, extra_key, write
from crm import merge


@dataclass
class ClientEdit:
    """What a request sets: built-in fields (model values), extra values (None clears one), the
    segments (None: left as they are); a new client's contact information and persons."""

    fields: dict[str, object] = dataclass_field(default_factory=dict)
    extra: dict[ExtraField, object] = dataclass_field(default_factory=dict)
    segments: list[Segment] | None = None
    contact_info: list[ContactInfo] = dataclass_field(default_factory=list)
    persons: list[NewPerson] = dataclass_field(default_factory=list)


class VersionConflict(Exception):
    """Fields this change sets that someone else changed since the version it started from:
    {API name: the value stored now (a model value: a row, a list of rows, an option)}."""

    def __init__(self, client: Client, conflicts: dict[str, object]):
        super().__init__(f"client {client.pk}: {', '.join(conflicts)} changed since")
        self.client = client
        self.conflicts = conflicts


# Changed by someone else since the version the caller started from: unequal to any value.
_CHANGED_SINCE = object()


@transaction.atomic
def create_client(edit: ClientEdit, *, user) -> Client:
    change = ClientChangeSet(
        Client(**edit.fields),
        extra=edit.extra,
        add_segments=set(edit.segments or ()),
        contact_info=edit.contact_info,
        new_persons=edit.persons,
    )
    write([change], user=user, source=ClientChange.Source.API)
    return change.client


@transaction.atomic
def update_client(pk: int, edit: ClientEdit, *, user, expected_version: int | None) -> Client:
    """Apply `edit` to the client under a row lock. With `expected_version`, a field that this
    edit sets and someone changed since that version — to another value than this one — raises
    VersionConflict."""
    client = Client.objects.select_for_update().get(pk=pk)
    if expected_version is not None:
        _refuse_conflicts(client, edit, expected_version)
    change = ClientChangeSet(client, fields=edit.fields, extra=edit.extra)
    if edit.segments is not None:
        now = set(client.segments.all())
        change.add_segments = set(edit.segments) - now
        change.remove_segments = now - set(edit.segments)
    if not change.is_empty():
        write([change], user=user, source=ClientChange.Source.API)
    return client


def _refuse_conflicts(client: Client, edit: ClientEdit, version: int) -> None:
    touched = {line["field"] for change in changes_since(client, version) for line in change.changes}
    # {API name: (history key, stored value, value sent)}
    judged = {name: (name, merge.values_of(client, [name])[name], value) for name, value in edit.fields.items()}
    if edit.segments is not None:
        judged["segments"] = ("segments", list(client.segments.all()), edit.segments)
    if edit.extra:
        stored = extra_fields.values_of_clients([client.pk], list(edit.extra)).get(client.pk, {})
        for field, value in edit.extra.items():
            judged[field.key] = (extra_key(field), stored.get(field.pk), value)
    changes = {
        name: merge.Change(_CHANGED_SINCE if key in touched else stored, new)
        for name, (key, stored, new) in judged.items()
    }
    theirs = merge.conflicts(changes, {name: stored for name, (_key, stored, _new) in judged.items()})
    if theirs:
        raise VersionConflict(client, theirs)
