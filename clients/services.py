"""Business operations on client cards: saving with optimistic locking and history, bulk changes,
duplicate detection. Multi-row writes happen here and only here."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Max, ProtectedError, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from clients import extra_fields, imports
from clients.models import (
    BulkEditRun,
    Client,
    ClientChange,
    ClientImport,
    ContactInfo,
    ContactInfoKind,
    ExtraField,
    ExtraFieldOption,
    ExtraValue,
    FieldGroup,
    Segment,
)

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
# Fields that a bulk change may set.
BULK_FIELDS = ("responsible", "business_region", "abc_class", "xyz_class", "kind")


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


def set_extra_values(values: dict[ExtraField, object], *, client: Client | None = None, contact=None) -> None:
    """Upsert one owner's extra values in two statements; None clears a value."""
    owner_key, owner = ("client", client) if client is not None else ("contact", contact)
    upserts, cleared = [], []
    for field, value in values.items():
        if value is None:
            cleared.append(field.pk)
            continue
        if field.value_type == ExtraField.ValueType.LIST and value.field_id != field.pk:
            raise ValueError(f"option {value.pk} does not belong to field {field.pk}")
        row = ExtraValue(field=field, **{owner_key: owner})
        setattr(row, extra_fields.FIELD_TYPES[field.value_type].column, value)
        upserts.append(row)
    if cleared:
        ExtraValue.objects.filter(field_id__in=cleared, **{owner_key: owner}).delete()
    if upserts:
        ExtraValue.objects.bulk_create(
            upserts,
            update_conflicts=True,
            unique_fields=["field", owner_key],
            update_fields=list(ExtraValue.TYPED_COLUMNS),
        )


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
    return client


@transaction.atomic
def bulk_update_clients(
    clients: QuerySet[Client], values: dict, *, user, source: str = ClientChange.Source.BULK
) -> int:
    """Set the same built-in field values on many clients at once, all or nothing, writing one
    history entry per client that actually changed. Returns how many clients changed."""
    unknown = set(values) - set(BULK_FIELDS)
    if unknown:
        raise ValueError(f"fields not settable in bulk: {sorted(unknown)}")
    locked = list(
        clients.select_for_update(of=("self",)).select_related(
            *[f for f in values if f in ("responsible", "business_region")]
        )
    )
    changed: list[Client] = []
    history: list[ClientChange] = []
    for client in locked:
        before = {name: _display(client, name) for name in values}
        for name, value in values.items():
            setattr(client, name, value)
        after = {name: _display(client, name) for name in values}
        entry = diff(before, after)
        if not entry:
            continue
        client.version += 1
        changed.append(client)
        history.append(ClientChange(client=client, user=user, source=source, version=client.version, changes=entry))
    if changed:
        Client.objects.bulk_update(changed, [*values, "version", "updated_at"], batch_size=1000)
        ClientChange.objects.bulk_create(history, batch_size=1000)
    return len(changed)


def resolve_bulk_values(raw: dict) -> dict:
    """Turn JSON-safe values (primary keys for related fields) into what bulk_update_clients takes."""
    resolved = {}
    for name, value in raw.items():
        field = Client._meta.get_field(name)
        if field.is_relation:
            resolved[name] = field.related_model.objects.get(pk=value) if value is not None else None
        else:
            resolved[name] = value
    return resolved


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


# --- «Настроить поля»: fields, groups and list values -------------------------------------------


class FieldSettingsRefused(Exception):
    """A change to the field settings that would lose data or break the card; the message says
    why, in the user's language."""


def _next_order(queryset: QuerySet) -> int:
    last = queryset.aggregate(last=Max("order"))["last"]
    return 0 if last is None else last + 1


@transaction.atomic
def create_field(
    *,
    name: str,
    value_type: str,
    applies_to: str,
    group: FieldGroup,
    required: bool = False,
    options: Sequence[str] = (),
) -> ExtraField:
    """«Добавить поле»: a new field at the end of its group, a list field with its values in the
    given order. A duplicate name raises IntegrityError (the database has the last word)."""
    FieldGroup.objects.select_for_update().get(pk=group.pk)  # one new field per group at a time
    field = ExtraField.objects.create(
        name=name,
        value_type=value_type,
        applies_to=applies_to,
        group=group,
        required=required,
        order=_next_order(ExtraField.objects.filter(group=group)),
    )
    if value_type == ExtraField.ValueType.LIST:
        ExtraFieldOption.objects.bulk_create(
            ExtraFieldOption(field=field, name=option, order=order) for order, option in enumerate(options)
        )
    return field


def _crosses_owners(old: str, new: str) -> bool:
    """Client values cannot become contact person values, nor the other way round."""
    contacts = ExtraField.AppliesTo.CONTACTS
    return old != new and contacts in (old, new)


