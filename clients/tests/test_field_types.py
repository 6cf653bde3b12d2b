"""The field-type registry: a new extra-field type is one entry of FIELD_TYPES, and the card, the
client list (filter, column, sort), bulk edit, the import and the history all take it from there."""

from decimal import Decimal

import pytest
from django import forms
from django.urls import reverse

from clients import extra_fields
from clients.cells import parse_number
from clients.filters import ClientFilterSet
from clients.models import Client, ExtraField, ExtraValue
from clients.services.bulk import BulkChanges
from clients.services.extra_values import set_extra_values
from clients.tables import ClientTable
from clients.tests import factories
from crm.testing import logged_in, opened_form


@pytest.fixture
def percent_type(monkeypatch):
    """«Процент»: a number shown with a «%», made of one entry and nothing else."""
    entry = extra_fields.FieldType(
        "value_number",
        lambda field, current: forms.DecimalField(max_digits=5, decimal_places=2),
        lambda value: f"{extra_fields.numbers.number(value)} %",
        parse=lambda field, raw: parse_number(str(raw).rstrip("% ")),
        filter="clients.filters.ExtraRangeFilter",
        offers_isset=True,
        to_json=str,
        from_json=lambda field, value: Decimal(value),
    )
    monkeypatch.setitem(extra_fields.FIELD_TYPES, "percent", entry)
    return entry


@pytest.fixture
def share(percent_type, db):
    return factories.ExtraFieldFactory(name="Доля закупок", value_type="percent")


def test_every_consumer_takes_a_new_type_from_its_entry(owner, card, share):
    other = factories.ClientFactory(name="ООО «Прочий»", responsible=owner)
    set_extra_values({share: Decimal("12.5")}, client=card)
    set_extra_values({share: Decimal("40")}, client=other)
    fields = [share]

    # the card shows it and its edit form saves it
    browser = logged_in(owner)
    assert "12,5 %" in browser.get(reverse("clients:detail", args=[card.pk])).content.decode()
    form = opened_form(browser, reverse("clients:edit", args=[card.pk]), "client-form")
    form[f"client-{share.key}"] = "15"
    assert browser.post(reverse("clients:edit", args=[card.pk]), form).status_code == 302
    assert ExtraValue.objects.get(client=card, field=share).value == Decimal("15")
    assert "15 %" in str(card.changes.latest("at").changes)

    # the list filters by it (a range and «заполнено?»), shows it as a column and sorts by it
    filterset = ClientFilterSet({f"{share.key}_min": "20"}, queryset=Client.objects.all(), extra_fields=fields)
    assert list(filterset.qs) == [other]
    assert f"{share.key}_isset" in ClientFilterSet(queryset=Client.objects.all(), extra_fields=fields).filters
    table = ClientTable(Client.objects.for_list().order_by("pk"), visible=[share.key], extra_fields=fields)
    table.order_by = f"-{share.key}"
    assert [row.record.pk for row in table.rows] == [other.pk, card.pk]

    # bulk edit keeps it as JSON and back; the import reads a cell of it
    changes = BulkChanges(extra={share: Decimal("7.5")})
    assert BulkChanges.from_json(changes.to_json()).extra == {share: Decimal("7.5")}
    assert extra_fields.parse(share, "33 %") == Decimal("33")


def test_the_registry_names_every_type_of_the_model():
    assert set(extra_fields.FIELD_TYPES) == set(ExtraField.ValueType.values)
