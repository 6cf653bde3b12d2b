"""Numbers as people read them, one format on every page, form and export: the locale's
separators (150 000,00 in Russian), a true minus sign (−), money with two places, other numbers
as they were typed (25, not 25,0000)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

MINUS = "\u2212"
# Excel's format for money, with the same minus: the file shows what the page shows.
XLSX_MONEY = '#,##0.00;"−"#,##0.00'
XLSX_PERCENT = '0.0;"−"0.0'
XLSX_DAYS = '0.00" дн."'


def plain(value: Decimal) -> Decimal:
    """The number without trailing zeros: 25, not 25.0000; 1500000.5, not 1500000.5000."""
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


def number(value: Decimal | int | float | None, places: int | None = None) -> str:
    """`places` decimals, or as many as the number has when None; "" for no value."""
    if value is None or value == "":
        return ""
    if places is None and isinstance(value, Decimal):
        value = plain(value)
    elif places is not None:
        # Rounded half up, as money is; Django's number_format would cut the digits off.
        exact = value if isinstance(value, Decimal) else Decimal(str(value))
        value = exact.quantize(_step(places), rounding=ROUND_HALF_UP)
    return _grouped(value, places).replace("-", MINUS)


def _grouped(value: Decimal | int | float, places: int | None) -> str:
    """django.utils.formats.number_format(value, places, use_l10n=True, force_grouping=True) — a
    page of amounts calls it a hundred times — with the language's separators looked up once and,
    for a Decimal or an int grouped by threes (Russian, English), Python's own grouping."""
    decimal_sep, thousand_sep, grouping, table = _separators(get_language())
    if grouping != 3:
        return numberformat.format(value, decimal_sep, places, grouping, thousand_sep, True, True)
    if type(value) is int:
        text = f"{value:,}" if places is None else f"{value:,.{places}f}"
    elif type(value) is Decimal and value.is_finite() and -100 < value.adjusted() < 100:
        if places is None:
            text = f"{value:,f}"
        elif abs(value) < _step(places):
            text = f"{0:,.{places}f}"  # too small to show: Django's «0,00», without a sign
        else:
            text = f"{value:,.{places}f}"
    else:
        return numberformat.format(value, decimal_sep, places, grouping, thousand_sep, True, True)
    return text.translate(table)


def _step(places: int) -> Decimal:
    """0.01 for 2 places."""
    step = _STEPS.get(places)
    if step is None:
        step = _STEPS[places] = Decimal(1).scaleb(-places)
    return step


_STEPS: dict[int, Decimal] = {}
_SEPARATORS: dict[str | None, tuple[str, str, int, dict[int, str]]] = {}


def _separators(language: str | None) -> tuple[str, str, int, dict[int, str]]:
    """The language's decimal and thousand separators, its grouping, and the table that turns
    Python's "1,234.5" into them."""
    found = _SEPARATORS.get(language)
    if found is None:
        decimal_sep = get_format("DECIMAL_SEPARATOR", language, use_l10n=True)
        thousand_sep = get_format("THOUSAND_SEPARATOR", language, use_l10n=True)
        grouping = get_format("NUMBER_GROUPING", language, use_l10n=True)
        table = {ord(","): thousand_sep, ord("."): decimal_sep}
        found = _SEPARATORS[language] = (decimal_sep, thousand_sep, grouping, table)
    return found


def money(value: Decimal | int | float | None) -> str:
    return number(value, 2)


def parse(text: str) -> str:
    """What people type back into a number box: spaces between thousands, a true minus."""
    return text.replace(MINUS, "-").replace("\u00a0", "").replace("\u202f", "").replace(" ", "")


def days(value: Decimal | int | float | None) -> str:
    """A duration given in days as people say it: «2,5 дн.»; under a day «5 ч 20 мин», «20 мин»."""
    if value is None:
        return ""
    minutes = round(Decimal(value) * 1440)
    if minutes >= 1440:
        return _("%(days)s дн.") % {"days": number(Decimal(value), 1)}
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(hours)s ч %(minutes)s мин") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)s мин") % {"minutes": minutes}
