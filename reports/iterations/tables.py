"""The grid (crm.grids) of «Итерации задач»: a row per executor whose counts open the drill-down,
and the total."""

from __future__ import annotations

from django.utils.translation import gettext as _

from crm.grids import Column, Grid, Kind, Line, Link
from reports.iterations.figures import COLUMNS, Counts, IterationTable


def iteration_grid(table: IterationTable) -> Grid:
    first, total, waiting_open, waiting, accepted, average, maximum = COLUMNS
    columns = [
        Column(first, nowrap=True),
        *(Column(label, Kind.COUNT) for label in (total, waiting_open, waiting, accepted)),
        Column(average, Kind.COUNT, places=2, xlsx_format="0.00"),
        Column(maximum, Kind.COUNT),
    ]

    def rounds(c: Counts) -> list:
        return [c.average, c.max_iteration]

    lines = []
    for row in table.rows:
        c, links = row.counts, row.links
        counts = [Link(c.total, links["all"]), Link(c.open, links["open"])]
        counts += [Link(c.waiting, links["done"]), Link(c.accepted, links["accepted"])]
        lines.append(Line([row.name, *counts, *rounds(c)], url=links["all"], key=str(row.executor_id)))
    t = table.total
    total_line = Line([_("Итого"), t.total, t.open, t.waiting, t.accepted, *rounds(t)])
    return Grid(columns, lines, total_line, _("Нет задач, подходящих под отбор."))
