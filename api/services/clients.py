"""Clients written through the API: plain, checked values handed to the one client writer
(clients.services.write, source «API»), a change carrying `If-Match` merged by field with what
others saved since that version (crm.merge: a field both changed is a conflict, nothing written)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field

from django.db import transaction
from django.utils.translation import gettext as _

from clients import extra_fields
from clients.models import Client, ClientChange, ContactInfo, ContactPerson, ExtraField, Segment
from clients.services import ClientChangeSet, NewPerson, RowEdit, changes_since, extra_key, write
from crm import merge


@dataclass
class SentRow:
    """A contact information row as sent: a stored row's id (None: a new row) and its values."""

    id: int | None
    values: dict[str, object]


@dataclass
class SentPerson:
    """A contact person as sent; `contact_info` None leaves a stored person's rows as they are."""

    id: int | None
    values: dict[str, object]
    extra: dict[ExtraField, object] = dataclass_field(default_factory=dict)
    contact_info: list[SentRow] | None = None


@dataclass
class ClientEdit:
    """What a request sets: built-in fields (model values), extra values (None clears one), the
    segments, the contact information and the contact persons — each of the last three, when not
    None, the whole list as it should be."""

    fields: dict[str, object] = dataclass_field(default_factory=dict)
    extra: dict[ExtraField, object] = dataclass_field(default_factory=dict)
    segments: list[Segment] | None = None
    contact_info: list[SentRow] | None = None
    persons: list[SentPerson] | None = None


class UnknownRow(Exception):
    """A row sent with an id that is not one of this client's: {API name: [message]}."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(str(errors))
        self.errors = errors


class VersionConflict(Exception):
    """Fields this change sets that someone else changed since the version it started from:
    {API name: the value stored now (a model value: a row, a list of rows, an option)}."""

    def __init__(self, client: Client, conflicts: dict[str, object], *, ahead: bool = False):
        super().__init__(f"client {client.pk}: {', '.join(conflicts)} changed since")
        self.client = client
        self.conflicts = conflicts
        self.ahead = ahead  # the version named is newer than the stored one


# Changed by someone else since the version the caller started from: unequal to any value.
_CHANGED_SINCE = object()


@transaction.atomic
def create_client(edit: ClientEdit, *, user) -> Client:
    change = ClientChangeSet(
        Client(**edit.fields),
        extra=edit.extra,
        add_segments=set(edit.segments or ()),
        contact_info=[ContactInfo(**row.values) for row in edit.contact_info or ()],
        new_persons=[_new_person(person) for person in edit.persons or ()],
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
    if edit.contact_info is not None or edit.persons is not None:
        _RowPlan(client, change).plan(edit)
    if not change.is_empty():
        write([change], user=user, source=ClientChange.Source.API)
    return client


def _new_person(sent: SentPerson) -> NewPerson:
    infos = [ContactInfo(**row.values) for row in sent.contact_info or ()]
    return NewPerson(ContactPerson(**sent.values), sent.extra, infos)


class _RowPlan:
    """The card's rows as sent, against those stored: kept and changed, added, deleted. The
    history is then written from the whole card before and after, as the card page's is."""

    def __init__(self, client: Client, change: ClientChangeSet):
        self.client, self.change = client, change
        self.infos: dict[int | None, dict[int, ContactInfo]] = {}  # person id (None: the client) → rows
        for row in client.contact_info.all():
            self.infos.setdefault(row.contact_id, {})[row.pk] = row
        self.errors: dict[str, list[str]] = {}

    def plan(self, edit: ClientEdit) -> None:
        if edit.contact_info is not None:
            self._rows("contact_info", self.infos.get(None, {}), edit.contact_info, owner=None)
        if edit.persons is not None:
            self._persons(edit.persons)
        if self.errors:
            raise UnknownRow(self.errors)
        self.change.snapshot = not self.change.is_empty()

    def _persons(self, sent: list[SentPerson]) -> None:
        stored = {person.pk: person for person in self.client.contacts.all()}
        extra_stored = extra_fields.values_of_contacts(self.client) if stored else {}
        for person_sent in sent:
            if person_sent.id is None:
                self.change.new_persons.append(_new_person(person_sent))
                continue
            person = stored.pop(person_sent.id, None)
            if person is None:
                self._unknown("contact_persons", person_sent.id)
                continue
            changes = _changes(person, person_sent.values)
            own = extra_stored.get(person.pk, {})
            extra = {
                field: value
                for field, value in person_sent.extra.items()
                if merge.plain(own.get(field.pk)) != merge.plain(value)
            }
            if changes or extra:
                self.change.edited_rows.append(RowEdit(person, changes, extra))
            if person_sent.contact_info is not None:
                self._rows("contact_persons", self.infos.get(person.pk, {}), person_sent.contact_info, owner=person)
        self.change.deleted_rows += stored.values()

    def _rows(self, name: str, stored: dict[int, ContactInfo], sent: list[SentRow], *, owner) -> None:
        left = dict(stored)
        for row_sent in sent:
            if row_sent.id is None:
                self.change.contact_info.append(ContactInfo(contact=owner, **row_sent.values))
            elif (row := left.pop(row_sent.id, None)) is None:
                self._unknown(name, row_sent.id)
            elif changes := _changes(row, row_sent.values):
                self.change.edited_rows.append(RowEdit(row, changes))
        self.change.deleted_rows += left.values()

    def _unknown(self, name: str, pk: int) -> None:
        self.errors.setdefault(name, []).append(
            _("Строки с id %(id)s нет у этого клиента (или она указана дважды).") % {"id": pk}
        )


def _changes(row, values: dict[str, object]) -> dict[str, merge.Change]:
    return {
        name: merge.Change(getattr(row, name), value)
        for name, value in values.items()
        if merge.plain(getattr(row, name)) != merge.plain(value)
    }


def _refuse_conflicts(client: Client, edit: ClientEdit, version: int) -> None:
    if version > client.version:
        raise VersionConflict(client, {"version": client.version}, ahead=True)
    touched = {line["field"] for change in changes_since(client, version) for line in change.changes}
    # A list of rows sent is the caller's whole list: any change to the card's rows since refuses it.
    if touched & {"contact_info", "contacts"}:
        rows = {"contact_info": edit.contact_info, "contact_persons": edit.persons}
        stored = {"contact_info": client.contact_info.filter(contact=None), "contact_persons": client.contacts.all()}
        if sent := [name for name, value in rows.items() if value is not None]:
            raise VersionConflict(client, {name: list(stored[name]) for name in sent})
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
