"""One number format everywhere (crm.numbers) and the boxes people type numbers and dates into."""

import datetime
from decimal import ROUND_HALF_UP, InvalidOperation
from decimal import Decimal as D

import pytest
from django import forms
from django.utils import translation
from django.utils.formats import number_format
from hypothesis import given, settings
from hypothesis import strategies as st

from crm import numbers
from crm.forms import DateInput, TypedDecimalField

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        (D("150000"), 2, f"150{NBSP}000,00"),
        (D("-1500.5"), 2, f"−1{NBSP}500,50"),
        (D("25.0000"), None, "25"),
        (D("1500000.5000"), None, f"1{NBSP}500{NBSP}000,5"),
        (D("-6.667"), 1, "−6,7"),
        (12345, None, f"12{NBSP}345"),
        (None, 2, ""),
    ],
)
def test_numbers_read_the_russian_way_with_a_true_minus(value, places, shown):
    with translation.override("ru"):
        assert numbers.number(value, places) == shown


@pytest.mark.parametrize(
    ("days", "shown"),
    [(D("2.5"), "2,5 дн."), (D("1"), "1,0 дн."), (D("0.9"), "21 ч 36 мин"), (D("0.01"), "14 мин"), (D(0), "0 мин")],
)
def test_a_duration_under_a_day_is_hours_and_minutes(days, shown):
    with translation.override("ru"):
        assert numbers.days(days) == shown


@pytest.mark.parametrize("typed", ["−1 500,5", "-1500.5", f"−1{NBSP}500,50", "-1 500,5"])
def test_a_number_is_read_back_as_shown_or_as_typed(typed):
    assert TypedDecimalField(max_digits=10, decimal_places=2).clean(typed) == D("-1500.5")


def test_a_number_box_shows_the_number_as_pages_do():
    class Form(forms.Form):
        amount = TypedDecimalField(max_digits=14, decimal_places=2, money=True)
        count = TypedDecimalField(max_digits=14, decimal_places=4)

    with translation.override("ru"):
        form = Form(initial={"amount": D("-40200"), "count": D("25.0000")})
        assert f'value="−40{NBSP}200,00"' in str(form["amount"])
        assert 'value="25"' in str(form["count"])


def test_a_date_box_shows_a_date_from_a_link_the_way_it_is_typed():
    box = DateInput()
    assert box.format_value("2026-03-15") == "15.03.2026"
    assert box.format_value("31.02.2026") == "31.02.2026"  # what was typed stays, to be corrected
    assert box.format_value(datetime.date(2026, 3, 15)) == "15.03.2026"


def _number_format_way(value, places):
    """crm.numbers.number as it was, through Django's number_format: the fast one must agree."""
    if value is None or value == "":
        return ""
    if places is None and isinstance(value, D):
        value = numbers.plain(value)
    elif places is not None:
        value = D(str(value)).quantize(D(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True).replace("-", numbers.MINUS)


@settings(max_examples=400, deadline=None)
@given(
    value=st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False),
        st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**15), max_value=10**15),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
    ),
    places=st.sampled_from([None, 0, 1, 2, 4]),
    language=st.sampled_from(["ru", "en"]),
)
def test_a_number_is_shown_as_djangos_number_format_shows_it(value, places, language):
    with translation.override(language):
        try:
            expected = _number_format_way(value, places)
        except InvalidOperation:  # more digits than Decimal's precision: both ways refuse
            with pytest.raises(InvalidOperation):
                numbers.number(value, places)
            return
        assert numbers.number(value, places) == expected
