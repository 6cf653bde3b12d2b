from decimal import Decimal

from clients import completeness, services
from clients.completeness import Item, extra_check, info_check, property_check
from clients.models import Client
from clients.tests import factories


def test_missing_reads_todays_contact_info_properties_and_extra_values(db, django_assert_max_num_queries):
    email, phone = factories.kind("Email"), factories.kind("Телефон")
    company = factories.ClientFactory(name="Альфа", inn="7707083893", kpp="")
    person = factories.ClientFactory(name="Иванов", kind="individual", inn="", kpp="")
    contact = factories.ContactPersonFactory(client=company)
    turnover = factories.ExtraFieldFactory(name="Оборот", value_type="number")
    position = factories.ExtraFieldFactory(name="Хобби", applies_to="contacts")
    factories.ContactInfoFactory(client=company, kind=email, value="a@alfa.ru")
    factories.ContactInfoFactory(client=company, contact=contact, kind=phone, value="+79161234567")
    services.set_extra_values({turnover: Decimal("5")}, client=company)
    client_checks = [info_check(email), info_check(phone), property_check("inn"), property_check("kpp")]
    client_checks += [property_check("business_region"), extra_check(turnover)]
    items = [
        Item(company.pk, None, client_checks),
        Item(company.pk, contact.pk, [info_check(email), info_check(phone), extra_check(position)]),
        Item(person.pk, None, client_checks),
    ]
    with django_assert_max_num_queries(3):
        lacking = completeness.missing(items)
    assert lacking[(company.pk, None)] == [info_check(phone), property_check("kpp"), property_check("business_region")]
    # the company's own e-mail is not the contact person's
    assert lacking[(company.pk, contact.pk)] == [info_check(email), extra_check(position)]
    # an individual has no КПП to fill
    assert lacking[(person.pk, None)] == [
        info_check(email),
        info_check(phone),
        property_check("inn"),
        property_check("business_region"),
        extra_check(turnover),
    ]
    assert completeness.progress(lacking) == (0, 3)

    factories.ContactInfoFactory(client=company, contact=contact, kind=email, value="p@alfa.ru")
    services.set_extra_values({position: "рыбалка"}, contact=contact)
    assert completeness.missing(items)[(company.pk, contact.pk)] == []
    assert completeness.progress(completeness.missing(items)) == (1, 3)


def test_labels_name_checks_as_users_do(db):
    email = factories.kind("Email")
    field = factories.ExtraFieldFactory(name="Лояльность")
    assert completeness.labels([info_check(email), property_check("inn"), extra_check(field)]) == {
        info_check(email): "Email",
        property_check("inn"): "ИНН",
        extra_check(field): "Лояльность",
    }


def test_the_score_is_the_share_of_required_checks_filled_and_follows_every_way_of_editing(db, boss):
    from clients.models import RequiredProperty

    email = factories.kind("Email")
    assert set(RequiredProperty.objects.values_list("name", flat=True)) == {"inn", "business_region"}
    required = completeness.required_checks()
    assert property_check("inn") in required and info_check(email) in required  # the defaults
    staff = factories.ExtraFieldFactory(name="Штат", value_type="number", applies_to="companies")
    completeness.set_required(properties=["business_region", "kpp"], kind_ids=[email.pk], field_ids=[staff.pk])
    region = factories.BusinessRegionFactory(name="Юг")
    company = factories.ClientFactory(name="Альфа", kind="company", business_region=region, kpp="")
    person = factories.ClientFactory(name="Иванов", kind="individual", business_region=None, kpp="")
    factories.ContactInfoFactory(client=person, kind=email, value="i@ivanov.ru")
    completeness.recompute()
    company.refresh_from_db()
    person.refresh_from_db()
    assert company.completeness == 25  # the region of region, КПП, Email, Штат
    assert person.completeness == 50  # Email of region, Email: КПП and Штат do not concern a person
    assert completeness.lacking_of(person) == (["Бизнес-регион"], ["Бизнес-регион", "Email"])

    # a bulk edit recomputes the clients it changed
    services.bulk_edit_clients([person.pk], services.BulkChanges(builtin={"business_region": region}), user=boss)
    person.refresh_from_db()
    assert person.completeness == 100
    completeness.set_required(properties=[], kind_ids=[], field_ids=[])
    assert completeness.recompute() == 2
    person.refresh_from_db()
    assert person.completeness is None  # nothing is required


def test_recompute_writes_only_the_clients_whose_score_changes(db):
    region = factories.BusinessRegionFactory(name="Север")
    done = factories.ClientFactory(name="Полный", kind="company", business_region=region, inn="7707083893")
    half = factories.ClientFactory(name="Наполовину", kind="company", business_region=None, inn="7707083893")
    completeness.set_required(properties=["inn", "business_region"], kind_ids=[], field_ids=[])
    assert completeness.recompute() == 2  # both had no score yet
    assert completeness.recompute() == 0  # nothing changed since
    Client.objects.filter(pk=half.pk).update(business_region=region)
    assert completeness.recompute() == 1
    half.refresh_from_db()
    done.refresh_from_db()
    assert (half.completeness, done.completeness) == (100, 100)
    completeness.set_required(properties=[], kind_ids=[], field_ids=[])
    assert completeness.recompute() == 2  # nothing required: no score
    assert completeness.recompute() == 0
