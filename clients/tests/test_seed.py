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
from django.utils import timezone
from stdnum.ru import inn as stdnum_inn

from clients import seed
from clients.models import BusinessRegion, Client, ClientChange, ContactInfo, ContactPerson, Segment
from crm import roles

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
    return {
        "clients": sorted(clients.values()),
        "contacts": sorted(contacts.values()),
        "info": info,
        "users": users,
    }


def test_clients_have_valid_requisites(seeded):
    clients = list(Client.objects.all())
    assert len(clients) == seed.SIZES["XS"] == 50
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
    assert BusinessRegion.objects.count() == len(seed.REGIONS) >= 25
    assert Segment.objects.count() == len(seed.SEGMENTS)


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
    codes = [code for region in seed.REGIONS for code in region[2]]
    numbers = [seed.mobile_phone(rng) for _ in range(3000)] + [seed.landline_phone(rng, codes) for _ in range(3000)]
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
    assert managers.count() == seed.MANAGERS["XS"]
    assert set(Client.objects.exclude(responsible=None).values_list("responsible__username", flat=True)) <= set(
        managers.values_list("username", flat=True)
    )


def test_size_l_has_fifty_users():
    assert len(seed.DEMO_USERS) + seed.MANAGERS["L"] - 1 == 50


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
