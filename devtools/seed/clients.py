"""Demo and benchmark data for the clients app: users with roles, business regions, segments,
clients with contact persons, contact information, a first history entry, and extra fields (25 of
clients at size L, fewer at smaller sizes, plus 3 of contact persons) in the sections «Сегментация»,
«Маркетинг» and «Дополнительно», with values for a realistic share of owners (~1.5M at size L).

`seed_clients(size, rng_seed, progress)` is called by `manage.py seed_demo` (see
crm/management/commands/seed_demo.py for how seeders of other apps plug in). The same size and
seed give the same data: every random choice comes from `random.Random` and a seeded Faker, and
timestamps count back from `until` (midnight today unless given).

Faker (ru_RU) is slow per call, so it only fills small pools (last, first and middle names,
streets, postcodes, user names) that the random generator then combines; company names are built
from those pools and word lists. Only ИНН (unique, deduplicated) and КПП are drawn from Faker per
client. Phones are Russian mobile (+79XXXXXXXXX) and regional landline numbers in E.164, all valid
for `phonenumbers`.

Demo users (Django's password validators do not apply here, the passwords are for the demo only):

    manager / demo-manager          Менеджер (also manager2, manager3, ... with the same password)
    supervisor / demo-supervisor    Руководитель
    saleshead / demo-saleshead      Руководитель отдела продаж
    admin / demo-admin              Администратор, superuser and staff
"""

from __future__ import annotations

import bisect
import io
import itertools
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import override

from clients import completeness
from clients.models import (
    BusinessRegion,
    Client,
    ClientChange,
    ContactInfo,
    ContactInfoKind,
    ContactPerson,
    ExtraField,
    ExtraFieldOption,
    ExtraValue,
    FieldGroup,
    Segment,
)
from crm import roles

# Number of clients per size. XS is for tests and is not advertised by the command.
SIZES = {"XS": 50, "S": 1_000, "M": 10_000, "L": 100_000}
# Managers per size; with supervisor, saleshead and admin, size L has 50 users.
MANAGERS = {"XS": 2, "S": 5, "M": 12, "L": 47}
BATCH_SIZE = 5_000
POOL_SIZE = 5_000
HISTORY_YEARS = 3

# Users: username, password, role, superuser.
DEMO_USERS = (
    ("manager", "demo-manager", roles.MANAGER, False),
    ("supervisor", "demo-supervisor", roles.SUPERVISOR, False),
    ("saleshead", "demo-saleshead", roles.SALES_HEAD, False),
    ("admin", "demo-admin", roles.ADMINISTRATOR, True),
)
EXTRA_MANAGER_PASSWORD = "demo-manager"

# Business regions: name, relative weight, telephone area codes, cities for addresses.
REGIONS = (
    ("Москва", 18, ("495", "499"), ("Москва",)),
    ("Московская область", 9, ("496", "498"), ("Химки", "Подольск", "Балашиха", "Мытищи", "Королёв", "Люберцы")),
    ("Санкт-Петербург", 10, ("812",), ("Санкт-Петербург",)),
    ("Ленинградская область", 3, ("813",), ("Гатчина", "Выборг", "Всеволожск", "Тосно")),
    ("Краснодарский край", 5, ("861",), ("Краснодар", "Сочи", "Новороссийск", "Армавир")),
    ("Ростовская область", 4, ("863",), ("Ростов-на-Дону", "Таганрог", "Шахты", "Волгодонск")),
    ("Республика Татарстан", 4, ("843",), ("Казань", "Набережные Челны", "Нижнекамск", "Альметьевск")),
    ("Свердловская область", 4, ("343",), ("Екатеринбург", "Нижний Тагил", "Каменск-Уральский")),
    ("Новосибирская область", 4, ("383",), ("Новосибирск", "Бердск", "Искитим")),
    ("Нижегородская область", 3, ("831",), ("Нижний Новгород", "Дзержинск", "Арзамас")),
    ("Самарская область", 3, ("846",), ("Самара", "Тольятти", "Сызрань")),
    ("Челябинская область", 3, ("351",), ("Челябинск", "Магнитогорск", "Златоуст")),
    ("Республика Башкортостан", 3, ("347",), ("Уфа", "Стерлитамак", "Салават")),
    ("Пермский край", 2, ("342",), ("Пермь", "Березники", "Соликамск")),
    ("Воронежская область", 2, ("473",), ("Воронеж", "Борисоглебск", "Россошь")),
    ("Волгоградская область", 2, ("8442",), ("Волгоград", "Волжский", "Камышин")),
    ("Красноярский край", 2, ("391",), ("Красноярск", "Норильск", "Ачинск")),
    ("Саратовская область", 2, ("8452",), ("Саратов", "Энгельс", "Балаково")),
    ("Тюменская область", 2, ("3452",), ("Тюмень", "Тобольск", "Ишим")),
    ("Омская область", 2, ("3812",), ("Омск", "Тара", "Исилькуль")),
    ("Иркутская область", 2, ("3952",), ("Иркутск", "Братск", "Ангарск")),
    ("Приморский край", 2, ("423",), ("Владивосток", "Уссурийск", "Находка")),
    ("Хабаровский край", 1, ("4212",), ("Хабаровск", "Комсомольск-на-Амуре", "Амурск")),
    ("Ярославская область", 1, ("4852",), ("Ярославль", "Рыбинск", "Переславль-Залесский")),
    ("Калининградская область", 1, ("4012",), ("Калининград", "Советск", "Черняховск")),
    ("Тульская область", 1, ("4872",), ("Тула", "Новомосковск", "Алексин")),
    ("Кемеровская область", 1, ("3842",), ("Кемерово", "Новокузнецк", "Прокопьевск")),
    ("Ставропольский край", 1, ("8652",), ("Ставрополь", "Пятигорск", "Кисловодск")),
    ("Белгородская область", 1, ("4722",), ("Белгород", "Старый Оскол", "Губкин")),
    ("Владимирская область", 1, ("4922",), ("Владимир", "Ковров", "Муром")),
)
CITY_REGIONS = {"Москва", "Санкт-Петербург"}
SEGMENTS = ("Оптовые покупатели", "Розничные сети", "Дистрибьюторы", "Госзаказчики", "HoReCa", "Интернет-магазины")

