"""Sales operations: saving an invoice with its lines, moving it through its statuses, and
allocating payments to invoices. Every operation that touches money locks the rows it changes and
keeps each invoice's open amount and each payment's unallocated rest in the same transaction.
The exchange with an accounting system, many documents at a time, is `sales.services.exchange`."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import F, Max, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.models import Client
from crm import events, merge, numbers
from sales.models import Allocation, Contract, Invoice, Payment, Product, ProductLine

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
Status = Invoice.Status


INVOICE_SHIPPED = events.declare("invoice.shipped", gettext_lazy("Заявка-накладная отгружена"))
INVOICE_PAID = events.declare("invoice.paid", gettext_lazy("Заявка-накладная оплачена"))


def _invoice_event(invoice: Invoice):
    """The payload of an invoice's event: its number, client, sums and dates."""

    def payload() -> dict:
        return {
            "id": invoice.pk,
            "number": invoice.number,
            "date": invoice.date.isoformat(),
            "client_id": invoice.client_id,
            "contract_id": invoice.contract_id,
            "manager_id": invoice.manager_id,
            "status": invoice.status,
            "total": str(invoice.total),
            "open_amount": str(invoice.open_amount),
            "shipped_on": invoice.shipped_on.isoformat() if invoice.shipped_on else None,
            "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
            "url": events.absolute_url(invoice.get_absolute_url()),
        }

    return payload


class SalesError(Exception):
    """What the documents' rules do not allow; the message is for the user."""


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- invoices ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    product: Product
    quantity: Decimal
    price: Decimal
    discount: Decimal = ZERO

    @property
    def amount(self) -> Decimal:
        return money(self.quantity * self.price * (Decimal(100) - self.discount) / Decimal(100))


def check_lines(lines: Sequence[Line]) -> None:
    if not lines:
        raise SalesError(_("В заявке нет ни одной строки."))
    for number, line in enumerate(lines, start=1):
        if line.quantity <= 0:
            raise SalesError(_("Строка %(n)s: количество должно быть больше нуля.") % {"n": number})
        if line.price < 0:
            raise SalesError(_("Строка %(n)s: цена не может быть отрицательной.") % {"n": number})
        if not ZERO <= line.discount <= 100:
            raise SalesError(_("Строка %(n)s: скидка — от 0 до 100 %%.") % {"n": number})


def next_number(model, year: int) -> int:
    """The next free number of the year for invoices or payments (the caller holds a lock)."""
    last = model.objects.filter(year=year).aggregate(n=Max("number"))["n"]
    return (last or 0) + 1


@transaction.atomic
def save_invoice(invoice: Invoice, lines: Sequence[Line]) -> Invoice:
    """Create or change an invoice that is not shipped yet, with its lines; the total is the sum
    of the lines and what is open follows it (less what payments already cover)."""
    check_lines(lines)
    if invoice.contract_id and invoice.contract.client_id != invoice.client_id:
        raise SalesError(_("Договор заключён с другим клиентом."))
    if invoice.pk:
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.status in (Status.SHIPPED, Status.CANCELLED):
            raise SalesError(_("Отгруженную или отменённую заявку изменить нельзя."))
        paid = locked.total - locked.open_amount
    else:
        paid = ZERO
        if not invoice.number:
            _lock_numbers(Invoice)
            invoice.number = next_number(Invoice, invoice.date.year)
    invoice.total = sum((line.amount for line in lines), ZERO)
    if invoice.total < paid:
        raise SalesError(
            _("Сумма заявки %(total)s меньше уже оплаченных %(paid)s.") % {"total": invoice.total, "paid": paid}
        )
    invoice.open_amount = invoice.total - paid
    invoice.save()
    replace_lines(invoice.lines, lines)
    return invoice


@transaction.atomic
def update_contract(contract: Contract, **values) -> Contract:
    """Change a contract's number, date or credit terms; values as crm.merge.merge_into takes them."""
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    changed = merge.merge_into(locked, values)
    if changed:
        locked.save(update_fields=changed)
    return locked


def lines_fingerprint(lines: Iterable[ProductLine]) -> str:
    """A document's stored lines (an invoice's, a deal's) in one string: an edit form keeps it to
    tell, when it is saved, whether someone else changed the lines meanwhile."""
    rows = sorted((line.pk, line.product_id, line.quantity, line.price, line.discount) for line in lines)
    return ";".join(":".join(str(value) for value in row[1:]) for row in rows)


