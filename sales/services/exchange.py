"""Contracts, invoices with their lines and payments with their allocations sent by an accounting
system, upserted by their external key. The accounting system keeps the documents: what it sends
is stored as sent (a shipped invoice too), and a document whose values are all stored already
writes nothing. A document names its client, contract and invoices by their external ids of the
same source.

Each call reads what it needs in one query per table and writes in one statement per table (new
rows, changed rows, replaced lines and allocations), whatever the number of documents.

A changed invoice total keeps the allocations up to the new total — the newest payments give
back first — and what they give back is unallocated on those payments again; a cancelled invoice
gives back everything. The invoice's open amount is its total less what stays allocated."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from clients import access as client_access
from clients.models import Client
from crm import events
from crm.exchange import ExchangeRefused, Keyed, Outcome, by_key, keys_of, repeated
from sales import access
from sales.models import Allocation, Contract, Invoice, InvoiceLine, Payment, Product
from sales.services import (
    INVOICE_PAID,
    INVOICE_SHIPPED,
    ZERO,
    Line,
    SalesError,
    _invoice_event,
    _lock_numbers,
    check_lines,
    next_number,
)

BATCH = 1000
Status = Invoice.Status


@dataclass
class ContractDocument(Keyed):
    client: str
    number: str
    date: datetime.date
    credit_limit: Decimal | None = None
    credit_days: int | None = None
    is_active: bool = True


@dataclass
class LineValues:
    product: int  # the CRM's product id
    quantity: Decimal
    price: Decimal
    discount: Decimal = ZERO


@dataclass
class InvoiceDocument(Keyed):
    client: str
    date: datetime.date
    lines: list[LineValues]
    contract: str | None = None
    status: str = Status.SHIPPED
    shipped_on: datetime.date | None = None
    comment: str = ""


@dataclass
class PaymentDocument(Keyed):
    client: str
    date: datetime.date
    amount: Decimal
    contract: str | None = None
    # {the invoice's external id: the amount}
    allocations: dict[str, Decimal] = dataclass_field(default_factory=dict)
    comment: str = ""


class _Refusals:
    """The messages of the refused documents of a call, by position."""

    def __init__(self, documents: Sequence[Keyed]):
        self.errors = repeated(documents)
        self.forbidden: set[int] = set()

    def add(self, document: Keyed, message: str, *, forbidden: bool = False) -> None:
        self.errors.setdefault(document.position, message)
        if forbidden:
            self.forbidden.add(document.position)

    def has(self, document: Keyed) -> bool:
        return document.position in self.errors

    def raise_any(self) -> None:
        if self.errors:
            raise ExchangeRefused(self.errors, self.forbidden)


class _References:
    """The clients and contracts the documents of a call name, read once, and who may use them."""

    def __init__(self, documents: Sequence, user, *, documents_of_client: bool):
        self.user = user
        self.documents_of_client = documents_of_client
        # A card merged into another keeps its key: its documents go to the card it was merged into.
        clients = by_key(Client.all_objects.select_related("merged_into"), [(d.source, d.client) for d in documents])
        self.clients = {key: client.merged_into or client for key, client in clients.items()}
        contracts = [(d.source, d.contract) for d in documents if getattr(d, "contract", None)]
        self.contracts = by_key(Contract.objects.all(), contracts)

    def client(self, document, refusals: _Refusals) -> Client | None:
        client = self.clients.get((document.source, document.client))
        if client is None:
            refusals.add(
                document, _("Нет клиента с внешним id «%(id)s»: сначала передайте его.") % {"id": document.client}
            )
            return None
        if self.documents_of_client and not access.may_create_documents(self.user):
            refusals.add(document, _("Документы оформляют менеджер, руководитель и администратор."), forbidden=True)
            return None
        if not client_access.works_with(client, self.user):
            refusals.add(document, _("Документы этого клиента оформляет его менеджер."), forbidden=True)
            return None
        return client

    def party(self, document, refusals: _Refusals) -> tuple[Client | None, Contract | None]:
        """The document's client and contract, checked; (None, None) when it is refused."""
        client = None if refusals.has(document) else self.client(document, refusals)
        if client is None:
            return None, None
        return client, self.contract(document, client, refusals)

    def contract(self, document, client: Client, refusals: _Refusals) -> Contract | None:
        if not document.contract:
            return None
        contract = self.contracts.get((document.source, document.contract))
        if contract is None:
            refusals.add(document, _("Нет договора с внешним id «%(id)s».") % {"id": document.contract})
        elif contract.client_id != client.pk:
            refusals.add(document, _("Договор заключён с другим клиентом."))
        return contract


