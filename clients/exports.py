"""The client list as an Excel workbook: the list's filter, columns and order, written row by row
in openpyxl's write-only mode and read in chunks, so that 100k clients keep memory flat and cost
a constant number of queries per chunk."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from decimal import Decimal
from itertools import islice
from typing import IO

from django.db.models import QuerySet
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from clients import extra_fields as extra
from clients.models import Client, ContactInfo, ContactInfoKind, ExtraField, ExtraFieldOption, attach_listed_contacts
from crm.users import user_name
from crm.xlsx import FORMULA_PREFIXES

CHUNK_SIZE = 1000

DATE_FORMAT = "DD.MM.YYYY"


def _contacts(value_type: str) -> Callable[[Client], str]:
    def values(client: Client) -> str:
        return ", ".join(
            ContactInfo.shown(i.value, i.value_type) for i in client.list_contact_info if i.value_type == value_type
        )

    return values


def builtin_values() -> dict[str, Callable[[Client], object]]:
    """The list's built-in columns as cell values (the HTML table's cells are markup); labels are
    translated once per export, not once per row."""
    kinds = {value: str(label) for value, label in Client.Kind.choices}
    return {
        "name": lambda c: c.name,
        "kind": lambda c: kinds.get(c.kind, c.kind),
        "inn": lambda c: c.inn,
        "kpp": lambda c: c.kpp,
        "business_region": lambda c: c.business_region.name if c.business_region else None,
        "responsible": lambda c: user_name(c.responsible, None),
        "segments": lambda c: ", ".join(s.name for s in c.segments.all()),
        "abc_class": lambda c: c.abc_class,
        "xyz_class": lambda c: c.xyz_class,
        "phone": _contacts(ContactInfoKind.ValueType.PHONE),
        "email": _contacts(ContactInfoKind.ValueType.EMAIL),
        "created_at": lambda c: localtime(c.created_at).date(),
        "completeness": lambda c: c.completeness,
    }


BUILTIN_COLUMNS = frozenset(builtin_values())
COLUMN_WIDTHS = {"name": 45, "phone": 22, "email": 28, "segments": 25, "responsible": 25, "business_region": 22}


def text_cell(sheet, value: str) -> WriteOnlyCell:
    """A cell that Excel shows as this text and never evaluates: not a formula, not an error code."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    if value.startswith(FORMULA_PREFIXES):
        # Excel's own «'» marker: the text stays text even after the user edits the cell.
        cell.quotePrefix = True
    return cell


def cell_value(sheet, value: object) -> object:
    """What to append for a value: plain values where openpyxl writes them as they are (the
    cheap path, for most cells), a prepared cell for risky text and for dates."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_PREFIXES) or value in ERROR_CODES:
            return text_cell(sheet, value)
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else value
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return text_cell(sheet, str(value))


def _chunks(items: Iterable[Client], size: int) -> Iterator[list[Client]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def exportable_columns(names: Iterable[str], fields: Iterable[ExtraField]) -> list[str]:
    """The columns of the list that have a cell value here, in the list's order."""
    extra_names = {f.key for f in fields}
    return [name for name in names if name in BUILTIN_COLUMNS or name in extra_names]


def write_clients(
    clients: QuerySet[Client],
    columns: list[tuple[str, str]],
    fields: Iterable[ExtraField],
    out: IO[bytes],
    *,
    chunk_size: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Write `clients` (a Client.objects.for_list() queryset in the list's order) as a workbook with
    `columns` — (column name, header) pairs of the list, extra fields as `extra_<id>` — to `out`.
    Returns the number of rows written."""
    by_column = {f.key: f for f in fields}
    chunk_size = chunk_size or CHUNK_SIZE
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Клиенты"))
    for index, (name, _header) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = COLUMN_WIDTHS.get(name, 16)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for _name, header in columns:
        cell = text_cell(sheet, str(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    builtin = builtin_values()
    getters = [
        _extra_getter(by_column[name], yes=_("Да"), no=_("Нет"))
        if name in by_column
        else _builtin_getter(builtin[name])
        for name, _header in columns
    ]
    with_extra = any(name in by_column for name, _header in columns)
    with_contacts = any(name in ("phone", "email") for name, _header in columns)
    count = 0
    for chunk in _chunks(clients.iterator(chunk_size=chunk_size), chunk_size):
        # One query for the extra values of the chunk and one for its phones and e-mails, next to
        # the chunk's own prefetches.
        values = extra.values_of_clients([c.pk for c in chunk]) if with_extra else {}
        if with_contacts:
            attach_listed_contacts(chunk)
        for client in chunk:
            own = values.get(client.pk, {})
            sheet.append([cell_value(sheet, get(client, own)) for get in getters])
        count += len(chunk)
        if on_progress is not None:
            on_progress(count)
    workbook.save(out)
    return count


def _builtin_getter(value: Callable[[Client], object]) -> Callable[[Client, dict], object]:
    return lambda client, _values: value(client)


def _extra_getter(field: ExtraField, *, yes: str, no: str) -> Callable[[Client, dict], object]:
    """Numbers and dates stay numbers and dates for Excel; lists and flags as the card shows them."""

    def value(client: Client, values: dict[int, object]) -> object:
        current = values.get(field.pk)
        if isinstance(current, bool):
            return yes if current else no
        if isinstance(current, ExtraFieldOption):
            return current.name
        return current

    return value
