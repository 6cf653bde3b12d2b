"""Reports as xlsx (openpyxl): the same table as the page, with bold headers. Text that a
spreadsheet would read as a formula (starting with = + - @) is stored as text."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from crm.xlsx import heading, write
from reports import completeness, iterations
from reports.analysis import CountTable


def client_analysis_xlsx(table: CountTable, *, title: str, conditions: list[str]) -> bytes:
    """«Анализ клиентской базы»: a title, the filter as text, then the table with its totals."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Анализ")
    row = heading(sheet, title, conditions)

    has_columns = table.columns_dimension is not None
    header = [table.corner, *(m.label for m in table.columns), _("Итого") if has_columns else _("Количество")]
    for column, value in enumerate(header, start=1):
        write(sheet, row, column, value, bold=True)
    sheet.freeze_panes = sheet.cell(row=row + 1, column=2)
    for table_row in table.rows:
        row += 1
        write(sheet, row, 1, table_row.member.label)
        for column, cell in enumerate(table_row.cells, start=2):
            if cell.count:
                write(sheet, row, column, cell.count)
        write(sheet, row, len(header), table_row.total.count, bold=True)
    row += 1
    write(sheet, row, 1, _("Итого"), bold=True)
    for column, cell in enumerate(table.totals, start=2):
        write(sheet, row, column, cell.count, bold=True)
    write(sheet, row, len(header), table.grand_total.count, bold=True)

    sheet.column_dimensions["A"].width = max(20, min(60, max((len(r.member.label) for r in table.rows), default=0) + 2))
    for column in range(2, len(header) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = max(10, min(30, len(str(header[column - 1])) + 2))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def task_iterations_xlsx(table: iterations.IterationTable, *, title: str, conditions: list[str]) -> bytes:
    """«Итерации задач»: a title, the filter as text, then one row per executor and the total."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Итерации")
    row = heading(sheet, title, conditions)

    header = [str(label) for label in iterations.COLUMNS]
    for column, value in enumerate(header, start=1):
        write(sheet, row, column, value, bold=True)
    sheet.freeze_panes = sheet.cell(row=row + 1, column=2)
    lines = [(r.name, r.counts, False) for r in table.rows] + [(_("Итого"), table.total, True)]
    for name, counts, bold in lines:
        row += 1
        values = [name, counts.total, counts.open, counts.waiting, counts.accepted]
        for column, value in enumerate(values, start=1):
            write(sheet, row, column, value, bold=bold)
        if counts.average is not None:
            write(sheet, row, 6, float(counts.average), bold=bold).number_format = "0.00"
        if counts.max_iteration is not None:
            write(sheet, row, 7, counts.max_iteration, bold=bold)

    sheet.column_dimensions["A"].width = max(20, min(60, max((len(r.name) for r in table.rows), default=0) + 2))
    for column in range(2, len(header) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = max(10, len(str(header[column - 1])) + 2)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def completeness_by_manager_xlsx(table: completeness.CompletenessTable, *, title: str, conditions: list[str]) -> bytes:
    """«Заполненность карточек по менеджерам»: a title, what is required and the filter as text, then
    one row per responsible and the total."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Заполненность")
    row = heading(sheet, title, conditions)

    header = [str(label) for label in completeness.COLUMNS]
    for column, value in enumerate(header, start=1):
        write(sheet, row, column, value, bold=True)
    sheet.freeze_panes = sheet.cell(row=row + 1, column=2)
    lines = [(r.name, r.counts, False) for r in table.rows] + [(_("Итого"), table.total, True)]
    for name, counts, bold in lines:
        row += 1
        write(sheet, row, 1, name, bold=bold)
        write(sheet, row, 2, counts.clients, bold=bold)
        if counts.average is not None:
            write(sheet, row, 3, float(counts.average), bold=bold).number_format = "0.0"
        for column, value in enumerate((counts.complete, counts.below_half, counts.not_scored), start=4):
            write(sheet, row, column, value, bold=bold)

    sheet.column_dimensions["A"].width = max(20, min(60, max((len(r.name) for r in table.rows), default=0) + 2))
    for column in range(2, len(header) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = max(10, len(str(header[column - 1])) + 2)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
