from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from clients import completeness
from clients.models import ContactInfoKind, ExtraField


class RequiredFieldsForm(forms.Form):
    """«Обязательные реквизиты»: what a complete client card has («Заполненность»)."""

    properties = forms.MultipleChoiceField(
        choices=list(completeness.PROPERTIES.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Реквизиты"),
    )
    kinds = forms.ModelMultipleChoiceField(
        queryset=ContactInfoKind.objects.filter(for_clients=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Контактная информация"),
    )
    fields = forms.ModelMultipleChoiceField(
        queryset=ExtraField.objects.filter(hidden=False).exclude(applies_to=ExtraField.AppliesTo.CONTACTS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Дополнительные поля"),
        help_text=_("Обязательное дополнительное поле нельзя оставить пустым при записи карточки."),
    )
