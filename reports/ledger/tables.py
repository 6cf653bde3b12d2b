"""HTML of «Карточка клиента» and of the «Акт сверки» table, built in Python like reports.tables: a
client with thousands of documents gives thousands of rows, which template tags per cell would draw
ten times slower. The same HTML serves the page and the printed A4 sheet; amounts are in cells of
class `num` (right-aligned, unbroken: see _ledger_style.html and print_base.html)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reports.ledger.figures import DocumentNames, Ledger, MoneyFormat, contract_title, sides


def _header(label: str, *, numeric: bool = False) -> str:
    css = ' class="num"' if numeric else ""
    return f'<th scope="col"{css}>{escape(label)}</th>'


def _amount(money: MoneyFormat, value: Decimal | None) -> str:
    return f'<td class="num">{money(value)}</td>' if value else '<td class="num"></td>'


def contract_titles(contracts) -> dict[int, str]:
    return {c.pk: contract_title(c) for c in contracts}


def ledger_table_html(ledger: Ledger, titles: dict[int, str]) -> SafeString:
    """«Карточка клиента»: the opening balance, each shipment and payment with the balance after it,
    the turnovers and the closing balance. A contract column when the report is not of one contract."""
    money, names = MoneyFormat(), DocumentNames()
    scope = ledger.scope
    with_contracts = scope.contract is None and not scope.without_contract
    head = [_("Дата"), _("Документ"), *([_("Договор")] if with_contracts else []), _("Отгружено"), _("Оплачено")]
    span = len(head) - 2
    parts = [
        '<table class="table table-sm table-bordered align-middle bg-white report-table ledger-table"'
        ' id="report-table"><thead class="table-light"><tr>',
        *(_header(h, numeric=i >= span) for i, h in enumerate(head)),
        f"{_header(_('Сальдо'), numeric=True)}</tr></thead><tbody>",
        f'<tr class="fw-semibold ledger-opening"><th scope="row" colspan="{len(head)}">'
        f"{escape(_('Сальдо на начало периода'))}</th>{_amount(money, ledger.opening)}</tr>",
    ]
    # Escaped once: a contract's title, and the document names (digits and dots around a pattern).
    no_contract = escape(_("— без договора —"))
    contracts = {pk: f"<td>{escape(title)}</td>" for pk, title in titles.items()}
    shipment, payment = '<tr class="ledger-shipment"><td>', '<tr class="ledger-payment"><td>'
    for entry in ledger.entries:
        contract = ""
        if with_contracts:
            contract = contracts.get(entry.contract_id, "") if entry.contract_id else ""
            contract = contract or f"<td>{no_contract}</td>"
        parts.append(
            f"{shipment if entry.is_shipment else payment}{names.day(entry.day)}</td>"
            f"<td>{escape(names(entry))}</td>{contract}"
            f"{_amount(money, entry.debit)}{_amount(money, entry.credit)}"
            f'<td class="num">{money(entry.balance)}</td></tr>'
        )
    if not ledger.entries:
        empty = escape(_("За период нет ни отгрузок, ни оплат."))
        parts.append(f'<tr><td colspan="{len(head) + 1}" class="text-muted">{empty}</td></tr>')
    parts.append(
        f'</tbody><tfoot class="table-light"><tr class="fw-semibold ledger-turnover">'
        f'<th scope="row" colspan="{span}">{escape(_("Обороты за период"))}</th>'
        f'<td class="num">{money(ledger.debit)}</td><td class="num">{money(ledger.credit)}</td><td></td></tr>'
        f'<tr class="fw-semibold ledger-closing"><th scope="row" colspan="{len(head)}">'
        f"{escape(_('Сальдо на конец периода'))}</th>"
        f'<td class="num">{money(ledger.closing)}</td></tr></tfoot></table>'
    )
    return mark_safe("".join(parts))  # every value above is escaped, a date or a number


# Each side: date, document, debit, credit; the client's side as wide as ours.
ACT_COLUMNS = (
    "<colgroup>" + '<col style="width: 9%"><col style="width: 23%"><col style="width: 9%"><col style="width: 9%">' * 2
)
ACT_COLUMNS += "</colgroup>"


def _balance_row(money: MoneyFormat, label: str, balance: Decimal, css: str) -> str:
    debit, credit = sides(balance)
    label = escape(label)
    return (
        f'<tr class="fw-semibold {css}"><th scope="row" colspan="2">{label}</th>'
        f"{_amount(money, debit)}{_amount(money, credit)}"
        f'<th scope="row" colspan="2">{label}</th><td></td><td></td></tr>'
    )


def reconciliation_table_html(ledger: Ledger, company: str, counterparty: str) -> SafeString:
    """The two-sided table of an «Акт сверки»: our documents as debit (shipments) and credit
    (payments) on the left, the client's columns left for the client to fill in."""
    money, names = MoneyFormat(), DocumentNames(reconciliation=True)
    columns = "".join(
        _header(h, numeric=i > 1) for i, h in enumerate((_("Дата"), _("Документ"), _("Дебет"), _("Кредит")))
    )
    ours = _("По данным %(name)s, руб.") % {"name": company}
    theirs = _("По данным %(name)s, руб.") % {"name": counterparty}
    parts = [
        '<table class="table table-sm table-bordered align-middle bg-white act-table" id="act-table">'
        f"{ACT_COLUMNS}<thead><tr>"
        '<th scope="colgroup" colspan="4" class="act-side">'
        f'{escape(ours)}</th><th scope="colgroup" colspan="4" class="act-side">{escape(theirs)}</th></tr>'
        f"<tr>{columns}{columns}</tr></thead><tbody>",
        _balance_row(money, _("Сальдо начальное"), ledger.opening, "act-opening"),
    ]
    theirs_empty = "<td></td><td></td><td></td><td></td></tr>"
    for entry in ledger.entries:
        parts.append(
            f'<tr class="act-entry"><td>{names.day(entry.day)}</td><td>{escape(names(entry))}</td>'
            f"{_amount(money, entry.debit)}{_amount(money, entry.credit)}{theirs_empty}"
        )
    turnover = escape(_("Обороты за период"))
    parts.append(
        f'<tr class="fw-semibold act-turnover"><th scope="row" colspan="2">{turnover}</th>'
        f'<td class="num">{money(ledger.debit)}</td><td class="num">{money(ledger.credit)}</td>'
        f'<th scope="row" colspan="2">{turnover}</th><td></td><td></td></tr>'
    )
    parts.append(_balance_row(money, _("Сальдо конечное"), ledger.closing, "act-closing"))
    parts.append("</tbody></table>")
    return mark_safe("".join(parts))  # every value above is escaped, a date or a number
