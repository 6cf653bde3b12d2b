"""The clients of the demo / benchmark data set: users with roles (devtools/seed/users.py),
business regions, segments, clients with contact persons, contact information, a first history
entry, and extra fields with their values (devtools/seed/client_fields.py).

The same size and seed give the same data: every random choice comes from `random.Random` and a
seeded Faker, and timestamps count back from `until` (midnight today unless given). Only ИНН
(unique, deduplicated) and КПП are drawn from Faker per client; names, streets and the like come
from pools (devtools/seed/names.py).
"""

from __future__ import annotations

import json
import random
from contextlib import closing
from datetime import datetime, timedelta

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
    RecheckProposal,
    RecheckRun,
    Segment,
)
from devtools.seed.client_fields import (
    FIELD_MODELS,
    ExtraValues,
    ensure_extra_fields,
    field_specs,
    insert_extra_values,
    values_without_keys,
)
from devtools.seed.common import SIZES, ProgressFactory, Weighted, no_progress
from devtools.seed.loading import BATCH_SIZE, insert_rows, reserve_ids
from devtools.seed.names import (
    BRAND_HEADS,
    BRAND_REGIONS,
    BRAND_TAILS,
    COMPANY_FORM_WEIGHTS,
    COMPANY_FORMS,
    COMPANY_SUFFIXES,
    DOMAIN_SUFFIXES,
    EMAIL_LOCALS,
    FREE_MAIL,
    NOTES,
    POSITIONS,
    REGIONS,
    TLDS,
    Pools,
    landline_phone,
    mobile_phone,
    translit,
)
from devtools.seed.users import ensure_users

HISTORY_YEARS = 3
SEGMENTS = ("Оптовые покупатели", "Розничные сети", "Дистрибьюторы", "Госзаказчики", "HoReCa", "Интернет-магазины")
# Dynamic segments (saved client-list filters): no random draw, so the data set stays the same.
DYNAMIC_SEGMENTS = (
    ("Клиенты класса A", "abc_class=A"),
    ("Организации без ABC-класса", "kind=company&abc_class=__none__"),
)


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
    dynamic = [Segment(name=name, kind=Segment.Kind.DYNAMIC, query=query) for name, query in DYNAMIC_SEGMENTS]
    Segment.objects.bulk_create(dynamic, ignore_conflicts=True)
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


CLIENT_COLUMNS = (
    "id", "kind", "name", "full_name", "inn", "kpp", "business_region_id", "legal_address", "responsible_id",
    "abc_class", "xyz_class", "comment", "version", "created_at", "updated_at",
)  # fmt: skip
CONTACT_COLUMNS = ("id", "client_id", "name", "position", "notes", "created_at")
INFO_COLUMNS = ("client_id", "contact_id", "kind_id", "value", "comment")
CHANGE_COLUMNS = ("client_id", "user_id", "at", "source", "version", "changes")


def client_row(c: Client) -> tuple:
    return (
        c.pk, c.kind, c.name, c.full_name, c.inn, c.kpp, c.business_region_id, c.legal_address, c.responsible_id,
        c.abc_class, c.xyz_class, "", 1, c.created_at, c.updated_at,
    )  # fmt: skip


