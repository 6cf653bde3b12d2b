"""A client's ledger over a period — shipments and payments with the balance before, after and along
the way — and the words of an «Акт сверки взаиморасчетов» around it. The reports' «Карточка клиента»
and «Акт сверки» read it (reports.ledger), and an act made as a document (sales.reconciliations)
freezes its figures.

A shipment is a shipped invoice's total on its shipment date (cancelled and unshipped invoices do
not count); a payment is its amount on its date. A positive balance is what the client owes us, a
negative one an advance. Two queries whatever the number of documents: the opening balance, then
the period's documents in date order (one UNION ALL of invoices and payments)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import DecimalField, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from clients.models import Client
from crm.numbers import MINUS
from sales.models import Contract, Invoice, Payment

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
SHIPMENT, PAYMENT = 0, 1  # also the order of a shipment and a payment on the same day
DATE_FORMAT = "%d.%m.%Y"


def day(value: datetime.date) -> str:
    """дд.мм.гггг (DATE_FORMAT), written without strftime: thousands of them in a long ledger."""
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"


# --- the ledger --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose documents, of which contract and over which period. `contract` None with
    `without_contract` False means all the client's documents; `start` None means from the first
    document."""

    client: Client
    end: datetime.date
    start: datetime.date | None = None
    contract: Contract | None = None
    without_contract: bool = False

    def documents(self, queryset: QuerySet) -> QuerySet:
        queryset = queryset.filter(client=self.client)
        if self.contract is not None:
            return queryset.filter(contract=self.contract)
        if self.without_contract:
            return queryset.filter(contract__isnull=True)
        return queryset


@dataclass(frozen=True)
class Entry:
    """One document in the ledger: `day` is when it counts (the shipment date of an invoice), and
    `document_date` the document's own date."""

    kind: int
    day: datetime.date
    number: int
    document_date: datetime.date
    contract_id: int | None
    debit: Decimal  # shipped
    credit: Decimal  # paid
    balance: Decimal  # after this document

    @property
    def is_shipment(self) -> bool:
        return self.kind == SHIPMENT


@dataclass
class Ledger:
    scope: Scope
    opening: Decimal
    entries: list[Entry] = field(default_factory=list)
    debit: Decimal = ZERO  # shipped in the period
    credit: Decimal = ZERO  # paid in the period

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit


def shipments(scope: Scope) -> QuerySet[Invoice]:
    return scope.documents(Invoice.objects.filter(status=Invoice.Status.SHIPPED))


def payments(scope: Scope) -> QuerySet[Payment]:
    return scope.documents(Payment.objects.all())


def opening_balance(scope: Scope) -> Decimal:
    """Shipped minus paid before the period, in one query (two sums as subqueries of one row)."""
    if scope.start is None:
        return ZERO

    def total(queryset: QuerySet, column: str) -> Coalesce:
        summed = queryset.order_by().values("client").annotate(s=Sum(column)).values("s")
        return Coalesce(Subquery(summed), ZERO, output_field=DecimalField(max_digits=16, decimal_places=2))

    shipped = shipments(scope).filter(shipped_on__lt=scope.start, client=OuterRef("pk"))
    paid = payments(scope).filter(date__lt=scope.start, client=OuterRef("pk"))
    row = (
        Client.objects.filter(pk=scope.client.pk)
        .annotate(shipped=total(shipped, "total"), paid=total(paid, "amount"))
        .values("shipped", "paid")
        .first()
    )
    return row["shipped"] - row["paid"] if row else ZERO


def _in_period(scope: Scope, column: str) -> Q:
    period = Q(**{f"{column}__lte": scope.end})
    return period & Q(**{f"{column}__gte": scope.start}) if scope.start else period


COLUMNS = ("entry_kind", "entry_day", "entry_number", "entry_date", "entry_contract", "entry_amount")


def _entries(scope: Scope, queryset: QuerySet, kind: int, day: str, amount: str) -> QuerySet:
    """The period's documents of `queryset` as COLUMNS: `day` the column they count on, `amount` theirs."""
    return (
        queryset.filter(_in_period(scope, day))
        .annotate(
            entry_kind=Value(kind, output_field=IntegerField()),
            entry_day=F(day),
            entry_number=F("number"),
            entry_date=F("date"),
            entry_contract=F("contract_id"),
            entry_amount=F(amount),
        )
        .order_by()
        .values_list(*COLUMNS)
    )


def documents(scope: Scope) -> list[tuple]:
    """(kind, day, number, document date, contract id, amount) of the period's shipments and
    payments, by day, shipments before payments on the same day, then by number — one query."""
    invoices = _entries(scope, shipments(scope), SHIPMENT, "shipped_on", "total")
    paid = _entries(scope, payments(scope), PAYMENT, "date", "amount")
    union = invoices.union(paid, all=True)
    sql, params = union.order_by("entry_day", "entry_kind", "entry_number").query.sql_with_params()
    # Read as the driver gives the rows: Django's per-row converters cost more than the query when
    # a client has thousands of documents, and the driver already gives dates and Decimals.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":
        # The demo's SQLite may give dates as text (a UNION loses the column types) and amounts as floats.
        rows = [(k, _date(d), n, _date(dd), c, Decimal(str(a)).quantize(CENT)) for k, d, n, dd, c, a in rows]
    return rows


