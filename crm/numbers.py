"""Numbers as people read them, one format on every page, form and export: the locale's
separators (150 000,00 in Russian), a true minus sign (−), money with two places, other numbers
as they were typed (25, not 25,0000)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
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
        value = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True).replace("-", MINUS)


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
