"""«Загрузка клиентов» from xlsx and csv files: guessing which column holds what, and turning each
row into client values with its problems (reading the file is clients.import_files). Reads only;
services.import_clients writes what these functions return."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients import extra_fields as extra
from clients import import_files, validators
from clients.cells import cell_text, normal
from clients.models import BusinessRegion, Client, ContactInfoKind, ExtraField, ExtraFieldOption

ImportFileError = import_files.ImportFileError  # what the views catch, from reading or importing a file


# --- what a column may be ---------------------------------------------------------------------------

BUILTIN_TARGETS = {
    "name": gettext_lazy("Наименование"),
    "kind": gettext_lazy("Вид"),
    "inn": gettext_lazy("ИНН"),
    "kpp": gettext_lazy("КПП"),
    "full_name": gettext_lazy("Полное наименование"),
    "legal_address": gettext_lazy("Юридический адрес"),
    "business_region": gettext_lazy("Бизнес-регион"),
    "responsible": gettext_lazy("Ответственный"),
    "phone": gettext_lazy("Телефон"),
    "email": gettext_lazy("E-mail"),
    "comment": gettext_lazy("Комментарий"),
}
# Several columns may add phones or e-mails; any other target takes one column.
REPEATABLE_TARGETS = {"phone", "email"}
# Other headers users give these columns (compared without case, spaces and punctuation).
HEADER_ALIASES = {
    "name": ("Название", "Клиент", "Контрагент", "Организация", "Наименование клиента", "Name"),
    "kind": ("Вид контрагента", "Тип", "Тип клиента", "Юр/физ лицо", "Kind"),
    "inn": ("ИНН клиента", "ИНН организации", "INN", "TIN"),
    "kpp": ("КПП клиента", "KPP"),
    "full_name": ("Полное название", "Full name"),
    "legal_address": ("Юр. адрес", "Юридический адрес клиента", "Адрес", "Legal address"),
    "business_region": ("Регион", "Бизнес регион", "Region", "Business region"),
    "responsible": ("Ответственный менеджер", "Менеджер", "Основной менеджер", "Manager", "Responsible"),
    "phone": ("Телефоны", "Тел.", "Тел", "Мобильный телефон", "Phone"),
    "email": ("Email", "Эл. почта", "Электронная почта", "Почта", "Адрес электронной почты"),
    "comment": ("Комментарии", "Примечание", "Заметки", "Comment"),
}


def target_choices(fields: Iterable[ExtraField]) -> list:
    """The choices of a column's target, grouped as the card groups them."""
    choices: list = [("", _("— не загружать —"))]
    choices.append((_("Реквизиты клиента"), [(key, str(label)) for key, label in BUILTIN_TARGETS.items()]))
    extra_choices = [(f.key, f.name) for f in fields]
    if extra_choices:
        choices.append((_("Дополнительные поля"), extra_choices))
    return choices


def target_label(target: str, fields: Iterable[ExtraField]) -> str:
    if target in BUILTIN_TARGETS:
        return str(BUILTIN_TARGETS[target])
    return next((f.name for f in fields if f.key == target), target)


def guess_mapping(headers: list[str], fields: Iterable[ExtraField]) -> dict[int, str]:
    """{column index: target} from the header names: the built-in labels (in every UI language),
    then the extra fields' names, then the usual other names; each target once, except phones and
    e-mails."""
    known: dict[str, str] = {}
    for key, label in BUILTIN_TARGETS.items():
        for language, _language_name in settings.LANGUAGES:
            with translation.override(language):
                known.setdefault(normal(str(label)), key)
    for extra_field in fields:
        known.setdefault(normal(extra_field.name), extra_field.key)
    for key, aliases in HEADER_ALIASES.items():
        for alias in aliases:
            known.setdefault(normal(alias), key)
    mapping: dict[int, str] = {}
    for index, header in enumerate(headers):
        target = known.get(normal(header))
        if target and (target in REPEATABLE_TARGETS or target not in mapping.values()):
            mapping[index] = target
    return mapping


