"""«Настроить поля»: fields, groups and list values; «Обязательные реквизиты»."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Count, Max, ProtectedError, QuerySet
from django.utils.translation import gettext as _

from clients import completeness
from clients.models import ExtraField, ExtraFieldOption, ExtraValue, FieldGroup
from crm import runs


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
    _move_by(FieldGroup.objects.select_for_update(), group.pk, step)


def _move_by(rows: QuerySet, pk: int, step: int) -> None:
    """Move the row `pk` of `rows` (locked, ordered by `order`) `step` places, clamped to the ends,
    and renumber the rows from 0: one UPDATE of those whose place changed."""
    ordered = list(rows.order_by("order", "id"))
    index = next(i for i, row in enumerate(ordered) if row.pk == pk)
    moving = ordered.pop(index)
    ordered.insert(max(0, min(index + step, len(ordered))), moving)
    changed = []
    for order, row in enumerate(ordered):
        if row.order != order:
            row.order = order
            changed.append(row)
    rows.model.objects.bulk_update(changed, ["order"])


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
    _move_by(ExtraFieldOption.objects.select_for_update().filter(field_id=option.field_id), option.pk, step)


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


@transaction.atomic
def require(*, properties: Sequence[str], kind_ids: Sequence[int], field_ids: Sequence[int]) -> None:
    """«Обязательные реквизиты»: store what a complete card has and queue the recompute of every
    card's «Заполненность» — both or neither (crm.runs.QueueUnavailable when the queue is down),
    so that the scores never go stale."""
    completeness.set_required(properties=properties, kind_ids=kind_ids, field_ids=field_ids)
    runs.enqueue("clients.recompute_completeness")
