"""The one writer of clients. Every change to clients — the card page, «Изменить выделенные», the
import, lead → client — is a list of ClientChangeSet (plain data: a client and what to set on it)
applied by `write`: one INSERT or upsert per table for all the clients of a call, one history
entry per client that changed, one «Заполненность» recompute.

    write([ClientChangeSet(client, fields={"responsible": user}, extra={field: 5})],
          user=request.user, source=ClientChange.Source.BULK)

A change set names only what changes: a field it does not name keeps its stored value, an extra
value of None clears that value. Who may change what, and the field-level merge with what others
saved meanwhile, are decided by the callers before (they lock the client rows they pass)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy, override

from clients import completeness, extra_fields
from clients.models import Client, ClientChange, ContactInfo, ContactPerson, ExtraField, ExtraValue, Segment
from clients.services.extra_values import set_extra_values
from clients.services.history import contact_info_text, diff, display, extra_key, snapshot
from crm import events, merge

BATCH = 1000
CLIENT_CHANGED = events.declare("client.changed", gettext_lazy("Клиент изменён"))


@dataclass
class RowEdit:
    """A stored row of the card (a contact information row or a contact person) and this user's
    changes to it ({field: merge.Change}); a person's changed extra values too."""

    row: ContactInfo | ContactPerson
    changes: dict[str, merge.Change] = dataclass_field(default_factory=dict)
    extra: dict[ExtraField, object] = dataclass_field(default_factory=dict)


@dataclass
class NewPerson:
    """A contact person to add: the unsaved row, its extra values and its contact information."""

    person: ContactPerson
    extra: dict[ExtraField, object] = dataclass_field(default_factory=dict)
    contact_info: list[ContactInfo] = dataclass_field(default_factory=list)


@dataclass
class ClientChangeSet:
    """What to change on one client. `client` is a stored row locked by the caller, or a new
    Client (no key) to create. `contact_info` holds new rows of the client's own contact
    information; `edited_rows`, `new_persons` and `deleted_rows` are the card's other rows.
    `snapshot`: write the history from the whole card before and after (the card page, whose rows
    change in many ways) instead of from the changes themselves (bulk writes)."""

    client: Client
    fields: dict[str, object] = dataclass_field(default_factory=dict)
    extra: dict[ExtraField, object] = dataclass_field(default_factory=dict)
    add_segments: set[Segment] = dataclass_field(default_factory=set)
    remove_segments: set[Segment] = dataclass_field(default_factory=set)
    contact_info: list[ContactInfo] = dataclass_field(default_factory=list)
    edited_rows: list[RowEdit] = dataclass_field(default_factory=list)
    new_persons: list[NewPerson] = dataclass_field(default_factory=list)
    deleted_rows: list[models.Model] = dataclass_field(default_factory=list)
    snapshot: bool = False
    # History lines the caller adds to the entry ({"field", "label", "old", "new"}): a merge's.
    note: list[dict] = dataclass_field(default_factory=list)

    @property
    def creates(self) -> bool:
        return self.client.pk is None

    def is_empty(self) -> bool:
        return not (
            self.fields
            or self.extra
            or self.add_segments
            or self.remove_segments
            or self.contact_info
            or self.edited_rows
            or self.new_persons
            or self.deleted_rows
            or self.note
        )


@dataclass
class WriteResult:
    created: list[Client] = dataclass_field(default_factory=list)
    changed: list[Client] = dataclass_field(default_factory=list)
    unchanged: int = 0


