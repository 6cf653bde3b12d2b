"""get_FOO_display() through crm.choices.ChoiceLabels gives what Django's own gives."""

import pytest
from django.db import models
from django.utils import translation

from clients.models import Client, ClientChange
from funnel.models import Stage
from sales.models import Invoice
from tasks.models import Task

FIELDS = [
    (Task, "state"),
    (Task, "importance"),
    (Task, "kind"),
    (Invoice, "status"),
    (Client, "kind"),
    (ClientChange, "source"),
    (Stage, "kind"),
]


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize(("model", "name"), FIELDS)
def test_labels_are_djangos_in_each_language(model, name, language):
    field = model._meta.get_field(name)
    with translation.override(language):
        for value in [*(v for v, _label in field.flatchoices), "no-such-value", None]:
            obj = model(**{field.attname: value})
            assert getattr(obj, f"get_{name}_display")() == models.Model._get_FIELD_display(obj, field)
