"""The «Акт сверки» as xlsx — the file the report «Акт сверки взаиморасчетов» gives and the file an act
made as a document keeps (sales.reconciliations) —, written through crm.xlsx.write (text that a
spreadsheet would read as a formula stays text). Amounts are numbers with two places; dates are
dates. `Writer` is shared with the report's «Карточка клиента» file."""

from __future__ import annotations

from copy import copy
from decimal import Decimal
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from crm import numbers
from crm.xlsx import heading, write
from sales.ledger import Act, DocumentNames, Ledger, sides

MONEY_FORMAT = numbers.XLSX_MONEY
DATE_FORMAT = "DD.MM.YYYY"
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
SIGNATURE = "____________________ (____________________)"


class Writer:
    """Writes cells with a style made once per kind and copied onto each cell: openpyxl looks a
    style up each time one is set, which for the tens of thousands of cells of a long ledger costs
    seconds (copying a cell's style array is how openpyxl copies worksheets itself)."""

    def __init__(self, sheet: Worksheet):
        self.sheet = sheet
        self.styles: dict[tuple[str, bool, bool], StyleArray] = {}

    def _style(self, number_format: str, bold: bool, box: bool) -> StyleArray:
        key = (number_format, bold, box)
        style = self.styles.get(key)
        if style is None:
            model = Cell(self.sheet)
            model.number_format = number_format
            if bold:
                model.font = Font(bold=True)
            if box:
                model.border = BOX
            style = self.styles[key] = model._style
        return style

    def put(self, row: int, column: int, value=None, *, number_format: str = "General", bold=False, box=False):
        cell = self.sheet.cell(row=row, column=column)
        if number_format != "General" or bold or box:
            cell._style = copy(self._style(number_format, bold, box))
        if value is not None:
            write(self.sheet, row, column, value)  # after the style: text like a formula gets its prefix
        return cell

    def money(self, row: int, column: int, value: Decimal | None, *, bold=False, box=False):
        return self.put(row, column, value, number_format=MONEY_FORMAT, bold=bold, box=box)

    def day(self, row: int, column: int, value, *, box=False):
        return self.put(row, column, value, number_format=DATE_FORMAT, box=box)


def save(book: Workbook) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def reconciliation_xlsx(ledger: Ledger, act: Act) -> bytes:
    """The «Акт сверки» as on paper: heading, the two-sided table (the client's side empty, boxed
    for the client to fill in), the closing sentence and the signature blocks; A4, fit to width."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Акт сверки")
    out = Writer(sheet)
    lines = [act.period, act.parties, act.contract, act.intro]
    row = heading(sheet, act.title, [line for line in lines if line])
    intro = row - 2
    sheet.cell(row=intro, column=1).alignment = WRAP
    sheet.merge_cells(start_row=intro, start_column=1, end_row=intro, end_column=8)
    sheet.row_dimensions[intro].height = 45

    out.put(row, 1, _("По данным %(name)s, руб.") % {"name": act.company}, bold=True, box=True)
    out.put(row, 5, _("По данным %(name)s, руб.") % {"name": act.counterparty}, bold=True, box=True)
    for column in (2, 3, 4, 6, 7, 8):
        out.put(row, column, box=True)
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
    sheet.merge_cells(start_row=row, start_column=5, end_row=row, end_column=8)
    row += 1
    for side in (0, 4):
        for column, label in enumerate((_("Дата"), _("Документ"), _("Дебет"), _("Кредит")), start=1 + side):
            out.put(row, column, label, bold=True, box=True)
    sheet.freeze_panes = sheet.cell(row=row + 1, column=1)

    def total_row(r: int, label: str, debit: Decimal | None, credit: Decimal | None) -> None:
        for column in (1, 5):
            out.put(r, column, label, bold=True, box=True)
        for column in (2, 6, 7, 8):
            out.put(r, column, box=True)
        out.money(r, 3, debit, bold=True, box=True)
        out.money(r, 4, credit, bold=True, box=True)

    row += 1
    total_row(row, _("Сальдо начальное"), *sides(ledger.opening))
    names = DocumentNames(reconciliation=True)
    for entry in ledger.entries:
        row += 1
        out.day(row, 1, entry.day, box=True)
        out.put(row, 2, names(entry), box=True)
        out.money(row, 3, entry.debit or None, box=True)
        out.money(row, 4, entry.credit or None, box=True)
        for column in (5, 6, 7, 8):
            out.put(row, column, box=True)
    row += 1
    total_row(row, _("Обороты за период"), ledger.debit, ledger.credit)
    row += 1
    total_row(row, _("Сальдо конечное"), *sides(ledger.closing))

    row += 2
    out.put(row, 1, act.sentence, bold=True)
    row += 2
    out.put(row, 1, _("От %(name)s") % {"name": act.company}, bold=True)
    out.put(row, 5, _("От %(name)s") % {"name": act.counterparty}, bold=True)
    row += 2
    for column in (1, 5):
        out.put(row, column, SIGNATURE)
    row += 1
    for column in (1, 5):
        out.put(row, column, _("М.П."))

    for column, width in enumerate((12, 46, 14, 14, 12, 46, 14, 14), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    return save(book)