@transaction.atomic
def write(change_sets: Sequence[ClientChangeSet], *, user, source: str) -> WriteResult:
    """Apply the change sets (see the module's docstring). A client whose values all stay as they
    are is not written and gets no new version."""
    result = WriteResult()
    now = timezone.now()
    # History text is stored once, in the site's language, whoever made the change.
    with override(settings.LANGUAGE_CODE):
        stored = _Stored(change_sets)
        entries: dict[int, list[dict]] = {}  # id(change set) → its history entry
        before: dict[int, dict[str, str]] = {}
        written: list[ClientChangeSet] = []
        for change_set in change_sets:
            client = change_set.client
            if change_set.snapshot:
                before[id(change_set)] = snapshot(client) if client.pk else {}
            entry = _set_fields(change_set)
            entry += stored.segment_entry(change_set)
            entry += stored.extra_entry(change_set)
            entry += change_set.note
            if change_set.creates:
                result.created.append(client)
            elif entry or change_set.contact_info or (change_set.snapshot and not change_set.is_empty()):
                client.version += 1
                client.updated_at = now
                result.changed.append(client)
            else:
                result.unchanged += 1
                continue
            entries[id(change_set)] = entry
            written.append(change_set)
        if not written:
            return result
        _write_clients(result, {name for cs in written if not cs.creates for name in cs.fields})
        for change_set in written:
            _write_rows(change_set)
        _write_segments(written, stored)
        _write_extra(written)
        new_infos = [info for cs in written for info in cs.contact_info]
        for change_set in written:
            for info in change_set.contact_info:
                info.client = change_set.client
        ContactInfo.objects.bulk_create(new_infos, batch_size=BATCH)
        info_texts = _contact_info_changes(new_infos, existing={c.pk for c in result.changed})
        history = []
        for change_set in written:
            client = change_set.client
            if change_set.snapshot:
                labels = {extra_key(f): f.name for f in change_set.extra}
                entry = diff(before[id(change_set)], snapshot(client), labels)
            else:
                entry = entries[id(change_set)]
                if client.pk in info_texts:
                    old, new = info_texts[client.pk]
                    entry.append({"field": "contact_info", "old": old, "new": new})
            if entry or not change_set.snapshot:
                kind = ClientChange.Source.CREATED if change_set.creates and change_set.snapshot else source
                history.append(
                    ClientChange(client=client, user=user, source=kind, version=client.version, changes=entry)
                )
        ClientChange.objects.bulk_create(history, batch_size=BATCH)
    events.emit_each(CLIENT_CHANGED, [_changed_event(change) for change in history])
    completeness.recompute(Client.objects.filter(pk__in=[c.pk for c in (*result.created, *result.changed)]))
    return result


def _changed_event(change: ClientChange):
    """The payload of «client.changed»: the client and the names of the fields that changed."""

    def payload() -> dict:
        client = change.client
        return {
            "id": client.pk,
            "name": client.name,
            "inn": client.inn,
            "created": client.version == 1,  # a stored client changed is at version 2 or more
            "version": client.version,
            "fields": sorted({line["field"] for line in change.changes}),
            "url": events.absolute_url(client.get_absolute_url()),
        }

    return payload


def _set_fields(change_set: ClientChangeSet) -> list[dict]:
    """Set the built-in fields on the client; the history lines of those whose value changed."""
    client, entry = change_set.client, []
    for name, value in change_set.fields.items():
        attname = Client._meta.get_field(name).attname
        old_value = getattr(client, attname)
        old_text = display(client, name) if not change_set.creates else ""
        setattr(client, name, value)
        if getattr(client, attname) != old_value or change_set.creates:
            new_text = display(client, name)
            if new_text != old_text:
                entry.append({"field": name, "old": old_text, "new": new_text})
    return entry


