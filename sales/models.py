"""Sales documents: contracts with credit terms, products, invoices («заявки-накладные»), payments
allocated to them, and «Акты сверки» with the client's answer. Money is Decimal with two places.
Each invoice keeps its open amount (what is still unpaid) and each payment its unallocated rest;
sales.services keeps both in step with the allocations, in the same transaction, and the database
checks their bounds."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from crm.choices import ChoiceLabels
from crm.exchange import ExternalKey, external_key_unique
from crm.models import Project
from crm.reversing import url_maker

MONEY = {"max_digits": 14, "decimal_places": 2}


class Contract(ExternalKey):
    """«Договор»: the credit terms — a credit limit (amount) and credit days («глубина кредита»);
    either may be empty, meaning no limit."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("Клиент"))
    number = models.CharField(_("Номер"), max_length=50)
    date = models.DateField(_("Дата"))
    credit_limit = models.DecimalField(_("Сумма кредита"), null=True, blank=True, **MONEY)
    credit_days = models.PositiveSmallIntegerField(_("Глубина кредита, дней"), null=True, blank=True)
    is_active = models.BooleanField(_("Действует"), default=True)

    class Meta:
        ordering = ["-date", "number"]
        verbose_name = _("Договор")
        verbose_name_plural = _("Договоры")
        constraints = [
            models.UniqueConstraint(fields=["client", "number"], name="contract_number_per_client"),
            models.CheckConstraint(condition=Q(credit_limit__gte=0), name="contract_credit_limit_not_negative"),
            external_key_unique("contract_external_key"),
        ]

    def __str__(self) -> str:
        return _("№ %(number)s от %(date)s") % {"number": self.number, "date": self.date.strftime("%d.%m.%Y")}