@transaction.atomic
def update_field(
    field: ExtraField,
    *,
    name: str,
    value_type: str,
    applies_to: str,
    group: FieldGroup,
    required: bool,
    hidden: bool,
) -> ExtraField:
    """Change a field's settings. Its type, or whether it belongs to clients or to contact persons,
    changes only while it has no values; a new group puts it at the end of that group."""
    locked = ExtraField.objects.select_for_update().get(pk=field.pk)
    if value_type != locked.value_type or _crosses_owners(locked.applies_to, applies_to):
        count = locked.values.count()
        if count and value_type != locked.value_type:
            raise FieldSettingsRefused(
                _("Тип значения нельзя изменить: у поля уже есть значения (%(count)s).") % {"count": count}
            )
        if count:
            raise FieldSettingsRefused(
                _(
                    "Принадлежность нельзя изменить между клиентами и контактными лицами: "
                    "у поля уже есть значения (%(count)s)."
                )
                % {"count": count}
            )
    if locked.value_type == ExtraField.ValueType.LIST and value_type != ExtraField.ValueType.LIST:
        locked.options.all().delete()
    locked.name, locked.value_type, locked.applies_to = name, value_type, applies_to
    locked.required, locked.hidden = required, hidden
    locked.save(update_fields=["name", "value_type", "applies_to", "required", "hidden"])
    if group.pk != locked.group_id:
        move_field(locked, group, ExtraField.objects.filter(group=group).count())
    return locked


@transaction.atomic
def delete_field(field: ExtraField) -> int:
    """Delete a field with all its values and list values; returns how many values went."""
    # Values first: they protect the list values they point to.
    deleted, _by_model = ExtraValue.objects.filter(field=field).delete()
    field.delete()
    return deleted


@transaction.atomic
def move_field(field: ExtraField, group: FieldGroup, position: int) -> None:
    """Put `field` at `position` (0-based, clamped to the ends) among the fields of `group`, and
    renumber the fields of the group it leaves and of the group it joins."""
    while True:
        source_id = ExtraField.objects.values_list("group_id", flat=True).get(pk=field.pk)
        group_ids = sorted({source_id, group.pk})
        # The groups' rows serialise moves: two moves touching the same groups never interleave.
        list(FieldGroup.objects.select_for_update().filter(pk__in=group_ids).order_by("pk"))
        fields = list(ExtraField.objects.select_for_update().filter(group_id__in=group_ids).order_by("order", "id"))
        moving = next((f for f in fields if f.pk == field.pk), None)
        if moving is not None:
            break  # else it was moved elsewhere meanwhile: lock its new group instead
    source = [f for f in fields if f.group_id == moving.group_id and f.pk != moving.pk]
    target = source if moving.group_id == group.pk else [f for f in fields if f.group_id == group.pk]
    target.insert(max(0, min(position, len(target))), moving)
    moving.group = group
    changed = {moving.pk: moving}
    for siblings in (source, target):
        for order, sibling in enumerate(siblings):
            if sibling.order != order:
                sibling.order = order
                changed[sibling.pk] = sibling
    ExtraField.objects.bulk_update(changed.values(), ["group", "order"])
    field.group, field.order = group, moving.order


def move_field_by(field: ExtraField, step: int) -> None:
    """Move a field `step` places up (negative) or down within its group: the «↑ ↓» buttons."""
    siblings = list(
        ExtraField.objects.filter(group_id=field.group_id).order_by("order", "id").values_list("pk", flat=True)
    )
    move_field(field, field.group, max(0, siblings.index(field.pk) + step))


@transaction.atomic
def move_group_by(group: FieldGroup, step: int) -> None:
    """Move a section `step` places up (negative) or down among the card's sections."""
    groups = list(FieldGroup.objects.select_for_update().order_by("order", "id"))
    index = next(i for i, g in enumerate(groups) if g.pk == group.pk)
    groups.insert(max(0, min(index + step, len(groups) - 1)), groups.pop(index))
    changed = []
    for order, each in enumerate(groups):
        if each.order != order:
            each.order = order
            changed.append(each)
    FieldGroup.objects.bulk_update(changed, ["order"])


def create_group(name: str) -> FieldGroup:
    """«Добавить группу»: a new section after the last one."""
    with transaction.atomic():
        return FieldGroup.objects.create(name=name, order=_next_order(FieldGroup.objects.all()))


@transaction.atomic
def delete_group(group: FieldGroup) -> None:
    """Delete an empty section; the card keeps at least one, where new fields go."""
    locked = FieldGroup.objects.select_for_update().get(pk=group.pk)
    count = locked.fields.count()
    if count:
        raise FieldSettingsRefused(
            _("В группе «%(group)s» есть поля (%(count)s): перенесите или удалите их, затем удалите группу.")
            % {"group": locked.name, "count": count}
        )
    if not FieldGroup.objects.exclude(pk=locked.pk).exists():
        raise FieldSettingsRefused(_("Это единственная группа: новым полям нужно место."))
    try:
        locked.delete()
    except ProtectedError:  # a field joined the group meanwhile
        raise FieldSettingsRefused(_("В группе «%(group)s» есть поля.") % {"group": locked.name})