COMPANY_FORMS = {
    "ООО": "Общество с ограниченной ответственностью",
    "ПАО": "Публичное акционерное общество",
    "АО": "Акционерное общество",
    "ЗАО": "Закрытое акционерное общество",
    "ОАО": "Открытое акционерное общество",
    "НПО": "Научно-производственное объединение",
    "РАО": "Российское акционерное общество",
}
COMPANY_FORM_WEIGHTS = (("ООО", 72), ("АО", 11), ("ЗАО", 5), ("ПАО", 2), ("НПО", 3), ("ОАО", 3), ("", 4))
BRAND_HEADS = (
    "Техно Строй Агро Спец Пром Евро Рус Сиб Урал Волга Энерго Авто Мед Торг Инвест Лес Нефте Хим Металл Транс Эко Гео"
    " Инфо Фарм"
).split()
BRAND_TAILS = (
    "сервис снаб комплект торг строй маш пром лайн трейд групп альянс ресурс логистик систем проект мир плюс стандарт"
    " холдинг тех"
).split()
BRAND_REGIONS = ("-Юг", "-Центр", "-Север", "-Сибирь", "-Урал", "-М", " Плюс")
COMPANY_SUFFIXES = ("и партнёры", "Групп", "Трейд", "Холдинг")
POSITIONS = (
    ("Генеральный директор", 10),
    ("Директор", 6),
    ("Главный бухгалтер", 9),
    ("Бухгалтер", 6),
    ("Коммерческий директор", 5),
    ("Финансовый директор", 3),
    ("Менеджер по закупкам", 10),
    ("Руководитель отдела закупок", 5),
    ("Начальник отдела снабжения", 4),
    ("Специалист по закупкам", 5),
    ("Заместитель директора", 3),
    ("Офис-менеджер", 4),
    ("Секретарь", 3),
    ("Юрист", 2),
    ("Логист", 2),
    ("Кладовщик", 1),
    ("Технический директор", 2),
    ("", 8),
)
NOTES = (
    "Звонить после 14:00",
    "Предпочитает связь по e-mail",
    "Лицо, принимающее решения",
    "Отвечает за оплату счетов",
    "Согласует договоры",
    "В отпуске каждый август",
    "Просил не звонить по понедельникам",
)
EMAIL_LOCALS = ("info", "sales", "office", "zakaz", "buh", "mail", "secretary", "snab", "opt")
FREE_MAIL = ("mail.ru", "yandex.ru", "gmail.com", "bk.ru", "list.ru", "inbox.ru", "rambler.ru", "ya.ru")
DOMAIN_SUFFIXES = ("", "", "", "-group", "-trade", "24", "-plus", "pro", "-opt", "-m")
TLDS = (("ru", 70), ("com", 12), ("net", 6), ("su", 4), ("org", 3), ("biz", 2), ("online", 3))
# Operator codes 900-999 except 930, where phonenumbers accepts only some ranges.
MOBILE_CODES = tuple(str(code) for code in range(900, 1000) if code != 930)

TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya".split(),
        strict=True,
    )
)

ProgressFactory = Callable[..., Any]
"""`progress(total=..., desc=...)` returns a tqdm-like object: `update(n)`, `close()`."""


def no_progress(total: int = 0, desc: str = "", **options) -> Any:
    class _Silent:
        def update(self, n: int = 1) -> None:
            pass

        def close(self) -> None:
            pass

    return _Silent()


def translit(text: str) -> str:
    out = []
    for char in text.lower():
        if char in TRANSLIT:
            mapped = TRANSLIT[char]
            out.append("" if mapped == "-" else mapped)
        elif char.isascii() and char.isalnum():
            out.append(char)
    return "".join(out)


class Weighted:
    """Fast repeated weighted choice over a fixed population."""

    def __init__(self, items: Sequence, weights: Sequence[float]):
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


@contextmanager
def explicit_timestamps(*fields) -> Iterator[None]:
    """Let bulk_create store the given auto_now/auto_now_add values instead of "now"."""
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    try:
        for f, _auto_now, _auto_now_add in saved:
            f.auto_now = f.auto_now_add = False
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


_password_hashes: dict[str, str] = {}


def _password_hash(password: str) -> str:
    # Hashing is deliberately slow; the demo users share a handful of passwords, hash each once.
    if password not in _password_hashes:
        _password_hashes[password] = make_password(password)
    return _password_hashes[password]


