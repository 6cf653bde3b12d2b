"""A cell of an imported file read as what a person meant: text, a number, a date, Да/Нет, a list
value. Each reader raises ValidationError with a message for the row's report."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from clients.models import ExtraField, ExtraFieldOption

TRUE_WORDS = {"да", "yes", "true", "1", "истина", "+", "x", "v"}
FALSE_WORDS = {"нет", "no", "false", "0", "ложь", "-"}
NUMBER_LIMIT = Decimal(10) ** 14  # ExtraValue.value_number: 18 digits, 4 of them decimals
DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%y")
TEXT_LIMIT = 1000  # ExtraValue.value_text


def cell_text(value: object) -> str:
    """A cell as the text a user typed in it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Да") if value else _("Нет")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.strftime("%d.%m.%Y")
    return str(value).strip()


def normal(text: str) -> str:
    """Text compared as people mean it: no case, punctuation or spaces, е for ё."""
    return re.sub(r"[\W_]+", "", text.lower().replace("ё", "е"))


def parse_text(raw: object, limit: int = TEXT_LIMIT) -> str:
    text = cell_text(raw)
    if len(text) > limit:
        raise ValidationError(_("длиннее %(limit)s знаков.") % {"limit": limit})
    return text


def parse_number(raw: object) -> Decimal:
    if isinstance(raw, bool):
        raise ValidationError(_("«%(value)s» — не число.") % {"value": cell_text(raw)})
    if isinstance(raw, int | Decimal):
        number = Decimal(raw)
    elif isinstance(raw, float):
        number = Decimal(repr(raw))
    else:
        text = re.sub(r"[\s\u00a0']", "", cell_text(raw)).replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValidationError(_("«%(value)s» — не число.") % {"value": cell_text(raw)})
    if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
        raise ValidationError(_("«%(value)s» — слишком большое число.") % {"value": cell_text(raw)})
    return number.quantize(Decimal("0.0001"))


def parse_date(raw: object) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = cell_text(raw)
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{2,4}|\d{4}-\d{1,2}-\d{1,2}", text):
        raise ValidationError(_("даты «%(value)s» не существует.") % {"value": text})
    raise ValidationError(_("«%(value)s» — не дата: укажите её как ДД.ММ.ГГГГ.") % {"value": text})


def parse_flag(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    text = cell_text(raw)
    word = text.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationError(_("«%(value)s» — укажите «Да» или «Нет».") % {"value": text})


def parse_option(field: ExtraField, raw: object) -> ExtraFieldOption:
    """A value of a list field by its name, however it is spelled; a value still in use wins over
    a retired one of the same name."""
    text = cell_text(raw)
    wanted = normal(text) or text.lower()
    options = [o for o in field.option_list if (normal(o.name) or o.name.lower()) == wanted]
    option = min(options, key=lambda o: (o.retired, o.order, o.pk), default=None)
    if option is None:
        raise ValidationError(_("значения «%(value)s» нет в списке.") % {"value": text})
    return option
