"""The grid (crm.grids) of «Анализ клиентской базы»: a row per value of one dimension, a column per
value of the other, each count opening the client list of its clients."""

from __future__ import annotations

from django.utils.translation import gettext as _

from crm.grids import Column, Grid, Kind, Line, Link
from reports.analysis.figures import Cell, CountTable


def _count(cell: Cell) -> Link | None:
    return Link(cell.count, cell.url) if cell.count else None


def count_grid(table: CountTable) -> Grid:
    total_label = _("Итого") if table.columns_dimension is not None else _("Количество")
    columns = [
        Column(table.corner, nowrap=True),
        *(Column(member.label, Kind.COUNT) for member in table.columns),
        Column(total_label, Kind.COUNT, bold=True),
    ]
    lines = [Line([row.member.label, *map(_count, row.cells), _count(row.total)]) for row in table.rows]
    total = Line([_("Итого"), *map(_count, table.totals), _count(table.grand_total)])
    return Grid(columns, lines, total, _("Нет клиентов, подходящих под отбор."))
