"""The demo data generator (`manage.py seed_demo`), at the tiny size XS (50 clients)."""

import re
from collections import Counter

import phonenumbers
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.validators import validate_email
from django.db import connection
from django.utils import timezone
from stdnum.ru import inn as stdnum_inn

from clients.models import (
    BusinessRegion,
    Client,
    ClientChange,
    ContactInfo,
    ContactPerson,
    ExtraField,
    ExtraValue,
    FieldGroup,
    Segment,
)
from crm import roles
from devtools.seed import client_fields as field_seed
from devtools.seed import clients as clients_seed
from devtools.seed import common, names, users

CYRILLIC = re.compile(r"^[А-ЯЁ][а-яё-]+$")


def run_seed(**options):
    call_command("seed_demo", size="XS", verbosity=0, **options)


@pytest.fixture
def seeded(db):
    run_seed(seed=7)


def signature() -> dict:
    """Everything the seeder generates, without database ids and timestamps."""
    clients = {
        c.pk: (
            c.kind,
            c.name,
            c.full_name,
            c.inn,
            c.kpp,
            c.business_region.name if c.business_region else "",
            c.legal_address,
            c.responsible.username if c.responsible else "",
            c.abc_class,
            c.xyz_class,
            tuple(sorted(s.name for s in c.segments.all())),
        )
        for c in Client.objects.select_related("business_region", "responsible").prefetch_related("segments")
    }
    contacts = {p.pk: (clients[p.client_id][1], p.name, p.position, p.notes) for p in ContactPerson.objects.all()}
    info = sorted(
        (clients[i.client_id][1], contacts[i.contact_id][1] if i.contact_id else "", i.kind.name, i.value)
        for i in ContactInfo.objects.select_related("kind")
    )
    users = sorted(get_user_model().objects.values_list("username", "first_name", "last_name"))
    fields = sorted(
        (f.name, f.value_type, f.applies_to, f.group.name, f.order, tuple(o.name for o in f.options.all()))
        for f in ExtraField.objects.select_related("group").prefetch_related("options")
    )
    values = sorted(
        (
            clients[v.client_id][1] if v.client_id else contacts[v.contact_id][1],
            v.field.name,
            str(v.value),
        )
        for v in ExtraValue.objects.select_related("field", "value_option")
    )
    return {
        "clients": sorted(clients.values()),
        "contacts": sorted(contacts.values()),
        "info": info,
        "users": users,
        "fields": fields,
        "extra values": values,
    }


def test_clients_have_valid_requisites(seeded):
    clients = list(Client.objects.all())
    assert len(clients) == common.SIZES["XS"] == 50
    kinds = Counter(c.kind for c in clients)
    assert kinds[Client.Kind.COMPANY] > kinds[Client.Kind.INDIVIDUAL] > 0
    inns = [c.inn for c in clients if c.inn]
    assert len(inns) >= 40
    assert len(set(inns)) == len(inns), "ИНН are unique"
    for client in clients:
        assert client.name
        if client.inn:
            assert stdnum_inn.is_valid(client.inn), client.inn
            assert len(client.inn) == (10 if client.kind == Client.Kind.COMPANY else 12)
        if client.kind == Client.Kind.INDIVIDUAL:
            assert client.kpp == ""
        elif client.kpp:
            assert re.fullmatch(r"\d{4}[\dA-Z]{2}\d{3}", client.kpp)
    assert any(c.kpp for c in clients), "companies have КПП"
    assert sum(1 for c in clients if c.abc_class and c.xyz_class) >= 30
    assert sum(1 for c in clients if c.responsible_id) >= 40
    assert sum(1 for c in clients if c.business_region_id) >= 40
    assert BusinessRegion.objects.count() == len(names.REGIONS) >= 25
    assert Segment.objects.filter(kind=Segment.Kind.MANUAL).count() == len(clients_seed.SEGMENTS)
    assert Segment.objects.filter(kind=Segment.Kind.DYNAMIC).count() == len(clients_seed.DYNAMIC_SEGMENTS)


def test_created_at_spreads_over_three_years_and_history_starts_there(seeded):
    times = sorted(Client.objects.values_list("created_at", flat=True))
    now = timezone.now()
    assert times[-1] <= now
    assert times[0] >= now - timezone.timedelta(days=3 * 366)
    assert (times[-1] - times[0]).days > 180
    first = ClientChange.objects.filter(source=ClientChange.Source.CREATED)
    assert first.count() == 50
    change = first.select_related("client").first()
    assert change.at == change.client.created_at
    assert {"field": "name", "old": "", "new": change.client.name} in change.changes


