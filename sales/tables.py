"""The lists of invoices, payments, «Акты сверки» and contracts, on the project's FastTable."""

from __future__ import annotations

from decimal import Decimal

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from crm import numbers
from crm.reversing import url_maker
from crm.tables import FastTable, short_date
from crm.users import user_name
from sales.models import Contract, Invoice, Payment, Reconciliation

EMPTY = "—"
STATUS_TONES = {
    Invoice.Status.REQUEST: "secondary",
    Invoice.Status.IN_WORK: "primary",
    Invoice.Status.READY: "info",
    Invoice.Status.SHIPPED: "success",
    Invoice.Status.CANCELLED: "light",
}


def money(value: Decimal | None) -> str:
    return EMPTY if value is None else numbers.money(value)


def day(value) -> str:
    return short_date(value) if value else EMPTY


def status_badge(invoice: Invoice) -> SafeString:
    tone = STATUS_TONES[invoice.status]
    return format_html('<span class="badge text-bg-{} border">{}</span>', tone, invoice.get_status_display())


def open_cell(invoice: Invoice) -> str:
    if invoice.status == Invoice.Status.CANCELLED or not invoice.open_amount:
        return money(invoice.open_amount) if invoice.open_amount else EMPTY
    return format_html('<span class="text-danger">{}</span>', money(invoice.open_amount))


class SalesTable(FastTable):
    class Meta(FastTable.Meta):
        attrs = {"class": "table table-sm table-hover align-middle"}


DETAIL_URLS = {
    Invoice: "sales:invoice_detail",
    Payment: "sales:payment_detail",
    Reconciliation: "sales:reconciliation_detail",
}


def _project(document: Invoice | Payment) -> str | None:
    return document.project.name if document.project else None


class DocumentTable(SalesTable):
    """What an invoice and a payment show alike: number, date, client, manager, project."""

    number = tables.Column(verbose_name=_("Номер"), order_by=("year", "number"))
    date = tables.Column(verbose_name=_("Дата"), order_by=("date", "number"))
    client = tables.Column(verbose_name=_("Клиент"), order_by=("client__name", "-date"))
    manager = tables.Column(verbose_name=_("Менеджер"), order_by=("manager__last_name", "manager__first_name", "-date"))
    project = tables.Column(verbose_name=_("Проект"), order_by=("project__name", "-date"))

    cells = {
        "number": lambda d: format_html('<a href="{}">{}</a>', url_maker(DETAIL_URLS[type(d)])(d.pk), d.number),
        "date": lambda d: day(d.date),
        "client": lambda d: d.client.name,
        "manager": lambda d: user_name(d.manager),
        "project": lambda d: _project(d) or EMPTY,
    }
    values = {
        "number": lambda d: d.number,
        "date": lambda d: d.date,
        "client": lambda d: d.client.name,
        "manager": lambda d: user_name(d.manager, None),
        "project": _project,
    }

    class Meta(SalesTable.Meta):
        fields = ()
        order_by = ("-date", "-number")


class InvoiceTable(DocumentTable):
    total = tables.Column(verbose_name=_("Сумма"))
    open_amount = tables.Column(verbose_name=_("Не оплачено"))
    status = tables.Column(verbose_name=_("Статус"), order_by=("status", "-date"))
    due_date = tables.Column(verbose_name=_("Срок оплаты"))

    numeric = ("number", "total", "open_amount")
    cells = {
        **DocumentTable.cells,
        "total": lambda i: money(i.total),
        "open_amount": open_cell,
        "status": status_badge,
        "due_date": lambda i: day(i.due_date),
    }
    values = {
        **DocumentTable.values,
        "total": lambda i: i.total,
        "open_amount": lambda i: i.open_amount,
        "status": lambda i: i.get_status_display(),
        "due_date": lambda i: i.due_date,
    }

    class Meta(DocumentTable.Meta):
        model = Invoice
        sequence = ("number", "date", "client", "total", "open_amount", "status", "due_date", "manager", "project")
        empty_text = _("Заявок-накладных не найдено. Измените условия отбора.")
        attrs = {"class": "table table-sm table-hover align-middle", "id": "invoice-table"}


class PaymentTable(DocumentTable):
    amount = tables.Column(verbose_name=_("Сумма"))
    unallocated = tables.Column(verbose_name=_("Не распределено"))

    numeric = ("number", "amount", "unallocated")
    cells = {
        **DocumentTable.cells,
        "amount": lambda p: money(p.amount),
        "unallocated": lambda p: money(p.unallocated) if p.unallocated else EMPTY,
    }
    values = {**DocumentTable.values, "amount": lambda p: p.amount, "unallocated": lambda p: p.unallocated}

    class Meta(DocumentTable.Meta):
        model = Payment
        sequence = ("number", "date", "client", "amount", "unallocated", "manager", "project")
        empty_text = _("Оплат не найдено. Измените условия отбора.")
        attrs = {"class": "table table-sm table-hover align-middle", "id": "payment-table"}


