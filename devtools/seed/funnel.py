"""The funnels of the demo / benchmark data set (see devtools/seed/__init__.py): three
funnels with 5–7 stages («Продажи B2B», «Лиды с сайта», «Заказы интернет-магазина»), the lost
reasons, and deals of the seeded clients (or of leads) spread over the last two years with their
whole history of transitions: forward through the stages (sometimes skipping one), back a stage
and forward again, won or lost, now and then reopened. At size L: 100k deals, about 500k
transitions, and «Продажи B2B» holds about 50k open deals — the board of the performance budget.

Deals and transitions are written with COPY on PostgreSQL (bulk_create elsewhere), in batches;
the same size and seed give the same data."""

from __future__ import annotations

import random
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from clients.models import Client
from devtools.seed.common import Weighted, no_progress
from devtools.seed.loading import BATCH_SIZE, foreign_keys_dropped, insert_rows, reserve_ids
from devtools.seed.names import mobile_phone, translit
from devtools.seed.users import manager_ids
from funnel.models import Deal, DealLine, Funnel, LostReason, MarginConfirmation, Stage, StageTransition

DEALS = {"XS": 300, "S": 2_000, "M": 20_000, "L": 100_000, "XL": 1_000_000}
HISTORY_DAYS = 730
REASONS = ("Дорого", "Выбрали конкурента", "Нет бюджета", "Потребность пропала", "Не устроили сроки", "Не дозвонились")
SOURCES = Weighted(
    ("Сайт", "Звонок", "Рекомендация", "Выставка", "Email-рассылка", "Холодный звонок", "Тендер", ""),
    (30, 20, 12, 8, 8, 10, 4, 8),
)
TITLES = {
    "b2b": (
        "Поставка оборудования",
        "Поставка комплектующих",
        "Годовой контракт на расходные материалы",
        "Сервисное обслуживание",
        "Пилотный проект",
        "Модернизация линии",
        "Оснащение склада",
        "Поставка запчастей",
    ),
    "leads": ("Заявка с сайта", "Запрос прайс-листа", "Обратный звонок", "Запрос коммерческого предложения"),
    "orders": ("Заказ с сайта", "Заказ по телефону", "Повторный заказ", "Заказ из мобильного приложения"),
}
FIRST_NAMES = "Александр Алексей Андрей Анна Дмитрий Екатерина Елена Иван Ирина Мария Михаил Наталья Никита Ольга Павел Сергей Татьяна Юлия".split()  # noqa: E501
LAST_NAMES = "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов".split()  # noqa: E501
FEMININE = {"Анна", "Екатерина", "Елена", "Ирина", "Мария", "Наталья", "Ольга", "Татьяна", "Юлия"}


@dataclass(frozen=True)
class FunnelSpec:
    """A funnel of the data set: its stages (name, kind, probability, expected days) and how its
    deals go — share of all deals, chance to be still open (new → two years old), chance that a
    closed one is won, how often a deal has a client rather than a lead, the amounts (median, sigma
    of the log-normal, and of the open deals, how many have an amount already)."""

    name: str
    kind: str
    requires_amount: bool
    stages: tuple[tuple[str, str, int, int | None], ...]
    share: float
    open_new: float
    open_old: float
    win_rate: float
    with_client: float
    amount_median: int
    amount_sigma: float
    amount_share: float


B2B_STAGES = (
    ("Первичный контакт", "open", 10, 5),
    ("Выявление потребностей", "open", 25, 7),
    ("Коммерческое предложение", "open", 45, 10),
    ("Переговоры", "open", 65, 14),
    ("Договор", "open", 85, 7),
    ("Успех", "won", 100, None),
    ("Провал", "lost", 0, None),
)
LEAD_STAGES = (
    ("Новый лид", "open", 5, 1),
    ("Первый звонок", "open", 15, 2),
    ("Квалификация", "open", 30, 5),
    ("Передан в продажи", "won", 100, None),
    ("Некачественный лид", "lost", 0, None),
)
ORDER_STAGES = (
    ("Новый заказ", "open", 20, 1), ("Подтверждён", "open", 50, 2), ("Оплачен", "open", 80, 3),
    ("Отгружен", "open", 95, 5), ("Доставлен", "won", 100, None), ("Отменён", "lost", 0, None),
)  # fmt: skip
# name, kind, requires an amount, stages, then how the deals go (in FunnelSpec's order).
SPECS = (
    FunnelSpec("Продажи B2B", Funnel.Kind.B2B, True, B2B_STAGES, 0.68, 0.97, 0.45, 0.35, 0.85, 250_000, 1.0, 0.8),
    FunnelSpec("Лиды с сайта", Funnel.Kind.LEADS, False, LEAD_STAGES, 0.2, 0.6, 0.05, 0.4, 0.2, 100_000, 1.0, 0.2),
    FunnelSpec(
        "Заказы интернет-магазина", Funnel.Kind.ORDERS, True, ORDER_STAGES, 0.12, 0.3, 0.01, 0.85, 0.6, 12_000, 0.7, 1.0
    ),
)
SKIP = 0.12  # a stage skipped on the way
BACK = 0.58  # chance, repeated, of going back a stage and forward again
REOPEN = 0.04  # a closed deal reopened and closed again