class Pools:
    """Values drawn once from Faker and recombined with the random generator."""

    def __init__(self, fake, size: int = POOL_SIZE):
        n = min(size, 2_000)
        self.last_male = [fake.last_name_male() for _ in range(n)]
        self.last_female = [fake.last_name_female() for _ in range(n)]
        self.first_male = [fake.first_name_male() for _ in range(n // 4)]
        self.first_female = [fake.first_name_female() for _ in range(n // 4)]
        self.middle_male = [fake.middle_name_male() for _ in range(n // 4)]
        self.middle_female = [fake.middle_name_female() for _ in range(n // 4)]
        self.streets = [fake.street_address() for _ in range(size)]
        self.postcodes = [fake.postcode() for _ in range(n)]
        self.usernames = [fake.user_name() for _ in range(n)]

    def person(self, rng: random.Random) -> tuple[str, str, str]:
        """(last, first, middle) with matching gender."""
        if rng.random() < 0.55:
            return rng.choice(self.last_male), rng.choice(self.first_male), rng.choice(self.middle_male)
        return rng.choice(self.last_female), rng.choice(self.first_female), rng.choice(self.middle_female)

    def address(self, rng: random.Random, region_index: int) -> str:
        region, _weight, _codes, cities = REGIONS[region_index]
        street = rng.choice(self.streets)
        if region in CITY_REGIONS:
            return f"{rng.choice(self.postcodes)}, г. {region}, {street}"
        return f"{rng.choice(self.postcodes)}, {region}, г. {rng.choice(cities)}, {street}"

    def last_name(self, rng: random.Random) -> str:
        return rng.choice(self.last_male if rng.random() < 0.6 else self.last_female)


def mobile_phone(rng: random.Random) -> str:
    return f"+7{rng.choice(MOBILE_CODES)}{rng.randrange(10_000_000):07d}"


def landline_phone(rng: random.Random, area_codes: Sequence[str]) -> str:
    code = rng.choice(area_codes)
    tail_len = 10 - len(code)
    # Local numbers do not start with 0 or 1.
    first = rng.randrange(2, 10)
    return f"+7{code}{first}{rng.randrange(10 ** (tail_len - 1)):0{tail_len - 1}d}"


def ensure_users(size: str) -> tuple[list, dict[str, Any]]:
    """Create or refresh the demo users of `size`; returns (managers, users by username).

    Every user's name is drawn whatever the size, so manager2 has the same name at S and at L."""
    from faker import Faker

    User = get_user_model()
    groups = {g.name: g for g in Group.objects.filter(name__in=roles.ALL_ROLES)}
    for name in roles.ALL_ROLES:
        if name not in groups:
            groups[name] = Group.objects.create(name=name)
    extra = [
        (f"manager{i}", EXTRA_MANAGER_PASSWORD, roles.MANAGER, False) for i in range(2, max(MANAGERS.values()) + 1)
    ]
    wanted = {spec[0] for spec in DEMO_USERS} | {f"manager{i}" for i in range(2, MANAGERS[size] + 1)}
    fake = Faker("ru_RU")
    fake.seed_instance(20240101)
    name_rng = random.Random("demo-users")
    users: dict[str, Any] = {}
    for username, password, role, superuser in (*DEMO_USERS, *extra):
        if name_rng.random() < 0.5:
            first, last = fake.first_name_male(), fake.last_name_male()
        else:
            first, last = fake.first_name_female(), fake.last_name_female()
        if username not in wanted:
            continue
        user = User.objects.filter(username=username).first() or User(username=username)
        user.first_name, user.last_name = first, last
        user.email = f"{username}@example.com"
        user.is_active = True
        user.is_superuser = user.is_staff = superuser
        user.password = _password_hash(password)
        user.save()
        user.groups.set([groups[role]])
        users[username] = user
    managers = [users["manager"]] + [users[f"manager{i}"] for i in range(2, MANAGERS[size] + 1)]
    return managers, users


def _kinds() -> dict[str, ContactInfoKind]:
    kinds = {k.name: k for k in ContactInfoKind.objects.all()}
    defaults = {
        "Телефон": ("phone", True, True, 10),
        "Мобильный телефон": ("phone", False, True, 20),
        "Email": ("email", True, True, 30),
        "Фактический адрес": ("address", True, False, 40),
        "Почтовый адрес": ("address", True, False, 50),
        "Сайт": ("url", True, False, 60),
        "Мессенджер": ("text", True, True, 70),
    }
    for name, (value_type, for_clients, for_contacts, order) in defaults.items():
        if name not in kinds:
            kinds[name] = ContactInfoKind.objects.create(
                name=name, value_type=value_type, for_clients=for_clients, for_contacts=for_contacts, order=order
            )
    return kinds


def _reference_data() -> tuple[list[BusinessRegion], list[Segment]]:
    BusinessRegion.objects.bulk_create([BusinessRegion(name=r[0]) for r in REGIONS], ignore_conflicts=True)
    Segment.objects.bulk_create([Segment(name=s) for s in SEGMENTS], ignore_conflicts=True)
    by_name = {r.name: r for r in BusinessRegion.objects.filter(name__in=[r[0] for r in REGIONS])}
    segments = {s.name: s for s in Segment.objects.filter(name__in=SEGMENTS)}
    return [by_name[r[0]] for r in REGIONS], [segments[s] for s in SEGMENTS]


class _ClientFactory:
    """Builds one batch of clients and everything hanging on them, from the random generator."""

    def __init__(self, rng, fake, pools, regions, segments, managers, kinds, created_times):
        self.rng, self.fake, self.pools = rng, fake, pools
        self.regions = regions
        self.region_pick = Weighted(range(len(regions)), [r[1] for r in REGIONS])
        self.segments = segments
        weights = [1.0] + [0.5 + rng.random() for _ in managers[1:]]
        self.manager_pick = Weighted(managers, weights)
        self.kinds = kinds
        self.created_times = created_times
        self.position_pick = Weighted([p[0] for p in POSITIONS], [p[1] for p in POSITIONS])
        self.tld_pick = Weighted([t[0] for t in TLDS], [t[1] for t in TLDS])
        self.form_pick = Weighted([f[0] for f in COMPANY_FORM_WEIGHTS], [f[1] for f in COMPANY_FORM_WEIGHTS])
        self.abc_pick = Weighted("ABC", (20, 30, 50))
        self.xyz_pick = Weighted("XYZ", (30, 40, 30))
        self.contacts_pick = Weighted((0, 1, 2, 3, 4), (12, 30, 33, 17, 8))
        self.inns: set[str] = set()
        with override("ru"):
            self.kind_labels = {k.value: str(k.label) for k in Client.Kind}

    def _unique_inn(self, company: bool) -> str:
        while True:
            inn = self.fake.businesses_inn() if company else self.fake.individuals_inn()
            if inn not in self.inns:
                self.inns.add(inn)
                return inn

    def _domain(self, name: str) -> str:
        rng = self.rng
        inner = name.split("«", 1)[1].split("»", 1)[0] if "«" in name else name
        word = translit(inner.replace(",", " ").split()[0]) or rng.choice(self.pools.usernames)
        return f"{word}{rng.choice(DOMAIN_SUFFIXES)}.{self.tld_pick.pick(rng)}"

    def _company_name(self) -> tuple[str, str]:
        """(name, full name): «ООО «ТехноСнаб»», «Общество с ограниченной ответственностью «ТехноСнаб»»."""
        rng, pools = self.rng, self.pools
        form = self.form_pick.pick(rng)
        roll = rng.random()
        if roll < 0.45:
            core = rng.choice(BRAND_HEADS) + rng.choice(BRAND_TAILS)
            if rng.random() < 0.2:
                core += rng.choice(BRAND_REGIONS)
        elif roll < 0.75:
            core = pools.last_name(rng)
        elif roll < 0.9:
            core = f"{pools.last_name(rng)}-{pools.last_name(rng)}"
        else:
            core = f"{pools.last_name(rng)} {rng.choice(COMPANY_SUFFIXES)}"
        if not form:
            return core, ""
        return f"{form} «{core}»", f"{COMPANY_FORMS[form]} «{core}»"

    def batch(self, start: int, count: int) -> tuple[list[Client], list[dict]]:
        """Clients start..start+count, each with a plan of its contacts, info and segments."""
        rng = self.rng
        clients, plans = [], []
        for i in range(start, start + count):
            company = rng.random() < 0.75
            region_index = self.region_pick.pick(rng)
            region = self.regions[region_index]
            area_codes = REGIONS[region_index][2]
            person = None
            if company:
                name, full_name = self._company_name()
                inn = self._unique_inn(True) if rng.random() < 0.96 else ""
                kpp = self.fake.kpp() if inn and rng.random() < 0.95 else ""
            else:
                person = self.pools.person(rng)
                last, first, middle = person
                if rng.random() < 0.5:
                    name = f"ИП {last} {first[0]}. {middle[0]}."
                    full_name = f"Индивидуальный предприниматель {last} {first} {middle}"
                else:
                    name, full_name = f"{last} {first} {middle}", ""
                inn = self._unique_inn(False) if rng.random() < 0.9 else ""
                kpp = ""
            responsible = self.manager_pick.pick(rng) if rng.random() < 0.95 else None
            created = self.created_times[i]
            classified = rng.random() < 0.85
            client = Client(
                kind=Client.Kind.COMPANY if company else Client.Kind.INDIVIDUAL,
                name=name,
                full_name=full_name,
                inn=inn,
                kpp=kpp,
                business_region=region if rng.random() < 0.97 else None,
                legal_address=(
                    self.pools.address(rng, region_index) if rng.random() < (0.92 if company else 0.6) else ""
                ),
                responsible=responsible,
                abc_class=self.abc_pick.pick(rng) if classified else "",
                xyz_class=self.xyz_pick.pick(rng) if classified else "",
                created_at=created,
                updated_at=created,
            )
            clients.append(client)
            plans.append(self._plan(client, company, person, region_index, area_codes))
        return clients, plans

    def _plan(self, client: Client, company: bool, person, region_index: int, area_codes) -> dict:
        rng, kinds = self.rng, self.kinds
        domain = self._domain(client.name) if company else ""
        info: list[tuple[ContactInfoKind, str]] = []
        if rng.random() < 0.88:
            phone = landline_phone(rng, area_codes) if company and rng.random() < 0.6 else mobile_phone(rng)
            info.append((kinds["Телефон"], phone))
            if company and rng.random() < 0.15:
                info.append((kinds["Телефон"], mobile_phone(rng)))
        if rng.random() < (0.8 if company else 0.6):
            if company:
                email = f"{rng.choice(EMAIL_LOCALS)}@{domain}"
            else:
                email = f"{translit(person[0])}.{translit(person[1])[:1]}{rng.randrange(100)}@{rng.choice(FREE_MAIL)}"
            info.append((kinds["Email"], email))
        if company and rng.random() < 0.45:
            info.append((kinds["Сайт"], f"https://{domain}"))
        if rng.random() < 0.25:
            info.append((kinds["Фактический адрес"], self.pools.address(rng, region_index)))
        if rng.random() < 0.1:
            info.append((kinds["Почтовый адрес"], self.pools.address(rng, region_index)))
        if rng.random() < 0.05:
            info.append((kinds["Мессенджер"], f"Telegram: @{rng.choice(self.pools.usernames)}"))

        contacts = []
        count = self.contacts_pick.pick(rng) if company else int(rng.random() < 0.7)
        for _ in range(count):
            last, first, middle = self.pools.person(rng)
            position = self.position_pick.pick(rng) if company else rng.choice(("", "Представитель", "Доверенное лицо"))
            c_info = []
            has_phone = rng.random() < 0.85
            has_email = rng.random() < (0.65 if has_phone else 1.0)
            if has_phone:
                c_info.append((kinds["Мобильный телефон"], mobile_phone(rng)))
                if company and rng.random() < 0.1:
                    c_info.append((kinds["Телефон"], landline_phone(rng, area_codes)))
            if has_email:
                local = f"{translit(first)[:1]}.{translit(last)}"
                email = (
                    f"{local}@{domain}"
                    if company and rng.random() < 0.7
                    else f"{local}{rng.randrange(1000)}@{rng.choice(FREE_MAIL)}"
                )
                c_info.append((kinds["Email"], email))
            if rng.random() < 0.08:
                c_info.append((kinds["Мессенджер"], f"Telegram: @{rng.choice(self.pools.usernames)}"))
            notes = rng.choice(NOTES) if rng.random() < 0.06 else ""
            contacts.append((f"{last} {first} {middle}", position, notes, c_info))

        roll = rng.random()
        n_segments = 0 if roll < 0.15 else (1 if roll < 0.8 else 2)
        segments = rng.sample(self.segments, n_segments)
        return {"info": info, "contacts": contacts, "segments": segments}

    def history(self, client: Client) -> ClientChange:
        values = [
            ("kind", self.kind_labels[client.kind]),
            ("name", client.name),
            ("full_name", client.full_name),
            ("inn", client.inn),
            ("kpp", client.kpp),
            ("business_region", client.business_region.name if client.business_region else ""),
            ("legal_address", client.legal_address),
            ("responsible", client.responsible.get_full_name() if client.responsible else ""),
            ("abc_class", client.abc_class),
            ("xyz_class", client.xyz_class),
        ]
        return ClientChange(
            client=client,
            user=client.responsible,
            at=client.created_at,
            source=ClientChange.Source.CREATED,
            version=1,
            changes=[{"field": f, "old": "", "new": v} for f, v in values if v],
        )


# --- extra fields ----------------------------------------------------------------------------------

DEFAULT_GROUP = "Дополнительно"  # made by migration 0007; --reset empties the table, so it is made again
FIELD_GROUPS = (("Сегментация", 10), ("Маркетинг", 20))
# Client extra fields per size: the first N of CLIENT_FIELDS. Contact-person fields come at every size.
FIELD_COUNTS = {"XS": 9, "S": 12, "M": 18, "L": 25}

ALL, COMPANIES, INDIVIDUALS, CONTACTS = (
    ExtraField.AppliesTo.ALL,
    ExtraField.AppliesTo.COMPANIES,
    ExtraField.AppliesTo.INDIVIDUALS,
    ExtraField.AppliesTo.CONTACTS,
)
LIST, STRING, NUMBER, FLAG, DATE = (
    ExtraField.ValueType.LIST,
    ExtraField.ValueType.STRING,
    ExtraField.ValueType.NUMBER,
    ExtraField.ValueType.FLAG,
    ExtraField.ValueType.DATE,
)


@dataclass(frozen=True)
class FieldSpec:
    """A seeded extra field: `fill` is the share of owners (the ones it applies to) with a value;
    `options` are a list field's values with weights, `true` a flag's share of «Да», `make` names
    the _ExtraValues method that draws the other types' values."""

    name: str
    value_type: str
    applies_to: str
    group: str
    fill: float
    options: tuple[tuple[str, int], ...] = ()
    true: float = 0.5
    make: str = ""


MANAGER_NOTES = (
    "Работает только по предоплате",
    "Интересуется новинками каталога",
    "Закупается сезонно, весной",
    "Закрывающие документы нужны до 5-го числа",
    "Счета отправлять на e-mail бухгалтерии",
    "Готовится к тендеру, уточнить сроки",
    "Сменился директор — назначить встречу",
    "Просит образцы перед крупным заказом",
    "Сравнивает цены с конкурентами",
    "Хочет отсрочку платежа 30 дней",
    "Доставка только до терминала ТК",
    "Постоянный клиент, без претензий",
)
HOBBIES = (
    "Рыбалка", "Охота", "Футбол", "Хоккей", "Теннис", "Горные лыжи", "Шахматы", "Театр", "Путешествия",
    "Садоводство", "Фотография", "Бег", "Йога", "Автомобили", "Кулинария",
)  # fmt: skip

CHANNELS = (
    ("Сайт", 22), ("Рекомендация", 20), ("Холодный звонок", 15), ("Реклама в интернете", 15), ("Выставка", 10),
    ("Тендер", 8), ("Соцсети", 6), ("Партнёр", 4),
)  # fmt: skip
INDUSTRIES = (
    ("Оптовая торговля", 20), ("Розничная торговля", 14), ("Строительство", 12), ("Производство", 12),
    ("Транспорт и логистика", 8), ("Сельское хозяйство", 6), ("IT и телеком", 6), ("Общепит и HoReCa", 6),
    ("Медицина и фармацевтика", 5), ("Энергетика", 3), ("Образование", 3), ("Госсектор", 5),
)  # fmt: skip
BUSINESS_SIZES = (("Микропредприятие", 45), ("Малый бизнес", 35), ("Средний бизнес", 14), ("Крупный бизнес", 6))
PAYMENT_DISCIPLINE = (("Платит вовремя", 60), ("Небольшие задержки", 30), ("Систематические задержки", 10))
CONTACT_WAYS = (("Телефон", 45), ("E-mail", 30), ("Мессенджер", 18), ("Личная встреча", 7))
TAX_SYSTEMS = (
    ("ОСНО", 40), ("УСН «Доходы»", 30), ("УСН «Доходы минус расходы»", 22), ("Патент", 5), ("ЕСХН", 3),
)  # fmt: skip
SEASONS = (("Круглый год", 55), ("Весна — лето", 25), ("Осень — зима", 15), ("К праздникам", 5))
CAMPAIGNS = (
    ("Весенняя акция", 25), ("Летняя распродажа", 20), ("Чёрная пятница", 25), ("Новогодняя кампания", 20),
    ("Выставка «Продэкспо»", 10),
)  # fmt: skip
PURCHASE_ROLES = (("ЛПР", 20), ("ЛВР", 25), ("Пользователь", 30), ("Бухгалтерия", 15), ("Секретарь", 10))

# In the order in which they join the smaller sizes: the ones the demo needs come first.
CLIENT_FIELDS = (
    FieldSpec("Лояльность", LIST, ALL, "Сегментация", 0.7, (("Высокая", 25), ("Средняя", 50), ("Низкая", 25))),
    FieldSpec("Канал привлечения", LIST, ALL, "Маркетинг", 0.75, CHANNELS),
    FieldSpec("Отрасль", LIST, COMPANIES, "Сегментация", 0.8, INDUSTRIES),
    FieldSpec("Численность сотрудников", NUMBER, COMPANIES, "Сегментация", 0.6, make="employees"),
    FieldSpec("Годовой оборот, млн руб.", NUMBER, COMPANIES, "Сегментация", 0.5, make="turnover"),
    FieldSpec("Дата первой сделки", DATE, ALL, "Маркетинг", 0.65, make="first_deal"),
    FieldSpec("VIP", FLAG, ALL, "Сегментация", 0.9, true=0.07),
    FieldSpec("Участвует в программе лояльности", FLAG, ALL, "Маркетинг", 0.8, true=0.35),
    FieldSpec("Примечание менеджера", STRING, ALL, DEFAULT_GROUP, 0.2, make="note"),
    FieldSpec("Размер бизнеса", LIST, COMPANIES, "Сегментация", 0.6, BUSINESS_SIZES),
    FieldSpec("Платёжная дисциплина", LIST, ALL, "Сегментация", 0.55, PAYMENT_DISCIPLINE),
    FieldSpec("Согласие на рассылку", FLAG, ALL, "Маркетинг", 0.85, true=0.6),
    FieldSpec("Дата последнего контакта", DATE, ALL, "Маркетинг", 0.85, make="last_contact"),
    FieldSpec("Предпочтительный способ связи", LIST, ALL, "Маркетинг", 0.5, CONTACT_WAYS),
    FieldSpec("Средний чек, руб.", NUMBER, ALL, "Маркетинг", 0.45, make="average_check"),
    FieldSpec("Потенциал", LIST, ALL, "Сегментация", 0.6, (("Высокий", 20), ("Средний", 50), ("Низкий", 30))),
    FieldSpec("Система налогообложения", LIST, ALL, DEFAULT_GROUP, 0.5, TAX_SYSTEMS),
    FieldSpec("Ключевой клиент", FLAG, ALL, "Сегментация", 0.6, true=0.1),
    FieldSpec("Скидка постоянного клиента, %", NUMBER, ALL, "Маркетинг", 0.3, make="discount"),
    FieldSpec("Код в учётной системе", STRING, ALL, DEFAULT_GROUP, 0.8, make="account_code"),
    FieldSpec("Текущий поставщик", STRING, COMPANIES, DEFAULT_GROUP, 0.2, make="supplier"),
    FieldSpec("Сезонность спроса", LIST, ALL, "Маркетинг", 0.35, SEASONS),
    FieldSpec("Требуется отсрочка платежа", FLAG, COMPANIES, DEFAULT_GROUP, 0.45, true=0.3),
    FieldSpec("Дата рождения", DATE, INDIVIDUALS, DEFAULT_GROUP, 0.5, make="birthday"),
    FieldSpec("Рекламная кампания", LIST, ALL, "Маркетинг", 0.3, CAMPAIGNS),
)
CONTACT_FIELDS = (
    FieldSpec("Роль в закупке", LIST, CONTACTS, DEFAULT_GROUP, 0.6, PURCHASE_ROLES),
    FieldSpec("Дата рождения", DATE, CONTACTS, DEFAULT_GROUP, 0.35, make="birthday"),
    FieldSpec("Хобби", STRING, CONTACTS, DEFAULT_GROUP, 0.15, make="hobby"),
)


def field_specs(size: str) -> tuple[FieldSpec, ...]:
    return (*CLIENT_FIELDS[: FIELD_COUNTS[size]], *CONTACT_FIELDS)


def ensure_extra_fields(specs: Sequence[FieldSpec]) -> dict[FieldSpec, ExtraField]:
    """The groups, fields and list values of `specs` (reused when they exist with the same type)."""
    groups = {DEFAULT_GROUP: FieldGroup.objects.get_or_create(name=DEFAULT_GROUP, defaults={"order": 100})[0]}
    for name, order in FIELD_GROUPS:
        groups[name] = FieldGroup.objects.get_or_create(name=name, defaults={"order": order})[0]
    existing = {(f.name.lower(), f.applies_to): f for f in ExtraField.objects.all()}
    fields: dict[FieldSpec, ExtraField] = {}
    for order, spec in enumerate(specs):
        field = existing.get((spec.name.lower(), spec.applies_to))
        if field is None:
            field = ExtraField.objects.create(
                name=spec.name,
                value_type=spec.value_type,
                applies_to=spec.applies_to,
                group=groups[spec.group],
                order=order,
            )
        elif field.value_type != spec.value_type:
            continue  # a user's field of another type under this name: leave it alone
        if spec.options:
            known = set(field.options.values_list("name", flat=True))
            ExtraFieldOption.objects.bulk_create(
                [
                    ExtraFieldOption(field=field, name=name, order=i)
                    for i, (name, _weight) in enumerate(spec.options)
                    if name not in known
                ]
            )
            field.option_ids = dict(field.options.values_list("name", "pk"))
        fields[spec] = field
    return fields


class _ExtraValues:
    """Draws the extra values of a batch of clients and contact persons, from its own random
    generator (so the client data do not depend on the extra fields)."""

    def __init__(self, rng: random.Random, fields: dict[FieldSpec, ExtraField], until: datetime, pools: Pools):
        self.rng, self.fields, self.pools = rng, fields, pools
        self.today = until.date()
        self.picks = {
            spec: Weighted([field.option_ids[name] for name, _w in spec.options], [w for _n, w in spec.options])
            for spec, field in fields.items()
            if spec.options
        }
        self.client_fields = [(s, f) for s, f in fields.items() if s.applies_to != CONTACTS]
        self.contact_fields = [(s, f) for s, f in fields.items() if s.applies_to == CONTACTS]
        self.code = 0
        levels = ("Высокая", "Средняя", "Низкая")
        self.loyalty_by_abc = {"A": Weighted(levels, (50, 40, 10)), "C": Weighted(levels, (15, 45, 40))}
        self.client: Client | None = None
        self.drawn: dict[str, object] = {}

    def _abc(self) -> str:
        return self.client.abc_class if self.client is not None else ""

    def for_client(self, client: Client) -> list[tuple]:
        rng = self.rng
        company = client.kind == Client.Kind.COMPANY
        self.client, self.drawn = client, {}
        rows = []
        for spec, field in self.client_fields:
            if (spec.applies_to == COMPANIES and not company) or (spec.applies_to == INDIVIDUALS and company):
                continue
            if rng.random() >= spec.fill:
                continue
            rows.append((field.pk, client.pk, None, *self._value(spec)))
        return rows

    def for_contact(self, contact: ContactPerson) -> list[tuple]:
        self.client, self.drawn = None, {}
        return [
            (field.pk, None, contact.pk, *self._value(spec))
            for spec, field in self.contact_fields
            if self.rng.random() < spec.fill
        ]

    def _value(self, spec: FieldSpec) -> tuple:
        """(text, number, date, bool, option id): the typed columns, one of them set."""
        if spec.value_type == LIST:
            return None, None, None, None, self._option(spec)
        if spec.value_type == FLAG:
            true = spec.true * (3 if spec.name == "VIP" and self._abc() == "A" else 1)
            return None, None, None, self.rng.random() < true, None
        value = getattr(self, spec.make)()
        self.drawn[spec.make] = value
        if spec.value_type == STRING:
            return value, None, None, None, None
        if spec.value_type == NUMBER:
            return None, value, None, None, None
        return None, None, value, None, None

    def _option(self, spec: FieldSpec) -> int:
        ids = self.fields[spec].option_ids
        if spec.name == "Лояльность" and self._abc() in self.loyalty_by_abc:
            # The best customers are the most loyal, more often than not.
            return ids[self.loyalty_by_abc[self._abc()].pick(self.rng)]
        if spec.name == "Размер бизнеса" and "employees" in self.drawn:
            n = self.drawn["employees"]
            name = "Микропредприятие" if n < 15 else "Малый бизнес" if n < 100 else "Средний бизнес"
            return ids[name if n < 250 else "Крупный бизнес"]
        return self.picks[spec].pick(self.rng)

    def employees(self) -> Decimal:
        return Decimal(min(20_000, max(1, int(self.rng.lognormvariate(3.0, 1.3)))))

    def turnover(self) -> Decimal:
        employees = self.drawn.get("employees") or Decimal(max(1, int(self.rng.lognormvariate(3.0, 1.3))))
        return (employees * Decimal(self.rng.uniform(0.8, 6.0))).quantize(Decimal("0.1"))

    def _day_between(self, start: date, end: date, recent: float = 1.0) -> date:
        span = max(0, (end - start).days)
        return start + timedelta(days=int(span * self.rng.random() ** recent))

    def first_deal(self) -> date:
        created = self.client.created_at.date()
        return self._day_between(created, min(self.today, created + timedelta(days=180)))

    def last_contact(self) -> date:
        start = self.drawn.get("first_deal") or self.client.created_at.date()
        # Skewed towards today: most clients were contacted lately.
        return self._day_between(start, self.today, recent=0.3)

    def average_check(self) -> Decimal:
        return Decimal(int(self.rng.lognormvariate(10.5, 0.9)) // 100 * 100 + 100)

    def discount(self) -> Decimal:
        return Decimal(self.rng.choice((3, 5, 5, 7, 10, 10, 12, 15)))

    def birthday(self) -> date:
        return date(1955, 1, 1) + timedelta(days=self.rng.randrange(48 * 365))

    def note(self) -> str:
        return self.rng.choice(MANAGER_NOTES)

    def account_code(self) -> str:
        self.code += 1
        return f"00-{self.code:06d}"

    def supplier(self) -> str:
        rng = self.rng
        return f"ООО «{rng.choice(BRAND_HEADS)}{rng.choice(BRAND_TAILS)}»"

    def hobby(self) -> str:
        return self.rng.choice(HOBBIES)


# The columns of the rows that _ExtraValues draws.
VALUE_COLUMNS = (
    "field_id", "client_id", "contact_id", "value_text", "value_number", "value_date", "value_bool", "value_option_id",
)  # fmt: skip


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return str(value)


def insert_extra_values(rows: Sequence[tuple], *, use_copy: bool | None = None) -> None:
    """Insert rows of VALUE_COLUMNS: through COPY on PostgreSQL (a model instance per value would
    cost more than the rest of the data set at size L), bulk_create elsewhere."""
    if not rows:
        return
    if use_copy is None:
        use_copy = connection.vendor == "postgresql"
    if not use_copy:
        ExtraValue.objects.bulk_create(
            [ExtraValue(**dict(zip(VALUE_COLUMNS, row, strict=True))) for row in rows], batch_size=BATCH_SIZE
        )
        return
    text = "".join("\t".join(map(_copy_text, row)) + "\n" for row in rows)
    table = connection.ops.quote_name(ExtraValue._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(ExtraValue._meta.get_field(c).column) for c in VALUE_COLUMNS)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", io.StringIO(text))


@contextmanager
def foreign_keys_dropped(model) -> Iterator[None]:
    """On PostgreSQL, load `model` without its foreign keys and add them again afterwards: adding
    one checks the whole table in a single join, where the deferred per-row checks of 1.5M extra
    values would take a minute. Inside the seeding transaction, so a failure restores them."""
    if connection.vendor != "postgresql":
        yield
        return
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype = 'f' ORDER BY conname",
            [model._meta.db_table],
        )
        constraints = cursor.fetchall()
        # ALTER TABLE is refused while deferred checks on the tables involved are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name, _definition in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name, definition in constraints:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def created_times(rng: random.Random, count: int, until: datetime) -> list[datetime]:
    """`count` moments over the last HISTORY_YEARS years, ascending, so ids follow creation."""
    span = HISTORY_YEARS * 365 * 24 * 3600
    # Growth: more clients created recently (density rises linearly by a factor of 3).
    offsets = sorted(span * ((1 + 8 * rng.random()) ** 0.5 - 1) / 2 for _ in range(count))
    start = until - timedelta(seconds=span)
    return [start + timedelta(seconds=int(o)) for o in offsets]


@transaction.atomic
def seed_clients(
    size: str, rng_seed: int, progress: ProgressFactory = no_progress, *, until: datetime | None = None
) -> dict[str, int]:
    """Create the users and the client data set of `size`; returns row counts by name."""
    from faker import Faker

    total = SIZES[size]
    rng = random.Random(f"clients:{rng_seed}")
    fake = Faker("ru_RU")
    fake.seed_instance(rng_seed)
    if until is None:
        until = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)

    managers, users = ensure_users(size)
    regions, segments = _reference_data()
    kinds = _kinds()
    pools = Pools(fake)
    factory = _ClientFactory(rng, fake, pools, regions, segments, managers, kinds, created_times(rng, total, until))
    fields = ensure_extra_fields(field_specs(size))
    extra_values = _ExtraValues(random.Random(f"clients-extra:{rng_seed}"), fields, until, pools)
    Through = Client.segments.through
    counts = {
        "users": len(users),
        "clients": 0,
        "contact persons": 0,
        "contact info": 0,
        "segment links": 0,
        "extra fields": len(fields),
        "extra values": 0,
    }

    bar = progress(total=total, desc="clients", unit="client")
    try:
        with (
            foreign_keys_dropped(ExtraValue),
            explicit_timestamps(
                Client._meta.get_field("created_at"),
                Client._meta.get_field("updated_at"),
                ContactPerson._meta.get_field("created_at"),
                ClientChange._meta.get_field("at"),
            ),
        ):
            for start in range(0, total, BATCH_SIZE):
                count = min(BATCH_SIZE, total - start)
                clients, plans = factory.batch(start, count)
                Client.objects.bulk_create(clients, batch_size=BATCH_SIZE)
                contacts, contact_info, links = [], [], []
                for client, plan in zip(clients, plans, strict=True):
                    links += [Through(client_id=client.pk, segment_id=s.pk) for s in plan["segments"]]
                    contact_info += [ContactInfo(client_id=client.pk, kind=k, value=v) for k, v in plan["info"]]
                    for name, position, notes, _info in plan["contacts"]:
                        contacts.append(
                            ContactPerson(
                                client_id=client.pk,
                                name=name,
                                position=position,
                                notes=notes,
                                created_at=client.created_at,
                            )
                        )
                ContactPerson.objects.bulk_create(contacts, batch_size=BATCH_SIZE)
                people = iter(contacts)
                for client, plan in zip(clients, plans, strict=True):
                    for *_person, c_info in plan["contacts"]:
                        contact = next(people)
                        contact_info += [
                            ContactInfo(client_id=client.pk, contact_id=contact.pk, kind=k, value=v) for k, v in c_info
                        ]
                ContactInfo.objects.bulk_create(contact_info, batch_size=BATCH_SIZE)
                Through.objects.bulk_create(links, batch_size=BATCH_SIZE)
                ClientChange.objects.bulk_create([factory.history(c) for c in clients], batch_size=BATCH_SIZE)
                values = [v for c in clients for v in extra_values.for_client(c)]
                values += [v for c in contacts for v in extra_values.for_contact(c)]
                insert_extra_values(values)
                counts["extra values"] += len(values)
                counts["clients"] += len(clients)
                counts["contact persons"] += len(contacts)
                counts["contact info"] += len(contact_info)
                counts["segment links"] += len(links)
                bar.update(count)
    finally:
        bar.close()
    return counts


def finish() -> None:
    """Every client's «Заполненность», once the indexes are back."""
    completeness.recompute()


# The seed_demo command's plug-in interface (see crm/management/commands/seed_demo.py).
seed = seed_clients
# Filled by this seeder, parents first: `seed_demo --reset` empties them (children first).
SEED_MODELS = (
    BusinessRegion,
    Segment,
    Client,
    ContactPerson,
    ContactInfo,
    ClientChange,
    Client.segments.through,
    FieldGroup,
    ExtraField,
    ExtraFieldOption,
    ExtraValue,
)
# seed_demo refuses to seed while this model holds rows, unless --reset is given.
SEED_GUARD = Client
