"""Checks of Russian requisites and contact values, each returning the normalised value or raising
ValidationError with a message a manager understands."""

import functools
import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.ru import inn as stdnum_inn

KPP_RE = re.compile(r"^\d{4}[\dA-Z]{2}\d{3}$")
PHONE_REGION = "RU"


def clean_inn(value: str, *, company: bool | None = None) -> str:
    """Return the ИНН digits, checking the checksum; 10 digits for a company, 12 for a person."""
    value = re.sub(r"\s", "", value or "")
    if not value:
        return ""
    if not value.isdigit():
        raise ValidationError(_("ИНН состоит только из цифр."), code="inn_digits")
    if company is True and len(value) != 10:
        raise ValidationError(_("ИНН организации — 10 цифр."), code="inn_length")
    if company is False and len(value) != 12:
        raise ValidationError(_("ИНН физического лица — 12 цифр."), code="inn_length")
    try:
        return stdnum_inn.validate(value)
    except InvalidChecksum:
        raise ValidationError(_("Неверное контрольное число ИНН %(inn)s.") % {"inn": value}, code="inn_checksum")
    except InvalidLength:
        raise ValidationError(_("ИНН должен содержать 10 или 12 цифр."), code="inn_length")
    except StdnumError:
        raise ValidationError(_("Неверный ИНН."), code="inn_invalid")


def clean_kpp(value: str) -> str:
    """КПП has no checksum, only a format: 4 digits, 2 digits or capital Latin letters, 3 digits."""
    value = re.sub(r"\s", "", value or "").upper()
    if value and not KPP_RE.match(value):
        raise ValidationError(_("КПП — 9 знаков: 4 цифры, 2 цифры или латинские буквы, 3 цифры."), code="kpp_format")
    return value


def clean_phone(value: str) -> str:
    """Return the phone in E.164 (+79161234567)."""
    try:
        number = phonenumbers.parse(value, PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Не удалось распознать номер телефона «%(value)s».") % {"value": value}, code="phone")
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Номер телефона «%(value)s» не существует.") % {"value": value}, code="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """+79161234567 → +7 916 123-45-67: phonenumbers' INTERNATIONAL format. A list page shows fifty
    numbers out of a hundred thousand, and parsing each cost 20 µs (a tenth of the page's CPU): a
    number of the home country is laid out here by phonenumbers' own layouts, chosen as it chooses
    them (`_HOME_LAYOUTS`; clients/tests/test_validators.py holds the two to the same output), and
    any other number goes through phonenumbers."""
    if e164.startswith(_HOME_PREFIX):
        national = e164[len(_HOME_PREFIX) :]
        if national.isascii() and national.isdigit():
            for leading, whole, layout in _HOME_LAYOUTS:
                if (leading is None or leading.match(national)) and whole.fullmatch(national):
                    return f"{_HOME_PREFIX} {whole.sub(layout, national)}"
    return _format_phone(e164)


@functools.lru_cache(maxsize=20_000)
def _format_phone(e164: str) -> str:
    try:
        number = phonenumbers.parse(e164, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _home_layouts() -> list[tuple[re.Pattern | None, re.Pattern, str]]:
    """The home country's international layouts from phonenumbers' metadata, in its order: a
    number takes the first whose last leading-digits pattern matches its beginning and whose
    pattern matches all of it (libphonenumber's rule), laid out by the layout's format."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(PHONE_REGION)
    return [
        (
            re.compile(f.leading_digits_pattern[-1]) if f.leading_digits_pattern else None,
            re.compile(f.pattern),
            f.format,
        )
        for f in metadata.intl_number_format or metadata.number_format
    ]


_HOME_PREFIX = f"+{phonenumbers.country_code_for_region(PHONE_REGION)}"
_HOME_LAYOUTS = _home_layouts()


def clean_email(value: str) -> str:
    value = value.strip()
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError(_("Неверный адрес электронной почты «%(value)s».") % {"value": value}, code="email")
    local, _at, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def clean_url(value: str) -> str:
    value = value.strip()
    if "://" not in value:
        value = "https://" + value
    try:
        URLValidator()(value)
    except ValidationError:
        raise ValidationError(_("Неверный адрес сайта «%(value)s».") % {"value": value}, code="url")
    return value