def change_row(change: ClientChange) -> tuple:
    # COPY takes the JSON text; bulk_create (SQLite) the list itself.
    changes = json.dumps(change.changes, ensure_ascii=False) if connection.vendor == "postgresql" else change.changes
    return change.client_id, change.user_id, change.at, change.source, change.version, changes


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
    extra_values = ExtraValues(random.Random(f"clients-extra:{rng_seed}"), fields, until)
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

    with (
        closing(progress(total=total, desc="clients", unit="client")) as bar,
        values_without_keys(),
    ):
        for start in range(0, total, BATCH_SIZE):
            count = min(BATCH_SIZE, total - start)
            clients, plans = factory.batch(start, count)
            for client, pk in zip(clients, reserve_ids(Client, len(clients)), strict=True):
                client.pk = pk
            contacts, contact_info, links, changes = [], [], [], []
            for client, plan in zip(clients, plans, strict=True):
                links += [(client.pk, s.pk) for s in plan["segments"]]
                contact_info += [(client.pk, None, k.pk, v, "") for k, v in plan["info"]]
                contacts += [(client, *person) for person in plan["contacts"]]
            contact_ids = reserve_ids(ContactPerson, len(contacts))
            for pk, (client, *_person, c_info) in zip(contact_ids, contacts, strict=True):
                contact_info += [(client.pk, pk, k.pk, v, "") for k, v in c_info]
            # Rows in the order (and so with the ids) that bulk_create of model instances gave them.
            insert_rows(Client, CLIENT_COLUMNS, [client_row(c) for c in clients])
            insert_rows(
                ContactPerson,
                CONTACT_COLUMNS,
                [
                    (pk, client.pk, name, position, notes, client.created_at)
                    for pk, (client, name, position, notes, _info) in zip(contact_ids, contacts, strict=True)
                ],
            )
            insert_rows(ContactInfo, INFO_COLUMNS, contact_info)
            insert_rows(Through, ("client_id", "segment_id"), links)
            changes = [change_row(factory.history(c)) for c in clients]
            insert_rows(ClientChange, CHANGE_COLUMNS, changes)
            values = [v for c in clients for v in extra_values.for_client(c)]
            values += [v for pk in contact_ids for v in extra_values.for_contact(pk)]
            insert_extra_values(values)
            counts["extra values"] += len(values)
            counts["clients"] += len(clients)
            counts["contact persons"] += len(contacts)
            counts["contact info"] += len(contact_info)
            counts["segment links"] += len(links)
            bar.update(count)
    counts.update(seed_recheck(rng_seed, until))
    return counts


def seed_recheck(rng_seed: int, until: datetime) -> dict[str, int]:
    """«Проверка по ИНН» as after a weekly run: a few closing counterparties, and open proposals
    (the register's name in capitals, a moved legal address) for about 3 % of the cards with an
    ИНН. A stream of its own: the clients above are drawn as before."""
    rng = random.Random(f"clients-recheck:{rng_seed}")
    rows = list(Client.objects.exclude(inn="").order_by("pk").values_list("pk", "name", "legal_address"))
    run = RecheckRun.objects.create(state=RecheckRun.State.DONE, total=len(rows), asked=len(rows))
    closing_ids: dict[str, list[int]] = {"liquidated": [], "liquidating": []}
    proposals = []
    for pk, name, address in rows:
        draw = rng.random()
        if draw < 0.02:
            closing_ids["liquidated" if draw < 0.01 else "liquidating"].append(pk)
        if rng.random() < 0.03:
            proposals.append(RecheckProposal(client_id=pk, field="name", old_value=name, new_value=name.upper()))
        if address and rng.random() < 0.02:
            moved = f"{address.rsplit(',', 1)[0]}, д {rng.randint(1, 120)}"
            proposals.append(
                RecheckProposal(client_id=pk, field="legal_address", old_value=address, new_value=moved[:500])
            )
    closing = [pk for ids in closing_ids.values() for pk in ids]
    Client.objects.exclude(inn="").exclude(pk__in=closing).update(registry_status=Client.RegistryStatus.ACTIVE)
    for status, ids in closing_ids.items():
        Client.objects.filter(pk__in=ids).update(registry_status=status)
    for proposal in proposals:
        proposal.run = run
    RecheckProposal.objects.bulk_create(proposals, batch_size=BATCH_SIZE)
    RecheckRun.objects.filter(pk=run.pk).update(
        proposed=len(proposals), closing=len(closing), started_at=until, finished_at=until
    )
    return {"closing counterparties": len(closing), "recheck proposals": len(proposals)}


def finish() -> None:
    """Every client's «Заполненность», once the indexes are back."""
    completeness.recompute()


# The seeder interface (see devtools/seed/__init__.py).
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
    *FIELD_MODELS,
    RecheckRun,
    RecheckProposal,
)
# seed_demo refuses to seed while this model holds rows, unless --reset is given.
SEED_GUARD = Client
