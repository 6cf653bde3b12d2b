"""The grids of the sales reports (crm.grids): their columns, lines and totals, from the figures."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.grids import DETAIL, GROUP, SUBGROUP, Column, Grid, Kind, Line, percent
from crm.users import name_of
from reports.receivables import figures
from sales.models import Invoice

SHORT, DETAILED, OVERDUE, OVER_LIMIT = "short", "detailed", "overdue", "over_limit"
# «Накладные к оплате»: the variants, as the tabs name them.
VARIANTS = {
    SHORT: gettext_lazy("Кратко"),
    DETAILED: gettext_lazy("Кратко, с накладными"),
    OVERDUE: gettext_lazy("Просроченная задолженность"),
    OVER_LIMIT: gettext_lazy("Превышена сумма кредита"),
}


# The columns several grids show.
CLIENT = Column(gettext_lazy("Клиент"))
CONTRACT = Column(gettext_lazy("Договор"))
STATUS = Column(gettext_lazy("Статус"))
PAYMENT_STATE = [
    Column(gettext_lazy("Сумма"), Kind.MONEY),
    Column(gettext_lazy("Оплачено"), Kind.MONEY),
    Column(gettext_lazy("Не оплачено"), Kind.MONEY),
]
INVOICES = Column(gettext_lazy("Накладных"), Kind.COUNT)
DEBT = Column(gettext_lazy("Задолженность"), Kind.MONEY)
OVERDUE_PART = Column(gettext_lazy("в т. ч. просрочено"), Kind.MONEY)
DAYS_OVERDUE = Column(gettext_lazy("Дней просрочки"), Kind.DAYS)
TERMS = [Column(gettext_lazy("Отгружена"), Kind.DATE), Column(gettext_lazy("Срок оплаты"), Kind.DATE), DAYS_OVERDUE]
CREDIT = [  # a contract's credit limit, all that is unpaid under it, and what of that is over the limit
    Column(gettext_lazy("Сумма кредита"), Kind.MONEY),
    Column(gettext_lazy("Задолженность по договору"), Kind.MONEY),
    Column(gettext_lazy("Превышение суммы кредита"), Kind.MONEY),
]


def document_label(number, day: datetime.date | None, *, text: str | None = None) -> str:
    """«№ 12 от 01.03.2026»; `text`, the translated pattern, when a grid draws thousands of them."""
    if day is None:
        return str(number)
    return (text or _("№ %(number)s от %(date)s")) % {"number": number, "date": day.strftime("%d.%m.%Y")}


def client_label(name: str, inn: str, *, text: str | None = None) -> str:
    return (text or _("%(name)s, ИНН %(inn)s")) % {"name": name, "inn": inn} if inn else name


def contract_label(contract: figures.ContractDebt) -> str:
    if contract.contract_id is None:
        return _("Без договора")
    label = _("Договор %(contract)s") % {"contract": document_label(contract.number, contract.date)}
    if contract.credit_days:
        label += ", " + _("глубина кредита %(days)s дн.") % {"days": contract.credit_days}
    return label


# --- «Реестр заявок-накладных» -------------------------------------------------------------------------


def register_summary_grid(summary: figures.RegisterSummary) -> Grid:
    columns = [
        STATUS,
        Column(_("Количество"), Kind.COUNT),
        *PAYMENT_STATE,
    ]

    def values(label: str, line: figures.StatusLine) -> list:
        return [label, line.count, line.total, line.paid, line.open]

    lines = [Line(values(line.label, line), key=line.status) for line in summary.lines]
    total = Line(values(_("Итого, без отменённых"), summary.total), key="total")
    return Grid(columns, lines, total, _("Нет заявок за период."), table_id="status-table")


def in_progress_grid(invoices: Iterable[dict], *, notes: Sequence[str] = ()) -> Grid:
    """A line per invoice row of figures.in_progress; the labels' patterns translated once."""
    columns = [
        Column(_("Заявка-накладная")),
        CLIENT,
        Column(_("Менеджер")),
        Column(_("Проект")),
        STATUS,
        *PAYMENT_STATE,
    ]
    document, client = _("№ %(number)s от %(date)s"), _("%(name)s, ИНН %(inn)s")
    statuses = {value: str(label) for value, label in Invoice.Status.choices}
    lines = []
    for i in invoices:
        manager = name_of(i["manager__first_name"], i["manager__last_name"], i["manager__username"])
        lines.append(
            Line(
                [
                    document_label(i["number"], i["date"], text=document),
                    client_label(i["client__name"], i["client__inn"], text=client),
                    manager if i["manager__username"] else "",
                    i["project__name"] or "",
                    statuses.get(i["status"], i["status"]),
                    i["total"],
                    i["total"] - i["open_amount"],
                    i["open_amount"],
                ],
                key=str(i["pk"]),
            )
        )
    return Grid(
        columns, lines, None, _("Нет заявок в работе и готовых к отгрузке."), table_id="in-progress", notes=list(notes)
    )


