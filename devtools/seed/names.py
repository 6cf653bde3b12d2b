"""The words the data set is made of: business regions with their area codes and cities, company
names, positions, e-mail and web addresses, phone numbers in E.164 (Russian mobile +79XXXXXXXXX
and regional landlines, all valid for `phonenumbers`), transliteration, and the pools of Faker
values that the random generator recombines.

Faker (ru_RU) is slow per call, so it only fills small pools (last, first and middle names,
streets, postcodes, user names); company names are built from those pools and the word lists."""

from __future__ import annotations

import random
from collections.abc import Sequence

POOL_SIZE = 5_000

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


def translit(text: str) -> str:
    out = []
    for char in text.lower():
        if char in TRANSLIT:
            mapped = TRANSLIT[char]
            out.append("" if mapped == "-" else mapped)
        elif char.isascii() and char.isalnum():
            out.append(char)
    return "".join(out)


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
