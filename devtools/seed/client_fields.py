"""The extra fields of the data set (25 of clients at size L, fewer at smaller sizes, plus 3 of
contact persons) in the sections «Сегментация», «Маркетинг» and «Дополнительно», and their values
for a realistic share of owners (~1.5M at size L)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from clients.models import Client, ExtraField, ExtraFieldOption, ExtraValue, FieldGroup
from devtools.seed.common import Weighted
from devtools.seed.loading import foreign_keys_dropped, insert_rows
from devtools.seed.names import BRAND_HEADS, BRAND_TAILS

DEFAULT_GROUP = "Дополнительно"  # made by migration 0007; --reset empties the table, so it is made again
FIELD_GROUPS = (("Сегментация", 10), ("Маркетинг", 20))
# Client extra fields per size: the first N of CLIENT_FIELDS. Contact-person fields come at every size.
FIELD_COUNTS = {"XS": 9, "S": 12, "M": 18, "L": 25, "XL": 25}

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
    the ExtraValues method that draws the other types' values."""

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


class ExtraValues:
    """Draws the extra values of a batch of clients and contact persons, from its own random
    generator (so the client data do not depend on the extra fields)."""

    def __init__(self, rng: random.Random, fields: dict[FieldSpec, ExtraField], until: datetime):
        self.rng, self.fields = rng, fields
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

    def for_contact(self, contact_id: int) -> list[tuple]:
        self.client, self.drawn = None, {}
        return [
            (field.pk, None, contact_id, *self._value(spec))
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


# The columns of the rows that ExtraValues draws.
VALUE_COLUMNS = (
    "field_id", "client_id", "contact_id", "value_text", "value_number", "value_date", "value_bool", "value_option_id",
)  # fmt: skip


# What this module fills, parents first.
FIELD_MODELS = (FieldGroup, ExtraField, ExtraFieldOption, ExtraValue)


def values_without_keys() -> AbstractContextManager[None]:
    """Load the extra values without their foreign keys (see loading.foreign_keys_dropped)."""
    return foreign_keys_dropped(ExtraValue)


def insert_extra_values(rows: Sequence[tuple], *, use_copy: bool | None = None) -> None:
    """Insert rows of VALUE_COLUMNS (a model instance per value would cost more than the rest of
    the data set at size L)."""
    insert_rows(ExtraValue, VALUE_COLUMNS, rows, use_copy=use_copy)
