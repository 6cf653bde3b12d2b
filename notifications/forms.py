from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import Kind, Preference


class PreferenceForm(forms.Form):
    """«Настройка уведомлений»: each kind in the bell and by e-mail, and the digest's time."""

    digest_at = forms.TimeField(
        label=_("Время ежедневной сводки"),
        input_formats=["%H:%M"],
        widget=forms.TimeInput(format="%H:%M", attrs={"placeholder": _("чч:мм"), "size": 5, "maxlength": 5}),
        error_messages={"invalid": _("Введите время как чч:мм, например 08:30.")},
    )

    def __init__(self, *args, preference: Preference, **kwargs):
        initial = {"digest_at": preference.digest_at}
        for kind in Kind.values:
            initial[f"bell_{kind}"] = preference.wants_bell(kind)
            initial[f"email_{kind}"] = preference.wants_email(kind)
        super().__init__(*args, initial=initial, **kwargs)
        for kind, label in Kind.choices:
            self.fields[f"bell_{kind}"] = forms.BooleanField(label=label, required=False)
            self.fields[f"email_{kind}"] = forms.BooleanField(label=label, required=False)

    def rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        """(label, the bell's box, the e-mail's box) per kind, for the page's table."""
        return [(label, self[f"bell_{kind}"], self[f"email_{kind}"]) for kind, label in Kind.choices]

    def switched_off(self, where: str) -> list[str]:
        return [kind for kind in Kind.values if not self.cleaned_data.get(f"{where}_{kind}")]