class _Stored:
    """What the stored clients of a write hold now in the tables a change set may touch beside the
    client's own row — segments and extra values —, read in one query each."""

    def __init__(self, change_sets: Sequence[ClientChangeSet]):
        stored = [cs for cs in change_sets if not cs.creates]
        self.segment_ids: dict[int, set[int]] = defaultdict(set)
        self.segment_names: dict[int, set[str]] = defaultdict(set)
        with_segments = [cs.client.pk for cs in stored if cs.add_segments or cs.remove_segments]
        if with_segments:
            rows = Client.segments.through.objects.filter(client_id__in=with_segments)
            for client_id, segment_id, name in rows.values_list("client_id", "segment_id", "segment__name"):
                self.segment_ids[client_id].add(segment_id)
                self.segment_names[client_id].add(name)
        self.extra_text: dict[tuple[int, int], str] = {}
        with_extra = [cs for cs in stored if cs.extra]
        if with_extra:
            fields = {f.pk: f for cs in with_extra for f in cs.extra}
            rows = ExtraValue.objects.filter(
                client_id__in=[cs.client.pk for cs in with_extra], field_id__in=list(fields)
            ).select_related("value_option")
            for row in rows:
                self.extra_text[(row.client_id, row.field_id)] = extra_fields.display(fields[row.field_id], row.value)
        self.added: dict[int, set[Segment]] = {}
        self.removed: dict[int, set[Segment]] = {}
        self.cleared: dict[int, set[ExtraField]] = {}

    def segment_entry(self, change_set: ClientChangeSet) -> list[dict]:
        """Keep only the segments that change; their history line."""
        key = id(change_set)
        has = self.segment_ids[change_set.client.pk] if not change_set.creates else set()
        self.added[key] = {s for s in change_set.add_segments if s.pk not in has}
        self.removed[key] = {s for s in change_set.remove_segments if s.pk in has}
        if not (self.added[key] or self.removed[key]) or change_set.snapshot:
            return []
        before = self.segment_names[change_set.client.pk]
        after = (before - {s.name for s in self.removed[key]}) | {s.name for s in self.added[key]}
        return [{"field": "segments", "old": ", ".join(sorted(before)), "new": ", ".join(sorted(after))}]

    def extra_entry(self, change_set: ClientChangeSet) -> list[dict]:
        """Keep only the extra values that change; their history lines."""
        changed = {}
        entry = []
        for field, value in change_set.extra.items():
            if value is None and change_set.creates:
                continue
            old = self.extra_text.get((change_set.client.pk, field.pk), "") if not change_set.creates else ""
            new = "" if value is None else extra_fields.display(field, value)
            if old == new and not change_set.snapshot:
                continue
            changed[field] = value
            if old != new:
                entry.append({"field": extra_key(field), "label": field.name, "old": old, "new": new})
        change_set.extra = changed
        return [] if change_set.snapshot else entry


def _write_clients(result: WriteResult, changed_fields: set[str]) -> None:
    Client.objects.bulk_create(result.created, batch_size=BATCH)
    if result.changed:
        # An upsert on the primary key: one INSERT … ON CONFLICT per batch, where bulk_update's
        # CASE per field and row takes minutes at 10k rows. The rows exist and are locked.
        Client.objects.bulk_create(
            result.changed,
            update_conflicts=True,
            unique_fields=["pk"],
            update_fields=sorted(changed_fields | {"version", "updated_at"}),
            batch_size=BATCH,
        )


def _write_rows(change_set: ClientChangeSet) -> None:
    """The card's own rows: deleted, edited, new persons with their contact information."""
    client = change_set.client
    for row in change_set.deleted_rows:
        row.delete()
    for edit in change_set.edited_rows:
        merge.apply(edit.row, edit.changes)
        edit.row.save()
        if edit.extra:
            set_extra_values(edit.extra, contact=edit.row)
    for new in change_set.new_persons:
        new.person.client = client
        new.person.save()
        set_extra_values(new.extra, contact=new.person)
        for info in new.contact_info:
            info.client, info.contact = client, new.person
        ContactInfo.objects.bulk_create(new.contact_info)


def _write_segments(written: Sequence[ClientChangeSet], stored: _Stored) -> None:
    through = Client.segments.through
    added = [through(client_id=cs.client.pk, segment_id=s.pk) for cs in written for s in stored.added[id(cs)]]
    through.objects.bulk_create(added, ignore_conflicts=True, batch_size=BATCH)
    removed: dict[int, list[int]] = defaultdict(list)
    for change_set in written:
        for segment in stored.removed[id(change_set)]:
            removed[segment.pk].append(change_set.client.pk)
    for segment_id, client_ids in removed.items():
        through.objects.filter(segment_id=segment_id, client_id__in=client_ids).delete()