def _found_or_new(model, stored: dict, document: Keyed, client: Client):
    """(the stored document of this key or a new one of the client's manager, whether it is new)."""
    row = stored.get((document.source, document.external_id))
    if row is not None:
        return row, False
    return model(
        external_source=document.source, external_id=document.external_id, manager_id=client.responsible_id
    ), True


def _outcome(created: bool, changed: bool) -> str:
    return Outcome.CREATED if created else Outcome.CHANGED if changed else Outcome.UNCHANGED


def _set(row, values: dict) -> bool:
    """Set the values on the row; whether any differs from what it had."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _save(model, new: list, changed: list, fields: list[str]) -> None:
    """Insert the new rows and write `fields` of the changed ones: a statement per batch each."""
    model.objects.bulk_create(new, batch_size=BATCH)
    if changed:
        model.objects.bulk_create(
            changed, update_conflicts=True, unique_fields=["pk"], update_fields=fields, batch_size=BATCH
        )


def _number(model, rows: list) -> None:
    """Numbers of the year for new documents, after the last one (under the numbering lock)."""
    if not rows:
        return
    _lock_numbers(model)
    last: dict[int, int] = {}
    for row in rows:
        row.year = row.date.year
        if row.year not in last:
            last[row.year] = next_number(model, row.year) - 1
        last[row.year] += 1
        row.number = last[row.year]


# --- contracts -------------------------------------------------------------------------------------------


@transaction.atomic
def upsert_contracts(documents: Sequence[ContractDocument], *, user) -> dict[int, str]:
    """{position: Outcome}; ExchangeRefused when any is refused (nothing written)."""
    refusals = _Refusals(documents)
    references = _References(documents, user, documents_of_client=False)
    stored = by_key(Contract.objects.select_for_update(), keys_of(documents))
    new, changed, outcomes = [], [], {}
    for document in documents:
        client = None if refusals.has(document) else references.client(document, refusals)
        if client is None:
            continue
        contract = stored.get((document.source, document.external_id))
        created = contract is None
        if created:
            contract = Contract(external_source=document.source, external_id=document.external_id)
        differs = _set(
            contract,
            {
                "client_id": client.pk,
                "number": document.number,
                "date": document.date,
                "credit_limit": document.credit_limit,
                "credit_days": document.credit_days,
                "is_active": document.is_active,
            },
        )
        (new if created else changed if differs else []).append(contract)
        outcomes[document.position] = _outcome(created, differs)
    _refuse_taken_numbers(documents, new + changed, refusals)
    refusals.raise_any()
    _save(Contract, new, changed, ["client", "number", "date", "credit_limit", "credit_days", "is_active"])
    return outcomes


def _refuse_taken_numbers(documents: Sequence[ContractDocument], rows: list[Contract], refusals: _Refusals) -> None:
    """A client's contract numbers are unique: one already taken by another of its contracts."""
    if not rows:
        return
    position = {(d.source, d.external_id): d for d in documents}
    numbers = Q()
    for row in rows:
        numbers |= Q(client_id=row.client_id, number=row.number)
    taken = Contract.objects.filter(numbers).exclude(pk__in=[r.pk for r in rows if r.pk])
    taken = {(c.client_id, c.number) for c in taken}
    seen = set()
    for row in rows:
        key = (row.client_id, row.number)
        if key in taken or key in seen:
            refusals.add(
                position[(row.external_source, row.external_id)],
                _("У клиента уже есть договор № %(number)s.") % {"number": row.number},
            )
        seen.add(key)


# --- invoices --------------------------------------------------------------------------------------------


def _line_key(line: Line | InvoiceLine) -> tuple:
    product = line.product_id if isinstance(line, InvoiceLine) else line.product.pk
    return (product, line.quantity, line.price, line.discount)


