"""«Карточка клиента» as xlsx, written through crm.xlsx.write (text that a spreadsheet would read as
a formula stays text); the «Акт сверки»'s file is sales.exports (an act made as a document keeps it).
Amounts are numbers with two places; dates are dates."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from crm.xlsx import heading
from sales.exports import Writer, reconciliation_xlsx, save  # noqa: F401 — the act's file is sales'
from sales.ledger import DocumentNames, Ledger


def client_ledger_xlsx(ledger: Ledger, contract_titles: dict[int, str], *, title: str, conditions: list[str]) -> bytes:
    """A title, the client, contract and period, then the ledger as on the page."""
    book = Workbook()
    sheet = book.active
    sheet.title = pgettext("report", "Карточка клиента")
    out = Writer(sheet)
    row = heading(sheet, title, conditions)
    scope = ledger.scope
    with_contracts = scope.contract is None and not scope.without_contract
    header = [_("Дата"), _("Документ"), *([_("Договор")] if with_contracts else []), _("Отгружено"), _("Оплачено")]
    header.append(_("Сальдо"))
    debit = len(header) - 2
    for column, value in enumerate(header, start=1):
        out.put(row, column, value, bold=True)
    sheet.freeze_panes = sheet.cell(row=row + 1, column=1)

    row += 1
    out.put(row, 1, _("Сальдо на начало периода"), bold=True)
    out.money(row, len(header), ledger.opening, bold=True)
    no_contract = _("— без договора —")
    names = DocumentNames()
    for entry in ledger.entries:
        row += 1
        out.day(row, 1, entry.day)
        out.put(row, 2, names(entry))
        if with_contracts:
            out.put(row, 3, contract_titles.get(entry.contract_id, no_contract) if entry.contract_id else no_contract)
        out.money(row, debit, entry.debit or None)
        out.money(row, debit + 1, entry.credit or None)
        out.money(row, len(header), entry.balance)
    row += 1
    out.put(row, 1, _("Обороты за период"), bold=True)
    out.money(row, debit, ledger.debit, bold=True)
    out.money(row, debit + 1, ledger.credit, bold=True)
    row += 1
    out.put(row, 1, _("Сальдо на конец периода"), bold=True)
    out.money(row, len(header), ledger.closing, bold=True)

    widths = [12, 48, *([30] if with_contracts else []), 15, 15, 15]
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    return save(book)