def add_option(field: ExtraField, name: str) -> ExtraFieldOption:
    """«Добавить» a value at the end of a list field's values."""
    with transaction.atomic():
        ExtraField.objects.select_for_update().get(pk=field.pk)
        return ExtraFieldOption.objects.create(
            field=field, name=name, order=_next_order(ExtraFieldOption.objects.filter(field=field))
        )


@transaction.atomic
def move_option(option: ExtraFieldOption, step: int) -> None:
    """Move a list value `step` places up (negative) or down, renumbering the field's values."""
    options = list(
        ExtraFieldOption.objects.select_for_update().filter(field_id=option.field_id).order_by("order", "id")
    )
    index = next(i for i, o in enumerate(options) if o.pk == option.pk)
    moving = options.pop(index)
    options.insert(max(0, min(index + step, len(options))), moving)
    changed = []
    for order, each in enumerate(options):
        if each.order != order:
            each.order = order
            changed.append(each)
    ExtraFieldOption.objects.bulk_update(changed, ["order"])


def set_option_retired(option: ExtraFieldOption, retired: bool) -> None:
    """«Не используется»: a retired value stays on the clients that have it but is not offered."""
    ExtraFieldOption.objects.filter(pk=option.pk).update(retired=retired)
    option.retired = retired


def option_usage(field: ExtraField) -> dict[int, int]:
    """{list value id: how many clients and contact persons have it}, in one query."""
    rows = ExtraValue.objects.filter(field=field).values_list("value_option").annotate(count=Count("pk")).order_by()
    return dict(rows)


@transaction.atomic
def delete_option(option: ExtraFieldOption) -> None:
    """Delete a list value nobody has; a value in use can only be retired."""
    count = ExtraValue.objects.filter(field_id=option.field_id, value_option=option).count()
    if count:
        raise FieldSettingsRefused(
            _(
                "Значение «%(value)s» уже выбрано в карточках (%(count)s): его нельзя удалить, "
                "но можно отметить «Не используется»."
            )
            % {"value": option.name, "count": count}
        )
    try:
        option.delete()
    except ProtectedError:  # someone picked it meanwhile
        raise FieldSettingsRefused(_("Значение «%(value)s» уже используется.") % {"value": option.name})


# --- «Изменить выделенные»: many clients at once, in the request or as a Celery job -------------

BULK_EDIT_BATCH = 1000
# Up to this many clients a bulk edit runs in the request; above it, a Celery job does it
# (settings.CLIENTS_BULK_EDIT_SYNC_LIMIT overrides).
BULK_EDIT_SYNC_LIMIT = 1000
# How many of the clients skipped for lack of rights the result names.
SKIPPED_NAMES_SHOWN = 5

logger = logging.getLogger(__name__)


class BulkEditError(Exception):
    """A bulk edit that cannot be done as asked; the message says why, for the user."""


@dataclass
class BulkChanges:
    """What «Изменить выделенные» sets: built-in fields (None or "" clears), extra fields of
    clients (None clears), and a segment to add or to remove."""

    builtin: dict[str, object] = dataclass_field(default_factory=dict)
    extra: dict[ExtraField, object] = dataclass_field(default_factory=dict)
    add_segment: Segment | None = None
    remove_segment: Segment | None = None

    def is_empty(self) -> bool:
        return not (self.builtin or self.extra or self.add_segment or self.remove_segment)

    def to_json(self) -> dict:
        """JSON-safe, for a stored run: primary keys for objects, text for numbers and dates."""
        return {
            "builtin": {name: getattr(value, "pk", value) for name, value in self.builtin.items()},
            "extra": {str(field.pk): _extra_to_json(field, value) for field, value in self.extra.items()},
            "add_segment": self.add_segment.pk if self.add_segment else None,
            "remove_segment": self.remove_segment.pk if self.remove_segment else None,
        }

    @classmethod
    def from_json(cls, data: dict) -> BulkChanges:
        """The changes a run stored; raises BulkEditError when something they name is gone."""
        builtin = {}
        for name, value in data.get("builtin", {}).items():
            model_field = Client._meta.get_field(name)
            if model_field.is_relation and value is not None:
                value = model_field.related_model.objects.filter(pk=value).first()
                if value is None:
                    raise BulkEditError(
                        _("Значение поля «%(field)s» удалено, пока шло изменение.")
                        % {"field": model_field.verbose_name}
                    )
            builtin[name] = value
        raw_extra = data.get("extra", {})
        fields = ExtraField.objects.filter(pk__in=[int(k) for k in raw_extra]).prefetch_related("options")
        fields = {f.pk: f for f in fields} if raw_extra else {}
        extra = {}
        for key, value in raw_extra.items():
            field = fields.get(int(key))
            if field is None:
                raise BulkEditError(_("Дополнительное поле удалено, пока шло изменение."))
            extra[field] = _extra_from_json(field, value)
        add, remove = data.get("add_segment"), data.get("remove_segment")
        wanted = [pk for pk in (add, remove) if pk is not None]
        segments = {s.pk: s for s in Segment.objects.filter(pk__in=wanted)} if wanted else {}
        if (add is not None and add not in segments) or (remove is not None and remove not in segments):
            raise BulkEditError(_("Сегмент удалён, пока шло изменение."))
        return cls(builtin, extra, segments.get(add), segments.get(remove))


