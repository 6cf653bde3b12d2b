"""A segment's name and, for a dynamic one, its filter as the client list's query string."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from clients.models import Segment


class SegmentForm(forms.Form):
    name = forms.CharField(label=_("Наименование"), max_length=150)
    kind = forms.ChoiceField(label=_("Способ формирования"), choices=Segment.Kind.choices)
    query = forms.CharField(
        label=_("Отбор"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Отбор списка клиентов, как в адресе страницы после «?»; «Сохранить как сегмент» в списке заполняет его."
        ),
    )

    def __init__(self, *args, segment: Segment | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if segment is not None:  # the kind of a stored segment stays
            del self.fields["kind"]
            if segment.kind != Segment.Kind.DYNAMIC:
                del self.fields["query"]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css
