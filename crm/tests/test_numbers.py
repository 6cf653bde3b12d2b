"""One number format everywhere (crm.numbers) and the boxes people type numbers and dates into."""

import datetime
from decimal import Decimal as D

import pytest
from django import forms
from django.utils import translation

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
