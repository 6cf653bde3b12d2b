"""Labels of stored choices, fast: Django's get_FOO_display() rebuilds the field's whole table of
choices on every call (translating each label and making each value hashable), 0.1 ms with a
dozen choices; a list of a hundred tasks paid 3 ms for its states and importances."""

from __future__ import annotations

import functools

from django.db import models
from django.utils.encoding import force_str
from django.utils.translation import get_language


class ChoiceLabels(models.Model):
    """A model whose get_FOO_display() reads its label from a table made once per field and
    language; the result is what Django's gives (the stored value when it is not a choice)."""

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        try:
            return _labels(field, get_language()).get(value, value)
        except TypeError:  # an unhashable value: Django's way
            return super()._get_FIELD_display(field)


@functools.cache
def _labels(field: models.Field, _language: str | None) -> dict:
    return {value: force_str(label, strings_only=True) for value, label in field.flatchoices}