@transaction.atomic
def upsert_invoices(documents: Sequence[InvoiceDocument], *, user) -> dict[int, str]:
    """{position: Outcome}; ExchangeRefused when any is refused (nothing written)."""
    refusals = _Refusals(documents)
    references = _References(documents, user, documents_of_client=True)
    stored = by_key(Invoice.objects.select_for_update(), keys_of(documents))
    stored_lines: dict[int, list[tuple]] = defaultdict(list)
    for line in InvoiceLine.objects.filter(invoice_id__in=[i.pk for i in stored.values()]).order_by("pk"):
        stored_lines[line.invoice_id].append(_line_key(line))
    products = Product.objects.in_bulk({line.product for d in documents for line in d.lines})
    new, changed, relined, shipped, outcomes = [], [], [], [], {}
    paid_caps: dict[int, Decimal] = {}  # invoice id → what may stay allocated to it
    now = timezone.now()
    for document in documents:
        client, contract = references.party(document, refusals)
        if client is None:
            continue
        lines = _lines(document, products, refusals)
        if refusals.has(document):
            continue
        invoice, created = _found_or_new(Invoice, stored, document, client)
        if invoice.client_id not in (None, client.pk) and invoice.open_amount != invoice.total:
            refusals.add(document, _("Заявку уже оплачивал её клиент: другому клиенту её передать нельзя."))
            continue
        was_shipped = invoice.status == Status.SHIPPED and not created
        header = _invoice_header(document, client, contract)
        differs = _set(invoice, header)
        lines_differ = created or [_line_key(line) for line in lines] != stored_lines.get(invoice.pk)
        if not (created or differs or lines_differ):
            outcomes[document.position] = Outcome.UNCHANGED
            continue
        paid = ZERO if created else invoice.total - invoice.open_amount
        invoice.total = sum((line.amount for line in lines), ZERO)
        cap = ZERO if invoice.status == Status.CANCELLED else invoice.total
        if paid > cap:
            paid_caps[invoice.pk] = cap
            paid = cap
        invoice.open_amount = invoice.total - paid
        invoice.updated_at = now
        if lines_differ:
            relined.append((invoice, lines))
        (new if created else changed).append(invoice)
        if invoice.status == Status.SHIPPED and not was_shipped:
            shipped.append(invoice)
        outcomes[document.position] = _outcome(created, True)
    refusals.raise_any()
    _number(Invoice, new)
    _save(Invoice, new, changed, [*_INVOICE_FIELDS, "total", "open_amount", "updated_at"])
    _replace_lines(relined)
    _give_back(paid_caps)
    events.emit_each(INVOICE_SHIPPED, [_invoice_event(invoice) for invoice in shipped])
    return outcomes


# A stored document keeps the year of its number («№ 5 за 2026»), as on the pages.
_INVOICE_FIELDS = ["client", "contract", "date", "status", "shipped_on", "due_date", "comment"]


def _invoice_header(document: InvoiceDocument, client: Client, contract: Contract | None) -> dict:
    shipped = document.status == Status.SHIPPED
    shipped_on = document.shipped_on if shipped else None
    days = contract.credit_days if contract is not None and contract.credit_days else 0
    return {
        "client_id": client.pk,
        "contract_id": contract.pk if contract is not None else None,
        "date": document.date,
        "status": document.status,
        "shipped_on": shipped_on,
        "due_date": shipped_on + datetime.timedelta(days=days) if shipped_on else None,
        "comment": document.comment,
    }


def _lines(document: InvoiceDocument, products: dict[int, Product], refusals: _Refusals) -> list[Line]:
    if document.status == Status.SHIPPED and document.shipped_on is None:
        refusals.add(document, _("У отгруженной заявки должна быть дата отгрузки (shipped_on)."))
        return []
    missing = [line.product for line in document.lines if line.product not in products]
    if missing:
        refusals.add(document, _("Нет номенклатуры с id %(id)s.") % {"id": missing[0]})
        return []
    lines = [Line(products[v.product], v.quantity, v.price, v.discount) for v in document.lines]
    try:
        check_lines(lines)
    except SalesError as error:
        refusals.add(document, str(error))
    return lines


def _replace_lines(relined: list[tuple[Invoice, list[Line]]]) -> None:
    InvoiceLine.objects.filter(invoice_id__in=[invoice.pk for invoice, _lines in relined]).delete()
    InvoiceLine.objects.bulk_create(
        (
            InvoiceLine(
                invoice=invoice,
                product=line.product,
                quantity=line.quantity,
                price=line.price,
                discount=line.discount,
                amount=line.amount,
            )
            for invoice, lines in relined
            for line in lines
        ),
        batch_size=BATCH,
    )


def _give_back(paid_caps: dict[int, Decimal]) -> None:
    """Trim the allocations of these invoices to {invoice id: what may stay allocated}, the newest
    payments' first; what is trimmed is unallocated on its payment again."""
    if not paid_caps:
        return
    allocations = (
        Allocation.objects.select_for_update()
        .filter(invoice_id__in=list(paid_caps))
        .order_by("invoice_id", "payment__date", "payment__number", "pk")
    )
    kept: dict[int, Decimal] = defaultdict(lambda: ZERO)
    trimmed, emptied, given_back = [], [], defaultdict(lambda: ZERO)
    for allocation in allocations:
        room = paid_caps[allocation.invoice_id] - kept[allocation.invoice_id]
        keep = min(allocation.amount, max(room, ZERO))
        if keep < allocation.amount:
            given_back[allocation.payment_id] += allocation.amount - keep
            allocation.amount = keep
            (trimmed if keep else emptied).append(allocation)
        kept[allocation.invoice_id] += keep
    Allocation.objects.filter(pk__in=[a.pk for a in emptied]).delete()
    Allocation.objects.bulk_update(trimmed, ["amount"], batch_size=BATCH)
    payments = Payment.objects.select_for_update().in_bulk(list(given_back))
    for payment_id, amount in given_back.items():
        payments[payment_id].unallocated += amount
    Payment.objects.bulk_update(payments.values(), ["unallocated"], batch_size=BATCH)