def test_contact_persons_and_contact_info(seeded):
    assert 40 <= ContactPerson.objects.count() <= 125  # ~1.5 per client
    infos = list(ContactInfo.objects.select_related("kind", "contact"))
    by_kind = Counter(i.kind.name for i in infos)
    assert by_kind["Телефон"] >= 30 and by_kind["Email"] >= 30 and by_kind["Мобильный телефон"] >= 20
    for info in infos:
        if info.contact_id:
            assert info.client_id == info.contact.client_id, "a contact person's values carry its client"
        if info.kind.value_type == "phone":
            number = phonenumbers.parse(info.value, "RU")
            assert phonenumbers.is_valid_number(number), info.value
            assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == info.value
        elif info.kind.value_type == "email":
            try:
                validate_email(info.value)
            except ValidationError:
                pytest.fail(f"invalid e-mail {info.value!r}")
    with_phone = Client.objects.filter(contact_info__kind__name="Телефон", contact_info__contact=None).distinct()
    assert with_phone.count() >= 35, "most clients have a phone"


def test_generated_phones_are_valid_in_bulk():
    import random

    rng = random.Random(1)
    codes = [code for region in names.REGIONS for code in region[2]]
    numbers = [names.mobile_phone(rng) for _ in range(3000)] + [names.landline_phone(rng, codes) for _ in range(3000)]
    invalid = [n for n in numbers if not phonenumbers.is_valid_number(phonenumbers.parse(n, "RU"))]
    assert invalid == []


def test_role_users_with_demo_passwords(seeded):
    User = get_user_model()
    expected = {
        "manager": ("demo-manager", roles.MANAGER),
        "supervisor": ("demo-supervisor", roles.SUPERVISOR),
        "saleshead": ("demo-saleshead", roles.SALES_HEAD),
        "admin": ("demo-admin", roles.ADMINISTRATOR),
    }
    for username, (password, role) in expected.items():
        user = User.objects.get(username=username)
        assert user.check_password(password)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert CYRILLIC.match(user.first_name) and CYRILLIC.match(user.last_name), user.get_full_name()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.get(username="manager").is_staff
    managers = User.objects.filter(groups__name=roles.MANAGER)
    assert managers.count() == users.MANAGERS["XS"]
    assert set(Client.objects.exclude(responsible=None).values_list("responsible__username", flat=True)) <= set(
        managers.values_list("username", flat=True)
    )


def test_size_l_has_fifty_users():
    assert len(users.DEMO_USERS) + users.MANAGERS["L"] - 1 == 50


def test_same_seed_same_data_and_other_seed_other_data(seeded):
    first = signature()
    run_seed(seed=7, reset=True)
    assert Client.objects.count() == 50
    assert signature() == first
    run_seed(seed=8, reset=True)
    assert Client.objects.count() == 50
    other = signature()
    assert other["clients"] != first["clients"]
    assert other["users"] == first["users"], "the demo users do not depend on the seed"


def test_refuses_to_seed_twice_without_reset(seeded):
    before = signature()
    with pytest.raises(CommandError, match="--reset"):
        run_seed(seed=9)
    assert Client.objects.count() == 50
    assert signature() == before


# --- extra fields -------------------------------------------------------------------------------


def test_extra_fields_in_their_sections(seeded):
    fields = list(ExtraField.objects.select_related("group"))
    client_fields = [f for f in fields if not f.for_contacts]
    assert len(client_fields) == field_seed.FIELD_COUNTS["XS"] >= 8
    assert {f.name for f in fields if f.for_contacts} == {"Роль в закупке", "Дата рождения", "Хобби"}
    assert {f.group.name for f in fields} == {"Сегментация", "Маркетинг", "Дополнительно"}
    assert set(FieldGroup.objects.values_list("name", flat=True)) == {"Сегментация", "Маркетинг", "Дополнительно"}
    names = {f.name: f for f in client_fields}
    for name in ("Лояльность", "Канал привлечения", "Отрасль", "VIP", "Дата первой сделки", "Примечание менеджера"):
        assert name in names, name
    assert [o.name for o in names["Лояльность"].options.all()] == ["Высокая", "Средняя", "Низкая"]
    assert names["Численность сотрудников"].value_type == ExtraField.ValueType.NUMBER
    assert names["Численность сотрудников"].applies_to == ExtraField.AppliesTo.COMPANIES
    assert {f.value_type for f in fields} == set(ExtraField.ValueType.values)


