"""Excel files as the house writes them (openpyxl): a cell whose text a spreadsheet would run as a
formula stays text, a report's heading, and the one response that sends a workbook."""

from __future__ import annotations

from typing import IO

from django.http import FileResponse, HttpResponse
from openpyxl.cell import Cell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What a spreadsheet reads as the start of a formula (a tab or a return before one, too).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOLD = Font(bold=True)


def write(sheet: Worksheet, row: int, column: int, value, *, bold: bool = False) -> Cell:
    """Write one value; text that starts like a formula stays text (Excel's own «'» marker)."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = value
        if value.startswith(FORMULA_PREFIXES):
            cell.data_type = "s"
            cell.quotePrefix = True
    else:
        cell.value = value
    if bold:
        cell.font = BOLD
    return cell


def heading(sheet: Worksheet, title: str, conditions: list[str]) -> int:
    """The title in bold and the conditions below it, one a line; returns the row for the table's header."""
    write(sheet, 1, 1, title, bold=True)
    for row, condition in enumerate(conditions, start=2):
        write(sheet, row, 1, condition)
    return len(conditions) + 3


def xlsx_response(content: bytes | IO[bytes], filename: str) -> HttpResponse:
    """Send a workbook as a download: bytes made in the request, or an open file (streamed)."""
    if isinstance(content, bytes):
        response = HttpResponse(content, content_type=CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return FileResponse(content, as_attachment=True, filename=filename, content_type=CONTENT_TYPE)
