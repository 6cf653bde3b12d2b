"""The form of «Изменить выделенные»: for each field that can be set in bulk, an «изменить» tick
and the new value. A ticked field with an empty value is cleared; an unticked one is left alone,
whatever its box holds."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from clients import extra_fields as extra
from clients.models import BusinessRegion, Client, ExtraField, FieldGroup, Segment
from clients.services import BulkChanges
from crm.forms import MarksInvalidFieldsMixin, style_widgets
from crm.users import user_name

BUILTIN_FIELDS = ("responsible", "business_region", "kind", "abc_class", "xyz_class")
SEGMENT_FIELDS = ("add_segment", "remove_segment")
# Fields that have no «empty» value: ticking them means choosing one.
REQUIRED_WHEN_TICKED = ("kind", *SEGMENT_FIELDS)
EMPTY = "—"


def tick_name(name: str) -> str:
    return f"change_{name}"


class BulkEditForm(MarksInvalidFieldsMixin, forms.Form):
    def __init__(self, *args, extra_fields: list[ExtraField] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.extra_fields = [f for f in extra_fields if not f.for_contacts]
        self.value_names: list[str] = []
        users = get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name", "username")
        responsible = forms.ModelChoiceField(users, label=_("Ответственный менеджер"), empty_label=_("— не назначен —"))
        responsible.label_from_instance = user_name
        self._add("responsible", responsible)
        self._add(
            "business_region",
            forms.ModelChoiceField(
                BusinessRegion.objects.all(), label=_("Бизнес-регион"), empty_label=_("— не указан —")
            ),
        )
        self._add("kind", forms.ChoiceField(choices=[("", EMPTY), *Client.Kind.choices], label=_("Вид")))
        self._add("abc_class", forms.ChoiceField(choices=[("", EMPTY), *Client.ABC.choices], label=_("ABC-класс")))
        self._add("xyz_class", forms.ChoiceField(choices=[("", EMPTY), *Client.XYZ.choices], label=_("XYZ-класс")))
        segments = Segment.objects.filter(kind=Segment.Kind.MANUAL)  # a dynamic one is its filter's
        self._add("add_segment", forms.ModelChoiceField(segments, label=_("Сегмент: добавить"), empty_label=EMPTY))
        self._add("remove_segment", forms.ModelChoiceField(segments, label=_("Сегмент: исключить"), empty_label=EMPTY))
        for field in self.extra_fields:
            form_field = extra.FIELD_TYPES[field.value_type].form_field(field, None)
            form_field.label = field.name
            form_field.extra_field = field
            self._add(extra.form_field_name(field), form_field)
        style_widgets(self.fields)

    def _add(self, name: str, field: forms.Field) -> None:
        field.required = False
        # Choosing or typing a value ticks its box (static/crm/crm.js).
        field.widget.attrs["data-bulk-tick"] = f"id_{tick_name(name)}"
        self.fields[tick_name(name)] = forms.BooleanField(
            label=_("Изменить"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
        )
        self.fields[name] = field
        self.value_names.append(name)

    def ticked(self) -> list[str]:
        return [name for name in self.value_names if self.cleaned_data.get(tick_name(name))]

    def clean(self):
        cleaned = super().clean()
        ticked = self.ticked()
        for name in self.value_names:
            if name not in ticked:
                # A value that will not be used need not be valid.
                self._errors.pop(name, None)
                cleaned.pop(name, None)
        if not ticked:
            raise ValidationError(_("Отметьте «Изменить» у полей, которые нужно изменить."), code="nothing_ticked")
        for name in REQUIRED_WHEN_TICKED:
            if name in ticked and name not in self._errors and cleaned.get(name) in (None, ""):
                self.add_error(name, _("Выберите значение."))
        add, remove = cleaned.get("add_segment"), cleaned.get("remove_segment")
        if add is not None and add == remove:
            self.add_error("remove_segment", _("Один и тот же сегмент нельзя и добавить, и исключить."))
        return cleaned

    def changes(self) -> BulkChanges:
        ticked = set(self.ticked())
        fields = [f for f in self.extra_fields if extra.form_field_name(f) in ticked]
        return BulkChanges(
            builtin={name: self.cleaned_data[name] for name in BUILTIN_FIELDS if name in ticked},
            extra=extra.cleaned_values(self, fields),
            add_segment=self.cleaned_data.get("add_segment") if "add_segment" in ticked else None,
            remove_segment=self.cleaned_data.get("remove_segment") if "remove_segment" in ticked else None,
        )

    def _row(self, name: str) -> tuple[forms.BoundField, forms.BoundField]:
        return self[tick_name(name)], self[name]

    def builtin_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [self._row(name) for name in (*BUILTIN_FIELDS, *SEGMENT_FIELDS)]

    def extra_sections(self) -> list[tuple[FieldGroup, list[tuple[forms.BoundField, forms.BoundField, ExtraField]]]]:
        """The user's sections in their order, each with (tick, value, field) rows."""
        sections: dict[FieldGroup, list] = {}
        for field in self.extra_fields:
            sections.setdefault(field.group, []).append((*self._row(extra.form_field_name(field)), field))
        return list(sections.items())