def _extra_to_json(field: ExtraField, value):
    if value is None or field.value_type in (ExtraField.ValueType.FLAG, ExtraField.ValueType.STRING):
        return value
    if field.value_type == ExtraField.ValueType.LIST:
        return value.pk
    if field.value_type == ExtraField.ValueType.NUMBER:
        return str(value)
    return value.isoformat()


def _extra_from_json(field: ExtraField, value):
    if value is None or field.value_type in (ExtraField.ValueType.FLAG, ExtraField.ValueType.STRING):
        return value
    if field.value_type == ExtraField.ValueType.LIST:
        option = next((o for o in field.options.all() if o.pk == value), None)
        if option is None:
            raise BulkEditError(
                _("Значение списка поля «%(field)s» удалено, пока шло изменение.") % {"field": field.name}
            )
        return option
    if field.value_type == ExtraField.ValueType.NUMBER:
        return Decimal(value)
    return date.fromisoformat(value)


@dataclass
class BulkEditResult:
    total: int = 0  # the selected clients that exist
    changed: int = 0
    skipped: int = 0  # the user may not edit them
    skipped_names: list[str] = dataclass_field(default_factory=list)


def _kind_conflicts(client: Client, kind: str) -> bool:
    """Whether the client's ИНН or КПП cannot stay as they are under the other kind."""
    if kind == client.kind:
        return False
    if kind == Client.Kind.INDIVIDUAL:
        return bool(client.kpp) or len(client.inn) == 10
    return len(client.inn) == 12


@transaction.atomic
def bulk_edit_clients(
    client_ids: Iterable[int],
    changes: BulkChanges,
    *,
    user,
    on_progress: Callable[[int], None] | None = None,
) -> BulkEditResult:
    """«Изменить выделенные»: apply the same changes to many clients, all or nothing. Clients the
    user may not edit are skipped and counted; unknown ids are ignored. Every client that actually
    changes gets its version bumped and one history entry listing all its changes. A few
    statements per 1,000 clients, whatever the number of fields."""
    unknown = set(changes.builtin) - set(BULK_FIELDS)
    if unknown:
        raise ValueError(f"fields not settable in bulk: {sorted(unknown)}")
    if any(field.for_contacts for field in changes.extra):
        raise ValueError("contact person fields are not set on clients")
    ids = sorted(set(client_ids))
    result = BulkEditResult()
    now = timezone.now()
    # History text is stored once, in the site's language, whoever made the change.
    with override(settings.LANGUAGE_CODE):
        for start in range(0, len(ids), BULK_EDIT_BATCH):
            _bulk_edit_batch(ids[start : start + BULK_EDIT_BATCH], changes, user=user, result=result, now=now)
            if on_progress is not None:
                on_progress(min(start + BULK_EDIT_BATCH, len(ids)))
    return result