DEAL_COLUMNS = (
    "id", "funnel_id", "stage_id", "title", "client_id", "lead_name", "lead_email", "lead_phone", "lead_inn",
    "manager_id", "amount", "source", "expected_close", "created_at", "stage_entered_at", "closed_at",
    "lost_reason_id",
)  # fmt: skip
TRANSITION_COLUMNS = ("deal_id", "from_stage_id", "to_stage_id", "at", "by_id", "comment")


class _Deals:
    """Draws deals with their transitions."""

    def __init__(self, rng: random.Random, until: datetime, managers: list[int], clients: list[tuple[int, int]]):
        self.rng = rng
        self.until = until
        self.managers = managers
        self.clients = clients
        self.reasons: list[int] = []

    def created_at(self) -> datetime:
        # More deals recently: the density grows linearly by a factor of 3 over the two years.
        offset = HISTORY_DAYS * ((1 + 8 * self.rng.random()) ** 0.5 - 1) / 2
        return self.until - timedelta(days=HISTORY_DAYS - offset, seconds=self.rng.randrange(86_400))

    def amount(self, spec: FunnelSpec) -> Decimal:
        value = self.rng.lognormvariate(0, spec.amount_sigma) * spec.amount_median
        return Decimal(max(100, round(value, -2))).quantize(Decimal("0.01"))

    def path(self, spec: FunnelSpec, stages: list[Stage], age: float) -> list[Stage]:
        """The stages the deal went through, from the first one."""
        rng = self.rng
        opened = [s for s in stages if s.kind == Stage.Kind.OPEN]
        won = next(s for s in stages if s.kind == Stage.Kind.WON)
        lost = next(s for s in stages if s.kind == Stage.Kind.LOST)
        still_open = rng.random() < spec.open_new - (spec.open_new - spec.open_old) * age
        if still_open:
            weights = list(range(len(opened), 0, -1))  # the early stages hold the most deals
            last = Weighted(range(len(opened)), weights).pick(rng)
            end = None
        else:
            end = won if rng.random() < spec.win_rate else lost
            last = len(opened) - 1 if end is won else rng.randrange(len(opened))
        path = [opened[0]]
        for index in range(1, last + 1):
            if index == last or rng.random() >= SKIP:
                path.append(opened[index])
        while len(path) > 1 and rng.random() < BACK:  # back a stage, then forward again
            at = rng.randrange(1, len(path))
            path[at + 1 : at + 1] = [path[at - 1], path[at]]
        if end is not None:
            path.append(end)
            if rng.random() < REOPEN:
                path += [path[-2], won if rng.random() < spec.win_rate else lost]
        return _no_repeats(path)

    def deal(self, pk: int, funnel: Funnel, spec: FunnelSpec, stages: list[Stage], number: int):
        rng = self.rng
        created = self.created_at()
        age = (self.until - created).total_seconds() / (HISTORY_DAYS * 86_400)
        path = self.path(spec, stages, age)
        client_id = manager_id = None
        lead_name = lead_email = lead_phone = ""
        if rng.random() < spec.with_client:
            client_id, manager_id = rng.choice(self.clients)
        else:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            lead_name = f"{first} {last}{'а' if first in FEMININE else ''}"
            if rng.random() < 0.7:
                lead_email = f"{translit(first)[:1]}.{translit(last)}{rng.randrange(100)}@example.ru"
            if rng.random() < 0.8:
                lead_phone = mobile_phone(rng)
        if manager_id is None and rng.random() < 0.95:
            manager_id = rng.choice(self.managers)
        final = path[-1]
        amount = None
        if final.kind == Stage.Kind.WON or rng.random() < spec.amount_share:
            amount = self.amount(spec)
        # The moments of the moves: each stage held for about its expected time, squeezed in if
        # the deal is too young for the whole path.
        gaps = [rng.expovariate(1 / ((stage.expected_days or 7) * 86_400)) for stage in path[:-1]]
        room = (self.until - created).total_seconds() * 0.95
        if sum(gaps) > room:
            gaps = [g * room / sum(gaps) for g in gaps]
        moments = [created]
        for gap in gaps:
            moments.append(moments[-1] + timedelta(seconds=int(gap)))
        by = manager_id or rng.choice(self.managers)
        transitions = [
            (pk, path[i - 1].pk if i else None, stage.pk, moments[i], by, "") for i, stage in enumerate(path)
        ]
        closed = final.kind != Stage.Kind.OPEN
        row = (
            pk,
            funnel.pk,
            final.pk,
            f"{rng.choice(TITLES[spec.kind])} № {number}",
            client_id,
            lead_name,
            lead_email,
            lead_phone,
            "",  # the seeded leads are people who wrote or called: no ИНН
            manager_id,
            amount,
            SOURCES.pick(rng),
            None if closed else (created + timedelta(days=rng.randrange(30, 120))).date(),
            created,
            moments[-1],
            moments[-1] if closed else None,
            rng.choice(self.reasons) if final.kind == Stage.Kind.LOST else None,
        )
        return row, transitions