def lines_text(lines: QuerySet) -> str:
    """The lines as a person reads them: «Виджет — 2,5 × 100,00, −7 %; …»."""
    return "; ".join(map(_line_text, lines.select_related("product").order_by("pk")))


@transaction.atomic
def update_invoice(
    invoice: Invoice, header: Mapping[str, object], lines: Sequence[Line] | None, *, lines_seen: str | None = None
) -> Invoice:
    """Change an invoice that is not shipped yet, merged with what others saved since the user
    opened it: `header` as crm.merge.merge_into takes it; `lines` the user's lines, None when
    the user did not change them (the stored ones stay). Lines someone else changed after the
    user saw them (`lines_seen`, a lines_fingerprint) are a conflict on the pseudo-field
    "lines", whose value is the stored lines as text."""
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.status in (Status.SHIPPED, Status.CANCELLED):
        raise SalesError(_("Отгруженную или отменённую заявку изменить нельзя."))
    theirs = merge.theirs_in(locked, header)
    if lines is not None and lines_seen is not None and lines_fingerprint(locked.lines.all()) != lines_seen:
        theirs["lines"] = lines_text(locked.lines)
    if theirs:
        raise merge.EditConflict(locked, theirs)
    changed = merge.merge_into(locked, header)
    if locked.contract_id and locked.contract.client_id != locked.client_id:
        raise SalesError(_("Договор заключён с другим клиентом."))
    if lines is not None:
        check_lines(lines)
        paid = locked.total - locked.open_amount
        total = sum((line.amount for line in lines), ZERO)
        if total < paid:
            raise SalesError(
                _("Сумма заявки %(total)s меньше уже оплаченных %(paid)s.") % {"total": total, "paid": paid}
            )
        locked.total, locked.open_amount = total, total - paid
        changed += ["total", "open_amount"]
        replace_lines(locked.lines, lines)
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
    return locked


def _line_text(line) -> str:
    text = f"{line.product.name} — {numbers.number(line.quantity)} × {numbers.money(line.price)}"
    return f"{text}, {numbers.MINUS}{numbers.number(line.discount)} %" if line.discount else text


def replace_lines(stored, lines: Sequence[Line]) -> None:
    """Put `lines` in place of a document's stored ones; `stored` is its related manager
    (`invoice.lines`, `deal.lines`: rows of a ProductLine model)."""
    stored.all().delete()
    stored.model.objects.bulk_create(
        stored.model(
            **{stored.field.name: stored.instance},
            product=line.product,
            quantity=line.quantity,
            price=line.price,
            discount=line.discount,
            amount=line.amount,
        )
        for line in lines
    )


