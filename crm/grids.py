"""A report's table as plain values — columns of a kind, lines of raw values (text, int, Decimal,
date) grouped in levels, and a total — and the one builder that renders it: the page and the print
view through grid_html, the xlsx file through grids_xlsx. The HTML is built in Python: thousands of
lines (and thousands of linked cells) cost ten times less than through template tags per cell."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from copy import copy
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from html import escape as escape_text
from io import BytesIO

from django.utils.formats import date_format, get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from crm import numbers
from crm.numbers import MINUS
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
    css: str | None = None  # the class of its cells and heading, when not the kind's
    width: str = ""  # its share of a fixed-layout table («9%»)

    def __post_init__(self):
        places = PLACES.get(self.kind, 0) if self.places is None else self.places
        object.__setattr__(self, "shown_places", places)
        object.__setattr__(self, "number_format", self.xlsx_format or XLSX_FORMATS.get(self.kind))
        css = "text-end text-nowrap" if self.kind in NUMERIC else "text-nowrap" if self.kind is Kind.DATE else ""
        css = f"{css} fw-semibold".strip() if self.bold else css
        object.__setattr__(self, "cell_css", css if self.css is None else self.css)
        head = "text-end" if self.kind in NUMERIC else ""
        object.__setattr__(self, "head_css", head if self.css is None else self.css)


@dataclass(frozen=True)
class Link:
    """A value that opens `url` (a count that opens what it counts)."""

    value: object
    url: str | None


@dataclass(frozen=True)
class Span:
    """A row heading over several columns («Сальдо на начало периода»)."""

    text: str
    columns: int


# The styles of a line: a group heading (a client), a subgroup heading (a contract), a detail line;
# any other style is the row's class as it is.
GROUP, SUBGROUP, DETAIL = "group", "subgroup", ""


@dataclass(slots=True)
class Line:
    values: Sequence  # one a column; a Span stands for as many
    style: str = DETAIL
    level: int = 0  # the indent of the first cell
    url: str | None = None  # the first cell's link
    key: str = ""  # data-key on the row, for tests and scripts


TABLE_CSS = "table table-sm table-bordered table-hover align-middle bg-white w-auto report-table"


@dataclass
class Grid:
    columns: Sequence[Column]
    lines: list[Line]
    total: Line | None
    empty: str  # said when there are no lines
    table_id: str = "report-table"
    notes: list[str] = field(default_factory=list)  # said under the table (a cut list, a limit)
    css: str = TABLE_CSS
    head_css: str = "table-light"
    row_headings: bool = True  # a line's first cell heads its row
    groups: Sequence[tuple[str, int]] = ()  # a heading row above the columns': (label, columns spanned)
    lead: list[Line] = field(default_factory=list)  # lines before the lines (an opening balance)
    closing: list[Line] = field(default_factory=list)  # lines after the total (a closing balance)


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


def _separators() -> Callable[[str], str]:
    """Python's «1,234.5» written with the language's separators and a real minus; plain replaces,
    several times faster than str.translate on the thousands of amounts of a long ledger."""
    thousand, decimal = get_format("THOUSAND_SEPARATOR"), get_format("DECIMAL_SEPARATOR")
    if "." in thousand or "-" in thousand + decimal:  # a replace would meet what an earlier one wrote
        table = str.maketrans({",": thousand, ".": decimal, "-": MINUS})
        return lambda text: text.translate(table)
    return lambda text: text.replace(",", thousand).replace(".", decimal).replace("-", MINUS)


class _Table:
    """One grid drawn. Each column's way of writing a value, and a whole cell, is made once — the
    separators looked up once, each date and each recurring text written once — for the thousands
    of cells of a long ledger or a wide analysis (the text is what shown() and crm.numbers write)."""

    def __init__(self, grid: Grid):
        self.grid = grid
        self.thousands = _separators()
        self.days: dict[date, str] = {}
        columns = grid.columns
        self.writers = {total: [self._writer(c, total=total) for c in columns] for total in (False, True)}
        self.opens = [f'<td class="{c.cell_css}">' if c.cell_css else "<td>" for c in columns]
        self.cells = {
            total: [
                self._cell(c, o, w, total) for c, o, w in zip(columns, self.opens, self.writers[total], strict=True)
            ]
            for total in (False, True)
        }

    def _writer(self, column: Column, *, total: bool) -> Callable[[object], str]:
        kind, blank_zero, thousands = column.kind, not total and not column.zeros, self.thousands

        def other(value) -> str:
            return escape_text(shown(value, column, total=total))

        def money(value) -> str:
            if type(value) is Decimal:
                return "" if blank_zero and not value else thousands(format(value, ",.2f"))
            return "" if value is None or value == "" or (blank_zero and not value) else other(value)

        def whole(value) -> str:  # a count: grouped as crm.numbers.number groups it
            if type(value) is int:
                return "" if blank_zero and not value else thousands(format(value, ",d"))
            return other(value)

        def day(value) -> str:
            text = self.days.get(value)
            if text is None:
                if type(value) is not date:
                    return other(value)
                text = self.days[value] = f"{value.day:02d}.{value.month:02d}.{value.year:04d}"  # as strftime, faster
            return text

        escaped: dict[object, str] = {}

        def text(value) -> str:
            # The same texts recur (a contract's title on each of its documents): escaped once each.
            if value is None:
                return ""
            result = escaped.get(value)
            if result is None:
                result = escaped[value] = escape_text(str(value))
            return result

        if kind is Kind.MONEY:
            write = money
        elif kind in (Kind.COUNT, Kind.DAYS) and column.shown_places == 0:
            write = whole
        else:
            write = day if kind is Kind.DATE else text if kind is Kind.TEXT else other
        if not column.unit:
            return write
        return lambda value: (t + column.unit) if (t := write(value)) else ""

    def _cell(
        self, column: Column, opening: str, write: Callable[[object], str], total: bool
    ) -> Callable[[object], str]:
        """A whole cell of the column (not a row's heading), in one call."""
        empty, thousands, blank_zero = f"{opening}</td>", self.thousands, not total and not column.zeros

        def cell(value) -> str:
            if value is None:
                return empty
            if type(value) is Link:
                text = write(value.value)
                if value.url and text:
                    return f'{opening}<a href="{escape_text(value.url)}">{text}</a></td>'
                return f"{opening}{text}</td>"
            return f"{opening}{write(value)}</td>"

        def money(value) -> str:  # the most frequent cell of a ledger
            if type(value) is Decimal:
                if blank_zero and not value:
                    return empty
                return f"{opening}{thousands(format(value, ',.2f'))}</td>"
            return cell(value)

        return money if column.kind is Kind.MONEY and not column.unit else cell

    def heading(self, value, line: Line, total: bool) -> str:
        """A row's first cell, its heading."""
        url = line.url
        if type(value) is Link:
            value, url = value.value, value.url
        text = self.writers[total][0](value)
        if url and text:
            text = f'<a href="{escape_text(url)}">{text}</a>'
        if total:
            return f"<th>{text}</th>"
        css = "" if line.style == GROUP else "fw-normal text-nowrap" if self.grid.columns[0].nowrap else "fw-normal"
        if line.level:  # a class of the page's and the paper's CSS: the Content-Security-Policy refuses styles
            css = f"{css} grid-level-{line.level}".lstrip()
        return f'<th scope="row"{_class(css)}>{text}</th>'

    def row(self, line: Line, *, total: bool = False) -> str:
        values, cells = line.values, self.cells[total]
        if len(values) == len(cells):  # no Span
            if self.grid.row_headings:
                rest = zip(cells[1:], values[1:], strict=False)
                inner = self.heading(values[0], line, total) + "".join([c(v) for c, v in rest])
            else:
                inner = "".join([c(v) for c, v in zip(cells, values, strict=False)])
        else:
            parts, position = [], 0
            for value in values:
                if type(value) is Span:
                    parts.append(f'<th scope="row" colspan="{value.columns}">{escape_text(str(value.text))}</th>')
                    position += value.columns
                elif position == 0 and self.grid.row_headings:
                    parts.append(self.heading(value, line, total))
                    position += 1
                else:
                    parts.append(cells[position](value))
                    position += 1
            inner = "".join(parts)
        attrs = f' data-key="{escape_text(line.key)}"' if line.key else ""
        css = ROW_CSS.get(line.style, line.style)
        return f'<tr class="{css}"{attrs}>{inner}</tr>' if css else f"<tr{attrs}>{inner}</tr>"


ROW_CSS = {GROUP: "report-group table-light fw-semibold", SUBGROUP: "report-subgroup fst-italic", DETAIL: ""}


def _class(css: str) -> str:
    return f' class="{css}"' if css else ""


def grid_html(grid: Grid) -> SafeString:
    table = _Table(grid)
    head = "".join(f'<th scope="col"{_class(c.head_css)}>{escape(c.label)}</th>' for c in grid.columns)
    groups = "".join(f'<th scope="colgroup" colspan="{span}">{escape(label)}</th>' for label, span in grid.groups)
    # A presentational width, not a style attribute (which the Content-Security-Policy refuses).
    widths = "".join(f'<col width="{c.width}">' for c in grid.columns if c.width)
    parts = [
        f'<table class="{grid.css}" id="{escape(grid.table_id)}">',
        f"<colgroup>{widths}</colgroup>" if widths else "",
        f"<thead{_class(grid.head_css)}>",
        f"<tr>{groups}</tr>" if groups else "",
        f"<tr>{head}</tr></thead><tbody>",
    ]
    parts += [table.row(line) for line in grid.lead]
    parts += [table.row(line) for line in grid.lines]
    if not grid.lines:
        parts.append(f'<tr><td colspan="{len(grid.columns)}" class="text-muted">{escape(grid.empty)}</td></tr>')
    parts.append("</tbody>")
    foot = "".join(table.row(line, total=True) for line in ([grid.total] if grid.total else []) + grid.closing)
    if foot:
        parts.append(f'<tfoot class="table-light fw-semibold">{foot}</tfoot>')
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
    columns, number = grid.columns, 0
    for value in line.values:
        number += 1
        column = columns[number - 1]
        if type(value) is Span:  # its text in its first column, the others left empty
            value, number = str(value.text), number + value.columns - 1
        elif type(value) is Link:
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
        for line in [*grid.lead, *grid.lines]:
            row += 1
            _xlsx_line(sheet, row, grid, line, bold=line.style == GROUP, styles=styles)
            widths[1] = max(widths.get(1, 20), min(70, len(str(line.values[0])) + 2 + 2 * line.level))
        if not grid.lines:
            row += 1
            write(sheet, row, 1, grid.empty)
        for line in ([grid.total] if grid.total is not None else []) + grid.closing:
            row += 1
            _xlsx_line(sheet, row, grid, line, bold=True, styles=styles)
        for note in grid.notes:
            row += 1
            write(sheet, row, 1, note)
        row += 2
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = width
    out = BytesIO()
    book.save(out)
    return out.getvalue()