# --- «Накладные к оплате» -------------------------------------------------------------------------------


def _total_line(total: figures.DebtTotal) -> Line:
    return Line([_("Итого"), total.invoice_count, total.debt, total.overdue, total.days_overdue], key="total")


EMPTY_DEBT = gettext_lazy("Задолженности нет.")


def short_grid(clients: Sequence[figures.ClientDebt], total: figures.DebtTotal, *, notes: Sequence[str] = ()) -> Grid:
    """(a) A line per client: what it owes and what of it is overdue."""
    lines = [
        Line(
            [client_label(c.name, c.inn), c.invoice_count, c.debt, c.overdue, c.days_overdue],
            key=f"client-{c.client_id}",
        )
        for c in clients
    ]
    return Grid(
        [CLIENT, INVOICES, DEBT, OVERDUE_PART, DAYS_OVERDUE],
        lines,
        _total_line(total),
        str(EMPTY_DEBT),
        notes=list(notes),
    )


def detailed_grid(
    clients: Sequence[figures.ClientDebt], total: figures.DebtTotal, *, notes: Sequence[str] = ()
) -> Grid:
    """(b) A line per client and its unpaid invoices under it, the earliest due first."""
    columns = [
        Column(_("Клиент, накладная")),
        CONTRACT,
        *TERMS,
        DEBT,
        OVERDUE_PART,
    ]
    lines = []
    for c in clients:
        lines.append(
            Line(
                [client_label(c.name, c.inn), "", None, None, c.days_overdue, c.debt, c.overdue],
                GROUP,
                key=f"client-{c.client_id}",
            )
        )
        for i in c.invoices:
            contract = document_label(i.contract_number, i.contract_date) if i.contract_id else ""
            values = [document_label(i.number, i.date), contract, i.shipped_on, i.due_date, i.days_overdue]
            lines.append(Line([*values, i.open_amount, i.overdue], DETAIL, level=1, key=f"invoice-{i.pk}"))
    t = total
    total_line = Line([_("Итого"), "", None, None, t.days_overdue, t.debt, t.overdue], key="total")
    return Grid(columns, lines, total_line, str(EMPTY_DEBT), notes=list(notes))


