"""Forms of «Настроить поля»: fields, groups, list values and moves. Names are checked here first,
so that a duplicate gets a clear message; the database constraints stay the last word."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from clients.models import ExtraField, ExtraFieldOption, FieldGroup
from crm.forms import MarksInvalidFieldsMixin, style_widgets

NAME_MAX_LENGTH = 150


def _clean_name(value: str) -> str:
    name = " ".join((value or "").split())
    if not name:
        raise forms.ValidationError(_("Укажите наименование."))
    return name


def duplicate_field_error(name: str, applies_to: str) -> str:
    return _("Поле «%(name)s» для «%(applies_to)s» уже есть: выберите другое наименование.") % {
        "name": name,
        "applies_to": ExtraField.AppliesTo(applies_to).label,
    }


class _FieldForm(MarksInvalidFieldsMixin, forms.ModelForm):
    """What «Добавить поле» and the field's own page share: the name, unique per «Принадлежность»
    whatever the case."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = FieldGroup.objects.order_by("order", "id")
        self.fields["group"].empty_label = None
        self.fields["name"].widget.attrs["autofocus"] = True
        # fields.js shows «Значения списка» only for the «Список» type.
        self.fields["value_type"].widget.attrs["data-field-type"] = ""
        style_widgets(self.fields)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"

    def clean_name(self) -> str:
        return _clean_name(self.cleaned_data.get("name"))

    def clean(self):
        cleaned = super().clean()
        name, applies_to = cleaned.get("name"), cleaned.get("applies_to")
        if name and applies_to:
            others = ExtraField.objects.filter(name__iexact=name, applies_to=applies_to).exclude(pk=self.instance.pk)
            if others.exists():
                self.add_error("name", duplicate_field_error(name, applies_to))
        return cleaned


class FieldCreateForm(_FieldForm):
    options = forms.CharField(
        label=_("Значения списка"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Для поля типа «Список»: по одному значению в строке."),
    )

    class Meta:
        model = ExtraField
        fields = ["name", "value_type", "applies_to", "group", "required"]

    def clean_options(self) -> list[str]:
        values: list[str] = []
        seen: set[str] = set()
        for line in self.cleaned_data.get("options", "").splitlines():
            value = " ".join(line.split())
            if not value:
                continue
            if len(value) > NAME_MAX_LENGTH:
                raise forms.ValidationError(
                    _("Значение «%(value)s…» длиннее %(limit)s символов.")
                    % {"value": value[:30], "limit": NAME_MAX_LENGTH}
                )
            if value.casefold() in seen:
                raise forms.ValidationError(_("Значение «%(value)s» повторяется.") % {"value": value})
            seen.add(value.casefold())
            values.append(value)
        return values


class FieldEditForm(_FieldForm):
    class Meta:
        model = ExtraField
        fields = ["name", "value_type", "applies_to", "group", "required", "hidden"]
        help_texts = {"hidden": _("Скрытое поле не показывается в карточке; его значения сохраняются.")}

    def __init__(self, *args, value_count: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.value_count = value_count
        if value_count:
            self.fields["value_type"].help_text = _(
                "У поля есть значения (%(count)s), поэтому тип изменить нельзя."
            ) % {"count": value_count}


class FieldGroupForm(MarksInvalidFieldsMixin, forms.ModelForm):
    class Meta:
        model = FieldGroup
        fields = ["name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self.fields)

    def clean_name(self) -> str:
        name = _clean_name(self.cleaned_data.get("name"))
        if FieldGroup.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Группа «%(name)s» уже есть.") % {"name": name})
        return name

    def validate_unique(self) -> None:
        """Checked case-insensitively in clean_name already."""


class FieldOptionForm(MarksInvalidFieldsMixin, forms.ModelForm):
    """A list value: «Добавить» one, or rename it."""

    class Meta:
        model = ExtraFieldOption
        fields = ["name"]

    def __init__(self, *args, field: ExtraField, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra_field = field
        if self.instance.pk is None:
            self.fields["name"].widget.attrs["placeholder"] = _("Новое значение")
        style_widgets(self.fields)

    def clean_name(self) -> str:
        name = _clean_name(self.cleaned_data.get("name"))
        others = ExtraFieldOption.objects.filter(field=self.extra_field, name__iexact=name).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("Значение «%(name)s» уже есть в списке.") % {"name": name})
        return name

    def validate_unique(self) -> None:
        """Checked case-insensitively in clean_name already (the form has no `field` input)."""


class FieldMoveForm(forms.Form):
    """Where a dragged field was dropped: a group and a 0-based place in it."""

    group = forms.IntegerField(min_value=1)
    position = forms.IntegerField(min_value=0, max_value=100_000)

    def error_text(self) -> str:
        return _("Не удалось переместить поле: неверное место (%(errors)s).") % {
            "errors": "; ".join(f"{name}: {' '.join(errors)}" for name, errors in self.errors.items())
        }
