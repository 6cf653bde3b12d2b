"""Forms of «Загрузка клиентов»: the file, then which column holds what."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from clients import imports
from clients.models import ExtraField


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Файл xlsx или csv"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv", "class": "form-control"}),
    )


class ImportMappingForm(forms.Form):
    """One choice per column of the file: a client field, an extra field or «не загружать»."""

    def __init__(self, *args, headers: list[str], fields: list[ExtraField], **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = headers
        self.extra_fields = fields
        choices = imports.target_choices(fields)
        for index, header in enumerate(headers):
            self.fields[self.column_name(index)] = forms.ChoiceField(
                label=header,
                choices=choices,
                required=False,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )

    @staticmethod
    def column_name(index: int) -> str:
        return f"column_{index}"

    def columns(self) -> list[tuple[str, forms.BoundField]]:
        return [(header, self[self.column_name(i)]) for i, header in enumerate(self.headers)]

    def mapping(self) -> dict[int, str]:
        """{column index: target} of the columns to import; valid forms only."""
        return {
            index: self.cleaned_data[self.column_name(index)]
            for index in range(len(self.headers))
            if self.cleaned_data.get(self.column_name(index))
        }

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            problem = imports.mapping_problem(self.mapping(), self.extra_fields)
            if problem:
                raise ValidationError(problem)
        return cleaned
