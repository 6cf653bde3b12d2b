"""Merging client cards: two or more cards become one survivor, with a value chosen per field,
contact information united without repeating a value, and everything that pointed at the others
moved to it — contact persons, contact information and history here, other apps' rows through
their movers (clients.reassign: sales documents, deals, task items) — in one transaction. The
merged cards are kept, marked `merged_into` (hidden from every list, report and count), and the
ClientMerge record says what moved, so that an undo within UNDO_DAYS moves exactly that back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from clients import extra_fields
from clients.models import Client, ClientChange, ClientMerge, ContactInfo, ContactPerson, ExtraField
from clients.reassign import MOVERS, Moved, moved_rows, return_rows
from clients.services.history import display
from clients.services.writer import ClientChangeSet, write

# The card's own fields a merge chooses between (ABC/XYZ are computed, not chosen).
MERGE_FIELDS = ("kind", "name", "full_name", "inn", "kpp", "business_region", "legal_address", "responsible", "comment")
OWN_KINDS = {
    "clients.contactperson": gettext_lazy("Контактные лица"),
    "clients.contactinfo": gettext_lazy("Контактная информация"),
    "clients.clientchange": gettext_lazy("Записи истории"),
}

OWN_MODELS = {
    "clients.contactperson": ContactPerson,
    "clients.personinfo": ContactInfo,  # the contact persons' own contact information
    "clients.contactinfo": ContactInfo,
    "clients.clientchange": ClientChange,
}


class MergeRefused(Exception):
    """The merge (or its undo) cannot be done as asked; the message says why, nothing was written."""


@dataclass
class FieldChoice:
    key: str  # the form's name: a built-in field's, or "extra_<id>"
    label: str
    values: list[tuple[int, str]]  # (client id, the value as shown), in the cards' order
    chosen: int  # the client whose value is taken unless the user picks another

    @property
    def differs(self) -> bool:
        return len({shown for _pk, shown in self.values}) > 1


@dataclass
class MergePreview:
    clients: list[Client]
    survivor: Client
    fields: list[FieldChoice]
    contact_info: list[tuple[str, str, str, bool]]  # (kind, value, card, whether it moves)
    counts: list[tuple[str, int]]  # «что будет перенесено»: (kind label, n)
    obstacles: list[str]


def _extra_fields(clients: Sequence[Client]) -> list[ExtraField]:
    fields = extra_fields.client_definitions()
    return [f for f in fields if any(f.applies_to_client(c) for c in clients)]


def _default_choice(survivor: Client, clients: Sequence[Client], shown: dict[int, str]) -> int:
    """The survivor's value, or the first card's that has one."""
    if shown[survivor.pk]:
        return survivor.pk
    return next((c.pk for c in clients if shown[c.pk]), survivor.pk)


def preview(clients: Sequence[Client], survivor_id: int) -> MergePreview:
    """The side-by-side preview: each field's values per card with the default choice, the contact
    information united, and the dry run in numbers."""
    survivor = next(c for c in clients if c.pk == survivor_id)
    others = [c.pk for c in clients if c.pk != survivor_id]
    fields = []
    for name in MERGE_FIELDS:
        shown = {c.pk: display(c, name) for c in clients}
        label = str(Client._meta.get_field(name).verbose_name)
        fields.append(FieldChoice(name, label, list(shown.items()), _default_choice(survivor, clients, shown)))
    values = extra_fields.values_of_clients([c.pk for c in clients])
    for field in _extra_fields(clients):
        shown = {
            c.pk: ""
            if values.get(c.pk, {}).get(field.pk) is None
            else extra_fields.display(field, values[c.pk][field.pk])
            for c in clients
        }
        fields.append(
            FieldChoice(f"extra_{field.pk}", field.name, list(shown.items()), _default_choice(survivor, clients, shown))
        )
    names = {c.pk: c.name for c in clients}
    moving = set(_moving_info(others, survivor_id))
    infos = ContactInfo.objects.filter(client_id__in=[c.pk for c in clients], contact=None).select_related("kind")
    contact_info = [
        (info.kind.name, info.display_value, names[info.client_id], info.pk in moving)
        for info in infos.order_by("kind__order", "client_id", "id")
    ]
    return MergePreview(
        list(clients), survivor, fields, contact_info, dry_run(others, survivor_id), obstacles(others, survivor_id)
    )


def _moving_info(from_ids: Sequence[int], to_id: int) -> list[int]:
    """The merged cards' own contact information that the survivor does not have yet (one of each
    kind and value)."""
    seen = set(ContactInfo.objects.filter(client_id=to_id, contact=None).values_list("kind_id", "value"))
    moving = []
    rows = ContactInfo.objects.filter(client_id__in=from_ids, contact=None).order_by("client_id", "id")
    for pk, kind_id, value in rows.values_list("pk", "kind_id", "value"):
        if (kind_id, value) not in seen:
            seen.add((kind_id, value))
            moving.append(pk)
    return moving


def counts(from_ids: Sequence[int], to_id: int) -> dict[str, int]:
    """What a merge would move, in numbers per kind (as OWN_KINDS and the movers name them)."""
    found = {
        "clients.contactperson": ContactPerson.objects.filter(client_id__in=from_ids).count(),
        "clients.contactinfo": len(_moving_info(from_ids, to_id)),
        "clients.clientchange": ClientChange.objects.filter(client_id__in=from_ids).count(),
    }
    for mover in MOVERS.values():
        found.update(mover.count(from_ids))
    return found


def labelled(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """Counts by kind as (label in the reader's language, n)."""
    labels = dict(OWN_KINDS)
    for mover in MOVERS.values():
        labels.update(mover.kinds)
    return [(str(labels.get(kind, kind)), n) for kind, n in counts.items()]


def dry_run(from_ids: Sequence[int], to_id: int) -> list[tuple[str, int]]:
    """«Что будет перенесено»: (label, n) per kind."""
    return labelled(counts(from_ids, to_id))


def obstacles(from_ids: Sequence[int], to_id: int) -> list[str]:
    return [message for mover in MOVERS.values() for message in mover.obstacles(from_ids, to_id)]


def _locked(ids: Sequence[int]) -> dict[int, Client]:
    return {c.pk: c for c in Client.all_objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _value_of(client: Client, name: str):
    return getattr(client, Client._meta.get_field(name).attname)


def _instance(name: str, value):
    """A stored attname value back as what the field takes (a row for a foreign key)."""
    field = Client._meta.get_field(name)
    if field.is_relation and value is not None:
        return field.related_model._base_manager.filter(pk=value).first()
    return value


@transaction.atomic
def merge(
    ids: Sequence[int], survivor_id: int, choices: Mapping[str, int], versions: Mapping[int, int], *, user
) -> ClientMerge:
    """Merge the cards `ids` into `survivor_id`, each field's value from the card `choices` names
    (the default choice where it names none). `versions`: the cards' versions the preview showed;
    a card changed since refuses the merge (MergeRefused), as do the movers' obstacles."""
    clients = _locked(ids)
    if len(clients) != len(set(ids)) or len(clients) < 2 or survivor_id not in clients:
        raise MergeRefused(_("Карточки для объединения не найдены: возможно, их уже объединили или удалили."))
    changed = [c.name for pk, c in clients.items() if versions.get(pk) != c.version or c.merged_into_id]
    if changed:
        raise MergeRefused(
            _("Карточки изменены после того, как вы открыли сравнение: %(names)s. Проверьте значения ещё раз.")
            % {"names": ", ".join(changed)}
        )
    survivor = clients[survivor_id]
    others = [pk for pk in sorted(clients) if pk != survivor_id]
    refusals = obstacles(others, survivor_id)
    if refusals:
        raise MergeRefused(" ".join(refusals))
    ordered = [clients[pk] for pk in ids]
    plan = preview(ordered, survivor_id)
    chosen = {choice.key: choices.get(choice.key, choice.chosen) for choice in plan.fields}
    if any(pk not in clients for pk in chosen.values()):
        raise MergeRefused(_("Выбрано значение карточки, которой нет среди объединяемых."))
    fields = {}
    for name in MERGE_FIELDS:
        value = getattr(clients[chosen[name]], name)
        if _value_of(clients[chosen[name]], name) != _value_of(survivor, name):
            fields[name] = value
    if fields.get("kind", survivor.kind) != Client.Kind.COMPANY:
        fields["kpp"] = ""
    values = extra_fields.values_of_clients(list(clients))
    extra = {}
    for field in _extra_fields(ordered):
        value = values.get(chosen[f"extra_{field.pk}"], {}).get(field.pk)
        if value != values.get(survivor_id, {}).get(field.pk):
            extra[field] = value
    segments = {s for pk in others for s in clients[pk].segments.all()} - set(survivor.segments.all())
    record = ClientMerge(
        survivor=survivor,
        merged=others,
        author=user,
        counts=counts(others, survivor_id),
        survivor_before={
            "fields": {name: _value_of(survivor, name) for name in fields},
            "extra": {str(f.pk): extra_fields.to_json(f, values.get(survivor_id, {}).get(f.pk)) for f in extra},
            "set_extra": {str(f.pk): extra_fields.to_json(f, v) for f, v in extra.items()},
            "segments": sorted(s.pk for s in segments),
        },
    )
    record.moved = _move_own(others, survivor_id)
    for mover in MOVERS.values():
        record.moved.update(mover.reassign(others, survivor_id))
    names = ", ".join(
        f"{clients[pk].name} ({clients[pk].inn})" if clients[pk].inn else clients[pk].name for pk in others
    )
    _write(
        survivor,
        [clients[pk] for pk in others],
        merged_into=survivor,
        notes=(
            _note(gettext_lazy("Присоединены: %(names)s"), names=names),
            _note(gettext_lazy("Объединён с «%(name)s»"), name=survivor.name),
        ),
        user=user,
        change=ClientChangeSet(survivor, fields=fields, extra=extra, add_segments=segments),
    )
    record.survivor_before["set_fields"] = {name: _value_of(survivor, name) for name in fields}
    record.save()
    return record


def _write(
    survivor: Client,
    others: Sequence[Client],
    *,
    merged_into: Client | None,
    notes: tuple[list[dict], list[dict]],
    user,
    change: ClientChangeSet,
) -> None:
    """The survivor's `change` and the merged cards' mark, through the one client writer, each
    with its history line (`notes`: the survivor's, the others')."""
    change.note = notes[0]
    others_changes = [ClientChangeSet(c, fields={"merged_into": merged_into}, note=notes[1]) for c in others]
    write([change, *others_changes], user=user, source=ClientChange.Source.MERGE)


def _note(message, **args) -> list[dict]:
    """The merge's line in a card's history, in the site's language (as the writer keeps history)."""
    with override(settings.LANGUAGE_CODE):
        return [{"field": "merge", "label": str(_("Объединение")), "old": "", "new": str(message) % args}]


def _move_own(from_ids: Sequence[int], to_id: int) -> Moved:
    """The clients app's own rows: contact persons (with their contact information), the merged
    cards' own contact information the survivor lacks, their history."""
    persons = moved_rows(ContactPerson.objects.filter(client_id__in=from_ids), to_id)
    person_ids = [pk for ids in persons.values() for pk in ids]
    return {
        "clients.contactperson": persons,
        "clients.personinfo": moved_rows(ContactInfo.objects.filter(contact_id__in=person_ids), to_id),
        "clients.contactinfo": moved_rows(ContactInfo.objects.filter(pk__in=_moving_info(from_ids, to_id)), to_id),
        "clients.clientchange": moved_rows(ClientChange.objects.filter(client_id__in=from_ids), to_id),
    }


@transaction.atomic
def undo(record_id: int, *, user) -> ClientMerge:
    """Undo a merge: what moved goes back to the merged cards, which come back; the survivor's
    fields return to their values before — those nobody changed since (a later edit is kept)."""
    record = ClientMerge.objects.select_for_update().get(pk=record_id)
    if not record.may_undo:
        raise MergeRefused(
            _("Это объединение уже отменено.") if record.undone_at else _("Срок отмены объединения истёк.")
        )
    clients = _locked([record.survivor_id, *record.merged])
    survivor = clients[record.survivor_id]
    for kind, model in OWN_MODELS.items():
        return_rows(model, record.moved.get(kind, {}))
    for mover in MOVERS.values():
        mover.restore(record.moved)
    before = record.survivor_before
    fields = {
        name: _instance(name, value)
        for name, value in before.get("fields", {}).items()
        if _value_of(survivor, name) == before["set_fields"].get(name)
    }
    extra = _extra_back(survivor, before)
    segments = set(survivor.segments.filter(pk__in=before.get("segments", [])))
    names = ", ".join(clients[pk].name for pk in record.merged if pk in clients)
    _write(
        survivor,
        [clients[pk] for pk in record.merged if pk in clients],
        merged_into=None,
        notes=(
            _note(gettext_lazy("Отменено, отделены: %(names)s"), names=names),
            _note(gettext_lazy("Объединение отменено")),
        ),
        user=user,
        change=ClientChangeSet(survivor, fields=fields, extra=extra, remove_segments=segments),
    )
    record.undone_at, record.undone_by = timezone.now(), user
    record.save(update_fields=["undone_at", "undone_by"])
    return record


def _extra_back(survivor: Client, before: dict) -> dict[ExtraField, object]:
    """The survivor's extra values as they were, where they are still what the merge set."""
    fields = {str(f.pk): f for f in extra_fields.client_definitions()}
    now = extra_fields.values_of_clients([survivor.pk]).get(survivor.pk, {})
    back = {}
    for key, old in before.get("extra", {}).items():
        field = fields.get(key)
        if field is None or extra_fields.to_json(field, now.get(field.pk)) != before["set_extra"].get(key):
            continue
        try:
            back[field] = extra_fields.from_json(field, old)
        except LookupError:  # its list value was deleted since: left as the merge set it
            continue
    return back