def _write_extra(written: Sequence[ClientChangeSet]) -> None:
    """The clients' extra values: one upsert, one DELETE per cleared field."""
    upserts: list[ExtraValue] = []
    cleared: dict[int, list[int]] = defaultdict(list)
    for change_set in written:
        for field, value in change_set.extra.items():
            if value is None:
                cleared[field.pk].append(change_set.client.pk)
                continue
            if field.value_type == ExtraField.ValueType.LIST and value.field_id != field.pk:
                raise ValueError(f"option {value.pk} does not belong to field {field.pk}")
            row = ExtraValue(field_id=field.pk, client_id=change_set.client.pk)
            setattr(row, extra_fields.FIELD_TYPES[field.value_type].column, value)
            upserts.append(row)
    for field_id, client_ids in cleared.items():
        ExtraValue.objects.filter(field_id=field_id, client_id__in=client_ids).delete()
    ExtraValue.objects.bulk_create(
        upserts,
        update_conflicts=True,
        unique_fields=["field", "client"],
        update_fields=list(ExtraValue.TYPED_COLUMNS),
        batch_size=BATCH,
    )


def _contact_info_changes(new_infos: Sequence[ContactInfo], *, existing: set[int]) -> dict[int, tuple[str, str]]:
    """{client id: (contact information text before, after)} for the clients that got `new_infos`,
    as the card's history writes it; one query reads what the `existing` clients had."""
    by_client: dict[int, list[ContactInfo]] = defaultdict(list)
    for info in new_infos:
        by_client[info.client_id].append(info)
    new_ids = {info.pk for info in new_infos}
    had = [pk for pk in by_client if pk in existing]
    if had:
        infos = ContactInfo.objects.filter(client_id__in=had).exclude(pk__in=new_ids).select_related("kind", "contact")
        for info in infos:
            by_client[info.client_id].append(info)

    def text(infos: Iterable[ContactInfo]) -> str:
        # As PostgreSQL orders (contact_id, kind order, id): a client's own values, with no contact, last.
        ordered = sorted(infos, key=lambda i: (i.contact_id is None, i.contact_id or 0, i.kind.order, i.pk))
        return contact_info_text(ordered)

    return {
        client_id: (text(i for i in infos if i.pk not in new_ids), text(infos))
        for client_id, infos in by_client.items()
    }


@transaction.atomic
def set_classes(*, abc: dict[int, str], xyz: dict[int, str]) -> None:
    """Store computed ABC and XYZ classes ({client id: class}); a client missing from a mapping has
    no class. A computed classification, not an edit: no version, no history entry. One UPDATE per
    class, of the clients whose class changes."""
    for field, assigned in (("abc_class", abc), ("xyz_class", xyz)):
        Client.objects.exclude(pk__in=list(assigned)).exclude(**{field: ""}).update(**{field: ""})
        by_class: dict[str, list[int]] = defaultdict(list)
        for client_id, value in assigned.items():
            by_class[value].append(client_id)
        for value, ids in by_class.items():
            Client.objects.filter(pk__in=ids).exclude(**{field: value}).update(**{field: value})


def note(clients: Iterable[tuple[int, int]], *, user, source: str, line: dict[str, str]) -> int:
    """A history entry that changes nothing on the clients (a mailing export): `line` in the
    history of each of `clients` — (id, version) pairs, the version it stays at —, written by one
    INSERT for all of them (on PostgreSQL; SQLite splits it by its parameter limit). Returns how
    many entries were written."""
    now = timezone.now()
    entries = [
        ClientChange(client_id=pk, user=user, at=now, source=source, version=version, changes=[line])
        for pk, version in clients
    ]
    ClientChange.objects.bulk_create(entries)
    return len(entries)
