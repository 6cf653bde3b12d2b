import re
from decimal import Decimal

import django_filters
from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from crm import numbers

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date_attrs(placeholder, length: int, attrs: dict | None) -> dict:
    return {
        "class": "form-control form-control-sm",
        "placeholder": placeholder,
        "inputmode": "numeric",
        "maxlength": str(length),
        "autocomplete": "off",
        **(attrs or {}),
    }


class DateInput(forms.DateInput):
    """A date typed the Russian way, дд.мм.гггг, whatever the browser's language. A text box, not
    <input type=date>: an impossible date (31.02.2026) reaches the server as typed and is refused
    there with a message, where a date box would send "" and erase the stored date."""

    def __init__(self, attrs: dict | None = None):
        super().__init__(_date_attrs(_("дд.мм.гггг"), 10, attrs), format="%d.%m.%Y")

    def format_value(self, value):
        # A link may carry 2026-03-15 (ISO is accepted too): the box shows it the way it is typed.
        if isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
            year, month, day = value.strip().split("-")
            return f"{day}.{month}.{year}"
        return super().format_value(value)


class DateTimeInput(forms.DateTimeInput):
    """A moment typed as дд.мм.гггг чч:мм (see DateInput)."""

    def __init__(self, attrs: dict | None = None):
        super().__init__(_date_attrs(_("дд.мм.гггг чч:мм"), 16, attrs), format="%d.%m.%Y %H:%M")


class DateRangeWidget(django_filters.widgets.DateRangeWidget):
    """django-filter's «с — по» of two DateInput boxes."""

    def __init__(self, attrs: dict | None = None):
        django_filters.widgets.SuffixedMultiWidget.__init__(self, (DateInput(attrs), DateInput(attrs)))


class NumberInput(forms.TextInput):
    """A number box showing the number as pages do (crm.numbers): «150 000,00» for money
    (`places`=2), «2,5» otherwise, with a true minus. A text box: letters reach the server and are
    refused there, where a browser's number box would send them as ""."""

    def __init__(self, attrs: dict | None = None, places: int | None = None):
        super().__init__({"inputmode": "decimal", **(attrs or {})})
        self.places = places

    def format_value(self, value):
        if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
            return numbers.number(value, self.places)
        return super().format_value(value)


class TypedDecimalField(forms.DecimalField):
    """A number as people type it: a comma or a point, spaces between thousands, − or -.
    `money`: shown with two places."""

    def __init__(self, *, money: bool = False, **kwargs):
        kwargs.setdefault("widget", NumberInput(places=2 if money else None))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = numbers.parse(value).replace(",", ".")
        return super().to_python(value)


def style_widgets(fields) -> None:
    """Bootstrap's small controls on every widget of a form."""
    for field in fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
            # The class lands on the options' container as well as on each box: Bootstrap's
            # form-check-input there shrank the whole list into one 16 px box.
            widget.attrs.setdefault("class", "crm-choices")
            continue
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
            continue
        if isinstance(widget, (forms.Select, forms.SelectMultiple)):
            widget.attrs.setdefault("class", "form-select form-select-sm")
        else:
            widget.attrs.setdefault("class", "form-control form-control-sm")


class MarksInvalidFieldsMixin:
    """Adds Bootstrap's is-invalid to the widgets of fields that failed validation, so the user
    sees at a glance which box to fix."""

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class RowChoices(ModelChoiceIterator):
    """A model choice field's choices as (id, label) rows read with values_list: the options a
    list of model objects gives, without an object per choice (a page of selects draws hundreds).
    The field says which columns make the label and how: `label_columns`, `label_of(*columns)`;
    see list_as_rows()."""

    def __iter__(self):
        field = self.field
        if field.empty_label is not None:
            yield ("", field.empty_label)
        if getattr(field, "null_label", None) is not None:  # django-filter's «none» choice
            yield (field.null_value, field.null_label)
        for pk, *columns in self.queryset.values_list("pk", *field.label_columns):
            yield (pk, field.label_of(*columns))


def list_as_rows(field: forms.ModelChoiceField, *, label_columns=("name",), label_of=str) -> None:
    """Let `field` list its choices through RowChoices, labelled by `label_of(*label_columns)`
    (by default the row's name, which is what str() of our reference rows gives)."""
    field.label_columns, field.label_of = label_columns, label_of
    field.iterator = RowChoices
    field.widget.choices = field.choices


class NamedLookupsMixin:
    """A formset whose attributes a template reads (`{{ formset.prefix }}`) without building its
    forms: a template looks a name up as an item first, and a formset's item lookup builds every
    form to index them — the blank ones a page draws from a kept fragment too."""

    def __getitem__(self, index):
        if isinstance(index, str):
            raise TypeError(f"{type(self).__name__}[{index!r}]: its forms are numbered")  # → the attribute
        return super().__getitem__(index)