def _bulk_edit_batch(ids: list[int], changes: BulkChanges, *, user, result: BulkEditResult, now) -> None:
    related = [name for name in changes.builtin if name in ("responsible", "business_region")]
    clients = list(
        Client.objects.filter(pk__in=ids).order_by("pk").select_for_update(of=("self",)).select_related(*related)
    )
    result.total += len(clients)
    editable = []
    for client in clients:
        if client.editable_by(user):
            editable.append(client)
        else:
            result.skipped += 1
            if len(result.skipped_names) < SKIPPED_NAMES_SHOWN:
                result.skipped_names.append(client.name)
    if "kind" in changes.builtin:
        conflicts = [c.name for c in editable if _kind_conflicts(c, changes.builtin["kind"])]
        if conflicts:
            raise BulkEditError(
                _(
                    "Вид нельзя изменить на «%(kind)s»: ИНН или КПП не подходят у клиентов: %(names)s. "
                    "Исправьте их карточки или уберите их из выбора."
                )
                % {
                    "kind": Client.Kind(changes.builtin["kind"]).label,
                    "names": ", ".join(conflicts[:SKIPPED_NAMES_SHOWN])
                    + (f" (+{len(conflicts) - SKIPPED_NAMES_SHOWN})" if len(conflicts) > SKIPPED_NAMES_SHOWN else ""),
                }
            )
    editable_ids = [c.pk for c in editable]

    segment_names: dict[int, set[str]] = defaultdict(set)
    segment_ids: dict[int, set[int]] = defaultdict(set)
    through = Client.segments.through
    if changes.add_segment or changes.remove_segment:
        rows = through.objects.filter(client_id__in=editable_ids).values_list(
            "client_id", "segment_id", "segment__name"
        )
        for client_id, segment_id, name in rows:
            segment_ids[client_id].add(segment_id)
            segment_names[client_id].add(name)

    current: dict[tuple[int, int], str] = {}
    if changes.extra:
        by_id = {field.pk: field for field in changes.extra}
        rows = ExtraValue.objects.filter(client_id__in=editable_ids, field_id__in=list(by_id)).select_related(
            "value_option"
        )
        for row in rows:
            current[(row.client_id, row.field_id)] = extra_fields.display(by_id[row.field_id], row.value)
    new_text = {
        field: "" if value is None else extra_fields.display(field, value) for field, value in changes.extra.items()
    }
    attnames = {name: Client._meta.get_field(name).attname for name in changes.builtin}
    # Rows are built from ids, not objects: 10,000 of them cost noticeably less that way.
    columns = {
        field: ExtraValue._meta.get_field(extra_fields.FIELD_TYPES[field.value_type].column).attname
        for field in changes.extra
    }
    values = {field: getattr(value, "pk", value) for field, value in changes.extra.items()}
    changed_ids: list[int] = []
    history: list[ClientChange] = []
    upserts: list[ExtraValue] = []
    cleared: dict[int, list[int]] = defaultdict(list)
    segment_added: list[int] = []
    segment_removed: list[int] = []
    for client in editable:
        entry = []
        for name, value in changes.builtin.items():
            attname = attnames[name]
            old_value, old_text = getattr(client, attname), _display(client, name)
            setattr(client, name, value)
            if getattr(client, attname) != old_value:
                entry.append({"field": name, "old": old_text, "new": _display(client, name)})
        if changes.add_segment or changes.remove_segment:
            before = segment_names[client.pk]
            after = set(before)
            if changes.add_segment and changes.add_segment.pk not in segment_ids[client.pk]:
                after.add(changes.add_segment.name)
                segment_added.append(client.pk)
            if changes.remove_segment and changes.remove_segment.pk in segment_ids[client.pk]:
                after.discard(changes.remove_segment.name)
                segment_removed.append(client.pk)
            if after != before:
                entry.append({"field": "segments", "old": ", ".join(sorted(before)), "new": ", ".join(sorted(after))})
        for field, value in changes.extra.items():
            if not field.applies_to_client(client):
                continue
            old = current.get((client.pk, field.pk), "")
            if old == new_text[field]:
                continue
            entry.append({"field": extra_key(field), "label": field.name, "old": old, "new": new_text[field]})
            if value is None:
                cleared[field.pk].append(client.pk)
            else:
                upserts.append(ExtraValue(field_id=field.pk, client_id=client.pk, **{columns[field]: values[field]}))
        if entry:
            client.version += 1
            changed_ids.append(client.pk)
            history.append(
                ClientChange(
                    client_id=client.pk,
                    user_id=user.pk,
                    source=ClientChange.Source.BULK,
                    version=client.version,
                    changes=entry,
                )
            )
    if not changed_ids:
        return
    # The same values for every changed client: one UPDATE, the version bumped by the database.
    Client.objects.filter(pk__in=changed_ids).update(**changes.builtin, version=F("version") + 1, updated_at=now)
    for field_id, client_ids in cleared.items():
        ExtraValue.objects.filter(field_id=field_id, client_id__in=client_ids).delete()
    if upserts:
        ExtraValue.objects.bulk_create(
            upserts,
            update_conflicts=True,
            unique_fields=["field", "client"],
            update_fields=list(ExtraValue.TYPED_COLUMNS),
            batch_size=BULK_EDIT_BATCH,
        )
    if segment_added:
        through.objects.bulk_create(
            [through(client_id=pk, segment_id=changes.add_segment.pk) for pk in segment_added],
            ignore_conflicts=True,
            batch_size=BULK_EDIT_BATCH,
        )
    if segment_removed:
        through.objects.filter(segment_id=changes.remove_segment.pk, client_id__in=segment_removed).delete()
    ClientChange.objects.bulk_create(history, batch_size=BULK_EDIT_BATCH)
    result.changed += len(changed_ids)


def bulk_edit_sync_limit() -> int:
    return getattr(settings, "CLIENTS_BULK_EDIT_SYNC_LIMIT", BULK_EDIT_SYNC_LIMIT)


