"""A report's table as plain values — columns of a kind, lines of raw values (text, int, Decimal,
date) grouped in levels, and a total — and the one builder that renders it: the page and the print
view through grid_html, the xlsx file through grids_xlsx. The HTML is built in Python: thousands of
lines (and thousands of linked cells) cost ten times less than through template tags per cell."""

from __future__ import annotations

import re
from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from io import BytesIO

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from crm import numbers
from crm.xlsx import BOLD, heading, write


class Kind(Enum):
    TEXT = "text"
    MONEY = "money"
    COUNT = "count"
    DAYS = "days"
    DATE = "date"
    PERCENT = "percent"
    DURATION = "duration"  # days: «2,5 дн.», under a day «5 ч 20 мин»; a zero is shown too


NUMERIC = (Kind.MONEY, Kind.COUNT, Kind.DAYS, Kind.PERCENT, Kind.DURATION)
PLACES = {Kind.MONEY: 2, Kind.PERCENT: 1}
XLSX_FORMATS = {
    Kind.MONEY: numbers.XLSX_MONEY,
    Kind.PERCENT: numbers.XLSX_PERCENT,
    Kind.DURATION: numbers.XLSX_DAYS,
    Kind.DATE: "DD.MM.YYYY",
}


@dataclass(frozen=True)
class Column:
    label: str
    kind: Kind = Kind.TEXT
    places: int | None = None  # decimal places on the page, when not the kind's
    unit: str = ""  # HTML after a shown value («&nbsp;%»)
    xlsx_format: str | None = None  # the file's number format, when not the kind's
    bold: bool = False  # a column of totals
    zeros: bool = False  # a zero is shown in every line, not only in the total
    nowrap: bool = False  # the first column's labels stay on one line

    def __post_init__(self):
        places = PLACES.get(self.kind, 0) if self.places is None else self.places
        object.__setattr__(self, "shown_places", places)
        object.__setattr__(self, "number_format", self.xlsx_format or XLSX_FORMATS.get(self.kind))
        css = "text-end text-nowrap" if self.kind in NUMERIC else "text-nowrap" if self.kind is Kind.DATE else ""
        object.__setattr__(self, "css", f"{css} fw-semibold".strip() if self.bold else css)


@dataclass(frozen=True)
class Link:
    """A value that opens `url` (a count that opens what it counts)."""

    value: object
    url: str | None


# The styles of a line: a group heading (a client), a subgroup heading (a contract), a detail line.
GROUP, SUBGROUP, DETAIL = "group", "subgroup", ""


@dataclass
class Line:
    values: Sequence
    style: str = DETAIL
    level: int = 0  # the indent of the first cell
    url: str | None = None  # the first cell's link
    key: str = ""  # data-key on the row, for tests and scripts


@dataclass
class Grid:
    columns: Sequence[Column]
    lines: list[Line]
    total: Line | None
    empty: str  # said when there are no lines
    table_id: str = "report-table"
    notes: list[str] = field(default_factory=list)  # said under the table (a cut list, a limit)


def shown(value, column: Column | Kind, *, total: bool = False) -> str:
    """A value as the page shows it; a zero is left blank except in the total, as the other reports do."""
    if isinstance(column, Kind):
        column = Column("", column)
    kind = column.kind
    if value is None or value == "":
        return ""
    if kind is Kind.DATE and isinstance(value, date):
        return date_format(value, "d.m.Y")
    if kind is Kind.DURATION:
        return numbers.days(value)
    if kind in NUMERIC:
        if not value and not total and not column.zeros:
            return ""
        return numbers.number(value, column.shown_places)
    return str(value)


def _cell(value, column: Column, line: Line, first: bool, total: bool) -> str:
    url = line.url
    if type(value) is Link:
        value, url = value.value, value.url
    text = escape(shown(value, column, total=total))
    if text and column.unit:
        text += column.unit
    if url and text:
        text = f'<a href="{escape(url)}">{text}</a>'
    if first:
        if total:
            return f"<th>{text}</th>"
        indent = f' style="padding-left: {0.25 + 1.25 * line.level}rem"' if line.level else ""
        weight = (
            "" if line.style == GROUP else ' class="fw-normal text-nowrap"' if column.nowrap else ' class="fw-normal"'
        )
        return f'<th scope="row"{weight}{indent}>{text}</th>'
    return f'<td class="{column.css}">{text}</td>' if column.css else f"<td>{text}</td>"


ROW_CSS = {GROUP: "report-group table-light fw-semibold", SUBGROUP: "report-subgroup fst-italic", DETAIL: ""}


