"""The grids (crm.grids) of «Карточка клиента» and of the «Акт сверки» table: a client with
thousands of documents gives thousands of rows, which the grid builder draws in Python. The same
HTML serves the page and the printed A4 sheet; amounts are in cells of class `num` (right-aligned,
unbroken: see ledger.html and print_base.html)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from crm.grids import Column, Grid, Kind, Line, Span, grid_html
from sales.ledger import DocumentNames, Ledger, contract_title, sides


def _money(label: str, **more) -> Column:
    return Column(label, Kind.MONEY, css="num", **more)


def contract_titles(contracts) -> dict[int, str]:
    return {c.pk: contract_title(c) for c in contracts}


def ledger_grid(ledger: Ledger, titles: dict[int, str]) -> Grid:
    """«Карточка клиента»: the opening balance, each shipment and payment with the balance after it,
    the turnovers and the closing balance. A contract column when the report is not of one contract."""
    names = DocumentNames()
    scope = ledger.scope
    with_contracts = scope.contract is None and not scope.without_contract
    columns = [
        Column(_("Дата"), Kind.DATE, css=""),
        Column(_("Документ")),
        *([Column(_("Договор"))] if with_contracts else []),
        _money(_("Отгружено")),
        _money(_("Оплачено")),
        _money(_("Сальдо"), zeros=True),
    ]
    span = len(columns) - 1
    no_contract = _("— без договора —")
    lines = []
    for e in ledger.entries:
        style = "ledger-shipment" if e.is_shipment else "ledger-payment"
        if with_contracts:
            contract = titles.get(e.contract_id) or no_contract
            lines.append(Line([e.day, names(e), contract, e.debit, e.credit, e.balance], style))
        else:
            lines.append(Line([e.day, names(e), e.debit, e.credit, e.balance], style))
    return Grid(
        columns,
        lines,
        Line([Span(_("Обороты за период"), span - 2), ledger.debit, ledger.credit, None], "ledger-turnover"),
        _("За период нет ни отгрузок, ни оплат."),
        css="table table-sm table-bordered align-middle bg-white report-table ledger-table",
        row_headings=False,
        lead=[Line([Span(_("Сальдо на начало периода"), span), ledger.opening or None], "fw-semibold ledger-opening")],
        closing=[Line([Span(_("Сальдо на конец периода"), span), ledger.closing], "ledger-closing")],
    )


def ledger_table_html(ledger: Ledger, titles: dict[int, str]) -> SafeString:
    return grid_html(ledger_grid(ledger, titles))


def _balance(label: str, balance: Decimal, css: str) -> Line:
    return Line([Span(label, 2), *sides(balance), Span(label, 2), None, None], f"fw-semibold {css}")


def reconciliation_grid(ledger: Ledger, company: str, counterparty: str) -> Grid:
    """The two-sided table of an «Акт сверки»: our documents as debit (shipments) and credit
    (payments) on the left, the client's columns left for the client to fill in, as wide as ours."""
    names = DocumentNames(reconciliation=True)
    side = [
        Column(_("Дата"), Kind.DATE, css="", width="9%"),
        Column(_("Документ"), width="23%"),
        _money(_("Дебет"), width="9%"),
        _money(_("Кредит"), width="9%"),
    ]
    turnover = _("Обороты за период")
    lines = [_balance(_("Сальдо начальное"), ledger.opening, "act-opening")]
    lines += [
        Line([entry.day, names(entry), entry.debit, entry.credit, None, None, None, None], "act-entry")
        for entry in ledger.entries
    ]
    lines.append(
        Line(
            [Span(turnover, 2), ledger.debit, ledger.credit, Span(turnover, 2), None, None], "fw-semibold act-turnover"
        )
    )
    lines.append(_balance(_("Сальдо конечное"), ledger.closing, "act-closing"))
    sides_ = [(_("По данным %(name)s, руб.") % {"name": name}, 4) for name in (company, counterparty)]
    return Grid(
        [*side, *side],
        lines,
        None,
        "",
        table_id="act-table",
        css="table table-sm table-bordered align-middle bg-white act-table",
        head_css="",
        row_headings=False,
        groups=sides_,
    )


def reconciliation_table_html(ledger: Ledger, company: str, counterparty: str) -> SafeString:
    return grid_html(reconciliation_grid(ledger, company, counterparty))
