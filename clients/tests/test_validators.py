import random

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from clients import validators


def test_valid_company_inn_passes():
    assert validators.clean_inn(" 7707083893 ", company=True) == "7707083893"


def test_inn_with_wrong_checksum_is_refused_with_its_reason():
    with pytest.raises(ValidationError, match="контрольное число"):
        validators.clean_inn("7707083894", company=True)


def test_individual_inn_must_have_twelve_digits():
    with pytest.raises(ValidationError, match="12 цифр"):
        validators.clean_inn("7707083893", company=False)


def test_inn_with_letters_is_refused():
    with pytest.raises(ValidationError, match="только из цифр"):
        validators.clean_inn("77070838AB")


@pytest.mark.parametrize("kpp", ["773601001", "7736AB001"])
def test_kpp_format_accepts_digits_and_latin_letters(kpp):
    assert validators.clean_kpp(kpp) == kpp


@pytest.mark.parametrize("kpp", ["77360100", "7736ЖЖ001", "abc"])
def test_kpp_with_wrong_format_is_refused(kpp):
    with pytest.raises(ValidationError):
        validators.clean_kpp(kpp)


@pytest.mark.parametrize("raw", ["8 (916) 123-45-67", "+7 916 123 45 67", "9161234567"])
def test_phone_is_stored_in_e164(raw):
    assert validators.clean_phone(raw) == "+79161234567"


def test_phone_is_shown_pretty():
    assert validators.format_phone("+79161234567") == "+7 916 123-45-67"
    assert validators.format_phone("+78001234567") == "+7 800 123-45-67"
    assert validators.format_phone("+375291234567") == "+375 29 123-45-67"


def phonenumbers_layout(e164: str) -> str:
    """What format_phone() replaced: phonenumbers parsing and formatting every number."""
    try:
        number = phonenumbers.parse(e164, validators.PHONE_REGION)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@given(st.from_regex(r"\+7[0-9]{8,12}", fullmatch=True) | st.from_regex(r"\+[0-9]{6,14}", fullmatch=True))
@settings(max_examples=200, deadline=None)
def test_phone_layout_is_phonenumbers(e164):
    assert validators.format_phone(e164) == phonenumbers_layout(e164)


def test_phone_layout_is_phonenumbers_for_every_beginning():
    """Every four leading digits of a Russian number with an ending, and every five after the 7 of
    the codes whose layouts read five digits."""
    rng = random.Random(4)
    numbers = [f"+7{start:04d}{rng.randrange(10**6):06d}" for start in range(10_000)]
    numbers += [f"+7{start:05d}{rng.randrange(10**5):05d}" for start in range(70_000, 80_000)]
    assert [validators.format_phone(n) for n in numbers] == [phonenumbers_layout(n) for n in numbers]


@pytest.mark.parametrize("raw", ["позвонить вечером", "12", "+7 000 000"])
def test_unparsable_phone_is_refused(raw):
    with pytest.raises(ValidationError, match=r"(?i)номер"):
        validators.clean_phone(raw)


def test_malformed_email_is_refused():
    with pytest.raises(ValidationError, match="электронной почты"):
        validators.clean_email("ivan@@example")


def test_email_domain_is_lowercased():
    assert validators.clean_email("Ivan@Example.RU") == "Ivan@example.ru"