def create_bulk_edit_run(
    client_ids: Sequence[int], changes: BulkChanges, *, user, filter_query: str = ""
) -> BulkEditRun:
    """Store what to change on which clients; execute_bulk_edit_run does it."""
    if changes.is_empty():
        raise ValueError("nothing to change")
    return BulkEditRun.objects.create(
        author=user,
        parameters={"ids": list(client_ids), "filter": filter_query, "changes": changes.to_json()},
        total=len(client_ids),
    )


def runs_in_background(run: BulkEditRun) -> bool:
    """Large runs go to a Celery job, so that the request does not wait for them."""
    return run.total > bulk_edit_sync_limit()


def _progress_key(run_id: int) -> str:
    return f"clients:bulk-edit:{run_id}:done"


def bulk_edit_progress(run: BulkEditRun) -> int:
    """How many of the run's clients are processed: read from the cache while the run's
    transaction is open, since its rows are not visible before the commit."""
    if run.finished:
        return run.total
    return cache.get(_progress_key(run.pk), 0)


def execute_bulk_edit_run(run_id: int) -> BulkEditRun | None:
    """Do a stored run, once. The run is claimed (new → running) and then locked inside the
    transaction that changes the clients and marks it done, so a duplicated or retried job finds
    it taken or finished and does nothing, while a run whose worker died (its transaction rolled
    back, the run left running) is taken again. Returns the run if this call did it."""
    BulkEditRun.objects.filter(pk=run_id, state=BulkEditRun.State.NEW).update(
        state=BulkEditRun.State.RUNNING, started_at=timezone.now()
    )
    try:
        with transaction.atomic():
            run = (
                BulkEditRun.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("author")
                .filter(pk=run_id, state=BulkEditRun.State.RUNNING)
                .first()
            )
            if run is None:
                return None
            if run.author is None:
                raise BulkEditError(_("Автор изменения удалён."))
            result = bulk_edit_clients(
                run.parameters.get("ids", []),
                BulkChanges.from_json(run.parameters.get("changes", {})),
                user=run.author,
                on_progress=lambda done: cache.set(_progress_key(run_id), done, timeout=3600),
            )
            run.state = BulkEditRun.State.DONE
            run.total, run.changed, run.skipped = result.total, result.changed, result.skipped
            run.skipped_names = result.skipped_names
            run.finished_at = timezone.now()
            run.save()
            return run
    except BulkEditError as error:
        message = str(error)
    except Exception:
        logger.exception("bulk edit run %s failed", run_id)
        message = _("Не удалось выполнить изменение из-за ошибки на сервере.")
    BulkEditRun.objects.filter(pk=run_id, state=BulkEditRun.State.RUNNING).update(
        state=BulkEditRun.State.FAILED, error=message, finished_at=timezone.now()
    )
    return BulkEditRun.objects.get(pk=run_id)


# --- «Загрузка клиентов» from xlsx and csv files ------------------------------------------------

IMPORT_BATCH = 1000
# An upload left before its import is deleted, with its file, after this long.
IMPORT_KEEP = timedelta(hours=24)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # [{"row": 7, "name": "ООО «Ромашка»", "reasons": ["ИНН: ..."]}, ...]
    errors: list[dict] = dataclass_field(default_factory=list)

    def to_json(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged, "errors": self.errors}

    @classmethod
    def from_json(cls, data: dict) -> ImportReport:
        return cls(**{key: data.get(key, default) for key, default in cls().to_json().items()})


def create_client_import(upload, *, user) -> ClientImport:
    """Step 1: keep an uploaded file for the next steps, once it reads as a table with a header.
    Raises imports.ImportFileError with a message for the user."""
    if upload.size > imports.max_bytes():
        raise imports.ImportFileError(
            _("Файл больше %(limit)s МБ: разделите его на несколько файлов.")
            % {"limit": f"{imports.max_bytes() / 1024 / 1024:g}"}
        )
    head = upload.read(4)
    upload.seek(0)
    file_format = imports.detect_format(upload.name, head)
    # The header and the first rows prove the file readable; the whole file is read at the import.
    sheet = imports.read_sheet(upload, file_format, limit=imports.PREVIEW_ROWS)
    upload.seek(0)
    discard_stale_imports()
    record = ClientImport(
        user=user,
        original_name=upload.name[-255:],
        file_format=file_format,
        headers=sheet.headers,
        row_count=sheet.total,
    )
    record.file.save(upload.name, upload, save=False)
    record.save()
    return record


def discard_stale_imports() -> int:
    """Delete the uploads older than IMPORT_KEEP, with their files; returns how many."""
    stale = list(ClientImport.objects.filter(created_at__lt=timezone.now() - IMPORT_KEEP))
    for record in stale:
        if record.file:
            record.file.delete(save=False)
    ClientImport.objects.filter(pk__in=[r.pk for r in stale]).delete()
    return len(stale)


def _read_import(record: ClientImport, *, limit: int | None = None) -> imports.Sheet:
    if not record.file or not record.file.storage.exists(record.file.name):
        raise imports.ImportFileError(_("Загруженный файл больше не хранится: загрузите его снова."))
    with record.file.open("rb") as file:
        return imports.read_sheet(file, record.file_format, limit=limit)