class Product(models.Model):
    name = models.CharField(_("Наименование"), max_length=255, unique=True)
    unit = models.CharField(_("Ед. изм."), max_length=20, default="шт")
    price = models.DecimalField(_("Цена"), **MONEY)
    cost = models.DecimalField(_("Себестоимость"), **MONEY)
    is_active = models.BooleanField(_("Продаётся"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Номенклатура")
        verbose_name_plural = _("Номенклатура")
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0) & Q(cost__gte=0), name="product_prices_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class Document(ExternalKey, ChoiceLabels):
    """What a sales document has, an invoice or a payment: a number, unique within the year of its
    date, the client and its contract, the manager and the project, a comment."""

    # Its name with a number and a date, «Оплата № %(number)s от %(date)s»: each document says it.
    title_format: str

    year = models.PositiveSmallIntegerField(editable=False)
    number = models.PositiveIntegerField(_("Номер"))
    date = models.DateField(_("Дата"))
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="%(class)ss", verbose_name=_("Клиент"))
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.PROTECT, related_name="%(class)ss", verbose_name=_("Договор")
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="%(class)ss",
        verbose_name=_("Менеджер"),
    )
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.PROTECT, related_name="%(class)ss", verbose_name=_("Проект")
    )
    comment = models.TextField(_("Комментарий"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-date", "-number"]
        indexes = [
            # The lists' default order, newest first: a page without sorting every document.
            models.Index(fields=["date", "number"], name="%(class)s_date_number_idx"),
            models.Index(fields=["client", "date"], name="%(class)s_client_date_idx"),
            models.Index(fields=["manager", "date"], name="%(class)s_manager_date_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="%(class)s_number_per_year"),
            external_key_unique("%(class)s_external_key"),
        ]

    def __str__(self) -> str:
        return self.title_format % {"number": self.number, "date": self.date.strftime("%d.%m.%Y")}

    def save(self, *args, **kwargs):
        self.year = self.date.year
        super().save(*args, **kwargs)


class Invoice(Document):
    """«Заявка-накладная». Once shipped, its due date is the shipment date plus the contract's
    credit days."""

    class Status(models.TextChoices):
        REQUEST = "request", _("Заявка")
        IN_WORK = "in_work", _("В работе")
        READY = "ready", _("Готова к отгрузке")
        SHIPPED = "shipped", _("Отгружена")
        CANCELLED = "cancelled", _("Отменена")

    title_format = _("Заявка-накладная № %(number)s от %(date)s")

    status = models.CharField(_("Статус"), max_length=10, choices=Status.choices, default=Status.REQUEST)
    shipped_on = models.DateField(_("Дата отгрузки"), null=True, blank=True)
    due_date = models.DateField(_("Срок оплаты"), null=True, blank=True)
    total = models.DecimalField(_("Сумма"), default=0, **MONEY)
    # What is still unpaid: total minus the allocated payments (sales.services keeps it).
    open_amount = models.DecimalField(_("Не оплачено"), default=0, **MONEY)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(Document.Meta):
        verbose_name = _("Заявка-накладная")
        verbose_name_plural = _("Заявки-накладные")
        indexes = [
            *Document.Meta.indexes,
            models.Index(fields=["status", "date"], name="invoice_status_date_idx"),
            # Receivables read only what is open: a few percent of the invoices.
            models.Index(
                fields=["client", "due_date"],
                name="invoice_open_idx",
                condition=Q(open_amount__gt=0, status="shipped"),
            ),
        ]
        constraints = [
            *Document.Meta.constraints,
            models.CheckConstraint(condition=Q(total__gte=0), name="invoice_total_not_negative"),
            models.CheckConstraint(
                condition=Q(open_amount__gte=0) & Q(open_amount__lte=F("total")), name="invoice_open_within_total"
            ),
            models.CheckConstraint(
                condition=~Q(status="shipped") | Q(shipped_on__isnull=False, due_date__isnull=False),
                name="invoice_shipped_has_dates",
            ),
        ]

    def get_absolute_url(self) -> str:
        return url_maker("sales:invoice_detail")(self.pk)


class ProductLine(models.Model):
    """A line of products — an invoice's here, a deal's in the funnel: product, quantity, price,
    discount in % and the amount after it."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("Номенклатура"))
    quantity = models.DecimalField(_("Количество"), max_digits=12, decimal_places=3)
    price = models.DecimalField(_("Цена"), **MONEY)
    discount = models.DecimalField(_("Скидка, %"), max_digits=5, decimal_places=2, default=0)
    amount = models.DecimalField(_("Сумма"), **MONEY)

    class Meta:
        abstract = True
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="%(class)s_quantity_positive"),
            models.CheckConstraint(
                condition=Q(discount__gte=0) & Q(discount__lte=100), name="%(class)s_discount_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} × {self.quantity}"


class InvoiceLine(ProductLine):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")

    class Meta(ProductLine.Meta):
        verbose_name = _("Строка заявки")
        verbose_name_plural = _("Строки заявки")
        constraints = [
            *ProductLine.Meta.constraints,
            models.CheckConstraint(condition=Q(price__gte=0), name="invoiceline_price_not_negative"),
        ]


class Payment(Document):
    """«Оплата от покупателя», allocated to the client's invoices."""

    title_format = _("Оплата № %(number)s от %(date)s")

    amount = models.DecimalField(_("Сумма"), **MONEY)
    # What is not yet allocated to invoices (an advance, or an overpayment).
    unallocated = models.DecimalField(_("Не распределено"), default=0, **MONEY)

    class Meta(Document.Meta):
        verbose_name = _("Оплата")
        verbose_name_plural = _("Оплаты")
        constraints = [
            *Document.Meta.constraints,
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(unallocated__gte=0) & Q(unallocated__lte=F("amount")),
                name="payment_unallocated_within_amount",
            ),
        ]

    def get_absolute_url(self) -> str:
        return url_maker("sales:payment_detail")(self.pk)


class Allocation(models.Model):
    """The part of a payment that pays an invoice."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(_("Сумма"), **MONEY)

    class Meta:
        verbose_name = _("Распределение оплаты")
        verbose_name_plural = _("Распределения оплат")
        constraints = [
            models.UniqueConstraint(fields=["payment", "invoice"], name="allocation_once_per_invoice"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.invoice_id}: {self.amount}"


def reconciliation_path(act: Reconciliation, filename: str) -> str:
    # The stored name is not the user's: the file is found by the act, handed out under its name.
    return f"sales/reconciliations/{act.year}/{uuid.uuid4().hex}"


class Reconciliation(Document):
    """«Акт сверки взаиморасчетов» as a document: the client (a contract, or the documents without
    one, or all), the period, the figures as they were when it was made (frozen: later documents do
    not change an act that was sent), the file that was sent, its state and the client's answer."""

    class State(models.TextChoices):
        MADE = "made", _("Сформирован")
        SENT = "sent", _("Отправлен")
        SIGNED = "signed", _("Подписан")
        DISPUTED = "disputed", _("Разногласия")

    title_format = _("Акт сверки № %(number)s от %(date)s")

    without_contract = models.BooleanField(_("Без договора"), default=False)
    start = models.DateField(_("Начало периода"), null=True, blank=True)
    end = models.DateField(_("Конец периода"))
    opening = models.DecimalField(_("Сальдо начальное"), **MONEY)
    debit = models.DecimalField(_("Отгружено"), **MONEY)
    credit = models.DecimalField(_("Оплачено"), **MONEY)
    closing = models.DecimalField(_("Сальдо конечное"), **MONEY)
    file = models.FileField(_("Файл акта"), upload_to=reconciliation_path, max_length=255)
    state = models.CharField(_("Состояние"), max_length=10, choices=State.choices, default=State.MADE)
    sent_at = models.DateTimeField(_("Отправлен"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("Автор")
    )
    # The client's answer: a scan of the act they signed (or of their version), its date, their closing balance.
    answer_file = models.FileField(_("Скан ответа"), upload_to=reconciliation_path, max_length=255, blank=True)
    answer_name = models.CharField(_("Имя файла"), max_length=255, blank=True)
    answered_on = models.DateField(_("Дата ответа"), null=True, blank=True)
    their_closing = models.DecimalField(_("Сальдо конечное по данным клиента"), null=True, blank=True, **MONEY)

    class Meta(Document.Meta):
        verbose_name = _("Акт сверки")
        verbose_name_plural = _("Акты сверки")
        # Document's indexes, the manager's under a shorter name (Django takes index names of 30 characters at most).
        indexes = [
            models.Index(fields=["date", "number"], name="reconciliation_date_number_idx"),
            models.Index(fields=["client", "date"], name="reconciliation_client_date_idx"),
            models.Index(fields=["manager", "date"], name="reconciliation_manager_idx"),
            # «Ответ просрочен» and «Мои дела»: the acts sent and not answered, by when they were sent.
            models.Index(fields=["manager", "sent_at"], name="reconciliation_waiting_idx", condition=Q(state="sent")),
        ]
        constraints = [
            *Document.Meta.constraints,
            models.CheckConstraint(
                condition=Q(start__isnull=True) | Q(start__lte=F("end")), name="reconciliation_period"
            ),
            models.CheckConstraint(
                condition=Q(contract__isnull=True) | Q(without_contract=False), name="reconciliation_one_contract_scope"
            ),
            models.CheckConstraint(
                condition=Q(state="made") | Q(sent_at__isnull=False), name="reconciliation_sent_has_time"
            ),
        ]

    def get_absolute_url(self) -> str:
        return url_maker("sales:reconciliation_detail")(self.pk)

    @property
    def difference(self):
        """Ours minus theirs at the end of the period; None until the client answers with a balance."""
        return None if self.their_closing is None else self.closing - self.their_closing


class ReconciliationEvent(ChoiceLabels):
    """The act's history: who made it, sent it, recorded the answer, marked it signed or disputed, and when."""

    class Kind(models.TextChoices):
        MADE = "made", _("Сформирован")
        SENT = "sent", _("Отправлен")
        SIGNED = "signed", _("Подписан")
        DISPUTED = "disputed", _("Разногласия")
        ANSWERED = "answered", _("Получен ответ")

    reconciliation = models.ForeignKey(Reconciliation, on_delete=models.CASCADE, related_name="events")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("Когда"), default=timezone.now)
    kind = models.CharField(_("Событие"), max_length=10, choices=Kind.choices)
    comment = models.TextField(_("Комментарий"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("Событие акта сверки")
        verbose_name_plural = _("История актов сверки")
        indexes = [models.Index(fields=["reconciliation", "at"], name="reconciliationevent_act_idx")]

    def __str__(self) -> str:
        return f"{self.reconciliation_id} {self.kind}"
