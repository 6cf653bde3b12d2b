"""The sales reports as xlsx: the title and the filter as text (crm.xlsx.heading), then each
grid with its header, lines and total — numbers as numbers, dates as dates, text through
crm.xlsx.write, which keeps formula-like text (= + - @) as text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from copy import copy
from datetime import date
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from crm import numbers
from crm.xlsx import BOLD, heading, write
from reports.receivables.grid import GROUP, Grid, Kind, Line

FORMATS = {
    Kind.MONEY: numbers.XLSX_MONEY,
    Kind.PERCENT: numbers.XLSX_PERCENT,
    Kind.DURATION: numbers.XLSX_DAYS,
    Kind.DATE: "DD.MM.YYYY",
}
# One style object per indent: openpyxl hashes a new one for every cell it is given.
INDENTS = {level: Alignment(indent=level * 2) for level in range(1, 4)}


def _line(sheet, row: int, grid: Grid, line: Line, *, bold: bool, styles: dict) -> None:
    """One line's cells. Their styles (bold, number format, indent) are made once per combination
    and copied to the next cells of it: openpyxl hashes every style it is given, which was most of
    the time of a 30k-line file. `styles` keeps the made ones for the workbook."""
    for column, (value, kind) in enumerate(zip(line.values, (c.kind for c in grid.columns), strict=True), start=1):
        if value is None or value == "":
            continue
        if kind is Kind.TEXT or not isinstance(value, (int, float, Decimal, date)):
            value = str(value)
        number_format = FORMATS.get(kind) if not isinstance(value, str) else None
        indent = line.level if column == 1 else 0
        cell = sheet.cell(row=row, column=column)
        if bold or number_format or indent:
            key = (bold, number_format, indent)
            if key in styles:
                cell._style = copy(styles[key])  # openpyxl's own way of copying a cell's style
            else:
                if bold:
                    cell.font = BOLD
                if number_format:
                    cell.number_format = number_format
                if indent:
                    cell.alignment = INDENTS[indent]
                styles[key] = copy(cell._style)
        write(sheet, row, column, value)  # after the style: a formula-like text gets its quote prefix


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
            _line(sheet, row, grid, line, bold=line.style == GROUP, styles=styles)
            widths[1] = max(widths.get(1, 20), min(70, len(str(line.values[0])) + 2 + 2 * line.level))
        if not grid.lines:
            row += 1
            write(sheet, row, 1, grid.empty)
        if grid.total is not None:
            row += 1
            _line(sheet, row, grid, grid.total, bold=True, styles=styles)
        for note in grid.notes:
            row += 1
            write(sheet, row, 1, note)
        row += 2
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = width
    out = BytesIO()
    book.save(out)
    return out.getvalue()