def overdue_grid(clients: Sequence[figures.ClientDebt], total: figures.DebtTotal, *, notes: Sequence[str] = ()) -> Grid:
    """(c) The overdue invoices by client and contract, with the breach: the days past the due date
    (shipment + the contract's credit days) and the amount over the contract's credit limit."""
    columns = [
        Column(_("Клиент, договор, накладная")),
        *TERMS,
        Column(_("Просрочено"), Kind.MONEY),
        *CREDIT,
    ]
    lines = []
    excess_total = None
    for c in clients:
        excess = c.excess
        if excess is not None:
            excess_total = (excess_total or figures.ZERO) + excess
        lines.append(
            Line(
                [client_label(c.name, c.inn), None, None, c.days_overdue, c.overdue, None, None, excess],
                GROUP,
                key=f"client-{c.client_id}",
            )
        )
        for contract in c.contracts:
            limited = contract.credit_limit is not None
            lines.append(
                Line(
                    [
                        contract_label(contract),
                        None,
                        None,
                        contract.days_overdue,
                        contract.overdue,
                        contract.credit_limit,
                        contract.contract_open if limited else None,
                        contract.excess,
                    ],
                    SUBGROUP,
                    level=1,
                    key=f"contract-{contract.contract_id or 'none'}-{c.client_id}",
                )
            )
            for i in contract.invoices:
                values = [document_label(i.number, i.date), i.shipped_on, i.due_date, i.days_overdue, i.open_amount]
                lines.append(Line([*values, None, None, None], DETAIL, level=2, key=f"invoice-{i.pk}"))
    total_line = Line(
        [_("Итого"), None, None, total.days_overdue, total.overdue, None, None, excess_total], key="total"
    )
    return Grid(columns, lines, total_line, _("Просроченной задолженности нет."), notes=list(notes))


def over_limit_grid(contracts: Sequence[figures.OverLimit], *, notes: Sequence[str] = ()) -> Grid:
    """(d) The contracts whose unpaid amount is over their credit limit."""
    columns = [
        CLIENT,
        CONTRACT,
        Column(_("Глубина кредита, дней"), Kind.DAYS),
        *CREDIT,
        OVERDUE_PART,
    ]
    lines = [
        Line(
            [
                client_label(c.name, c.inn),
                document_label(c.number, c.date),
                c.credit_days,
                c.credit_limit,
                c.debt,
                c.excess,
                c.overdue,
            ],
            key=f"contract-{c.contract_id}",
        )
        for c in contracts
    ]
    zero = figures.ZERO
    total = Line(
        [
            _("Итого"),
            "",
            None,
            sum((c.credit_limit for c in contracts), zero),
            sum((c.debt for c in contracts), zero),
            sum((c.excess for c in contracts), zero),
            sum((c.overdue for c in contracts), zero),
        ],
        key="total",
    )
    return Grid(columns, lines, total, _("Нет договоров с превышением суммы кредита."), notes=list(notes))


# --- by managers or projects ------------------------------------------------------------------------


def debt_grid(table: figures.GroupTable, url: Callable[[int | None], str]) -> Grid:
    """A line per manager (project): the debt and what of it is overdue; each opens «Накладные к
    оплате» of that manager (project)."""
    columns = [
        Column(str(table.grouping.label)),
        INVOICES,
        DEBT,
        OVERDUE_PART,
        Column(_("Просрочено, %"), Kind.PERCENT),
    ]

    def values(name: str, d: figures.Debt) -> list:
        return [name, d.invoice_count, d.debt, d.overdue, d.overdue_percent]

    lines = [Line(values(row.name, row.figures), url=url(row.key), key=str(row.key or "none")) for row in table.rows]
    return Grid(columns, lines, Line(values(_("Итого"), table.total), key="total"), str(EMPTY_DEBT))


def payments_grid(table: figures.GroupTable) -> Grid:
    columns = [
        Column(str(table.grouping.label)),
        Column(_("Оплат"), Kind.COUNT),
        Column(_("Сумма оплат"), Kind.MONEY),
        Column(_("в т. ч. не распределено"), Kind.MONEY),
        Column(_("Доля, %"), Kind.PERCENT),
    ]
    whole = table.total.amount

    def values(name: str, p: figures.Paid) -> list:
        return [name, p.payment_count, p.amount, p.unallocated, percent(p.amount, whole)]

    lines = [Line(values(row.name, row.figures), key=str(row.key or "none")) for row in table.rows]
    return Grid(columns, lines, Line(values(_("Итого"), table.total), key="total"), _("Оплат за период нет."))


# «Накладные к оплате» by client: each variant's grid.
DEBT_GRIDS = {SHORT: short_grid, DETAILED: detailed_grid, OVERDUE: overdue_grid}