class ContractTable(SalesTable):
    number = tables.Column(verbose_name=_("Номер"))
    date = tables.Column(verbose_name=_("Дата"))
    client = tables.Column(verbose_name=_("Клиент"), order_by=("client__name", "-date"))
    credit_limit = tables.Column(verbose_name=_("Сумма кредита"))
    credit_days = tables.Column(verbose_name=_("Глубина кредита, дней"))
    is_active = tables.Column(verbose_name=_("Действует"))

    numeric = ("credit_limit", "credit_days")
    cells = {
        "number": lambda c: format_html('<a href="{}">{}</a>', url_maker("sales:contract_detail")(c.pk), c.number),
        "date": lambda c: day(c.date),
        "client": lambda c: c.client.name,
        "credit_limit": lambda c: money(c.credit_limit),
        "credit_days": lambda c: EMPTY if c.credit_days is None else c.credit_days,
        "is_active": lambda c: _("Да") if c.is_active else _("Нет"),
    }
    values = {
        "number": lambda c: c.number,
        "date": lambda c: c.date,
        "client": lambda c: c.client.name,
        "credit_limit": lambda c: c.credit_limit,
        "credit_days": lambda c: c.credit_days,
        "is_active": lambda c: str(_("Да") if c.is_active else _("Нет")),
    }

    class Meta(SalesTable.Meta):
        model = Contract
        fields = ()
        sequence = ("number", "date", "client", "credit_limit", "credit_days", "is_active")
        order_by = ("-date", "number")
        empty_text = _("Договоров нет.")
        attrs = {"class": "table table-sm table-hover align-middle", "id": "contract-table"}


RECONCILIATION_TONES = {
    Reconciliation.State.MADE: "secondary",
    Reconciliation.State.SENT: "primary",
    Reconciliation.State.SIGNED: "success",
    Reconciliation.State.DISPUTED: "danger",
}


def state_badge(act: Reconciliation) -> SafeString:
    tone = RECONCILIATION_TONES[act.state]
    return format_html('<span class="badge text-bg-{} border">{}</span>', tone, act.get_state_display())


def act_period(act: Reconciliation) -> str:
    return f"{day(act.start)} — {day(act.end)}" if act.start else f"— {day(act.end)}"


def difference_cell(act: Reconciliation) -> str:
    difference = act.difference
    if not difference:
        return EMPTY if difference is None else money(difference)
    return format_html('<span class="text-danger">{}</span>', money(difference))


class ReconciliationTable(DocumentTable):
    period = tables.Column(verbose_name=_("Период"), order_by=("end", "start"))
    closing = tables.Column(verbose_name=_("Сальдо конечное"))
    state = tables.Column(verbose_name=_("Состояние"), order_by=("state", "-date"))
    sent_at = tables.Column(verbose_name=_("Отправлен"))
    answered_on = tables.Column(verbose_name=_("Дата ответа"))
    their_closing = tables.Column(verbose_name=_("Сальдо клиента"))
    difference = tables.Column(verbose_name=_("Расхождение"), orderable=False)
    manager = tables.Column(
        verbose_name=_("Ответственный"), order_by=("manager__last_name", "manager__first_name", "-date")
    )

    numeric = ("number", "closing", "their_closing", "difference")
    cells = {
        **DocumentTable.cells,
        "period": act_period,
        "closing": lambda a: money(a.closing),
        "state": state_badge,
        "sent_at": lambda a: day(a.sent_at and timezone.localtime(a.sent_at)),
        "answered_on": lambda a: day(a.answered_on),
        "their_closing": lambda a: money(a.their_closing),
        "difference": difference_cell,
    }
    values = {
        **DocumentTable.values,
        "period": act_period,
        "closing": lambda a: a.closing,
        "state": lambda a: a.get_state_display(),
        "sent_at": lambda a: a.sent_at and timezone.localtime(a.sent_at).date(),
        "answered_on": lambda a: a.answered_on,
        "their_closing": lambda a: a.their_closing,
        "difference": lambda a: a.difference,
    }

    class Meta(DocumentTable.Meta):
        model = Reconciliation
        exclude = ("project",)
        sequence = (
            "number",
            "date",
            "client",
            "period",
            "closing",
            "state",
            "sent_at",
            "answered_on",
            "their_closing",
            "difference",
            "manager",
        )
        empty_text = _("Актов сверки не найдено. Измените условия отбора.")
        attrs = {"class": "table table-sm table-hover align-middle", "id": "reconciliation-table"}