def preview_client_import(
    record: ClientImport, mapping: dict[int, str], fields: Sequence[ExtraField]
) -> list[imports.ImportRow]:
    """Step 2: the first rows of the file as they would import, each with its problems. Writes nothing."""
    sheet = _read_import(record, limit=imports.PREVIEW_ROWS)
    rows = imports.parse_rows(sheet.rows, mapping, imports.Lookups.load(fields))
    plan_client_import(rows)
    return rows


def run_client_import(
    record: ClientImport, mapping: dict[int, str], fields: Sequence[ExtraField], *, user
) -> ImportReport:
    """Step 3: import the whole file (see import_clients), keep the report and delete the file.
    A second submit of the same upload returns the first one's report and imports nothing."""
    with transaction.atomic():
        locked = ClientImport.objects.select_for_update().get(pk=record.pk)
        if locked.finished:
            return ImportReport.from_json(locked.report)
        sheet = _read_import(locked)
        rows = imports.parse_rows(sheet.rows, mapping, imports.Lookups.load(fields))
        report = import_clients(rows, user=user)
        storage, name = locked.file.storage, locked.file.name
        locked.file = ""
        locked.mapping = {str(index): target for index, target in mapping.items()}
        locked.report = report.to_json()
        locked.finished_at = timezone.now()
        locked.save()
        transaction.on_commit(lambda: storage.delete(name))
    record.refresh_from_db()
    return report


def plan_client_import(rows: Sequence[imports.ImportRow], *, lock: bool = False) -> dict[int, dict[int, object]]:
    """Find the client each good row updates: the one with its ИНН (and its КПП, or without one,
    when the row gives one); rows without an ИНН create clients. Checks each row against that
    client and against the rows above it. Returns the current extra values of the found clients
    ({client id: {field id: value}}), for the fields the rows set."""
    inns = {row.inn for row in rows if row.ok and row.inn}
    by_inn: dict[str, list[Client]] = defaultdict(list)
    if inns:
        found = Client.objects.filter(inn__in=inns).select_related("responsible", "business_region").order_by("pk")
        if lock:
            found = found.select_for_update(of=("self",))
        for client in found:
            by_inn[client.inn].append(client)
    field_ids = {field.pk for row in rows for field in row.extra}
    client_ids = [client.pk for clients in by_inn.values() for client in clients]
    current: dict[int, dict[int, object]] = defaultdict(dict)
    if field_ids and client_ids:
        values = ExtraValue.objects.filter(client_id__in=client_ids, field_id__in=field_ids).select_related(
            "value_option"
        )
        for value in values:
            current[value.client_id][value.field_id] = value.value
    seen: dict[tuple[str, str], int] = {}
    claimed: dict[int, int] = {}
    for row in rows:
        if not row.ok:
            continue
        client = None
        if row.inn:
            candidates = by_inn.get(row.inn, [])
            if row.kpp:
                candidates = [c for c in candidates if c.kpp == row.kpp] or [c for c in candidates if not c.kpp]
            key = (row.inn, row.kpp)
            if key in seen:
                row.errors.append(
                    _("ИНН %(inn)s уже есть в строке %(row)s файла.") % {"inn": row.inn, "row": seen[key]}
                )
                continue
            seen[key] = row.number
            if len(candidates) > 1:
                row.errors.append(
                    _("В базе несколько клиентов с ИНН %(inn)s: укажите КПП, чтобы выбрать одного.") % {"inn": row.inn}
                )
                continue
            client = candidates[0] if candidates else None
        if client is not None:
            if client.pk in claimed:
                row.errors.append(
                    _("Клиент «%(name)s» уже загружается из строки %(row)s.")
                    % {"name": client.name, "row": claimed[client.pk]}
                )
                continue
            claimed[client.pk] = row.number
        row.client = client
        imports.check_row(row, client, current.get(client.pk, {}) if client else {})
    return current


