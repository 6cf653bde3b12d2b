"""The grid (crm.grids) of «Заполненность карточек по менеджерам»: a row per responsible whose count
opens their clients in the list, the emptiest cards first, and the total."""

from __future__ import annotations

from django.utils.translation import gettext as _

from crm.grids import Column, Grid, Kind, Line, Link
from reports.completeness.figures import COLUMNS, CompletenessTable, Counts


def completeness_grid(table: CompletenessTable) -> Grid:
    first, clients, average, *others = COLUMNS
    columns = [
        Column(first, nowrap=True),
        Column(clients, Kind.COUNT),
        Column(average, Kind.COUNT, places=1, unit="&nbsp;%", xlsx_format="0.0", zeros=True),
        *(Column(label, Kind.COUNT) for label in others),
    ]

    def scores(c: Counts) -> list:
        return [c.average, c.complete, c.below_half, c.not_scored]

    lines = [
        Line(
            [row.name, Link(row.counts.clients, row.url), *scores(row.counts)],
            url=row.url,
            key="" if row.responsible_id is None else str(row.responsible_id),
        )
        for row in table.rows
    ]
    t = table.total
    total = Line([_("Итого"), Link(t.clients, table.total_url if t.clients else None), *scores(t)])
    return Grid(columns, lines, total, _("Нет клиентов, подходящих под отбор."))