def _row(line: Line, columns: Sequence[Column], *, total: bool = False) -> str:
    cells = "".join(
        _cell(value, column, line if index == 0 else NO_LINK, index == 0, total)
        for index, (value, column) in enumerate(zip(line.values, columns, strict=True))
    )
    attrs = f' data-key="{escape(line.key)}"' if line.key else ""
    css = ROW_CSS.get(line.style, "")
    return f'<tr class="{css}"{attrs}>{cells}</tr>' if css else f"<tr{attrs}>{cells}</tr>"


NO_LINK = Line(())  # the line of a cell other than the first: its link is the cell's own


def grid_html(grid: Grid) -> SafeString:
    head = "".join(
        f'<th scope="col" class="text-end">{escape(c.label)}</th>'
        if c.kind in NUMERIC
        else f'<th scope="col">{escape(c.label)}</th>'
        for c in grid.columns
    )
    parts = [
        '<table class="table table-sm table-bordered table-hover align-middle bg-white w-auto report-table"'
        f' id="{escape(grid.table_id)}">',
        f'<thead class="table-light"><tr>{head}</tr></thead><tbody>',
    ]
    parts += [_row(line, grid.columns) for line in grid.lines]
    if not grid.lines:
        parts.append(f'<tr><td colspan="{len(grid.columns)}" class="text-muted">{escape(grid.empty)}</td></tr>')
    parts.append("</tbody>")
    if grid.total is not None:
        parts.append(f'<tfoot class="table-light fw-semibold">{_row(grid.total, grid.columns, total=True)}</tfoot>')
    parts.append("</table>")
    parts += [f'<p class="small text-muted report-note">{escape(note)}</p>' for note in grid.notes]
    return mark_safe("".join(parts))  # every value above is escaped


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """`part` as a percentage of `whole`, to one place; None when there is no whole."""
    if not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"))


# --- the xlsx file ---------------------------------------------------------------------------------

# One style object per indent: openpyxl hashes a new one for every cell it is given.
INDENTS = {level: Alignment(indent=level * 2) for level in range(1, 4)}


def _xlsx_line(sheet, row: int, grid: Grid, line: Line, *, bold: bool, styles: dict) -> None:
    """One line's cells. Their styles (bold, number format, indent) are made once per combination
    and copied to the next cells of it: openpyxl hashes every style it is given, which was most of
    the time of a 30k-line file. `styles` keeps the made ones for the workbook."""
    for number, (value, column) in enumerate(zip(line.values, grid.columns, strict=True), start=1):
        if type(value) is Link:
            value = value.value
        if value is None or value == "":
            continue
        if column.kind is Kind.TEXT or not isinstance(value, (int, float, Decimal, date)):
            value = str(value)
        number_format = column.number_format if not isinstance(value, str) else None
        indent = line.level if number == 1 else 0
        strong = bold or column.bold
        cell = sheet.cell(row=row, column=number)
        if strong or number_format or indent:
            key = (strong, number_format, indent)
            if key in styles:
                cell._style = copy(styles[key])  # openpyxl's own way of copying a cell's style
            else:
                if strong:
                    cell.font = BOLD
                if number_format:
                    cell.number_format = number_format
                if indent:
                    cell.alignment = INDENTS[indent]
                styles[key] = copy(cell._style)
        write(sheet, row, number, value)  # after the style: a formula-like text gets its quote prefix


def grids_xlsx(sections: Sequence[tuple[str, Grid]], *, title: str, conditions: list[str], sheet_title: str) -> bytes:
    """One sheet: the heading, then each (caption, grid) — a caption may be empty."""
    book = Workbook()
    sheet = book.active
    sheet.title = re.sub(r"[\[\]:*?/\\]", " ", sheet_title)[:31]
    row = heading(sheet, title, conditions)
    widths: dict[int, int] = {}
    styles: dict = {}
    for caption, grid in sections:
        if caption:
            write(sheet, row, 1, caption, bold=True)
            row += 1
        for column, c in enumerate(grid.columns, start=1):
            write(sheet, row, column, str(c.label), bold=True)
            widths[column] = max(widths.get(column, 10), min(40, len(str(c.label)) + 2))
        if sheet.freeze_panes is None:
            sheet.freeze_panes = sheet.cell(row=row + 1, column=2)
        for line in grid.lines:
            row += 1
            _xlsx_line(sheet, row, grid, line, bold=line.style == GROUP, styles=styles)
            widths[1] = max(widths.get(1, 20), min(70, len(str(line.values[0])) + 2 + 2 * line.level))
        if not grid.lines:
            row += 1
            write(sheet, row, 1, grid.empty)
        if grid.total is not None:
            row += 1
            _xlsx_line(sheet, row, grid, grid.total, bold=True, styles=styles)
        for note in grid.notes:
            row += 1
            write(sheet, row, 1, note)
        row += 2
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = width
    out = BytesIO()
    book.save(out)
    return out.getvalue()