@transaction.atomic
def import_clients(rows: Sequence[imports.ImportRow], *, user) -> ImportReport:
    """Create or update the clients of the good rows, in one transaction and a few statements per
    1,000 rows; bad rows are reported with their reasons and do not stop the good ones. Empty cells
    change nothing; phones and e-mails are added unless the client has them already. Every created
    or changed client gets a history entry (source «Загрузка») and, if it existed, a new version."""
    current = plan_client_import(rows, lock=True)
    report = ImportReport(
        errors=[{"row": row.number, "name": row.name, "reasons": row.errors} for row in rows if row.errors]
    )
    good = [row for row in rows if row.ok]
    kinds = {
        ContactInfoKind.ValueType.PHONE: imports.client_contact_kind(ContactInfoKind.ValueType.PHONE),
        ContactInfoKind.ValueType.EMAIL: imports.client_contact_kind(ContactInfoKind.ValueType.EMAIL),
    }
    own_values: dict[int, set[str]] = defaultdict(set)
    with_contacts = [row.client.pk for row in good if row.client and (row.phones or row.emails)]
    if with_contacts:
        infos = ContactInfo.objects.filter(
            client_id__in=with_contacts, contact__isnull=True, kind__value_type__in=list(kinds)
        ).values_list("client_id", "value")
        for client_id, value in infos:
            own_values[client_id].add(value)
    now = timezone.now()
    created: list[Client] = []
    changed: list[Client] = []
    changed_fields: set[str] = set()
    upserts: list[tuple[Client, ExtraField, object]] = []
    new_infos: list[ContactInfo] = []
    # (client, its history entry so far) for every created or changed client
    entries: list[tuple[Client, list[dict[str, str]]]] = []
    # History text is stored once, in the site's language, whoever made the change.
    with override(settings.LANGUAGE_CODE):
        for row in good:
            client = row.client or Client(version=1)
            # Only what the row changes is compared: a full snapshot per client costs queries.
            before: dict[str, str] = {}
            after: dict[str, str] = {}
            labels: dict[str, str] = {}
            for name, value in row.values.items():
                attname = Client._meta.get_field(name).attname
                old_value = getattr(client, attname)
                old_text = _display(client, name) if row.client else ""
                setattr(client, name, value)
                if getattr(client, attname) != old_value or not row.client:
                    before[name], after[name] = old_text, _display(client, name)
            values = current.get(client.pk, {}) if row.client else {}
            for field, value in row.extra.items():
                old = values.get(field.pk)
                if old == value:
                    continue
                key = extra_key(field)
                labels[key] = field.name
                before[key] = "" if old is None else extra_fields.display(field, old)
                after[key] = extra_fields.display(field, value)
                upserts.append((client, field, value))
            entry = diff(before, after, labels)
            known = own_values[client.pk] if row.client else set()
            infos = [
                ContactInfo(client=client, kind=kinds[value_type], value=value)
                for value_type, values_of_type in (
                    (ContactInfoKind.ValueType.PHONE, row.phones),
                    (ContactInfoKind.ValueType.EMAIL, row.emails),
                )
                for value in values_of_type
                if value not in known
            ]
            if row.client is None:
                created.append(client)
            elif entry or infos:
                client.version += 1
                client.updated_at = now
                changed.append(client)
                changed_fields.update(row.values)
            else:
                report.unchanged += 1
                continue
            new_infos.extend(infos)
            entries.append((client, entry))
        Client.objects.bulk_create(created, batch_size=IMPORT_BATCH)
        if changed:
            # An upsert on the primary key: one INSERT … ON CONFLICT per batch, where bulk_update's
            # CASE per field and row takes minutes at 10k rows. The rows exist and are locked.
            Client.objects.bulk_create(
                changed,
                update_conflicts=True,
                unique_fields=["pk"],
                update_fields=sorted(changed_fields | {"version", "updated_at"}),
                batch_size=IMPORT_BATCH,
            )
        if upserts:
            extra_rows = []
            for client, field, value in upserts:
                extra_row = ExtraValue(field=field, client_id=client.pk)
                setattr(extra_row, extra_fields.FIELD_TYPES[field.value_type].column, value)
                extra_rows.append(extra_row)
            ExtraValue.objects.bulk_create(
                extra_rows,
                update_conflicts=True,
                unique_fields=["field", "client"],
                update_fields=list(ExtraValue.TYPED_COLUMNS),
                batch_size=IMPORT_BATCH,
            )
        ContactInfo.objects.bulk_create(new_infos, batch_size=IMPORT_BATCH)
        info_texts = _contact_info_changes(new_infos, existing={c.pk for c in changed})
        history = []
        for client, entry in entries:
            if client.pk in info_texts:
                old, new = info_texts[client.pk]
                entry.append({"field": "contact_info", "old": old, "new": new})
            history.append(
                ClientChange(
                    client=client, user=user, source=ClientChange.Source.IMPORT, version=client.version, changes=entry
                )
            )
        ClientChange.objects.bulk_create(history, batch_size=IMPORT_BATCH)
    report.created, report.updated = len(created), len(changed)
    return report


def _contact_info_changes(new_infos: Sequence[ContactInfo], *, existing: set[int]) -> dict[int, tuple[str, str]]:
    """{client id: (contact info text before, after)} for the clients that got `new_infos`, in the
    card history's format (see _contact_info_text); one query reads what the `existing` clients had."""
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
        return "; ".join(
            f"{f'{i.contact.name}, ' if i.contact_id else ''}{i.kind.name}: {i.display_value}" for i in ordered
        )

    return {
        client_id: (text(i for i in infos if i.pk not in new_ids), text(infos))
        for client_id, infos in by_client.items()
    }