# --- payments --------------------------------------------------------------------------------------------


@transaction.atomic
def upsert_payments(documents: Sequence[PaymentDocument], *, user) -> dict[int, str]:
    """{position: Outcome}; ExchangeRefused when any is refused (nothing written). A payment's
    allocations are replaced by those sent; an amount over what is open on an invoice is refused."""
    refusals = _Refusals(documents)
    references = _References(documents, user, documents_of_client=True)
    stored = by_key(Payment.objects.select_for_update(), keys_of(documents))
    had: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for allocation in Allocation.objects.filter(payment_id__in=[p.pk for p in stored.values()]):
        had[allocation.payment_id][allocation.invoice_id] = allocation.amount
    invoices = by_key(Invoice.objects.select_for_update(), [(d.source, i) for d in documents for i in d.allocations])
    planned: list[tuple[PaymentDocument, Payment, dict[int, Decimal], bool]] = []
    for document in documents:
        client, contract = references.party(document, refusals)
        if client is None:
            continue
        wanted = _wanted(document, client, invoices, refusals)
        if refusals.has(document):
            continue
        payment, created = _found_or_new(Payment, stored, document, client)
        differs = _set(
            payment,
            {
                "client_id": client.pk,
                "contract_id": contract.pk if contract is not None else None,
                "date": document.date,
                "amount": document.amount,
                "comment": document.comment,
            },
        )
        planned.append((document, payment, wanted, created or differs or wanted != had.get(payment.pk, {})))
    # What is open on each invoice once the changed payments' old allocations are given back.
    by_id = {invoice.pk: invoice for invoice in invoices.values()}
    given_back = [
        (invoice_id, amount)
        for _document, payment, _wanted_now, writes in planned
        if writes
        for invoice_id, amount in had.get(payment.pk, {}).items()
    ]
    by_id.update(Invoice.objects.select_for_update().in_bulk({pk for pk, _a in given_back} - set(by_id)))
    for invoice_id, amount in given_back:
        by_id[invoice_id].open_amount += amount
    new, changed, allocations, outcomes = [], [], [], {}
    for document, payment, wanted, writes in planned:
        outcomes[document.position] = _outcome(payment.pk is None, writes)
        if not writes:
            continue
        for invoice_id, amount in wanted.items():
            invoice = by_id[invoice_id]
            if amount > invoice.open_amount:
                refusals.add(
                    document,
                    _("По заявке № %(number)s не оплачено только %(open)s, а распределяется %(amount)s.")
                    % {"number": invoice.number, "open": invoice.open_amount, "amount": amount},
                )
            invoice.open_amount -= amount
            allocations.append(Allocation(payment=payment, invoice_id=invoice_id, amount=amount))
        payment.unallocated = payment.amount - sum(wanted.values(), ZERO)
        (new if payment.pk is None else changed).append(payment)
    refusals.raise_any()
    _number(Payment, new)
    _save(Payment, new, changed, ["client", "contract", "date", "amount", "comment", "unallocated"])
    Allocation.objects.filter(payment_id__in=[p.pk for p in changed]).delete()
    Allocation.objects.bulk_create(allocations, batch_size=BATCH)
    _write_open_amounts(by_id, {a.invoice_id for a in allocations} | {pk for pk, _a in given_back})
    return outcomes


def _wanted(document: PaymentDocument, client: Client, invoices: dict, refusals: _Refusals) -> dict[int, Decimal]:
    """{invoice id: amount} of the document's allocations, checked."""
    wanted = {}
    for external_id, amount in document.allocations.items():
        invoice = invoices.get((document.source, external_id))
        if invoice is None:
            refusals.add(document, _("Нет заявки с внешним id «%(id)s».") % {"id": external_id})
        elif invoice.client_id != client.pk:
            refusals.add(document, _("Оплату клиента можно распределить только на его собственные заявки."))
        elif invoice.status == Status.CANCELLED:
            refusals.add(document, _("На отменённую заявку оплату распределить нельзя."))
        else:
            wanted[invoice.pk] = amount
    if sum(wanted.values(), ZERO) > document.amount:
        refusals.add(document, _("Распределено больше суммы оплаты."))
    return wanted


def _write_open_amounts(by_id: dict[int, Invoice], touched: set[int]) -> None:
    rows = [by_id[pk] for pk in touched]
    now = timezone.now()
    for invoice in rows:
        invoice.updated_at = now
    _save(Invoice, [], rows, ["open_amount", "updated_at"])
    paid = [invoice for invoice in rows if not invoice.open_amount]
    events.emit_each(INVOICE_PAID, [_invoice_event(invoice) for invoice in paid])