def mapping_problem(mapping: dict[int, str], fields: Iterable[ExtraField]) -> str | None:
    """Why the mapping cannot be imported, or None."""
    targets = list(mapping.values())
    for target in dict.fromkeys(targets):
        if target not in REPEATABLE_TARGETS and targets.count(target) > 1:
            return _("«%(field)s» выбрано для нескольких колонок: оставьте одну.") % {
                "field": target_label(target, fields)
            }
    if "name" not in targets and "inn" not in targets:
        return _(
            "В файле не найдена колонка «Наименование» или «ИНН». Укажите, в какой колонке наименование "
            "клиента или его ИНН."
        )
    return None


# --- rows -------------------------------------------------------------------------------------------


@dataclass
class Lookups:
    """What row values are looked up in, loaded once per import."""

    fields: dict[str, ExtraField]  # by target
    regions: dict[str, BusinessRegion]  # by normalised name
    users: dict[str, list]  # by normalised username and full name (either order)
    phone_kind: ContactInfoKind | None
    email_kind: ContactInfoKind | None

    @classmethod
    def load(cls, fields: Iterable[ExtraField]) -> Lookups:
        users: dict[str, list] = {}
        for user in get_user_model().objects.filter(is_active=True).order_by("pk"):
            keys = {user.username, f"{user.first_name} {user.last_name}", f"{user.last_name} {user.first_name}"}
            for key in {normal(k) for k in keys if k.strip()}:
                users.setdefault(key, []).append(user)
        return cls(
            fields={f.key: f for f in fields},
            regions={normal(r.name): r for r in BusinessRegion.objects.all()},
            users=users,
            phone_kind=client_contact_kind(ContactInfoKind.ValueType.PHONE),
            email_kind=client_contact_kind(ContactInfoKind.ValueType.EMAIL),
        )


def client_contact_kind(value_type: str) -> ContactInfoKind | None:
    """The kind that imported phones (e-mails) get: the first client kind of that type."""
    return ContactInfoKind.objects.filter(value_type=value_type, for_clients=True).order_by("order", "pk").first()


@dataclass
class ImportRow:
    number: int
    values: dict[str, object] = field(default_factory=dict)  # Client field → value
    extra: dict[ExtraField, object] = field(default_factory=dict)
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    client: Client | None = None  # the existing client it updates, found by services.plan_client_import

    @property
    def name(self) -> str:
        if self.values.get("name"):
            return self.values["name"]
        return self.client.name if self.client else ""

    @property
    def inn(self) -> str:
        return self.values.get("inn", "")

    @property
    def kpp(self) -> str:
        return self.values.get("kpp", "")

    @property
    def ok(self) -> bool:
        return not self.errors


TEXT_LIMITS = {"name": 255, "full_name": 500, "legal_address": 500, "comment": 10_000}
KIND_WORDS = {
    Client.Kind.COMPANY: ("организация", "юридическое лицо", "юрлицо", "юл", "company", "organization"),
    Client.Kind.INDIVIDUAL: (
        "физическое лицо",
        "физлицо",
        "фл",
        "индивидуальный предприниматель",
        "ип",
        "individual",
        "person",
    ),
}


def parse_rows(sheet_rows: Iterable[tuple[int, list[object]]], mapping: dict[int, str], lookups: Lookups):
    return [parse_row(number, cells, mapping, lookups) for number, cells in sheet_rows]


def parse_row(number: int, cells: list[object], mapping: dict[int, str], lookups: Lookups) -> ImportRow:
    """The row's values by target, each checked on its own; empty cells change nothing."""
    row = ImportRow(number=number)
    for index, target in mapping.items():
        raw = cells[index] if index < len(cells) else None
        if cell_text(raw) == "":
            continue
        try:
            if target in lookups.fields:
                row.extra[lookups.fields[target]] = extra.parse(lookups.fields[target], raw)
            elif target == "phone":
                row.phones.extend(_split_values(raw, validators.clean_phone, row.phones))
            elif target == "email":
                row.emails.extend(_split_values(raw, validators.clean_email, row.emails))
            elif target in BUILTIN_TARGETS:
                row.values[target] = _parse_builtin(target, raw, lookups)
        except ValidationError as error:
            label = lookups.fields[target].name if target in lookups.fields else str(BUILTIN_TARGETS[target])
            row.errors.extend(_("%(field)s: %(error)s") % {"field": label, "error": m} for m in error.messages)
    if row.phones and lookups.phone_kind is None:
        row.errors.append(_("Нет вида контактной информации «Телефон» для клиентов."))
    if row.emails and lookups.email_kind is None:
        row.errors.append(_("Нет вида контактной информации «Email» для клиентов."))
    return row


