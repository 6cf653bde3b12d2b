"""crm/per_row.py: EXISTS rewritten as a scalar subquery tested row by row finds the same rows,
negated or not, in a Q or in a queryset's filter."""

from django.db.models import Exists, OuterRef, Q

from clients.models import Client, ContactPerson
from clients.tests import factories
from crm.per_row import per_row, per_row_rows


def test_the_rewritten_conditions_find_the_same_rows(db):
    with_contact = factories.ClientFactory(name="С контактом")
    factories.ContactPersonFactory(client=with_contact, name="Петров")
    without = factories.ClientFactory(name="Без контакта")
    has_contact = Exists(ContactPerson.objects.filter(client=OuterRef("pk")))
    rows = Client.objects.order_by("name")
    for condition, expected in (
        (Q(has_contact), [with_contact]),
        (~Q(has_contact), [without]),
        (~Q(has_contact) | Q(name="С контактом"), [without, with_contact]),
    ):
        tested = rows.filter(per_row(condition))
        sql = str(tested.query)
        assert "EXISTS" not in sql and "IS NOT NULL" in sql
        assert list(tested) == list(rows.filter(condition)) == expected
    filtered = rows.filter(has_contact).exclude(Exists(ContactPerson.objects.filter(client=OuterRef("pk"), name="X")))
    tested = per_row_rows(filtered)
    assert "EXISTS" not in str(tested.query) and "EXISTS" in str(filtered.query)
    assert list(tested) == list(filtered) == [with_contact]