def test_extra_values_have_the_type_and_owner_of_their_field(seeded):
    values = list(ExtraValue.objects.select_related("field", "client", "value_option"))
    assert len(values) > 200
    columns = {
        ExtraField.ValueType.LIST: "value_option_id",
        ExtraField.ValueType.STRING: "value_text",
        ExtraField.ValueType.NUMBER: "value_number",
        ExtraField.ValueType.DATE: "value_date",
        ExtraField.ValueType.FLAG: "value_bool",
    }
    today = timezone.localdate()
    for v in values:
        field = v.field
        assert getattr(v, columns[field.value_type]) is not None, (field.name, v.pk)
        if field.value_type == ExtraField.ValueType.LIST:
            assert v.value_option.field_id == field.pk
        if field.for_contacts:
            assert v.contact_id and not v.client_id
        else:
            assert v.client_id and not v.contact_id
            assert field.applies_to_client(v.client), (field.name, v.client.kind)
        if field.value_type == ExtraField.ValueType.DATE:
            assert v.value_date <= today
        if field.value_type == ExtraField.ValueType.NUMBER:
            assert v.value_number >= 0
    by_field = Counter(v.field.name for v in values)
    assert by_field["Лояльность"] >= 20, "most clients have a loyalty level"
    assert by_field["Роль в закупке"] >= 10
    flags = [v.value_bool for v in values if v.field.name == "VIP"]
    assert True in flags and False in flags


def test_the_sizes_have_about_25_fields_and_a_million_and_a_half_values_at_l():
    assert len(field_seed.CLIENT_FIELDS) == field_seed.FIELD_COUNTS["L"] == 25
    assert field_seed.FIELD_COUNTS["S"] >= 8
    specs = field_seed.field_specs("L")
    assert len({(s.name.lower(), s.applies_to) for s in specs}) == len(specs), "names are unique per owner kind"
    assert all(s.group in {g for g, _o in field_seed.FIELD_GROUPS} | {field_seed.DEFAULT_GROUP} for s in specs)
    # Expected values at L: 75% companies, ~1.5 contact persons per client.
    share = {
        ExtraField.AppliesTo.ALL: 1.0,
        ExtraField.AppliesTo.COMPANIES: 0.75,
        ExtraField.AppliesTo.INDIVIDUALS: 0.25,
        ExtraField.AppliesTo.CONTACTS: 1.5,
    }
    expected = sum(common.SIZES["L"] * share[s.applies_to] * s.fill for s in specs)
    assert 1_300_000 < expected < 1_700_000


def test_copy_and_bulk_create_store_the_same_values(db):
    client = Client.objects.create(name="Тест")
    text = ExtraField.objects.create(name="Текст", value_type="string", group=FieldGroup.objects.get())
    flag = ExtraField.objects.create(name="Флаг", value_type="flag", group=FieldGroup.objects.get())
    rows = [
        (text.pk, client.pk, None, "таб\tи\\слеш\nстрока", None, None, None, None),
        (flag.pk, client.pk, None, None, None, None, False, None),
    ]

    def stored():
        return sorted((v.field_id, v.value_text, v.value_bool) for v in ExtraValue.objects.all())

    field_seed.insert_extra_values(rows, use_copy=True)
    copied = stored()
    ExtraValue.objects.all().delete()
    field_seed.insert_extra_values(rows, use_copy=False)
    assert stored() == copied
    assert copied == [(text.pk, "таб\tи\\слеш\nстрока", None), (flag.pk, None, False)]


def test_reset_removes_fields_made_by_hand_and_keeps_the_default_group(seeded):
    ExtraField.objects.create(name="Моё поле", value_type="string", group=FieldGroup.objects.get(name="Маркетинг"))
    with connection.cursor() as cursor:
        # The test runs in one transaction: check the new row's foreign keys now, as a commit would.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    run_seed(seed=7, reset=True)
    assert not ExtraField.objects.filter(name="Моё поле").exists()
    assert FieldGroup.objects.filter(name="Дополнительно").exists()