def _date(value: datetime.date | str) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def client_ledger(scope: Scope) -> Ledger:
    """The opening balance, each document with the balance after it, the turnovers and (as a
    property) the closing balance."""
    ledger = Ledger(scope, opening_balance(scope))
    balance, debit, credit = ledger.opening, ZERO, ZERO
    entries = ledger.entries
    for kind, when, number, document_date, contract_id, amount in documents(scope):
        if kind == SHIPMENT:
            balance += amount
            debit += amount
            entries.append(Entry(kind, when, number, document_date, contract_id, amount, ZERO, balance))
        else:
            balance -= amount
            credit += amount
            entries.append(Entry(kind, when, number, document_date, contract_id, ZERO, amount, balance))
    ledger.debit, ledger.credit = debit, credit
    return ledger


# --- words --------------------------------------------------------------------------------------------


class DocumentNames:
    """Names documents as the client ledger does («Отгрузка по заявке-накладной № 5 от 01.03.2026»)
    or as an «Акт сверки» does («Реализация по заявке-накладной № 5 от 01.03.2026»): by the
    invoice's own number and date, as every other page names it; the line's date is the shipment
    date. The translated patterns and each date's text are looked up once for the thousands of
    documents of a long ledger."""

    def __init__(self, *, reconciliation: bool = False):
        self.reconciliation = reconciliation
        if reconciliation:
            self.shipment = _("Реализация по заявке-накладной № %(number)s от %(date)s")
        else:
            self.shipment = _("Отгрузка по заявке-накладной № %(number)s от %(date)s")
        self.payment = _("Оплата № %(number)s от %(date)s")
        self.days: dict[datetime.date, str] = {}

    def day(self, value: datetime.date) -> str:
        text = self.days.get(value)
        if text is None:
            text = self.days[value] = day(value)
        return text

    def __call__(self, entry: Entry) -> str:
        if entry.is_shipment:
            return self.shipment % {"number": entry.number, "date": self.day(entry.document_date)}
        return self.payment % {"number": entry.number, "date": self.day(entry.day)}


class MoneyFormat:
    """Money as crm.numbers.money writes it, grouped («1 234,56», «−5,00»): the separators are looked up
    once, not for each of the thousands of amounts of a long ledger."""

    def __init__(self):
        self.decimal = get_format("DECIMAL_SEPARATOR")
        self.thousands = get_format("THOUSAND_SEPARATOR")

    def __call__(self, value: Decimal) -> str:
        text = f"{value:,.2f}"
        return text.replace(",", "\0").replace(".", self.decimal).replace("\0", self.thousands).replace("-", MINUS)


def sides(balance: Decimal) -> tuple[Decimal | None, Decimal | None]:
    """A balance as (debit, credit): what the client owes is a debit, an advance a credit."""
    if balance > 0:
        return balance, None
    if balance < 0:
        return None, -balance
    return None, None


def debt_sentence(ledger: Ledger, company: str) -> str:
    """The closing sentence of an «Акт сверки»: who owes whom how much at the end of the period."""
    values = {"company": company, "date": day(ledger.scope.end)}
    closing = ledger.closing
    if not closing:
        return _("По данным %(company)s на %(date)s задолженность отсутствует.") % values
    values["creditor"] = company if closing > 0 else client_title(ledger.scope.client)
    values["amount"] = MoneyFormat()(abs(closing))
    return (
        _("По данным %(company)s на %(date)s задолженность в пользу %(creditor)s составляет %(amount)s руб.") % values
    )


def client_title(client: Client) -> str:
    return client.full_name or client.name


def contract_title(contract: Contract) -> str:
    return _("Договор № %(number)s от %(date)s") % {"number": contract.number, "date": day(contract.date)}


@dataclass(frozen=True)
class Act:
    """The words of an «Акт сверки» around its table, on the page, on paper and in the xlsx file."""

    company: str
    counterparty: str
    title: str
    period: str
    parties: str
    contract: str
    intro: str
    sentence: str

    @property
    def parties_names(self) -> tuple[str, str]:
        """Whose signature blocks: ours on the left, the client's on the right."""
        return self.company, self.counterparty


def reconciliation_act(ledger: Ledger, company: str) -> Act:
    scope = ledger.scope
    counterparty = client_title(scope.client)
    if scope.start is None:
        period = _("по состоянию на %(date)s") % {"date": day(scope.end)}
    else:
        period = _("за период: %(start)s — %(end)s") % {"start": day(scope.start), "end": day(scope.end)}
    if scope.contract is not None:
        contract = _("по договору № %(number)s от %(date)s") % {
            "number": scope.contract.number,
            "date": day(scope.contract.date),
        }
    else:
        contract = _("по документам без договора") if scope.without_contract else ""
    names = {"company": company, "counterparty": counterparty}
    return Act(
        company=company,
        counterparty=counterparty,
        title=_("Акт сверки взаимных расчетов"),
        period=period,
        parties=_("между %(company)s и %(counterparty)s") % names,
        contract=contract,
        intro=_(
            "Мы, нижеподписавшиеся, представитель %(company)s, с одной стороны, и представитель %(counterparty)s, "
            "с другой стороны, составили настоящий акт сверки в том, что состояние взаимных расчетов по данным "
            "учета следующее:"
        )
        % names,
        sentence=debt_sentence(ledger, company),
    )