def _lock_numbers(model) -> None:
    """Serialise numbering of new documents of one kind (a transaction-level advisory lock)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [model._meta.db_table])


# Which status may follow which; «Отменена» from anything not shipped.
NEXT_STATUS = {
    Status.REQUEST: (Status.IN_WORK, Status.CANCELLED),
    Status.IN_WORK: (Status.READY, Status.CANCELLED),
    Status.READY: (Status.SHIPPED, Status.CANCELLED),
    Status.SHIPPED: (),
    Status.CANCELLED: (),
}
STATUS_ACTIONS = {
    Status.IN_WORK: gettext_lazy("В работу"),
    Status.READY: gettext_lazy("Готова к отгрузке"),
    Status.SHIPPED: gettext_lazy("Отгрузить"),
    Status.CANCELLED: gettext_lazy("Отменить"),
}


@transaction.atomic
def set_status(invoice: Invoice, status: str, *, shipped_on: datetime.date | None = None) -> Invoice:
    """Move an invoice to `status`. Shipping sets the shipment date and the due date (shipment +
    the contract's credit days); cancelling needs the invoice to be unpaid."""
    invoice = Invoice.objects.select_for_update(of=("self",)).select_related("contract").get(pk=invoice.pk)
    if status not in NEXT_STATUS[invoice.status]:
        if invoice.status == Status.CANCELLED:
            raise SalesError(_("Заявка отменена: её нельзя ни отгрузить, ни вернуть в работу."))
        raise SalesError(
            _("Из статуса «%(current)s» нельзя перейти в «%(next)s».")
            % {"current": invoice.get_status_display(), "next": Status(status).label}
        )
    if status == Status.CANCELLED and invoice.open_amount != invoice.total:
        raise SalesError(_("Заявка уже оплачена частично или полностью: сначала отмените распределение оплаты."))
    invoice.status = status
    if status == Status.SHIPPED:
        invoice.shipped_on = shipped_on or timezone.localdate()
        days = invoice.contract.credit_days if invoice.contract and invoice.contract.credit_days else 0
        invoice.due_date = invoice.shipped_on + datetime.timedelta(days=days)
    invoice.save(update_fields=["status", "shipped_on", "due_date", "updated_at"])
    if status == Status.SHIPPED:
        events.emit(INVOICE_SHIPPED, _invoice_event(invoice))
    return invoice


# --- payments ------------------------------------------------------------------------------------------


@transaction.atomic
def create_payment(payment: Payment, *, allocate_oldest: bool = True) -> Payment:
    if payment.amount is None or payment.amount <= 0:
        raise SalesError(_("Сумма оплаты должна быть больше нуля."))
    if payment.contract_id and payment.contract.client_id != payment.client_id:
        raise SalesError(_("Договор заключён с другим клиентом."))
    if not payment.number:
        _lock_numbers(Payment)
        payment.number = next_number(Payment, payment.date.year)
    payment.unallocated = payment.amount
    payment.save()
    if allocate_oldest:
        allocate_oldest_first(payment)
        payment.refresh_from_db(fields=["unallocated"])
    return payment


def open_invoices(client: Client, contract: Contract | None = None):
    """The client's invoices with something unpaid, oldest first (shipped before not yet shipped)."""
    invoices = Invoice.objects.filter(client=client, open_amount__gt=0).exclude(status=Status.CANCELLED)
    if contract is not None:
        invoices = invoices.filter(contract=contract)
    return invoices.order_by("shipped_on", "date", "number")


@transaction.atomic
def allocate_oldest_first(payment: Payment) -> list[Allocation]:
    """Spend what is left of the payment on the client's (the contract's) oldest unpaid invoices."""
    payment = Payment.objects.select_for_update(of=("self",)).select_related("contract").get(pk=payment.pk)
    candidates = open_invoices(payment.client, payment.contract).select_for_update()
    plan = {}
    rest = payment.unallocated
    for invoice in candidates:
        if rest <= 0:
            break
        share = min(rest, invoice.open_amount)
        plan[invoice.pk] = share
        rest -= share
    return _allocate(payment, plan)


@transaction.atomic
def allocate(payment: Payment, amounts: dict[int, Decimal]) -> list[Allocation]:
    """Allocate by hand: {invoice id: amount}. Every amount must be positive and within what is
    open on the invoice and unallocated on the payment."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    return _allocate(payment, amounts)


def _allocate(payment: Payment, amounts: dict[int, Decimal]) -> list[Allocation]:
    amounts = {pk: money(Decimal(a)) for pk, a in amounts.items() if a}
    if not amounts:
        return []
    if any(a <= 0 for a in amounts.values()):
        raise SalesError(_("Сумма распределения должна быть больше нуля."))
    if sum(amounts.values()) > payment.unallocated:
        raise SalesError(
            _("Распределяется %(sum)s, а не распределено в оплате только %(rest)s.")
            % {"sum": sum(amounts.values()), "rest": payment.unallocated}
        )
    invoices = {i.pk: i for i in Invoice.objects.select_for_update().filter(pk__in=list(amounts))}
    allocations = []
    for pk, amount in amounts.items():
        invoice = invoices.get(pk)
        if invoice is None or invoice.client_id != payment.client_id:
            raise SalesError(_("Оплату клиента можно распределить только на его собственные заявки."))
        if invoice.status == Status.CANCELLED:
            raise SalesError(_("На отменённую заявку оплату распределить нельзя."))
        if amount > invoice.open_amount:
            raise SalesError(
                _("По заявке № %(number)s не оплачено только %(open)s, а распределяется %(amount)s.")
                % {"number": invoice.number, "open": invoice.open_amount, "amount": amount}
            )
        invoice.open_amount -= amount
        allocation, created = Allocation.objects.get_or_create(
            payment=payment, invoice=invoice, defaults={"amount": amount}
        )
        if not created:
            allocation.amount += amount
            allocation.save(update_fields=["amount"])
        allocations.append(allocation)
    Invoice.objects.bulk_update(invoices.values(), ["open_amount"])
    # «Оплачена»: this allocation brought what is open on the invoice to zero.
    events.emit_each(INVOICE_PAID, [_invoice_event(invoices[pk]) for pk in amounts if not invoices[pk].open_amount])
    payment.unallocated -= sum(amounts.values())
    payment.save(update_fields=["unallocated"])
    return allocations


@transaction.atomic
def release(payment: Payment) -> None:
    """Undo all of a payment's allocations: its invoices become unpaid by that much again."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    for allocation in payment.allocations.select_related("invoice").select_for_update():
        Invoice.objects.filter(pk=allocation.invoice_id).update(open_amount=F("open_amount") + allocation.amount)
    payment.allocations.all().delete()
    payment.unallocated = payment.amount
    payment.save(update_fields=["unallocated"])


# --- the client's position -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """«Взаиморасчёты» of a client: what it owes, what of it is overdue and since when, and the
    use of its credit limit."""

    debt: Decimal  # shipped and unpaid, less unallocated payments (an advance makes it negative)
    open_shipped: Decimal
    overdue: Decimal
    overdue_days: int
    advance: Decimal
    credit_limit: Decimal | None

    @property
    def over_limit(self) -> bool:
        return self.credit_limit is not None and self.open_shipped > self.credit_limit

    @property
    def limit_used_percent(self) -> int | None:
        if not self.credit_limit:
            return None
        return int(self.open_shipped * 100 / self.credit_limit)


def position(client: Client, *, today: datetime.date | None = None) -> Position:
    """The client's position in one statement: its open shipped invoices (through the partial
    index), its unallocated payments, the prepayments on invoices not shipped yet and its credit
    limit. Written out: the card shows it on every opening, and the ORM's building of the same
    statements cost 3 ms, ten times their execution."""
    today = today or timezone.localdate()
    invoices, payments, contracts = (m._meta.db_table for m in (Invoice, Payment, Contract))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT COALESCE(SUM(i.open_amount), 0),
                   COALESCE(SUM(i.open_amount) FILTER (WHERE i.due_date < %(today)s), 0),
                   MIN(i.due_date) FILTER (WHERE i.due_date < %(today)s),
                   (SELECT SUM(p.unallocated) FROM {payments} p
                     WHERE p.client_id = %(client)s AND p.unallocated > 0),
                   -- payments allocated to invoices not shipped yet (prepayments) are an advance too
                   (SELECT SUM(u.total - u.open_amount) FROM {invoices} u
                     WHERE u.client_id = %(client)s AND u.status NOT IN (%(shipped)s, %(cancelled)s)
                       AND u.open_amount < u.total),
                   (SELECT SUM(c.credit_limit) FROM {contracts} c
                     WHERE c.client_id = %(client)s AND c.is_active AND c.credit_limit IS NOT NULL)
            FROM {invoices} i
            WHERE i.client_id = %(client)s AND i.status = %(shipped)s AND i.open_amount > 0
            """,
            {"client": client.pk, "today": today, "shipped": Status.SHIPPED, "cancelled": Status.CANCELLED},
        )
        total, overdue, oldest, unallocated, prepaid, limit = cursor.fetchone()
    if isinstance(oldest, str):  # SQLite (the demo) gives an aggregate's date as text
        oldest = datetime.date.fromisoformat(oldest)
    open_shipped = _amount(total)
    advance = _amount(unallocated) + _amount(prepaid)
    return Position(
        debt=open_shipped - advance,
        open_shipped=open_shipped,
        overdue=_amount(overdue),
        overdue_days=(today - oldest).days if oldest else 0,
        advance=advance,
        credit_limit=None if limit is None else _amount(limit),
    )


def _amount(value) -> Decimal:
    """A sum as the ORM gives a money field: a Decimal of kopecks (SQLite sums in floats)."""
    if value is None:
        return ZERO
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return value.quantize(ZERO)


def would_exceed_limit(client: Client, contract: Contract | None, extra: Decimal, *, invoice: Invoice | None = None):
    """The credit limit (or None) that shipping `extra` more would exceed."""
    terms = contract if contract is not None and contract.credit_limit is not None else None
    if terms is None:
        return None
    open_now = Invoice.objects.filter(contract=terms, open_amount__gt=0).exclude(status=Status.CANCELLED)
    if invoice is not None and invoice.pk:
        open_now = open_now.exclude(pk=invoice.pk)
    used = open_now.aggregate(s=Coalesce(Sum("open_amount"), ZERO))["s"]
    return terms.credit_limit if used + extra > terms.credit_limit else None


def totals(invoices: Iterable[Invoice]) -> Decimal:
    return sum((i.total for i in invoices), ZERO)
