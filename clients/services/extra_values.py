"""Extra field values (EAV) of one client or contact person, written in two statements."""

from __future__ import annotations

from clients import extra_fields
from clients.models import Client, ExtraField, ExtraValue


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
