"""A small client base whose counts are worked out by hand in the tests:

client  responsible  region   kind        ABC  Лояльность  VIP   Оборот  segments
c1      Анна         Москва   company     A    Высокая     yes   10      Опт, Розница
c2      Анна         Москва   individual  -    Низкая      no    -       Опт
c3      Анна         Сибирь   company     B    -           -     100     -
c4      Борис        Сибирь   company     A    Высокая     yes   -       -
c5      -            Москва   company     -    Средняя     -     -       -
c6      -            -        individual  -    -           -     -       -
c7      Борис        -        company     C    Высокая     -     50      -
"""

from types import SimpleNamespace

import pytest

from clients import services
from clients.models import Client, ExtraField
from clients.tests import factories


@pytest.fixture
def outsider(db):
    return factories.UserFactory(username="outsider")


@pytest.fixture
def boss(db):
    return factories.supervisor(username="boss", first_name="Вера", last_name="Начальникова")


@pytest.fixture
def base(db, boss):
    anna = factories.manager(username="anna", first_name="Анна", last_name="Смирнова")
    boris = factories.manager(username="boris", first_name="Борис", last_name="Волков")
    moscow = factories.BusinessRegionFactory(name="Москва")
    siberia = factories.BusinessRegionFactory(name="Сибирь")
    wholesale = factories.SegmentFactory(name="Опт")
    retail = factories.SegmentFactory(name="Розница")
    loyalty = factories.list_field("Лояльность", ["Высокая", "Средняя", "Низкая"])
    vip = factories.ExtraFieldFactory(name="VIP", value_type=ExtraField.ValueType.FLAG)
    turnover = factories.ExtraFieldFactory(name="Оборот", value_type=ExtraField.ValueType.NUMBER)
    note = factories.ExtraFieldFactory(name="Примечание", value_type=ExtraField.ValueType.STRING)
    role = factories.list_field("Роль", ["ЛПР"], applies_to=ExtraField.AppliesTo.CONTACTS)
    company, individual = Client.Kind.COMPANY, Client.Kind.INDIVIDUAL
    rows = [
        ("c1", anna, moscow, company, "A", "Высокая", True, 10, [wholesale, retail]),
        ("c2", anna, moscow, individual, "", "Низкая", False, None, [wholesale]),
        ("c3", anna, siberia, company, "B", None, None, 100, []),
        ("c4", boris, siberia, company, "A", "Высокая", True, None, []),
        ("c5", None, moscow, company, "", "Средняя", None, None, []),
        ("c6", None, None, individual, "", None, None, None, []),
        ("c7", boris, None, company, "C", "Высокая", None, 50, []),
    ]
    clients = {}
    for name, responsible, region, kind, abc, level, is_vip, amount, segments in rows:
        client = factories.ClientFactory(
            name=name,
            responsible=responsible,
            business_region=region,
            kind=kind,
            kpp="" if kind == individual else "773601001",
            abc_class=abc,
        )
        client.segments.set(segments)
        values = {
            loyalty: factories.option(loyalty, level) if level else None,
            vip: is_vip,
            turnover: amount,
        }
        services.set_extra_values({f: v for f, v in values.items() if v is not None}, client=client)
        clients[name] = client
    return SimpleNamespace(
        anna=anna,
        boris=boris,
        moscow=moscow,
        siberia=siberia,
        wholesale=wholesale,
        retail=retail,
        loyalty=loyalty,
        vip=vip,
        turnover=turnover,
        note=note,
        role=role,
        clients=clients,
    )