def _split_values(raw: object, clean, already: list[str]) -> list[str]:
    """Several phones or e-mails may share a cell, separated by commas, semicolons or new lines."""
    text = cell_text(raw)
    parts = [p.strip() for p in re.split(r"[;,\n]+", text) if p.strip()]
    result: list[str] = []
    for part in parts:
        value = clean(part)
        if value not in already and value not in result:
            result.append(value)
    return result


def _digits_cell(raw: object, lengths: tuple[int, ...]) -> str:
    """ИНН and КПП kept as numbers by Excel lose their leading zero (regions 01–09): put it back."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        text = str(int(raw))
        return "0" + text if len(text) + 1 in lengths else text
    return cell_text(raw)


def _parse_builtin(target: str, raw: object, lookups: Lookups) -> object:
    if target == "inn":
        return validators.clean_inn(_digits_cell(raw, (10, 12)))
    if target == "kpp":
        return validators.clean_kpp(_digits_cell(raw, (9,)))
    text = cell_text(raw)
    if target == "kind":
        word = text.lower().replace("ё", "е")
        for kind, words in KIND_WORDS.items():
            if word in words or word == str(kind.label).lower() or word == kind.value:
                return kind
        raise ValidationError(
            _("«%(value)s» — не вид клиента: укажите «Организация» или «Физическое лицо».") % {"value": text}
        )
    if target == "business_region":
        region = lookups.regions.get(normal(text))
        if region is None:
            raise ValidationError(_("бизнес-региона «%(value)s» нет в справочнике.") % {"value": text})
        return region
    if target == "responsible":
        users = lookups.users.get(normal(text), [])
        if not users:
            raise ValidationError(_("пользователь «%(value)s» не найден.") % {"value": text})
        if len(users) > 1:
            raise ValidationError(
                _("«%(value)s» — несколько пользователей: укажите имя пользователя (логин).") % {"value": text}
            )
        return users[0]
    limit = TEXT_LIMITS[target]
    if len(text) > limit:
        raise ValidationError(_("длиннее %(limit)s знаков.") % {"limit": limit})
    return text


# --- rows against the clients they update -----------------------------------------------------------


def check_row(row: ImportRow, existing: Client | None, existing_values: dict[int, object]) -> None:
    """What can only be checked once the row's client is known: its kind decides the ИНН length,
    whether a КПП is allowed and which extra fields apply. Sets the kind of a new client."""
    kind = row.values.get("kind") or (existing.kind if existing else None)
    if kind is None:
        kind = Client.Kind.INDIVIDUAL if len(row.inn) == 12 else Client.Kind.COMPANY
        row.values["kind"] = kind
    company = kind == Client.Kind.COMPANY
    if existing is None and not row.values.get("name"):
        row.errors.append(_("Не указано наименование клиента."))
    inn = row.inn or (existing.inn if existing else "")
    kpp = row.values["kpp"] if "kpp" in row.values else (existing.kpp if existing else "")
    if inn and company and len(inn) != 10:
        row.errors.append(_("ИНН организации — 10 цифр."))
    if inn and not company and len(inn) != 12:
        row.errors.append(_("ИНН физического лица — 12 цифр."))
    if kpp and not company:
        row.errors.append(_("КПП указывается только для организаций."))
    probe = Client(kind=kind)
    for extra_field, value in row.extra.items():
        if not extra_field.applies_to_client(probe):
            row.errors.append(
                _("Поле «%(field)s» не заполняется у клиентов вида «%(kind)s».")
                % {"field": extra_field.name, "kind": probe.get_kind_display()}
            )
        elif isinstance(value, ExtraFieldOption) and value.retired and existing_values.get(extra_field.pk) != value:
            row.errors.append(
                _("%(field)s: значение «%(value)s» больше не используется.")
                % {"field": extra_field.name, "value": value.name}
            )
