"""HTML of the reports' count tables, built in Python: a table of a few thousand linked cells costs
ten times less this way than through template tags per cell."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from crm import numbers
from reports import completeness
from reports.analysis import Cell, CountTable
from reports.iterations import COLUMNS, Counts, IterationTable


def _cell(cell: Cell, css: str = "text-end") -> str:
    if not cell.count:
        return f'<td class="{css}"></td>'
    if cell.url is None:
        return f'<td class="{css}">{cell.count}</td>'
    return f'<td class="{css}"><a href="{escape(cell.url)}">{cell.count}</a></td>'


def count_table_html(table: CountTable) -> SafeString:
    has_columns = table.columns_dimension is not None
    total_label = _("Итого") if has_columns else _("Количество")
    head = "".join(f'<th scope="col" class="text-end">{escape(c.label)}</th>' for c in table.columns)
    parts = [
        '<table class="table table-sm table-bordered table-hover align-middle bg-white w-auto report-table"'
        ' id="report-table">',
        f'<thead class="table-light"><tr><th scope="col">{escape(table.corner)}</th>{head}'
        f'<th scope="col" class="text-end">{escape(total_label)}</th></tr></thead><tbody>',
    ]
    for row in table.rows:
        cells = "".join(_cell(c) for c in row.cells)
        parts.append(
            f'<tr><th scope="row" class="fw-normal text-nowrap">{escape(row.member.label)}</th>{cells}'
            f"{_cell(row.total, 'text-end fw-semibold')}</tr>"
        )
    if not table.rows:
        empty = escape(_("Нет клиентов, подходящих под отбор."))
        parts.append(f'<tr><td colspan="{len(table.columns) + 2}" class="text-muted">{empty}</td></tr>')
    totals = "".join(_cell(c) for c in table.totals)
    parts.append(
        f'</tbody><tfoot class="table-light"><tr class="fw-semibold"><th scope="row">{escape(_("Итого"))}</th>'
        f"{totals}{_cell(table.grand_total)}</tr></tfoot></table>"
    )
    return mark_safe("".join(parts))  # every value above is escaped


def _iteration_cells(counts: Counts) -> str:
    average = numbers.number(counts.average, 2)
    maximum = "" if counts.max_iteration is None else counts.max_iteration
    return f'<td class="text-end">{average}</td><td class="text-end">{maximum}</td>'


def iteration_table_html(table: IterationTable) -> SafeString:
    """«Итерации задач»: a row per executor whose counts open the drill-down, and the total."""
    first, *others = COLUMNS
    head = f'<th scope="col">{escape(first)}</th>' + "".join(
        f'<th scope="col" class="text-end">{escape(label)}</th>' for label in others
    )
    parts = [
        '<table class="table table-sm table-bordered table-hover align-middle bg-white w-auto report-table"'
        ' id="report-table">',
        f'<thead class="table-light"><tr>{head}</tr></thead><tbody>',
    ]
    for row in table.rows:
        c, links = row.counts, row.links
        parts.append(
            f'<tr data-executor="{row.executor_id}"><th scope="row" class="fw-normal text-nowrap">'
            f'<a href="{escape(links["all"])}">{escape(row.name)}</a></th>'
            f"{_cell(Cell(c.total, links['all']))}{_cell(Cell(c.open, links['open']))}"
            f"{_cell(Cell(c.waiting, links['done']))}{_cell(Cell(c.accepted, links['accepted']))}"
            f"{_iteration_cells(c)}</tr>"
        )
    if not table.rows:
        empty = escape(_("Нет задач, подходящих под отбор."))
        parts.append(f'<tr><td colspan="{len(COLUMNS)}" class="text-muted">{empty}</td></tr>')
    t = table.total
    totals = "".join(f'<td class="text-end">{n}</td>' for n in (t.total, t.open, t.waiting, t.accepted))
    parts.append(
        f'</tbody><tfoot class="table-light"><tr class="fw-semibold"><th scope="row">{escape(_("Итого"))}</th>'
        f"{totals}{_iteration_cells(t)}</tr></tfoot></table>"
    )
    return mark_safe("".join(parts))  # every value above is escaped or a number


def _completeness_cells(counts: completeness.Counts, *, total: bool = False) -> str:
    average = "" if counts.average is None else f"{numbers.number(counts.average, 1)}&nbsp;%"
    values = (counts.complete, counts.below_half, counts.not_scored)
    # Rows leave a zero blank, as the other reports do; the total states it.
    counted = "".join(f'<td class="text-end">{n}</td>' if total else _cell(Cell(n)) for n in values)
    return f'<td class="text-end">{average}</td>{counted}'


def completeness_table_html(table: completeness.CompletenessTable) -> SafeString:
    """«Заполненность карточек по менеджерам»: a row per responsible whose count opens their clients
    in the list, the emptiest cards first, and the total."""
    first, *others = completeness.COLUMNS
    head = f'<th scope="col">{escape(first)}</th>' + "".join(
        f'<th scope="col" class="text-end">{escape(label)}</th>' for label in others
    )
    parts = [
        '<table class="table table-sm table-bordered table-hover align-middle bg-white w-auto report-table"'
        ' id="report-table">',
        f'<thead class="table-light"><tr>{head}</tr></thead><tbody>',
    ]
    for row in table.rows:
        name = escape(row.name) if row.url is None else f'<a href="{escape(row.url)}">{escape(row.name)}</a>'
        responsible = "" if row.responsible_id is None else row.responsible_id
        parts.append(
            f'<tr data-responsible="{responsible}"><th scope="row" class="fw-normal text-nowrap">{name}</th>'
            f"{_cell(Cell(row.counts.clients, row.url))}{_completeness_cells(row.counts)}</tr>"
        )
    if not table.rows:
        empty = escape(_("Нет клиентов, подходящих под отбор."))
        parts.append(f'<tr><td colspan="{len(completeness.COLUMNS)}" class="text-muted">{empty}</td></tr>')
    t = table.total
    clients = _cell(Cell(t.clients, table.total_url)) if t.clients else '<td class="text-end">0</td>'
    parts.append(
        f'</tbody><tfoot class="table-light"><tr class="fw-semibold"><th scope="row">{escape(_("Итого"))}</th>'
        f"{clients}{_completeness_cells(t, total=True)}</tr></tfoot></table>"
    )
    return mark_safe("".join(parts))  # every value above is escaped or a number