def _no_repeats(path: list[Stage]) -> list[Stage]:
    """A move goes somewhere else: drop a stage repeated right after itself."""
    kept = [path[0]]
    for stage in path[1:]:
        if stage is not kept[-1]:
            kept.append(stage)
    return kept


def ensure_funnels() -> list[tuple[Funnel, FunnelSpec, list[Stage]]]:
    made = []
    for spec in SPECS:
        funnel, _created = Funnel.objects.get_or_create(
            name=spec.name, defaults={"kind": spec.kind, "requires_amount": spec.requires_amount}
        )
        stages = []
        for order, (name, kind, probability, days) in enumerate(spec.stages, start=1):
            stage, _created = Stage.objects.get_or_create(
                funnel=funnel,
                name=name,
                defaults={"kind": kind, "probability": probability, "expected_days": days, "order": order * 10},
            )
            stages.append(stage)
        made.append((funnel, spec, stages))
    return made


@transaction.atomic
def seed_funnel(size: str, rng_seed: int, progress=no_progress, *, until: datetime | None = None) -> dict[str, int]:
    rng = random.Random(f"funnel:{rng_seed}")
    if until is None:
        until = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    managers = manager_ids()
    clients = list(Client.objects.order_by("pk").values_list("pk", "responsible_id"))
    if not managers or not clients:
        return {"deals": 0}
    funnels = ensure_funnels()
    reasons = [LostReason.objects.get_or_create(name=name)[0].pk for name in REASONS]
    draw = _Deals(rng, until, managers, clients)
    draw.reasons = reasons
    chooser = Weighted(range(len(funnels)), [spec.share for _f, spec, _s in funnels])
    total = DEALS[size]
    counts = {"funnels": len(funnels), "stages": sum(len(s) for *_x, s in funnels), "deals": 0, "transitions": 0}
    with (
        closing(progress(total=total, desc="deals", unit="deal")) as bar,
        foreign_keys_dropped(StageTransition),
        foreign_keys_dropped(Deal),
    ):
        for start in range(0, total, BATCH_SIZE):
            count = min(BATCH_SIZE, total - start)
            deals, transitions = [], []
            for n, pk in enumerate(reserve_ids(Deal, count), start=start + 1):
                funnel, spec, stages = funnels[chooser.pick(rng)]
                row, moves = draw.deal(pk, funnel, spec, stages, n)
                deals.append(row)
                transitions += moves
            insert_rows(Deal, DEAL_COLUMNS, deals, batch_size=1000)
            insert_rows(StageTransition, TRANSITION_COLUMNS, transitions, batch_size=1000)
            counts["deals"] += len(deals)
            counts["transitions"] += len(transitions)
            bar.update(count)
    return counts


# The seeder interface (see devtools/seed/__init__.py).
seed = seed_funnel
# Filled by this seeder, parents first: `seed_demo --reset` empties them (children first).
SEED_MODELS = (Funnel, Stage, LostReason, Deal, StageTransition, DealLine, MarginConfirmation)
SEED_GUARD = Deal
