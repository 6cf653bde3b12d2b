"""A report's table as plain values — columns of a kind, lines of raw values (text, int, Decimal,
date) grouped in levels, and a total — which the page, the print view and the xlsx file render the
same way. The HTML is built in Python, as reports.tables does: thousands of lines cost ten times
less than through template tags."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from crm import numbers


class Kind(Enum):
    TEXT = "text"
    MONEY = "money"
    COUNT = "count"
    DAYS = "days"
    DATE = "date"
    PERCENT = "percent"
    DURATION = "duration"  # days: «2,5 дн.», under a day «5 ч 20 мин»; a zero is shown too


NUMERIC = (Kind.MONEY, Kind.COUNT, Kind.DAYS, Kind.PERCENT, Kind.DURATION)


@dataclass(frozen=True)
class Column:
    label: str
    kind: Kind = Kind.TEXT


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


def shown(value, kind: Kind, *, total: bool = False) -> str:
    """A value as the page shows it; a zero is left blank except in the total, as the other reports do."""
    if value is None or value == "":
        return ""
    if kind is Kind.DATE and isinstance(value, date):
        return date_format(value, "d.m.Y")
    if kind is Kind.DURATION:
        return numbers.days(value)
    if kind in NUMERIC:
        if not value and not total:
            return ""
        places = 2 if kind is Kind.MONEY else 1 if kind is Kind.PERCENT else 0
        return numbers.number(value, places)
    return str(value)


def _cell(value, column: Column, line: Line, first: bool, total: bool) -> str:
    text = escape(shown(value, column.kind, total=total))
    if first:
        if line.url:
            text = f'<a href="{escape(line.url)}">{text}</a>'
        if total:
            return f"<th>{text}</th>"
        indent = f' style="padding-left: {0.25 + 1.25 * line.level}rem"' if line.level else ""
        weight = "" if line.style == GROUP else ' class="fw-normal"'
        return f'<th scope="row"{weight}{indent}>{text}</th>'
    css = "text-end text-nowrap" if column.kind in NUMERIC else "text-nowrap" if column.kind is Kind.DATE else ""
    return f'<td class="{css}">{text}</td>' if css else f"<td>{text}</td>"


ROW_CSS = {GROUP: "report-group table-light fw-semibold", SUBGROUP: "report-subgroup fst-italic", DETAIL: ""}


def _row(line: Line, columns: Sequence[Column], *, total: bool = False) -> str:
    cells = "".join(
        _cell(value, column, line, index == 0, total)
        for index, (value, column) in enumerate(zip(line.values, columns, strict=True))
    )
    attrs = f' data-key="{escape(line.key)}"' if line.key else ""
    css = ROW_CSS.get(line.style, "")
    return f'<tr class="{css}"{attrs}>{cells}</tr>' if css else f"<tr{attrs}>{cells}</tr>"


def grid_html(grid: Grid) -> SafeString:
    head = "".join(
        f'<th scope="col" class="{"text-end" if c.kind in NUMERIC else ""}">{escape(c.label)}</th>'
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
