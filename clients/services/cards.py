"""A client card saved from its edit page: merged by field with what others saved since the user
opened it (crm.merge), then written by the one client writer; duplicate detection."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from clients import extra_fields
from clients.models import Client, ClientChange, ContactInfo, ContactInfoKind, ContactPerson, ExtraField
from clients.services.history import changes_since
from clients.services.writer import ClientChangeSet, NewPerson, RowEdit, write
from crm import merge


class StaleEdit(Exception):
    """The card was saved by someone else after this user opened it."""

    def __init__(self, client: Client, changes: Sequence[ClientChange]):
        super().__init__(f"client {client.pk} changed since it was opened")
        self.client = client
        self.changes = changes


class EditConflict(Exception):
    """Someone else changed, after this user opened the card, fields this user changed too.

    `rebases` holds, for every part of the card that was judged, (its handle as the caller gave
    it, its stored values now, the conflicting ones among them): the caller starts each part
    again from what is stored."""

    def __init__(self, client: Client, changes: Sequence[ClientChange], rebases: list[tuple]):
        super().__init__(f"client {client.pk}: conflicting edits")
        self.client = client
        self.changes = changes
        self.rebases = rebases

    @property
    def fields(self) -> int:
        return sum(len(theirs) for _handle, _stored, theirs in self.rebases)


@dataclass
class RowInput:
    """One row of the card as the user sent it: a contact information row or a contact person.
    `changes`: this user's changes against the row as they opened it ({field: merge.Change});
    `new`: the row as typed, unsaved (written when the row is new, or when someone else removed
    it meanwhile and this user changed it: what they typed is kept); `handle`: the caller's own
    (its form), given back with a conflict."""

    pk: int | None = None
    changes: dict[str, merge.Change] = dataclass_field(default_factory=dict)
    delete: bool = False
    changed: bool = False
    new: models.Model | None = None
    extra: dict[ExtraField, object] = dataclass_field(default_factory=dict)  # a person's extra values
    rows: list[RowInput] = dataclass_field(default_factory=list)  # a person's contact information
    handle: object = None


@dataclass
class CardInput:
    """The card page's edit in plain data. `client`: the card's own fields — `changes` by form key
    (built-in names and ExtraField.key), `extra` the extra values typed; `fields` / `person_fields`
    the extra fields the page showed. For a new card, `new` is the client as typed."""

    changes: dict[str, merge.Change] = dataclass_field(default_factory=dict)
    extra: dict[ExtraField, object] = dataclass_field(default_factory=dict)
    fields: list[ExtraField] = dataclass_field(default_factory=list)
    person_fields: list[ExtraField] = dataclass_field(default_factory=list)
    infos: list[RowInput] = dataclass_field(default_factory=list)
    persons: list[RowInput] = dataclass_field(default_factory=list)
    new: Client | None = None
    handle: object = None
    has_base: bool = True


@transaction.atomic
def save_card(client_pk: int | None, card: CardInput, *, user, expected_version: int | None) -> Client:
    """Save a card from its edit page: its own fields, its contact information and its contact
    persons, merged by field (crm.merge) with what others saved since the user opened it. A field
    both changed raises EditConflict and nothing is written; a save that changes nothing writes
    nothing. The client writer records the history and the «Заполненность»."""
    if client_pk is None:
        return _create_card(card, user=user)
    # The region and the responsible with it: the history's snapshot shows them by name.
    client = (
        Client.objects.select_for_update(of=("self",))
        .select_related("business_region", "responsible")
        .get(pk=client_pk)
    )
    if not card.has_base and expected_version != client.version:
        # A form sent without what it started from (an old page) cannot be merged.
        raise StaleEdit(client, changes_since(client, expected_version or 0))
    edit = _CardEdit(client, card)
    if edit.conflicting():
        raise EditConflict(client, changes_since(client, expected_version or 0), edit.rebases)
    change_set = edit.change
    if not change_set.is_empty():
        write([change_set], user=user, source=ClientChange.Source.FORM)
    return client


def _stored(row: models.Model) -> dict[str, object]:
    return merge.values_of(row, [f.name for f in row._meta.get_fields()])


class _CardEdit:
    """One save of a card: each part's changes judged against what is stored now, then gathered
    into the client's change set."""

    def __init__(self, client: Client, card: CardInput):
        self.client = client
        self.card = card
        self.rebases: list[tuple] = []  # (handle, stored, theirs)
        self.change = ClientChangeSet(client, snapshot=True)
        # Every contact information row of the card, the client's own and its persons', in one query.
        self.rows = {row.pk: row for row in client.contact_info.select_related("kind")}
        stored = _stored(client)
        stored.update(
            extra_fields.stored_form_values(card.fields, extra_fields.values_of_clients([client.pk]).get(client.pk))
        )
        self._judge(card.handle, card.changes, stored)
        self._client_changes(card)
        self._rows(card.infos, owner=None)
        persons = {c.pk: c for c in client.contacts.all()}
        person_values = extra_fields.values_of_contacts(client) if persons else {}
        for person_input in card.persons:
            person = persons.get(person_input.pk)
            if person_input.delete:
                if person is not None:
                    self.change.deleted_rows.append(person)
                continue
            if person is None:
                if person_input.changed:
                    self.change.new_persons.append(_new_person(person_input))
                continue
            stored = _stored(person)
            stored.update(extra_fields.stored_form_values(card.person_fields, person_values.get(person.pk, {})))
            self._judge(person_input.handle, person_input.changes, stored)
            if person_input.changes:
                keys = set(person_input.changes)
                extra = {f: v for f, v in person_input.extra.items() if f.key in keys}
                self.change.edited_rows.append(RowEdit(person, person_input.changes, extra))
            self._rows(person_input.rows, owner=person)

    def _judge(self, handle, changes: dict, stored: dict) -> None:
        self.rebases.append((handle, stored, merge.conflicts(changes, stored)))

    def _client_changes(self, card: CardInput) -> None:
        """The card's own fields: built-in ones set, the segments added and removed, extra values."""
        keys = set(card.changes)
        for name, change in card.changes.items():
            try:
                field = Client._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if field.many_to_many:
                now = {s.pk for s in self.client.segments.all()}
                wanted = set(change.new or ())
                self.change.add_segments = {s for s in wanted if s.pk not in now}
                self.change.remove_segments = {s for s in self.client.segments.all() if s not in wanted}
            elif field.concrete:
                self.change.fields[name] = change.new
        self.change.extra = {f: v for f, v in card.extra.items() if f.key in keys}

    def _rows(self, inputs: list[RowInput], *, owner: ContactPerson | None) -> None:
        """The contact information rows of the client (`owner` None) or of one of its persons."""
        owner_id = owner.pk if owner is not None else None
        for row_input in inputs:
            row = self.rows.get(row_input.pk)
            if row is not None and row.contact_id != owner_id:
                row = None
            if row_input.delete:
                if row is not None:
                    self.change.deleted_rows.append(row)
            elif row is not None:
                stored = {**_stored(row), "value": row.display_value}  # a phone is compared as shown
                self._judge(row_input.handle, row_input.changes, stored)
                if row_input.changes:
                    self.change.edited_rows.append(RowEdit(row, row_input.changes))
            elif row_input.changed and row_input.new is not None:
                # A new row, or one deleted by someone else meanwhile: what this user typed is kept.
                row_input.new.pk = None
                row_input.new.contact = owner
                self.change.contact_info.append(row_input.new)

    def conflicting(self) -> bool:
        return any(theirs for _handle, _stored, theirs in self.rebases)


def _new_person(person_input: RowInput) -> NewPerson:
    """A new person, or one someone else removed meanwhile: every row the user sees is kept."""
    infos = [r.new for r in person_input.rows if not r.delete and r.new is not None]
    for row in (person_input.new, *infos):
        row.pk = None
    return NewPerson(person_input.new, person_input.extra, infos)


def _create_card(card: CardInput, *, user) -> Client:
    client = card.new
    change = ClientChangeSet(client, extra=card.extra, snapshot=True)
    segments = card.changes.get("segments")
    change.add_segments = set(segments.new or ()) if segments else set()
    change.contact_info = [r.new for r in card.infos if not r.delete and r.changed and r.new is not None]
    change.new_persons = [_new_person(p) for p in card.persons if not p.delete and p.changed]
    write([change], user=user, source=ClientChange.Source.CREATED)
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
