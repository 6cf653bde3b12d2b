"""Sales funnels: any number of funnels with any number of ordered stages; deals move between
stages only through funnel.services.move, which writes a StageTransition for every move — the
history that conversion and time in stage are computed from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from crm.choices import ChoiceLabels
from crm.reversing import url_maker
from sales.models import MONEY, Invoice, ProductLine


class Funnel(models.Model):
    class Kind(models.TextChoices):
        LEADS = "leads", _("Лиды")
        B2B = "b2b", _("B2B")
        B2C = "b2c", _("B2C")
        ORDERS = "orders", _("Заказы")

    name = models.CharField(_("Наименование"), max_length=150, unique=True)
    kind = models.CharField(_("Вид"), max_length=10, choices=Kind.choices, default=Kind.B2B)
    is_active = models.BooleanField(_("Действует"), default=True)
    # A won deal of this funnel must carry its amount.
    requires_amount = models.BooleanField(_("Сумма обязательна для выигранной сделки"), default=True)
    # «Форма для сайта» of a leads funnel: its public address /lead/<key>/ (funnel.services.web_leads).
    public_key = models.CharField(_("Ключ формы для сайта"), max_length=40, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Воронка продаж")
        verbose_name_plural = _("Воронки продаж")

    def __str__(self) -> str:
        return self.name


class Stage(ChoiceLabels):
    class Kind(models.TextChoices):
        OPEN = "open", _("В работе")
        WON = "won", _("Успех")
        LOST = "lost", _("Провал")

    funnel = models.ForeignKey(Funnel, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("Этап"), max_length=150)
    order = models.PositiveIntegerField(_("Порядок"), default=0)
    probability = models.PositiveSmallIntegerField(_("Вероятность, %"), default=0)
    kind = models.CharField(_("Вид этапа"), max_length=5, choices=Kind.choices, default=Kind.OPEN)
    # A deal that sits on the stage longer than this shows in its manager's «Мои дела».
    expected_days = models.PositiveSmallIntegerField(_("Ожидаемое время на этапе, дней"), null=True, blank=True)
    is_active = models.BooleanField(_("Используется"), default=True)

    class Meta:
        ordering = ["funnel", "order", "id"]
        verbose_name = _("Этап воронки")
        verbose_name_plural = _("Этапы воронки")
        constraints = [
            models.UniqueConstraint(fields=["funnel", "name"], name="stage_name_per_funnel"),
            models.CheckConstraint(condition=Q(probability__lte=100), name="stage_probability_percent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.kind != self.Kind.OPEN


class LostReason(models.Model):
    """A reason a deal was lost, from a list users keep."""

    name = models.CharField(_("Причина"), max_length=150, unique=True)
    is_active = models.BooleanField(_("Используется"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Причина проигрыша")
        verbose_name_plural = _("Причины проигрыша")

    def __str__(self) -> str:
        return self.name


class Deal(ChoiceLabels):
    """«Сделка»: a client's — or, for a lead that is not a client yet, a name and contacts'."""

    funnel = models.ForeignKey(Funnel, on_delete=models.PROTECT, related_name="deals", verbose_name=_("Воронка"))
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="deals", verbose_name=_("Этап"))
    title = models.CharField(_("Наименование"), max_length=255)
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.PROTECT, related_name="deals", verbose_name=_("Клиент")
    )
    lead_name = models.CharField(_("Контакт лида"), max_length=255, blank=True)
    lead_email = models.EmailField(_("E-mail лида"), blank=True)
    lead_phone = models.CharField(_("Телефон лида"), max_length=30, blank=True)
    lead_inn = models.CharField(_("ИНН лида"), max_length=12, blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
        verbose_name=_("Менеджер"),
    )
    amount = models.DecimalField(_("Сумма"), null=True, blank=True, **MONEY)
    source = models.CharField(_("Источник"), max_length=100, blank=True)
    expected_close = models.DateField(_("Ожидаемая дата закрытия"), null=True, blank=True)
    created_at = models.DateTimeField(_("Создана"), default=timezone.now)
    stage_entered_at = models.DateTimeField(_("На этапе с"), default=timezone.now)
    closed_at = models.DateTimeField(_("Закрыта"), null=True, blank=True)
    lost_reason = models.ForeignKey(
        LostReason, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("Причина")
    )
    # The «Заявка-накладная» made from a won deal of an orders funnel (funnel.services.create_invoice).
    invoice = models.OneToOneField(
        Invoice,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("Заявка-накладная"),
    )

    class Meta:
        ordering = ["-stage_entered_at", "-id"]
        verbose_name = _("Сделка")
        verbose_name_plural = _("Сделки")
        indexes = [
            models.Index(fields=["stage", "-stage_entered_at", "-id"], name="deal_board_idx"),
            # The board's per-column count and sum read this alone (an index-only scan), not the deals.
            models.Index(fields=["funnel", "stage"], include=["amount"], name="deal_stage_totals_idx"),
            models.Index(fields=["manager", "stage"], name="deal_manager_idx"),
            models.Index(fields=["client"], name="deal_client_idx"),
            # The deals made in a period: «Воронка по менеджерам» and the home page's month.
            models.Index(fields=["created_at"], name="deal_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(client=None) | ~Q(lead_name=""), name="deal_client_or_lead"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="deal_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return url_maker("funnel:deal_detail")(self.pk)

    @property
    def days_on_stage(self) -> int:
        """Whole days since the deal came onto its stage."""
        return (timezone.now() - self.stage_entered_at).days


class StageTransition(models.Model):
    """One move of a deal; the first one (from nothing) is its creation."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="transitions")
    from_stage = models.ForeignKey(Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("Переход сделки")
        verbose_name_plural = _("Переходы сделок")
        indexes = [
            models.Index(fields=["deal", "at"], name="transition_deal_idx"),
            models.Index(fields=["to_stage", "at"], name="transition_stage_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage_id} → {self.to_stage_id}"


class DealLine(ProductLine):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines")

    class Meta(ProductLine.Meta):
        verbose_name = _("Строка сделки")
        verbose_name_plural = _("Строки сделки")


class MarginConfirmation(models.Model):
    """A user confirmed saving a deal whose discount makes it unprofitable (or below the minimum
    margin): who, when, and what the numbers were."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="margin_confirmations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    margin = models.DecimalField(_("Рентабельность, %"), max_digits=7, decimal_places=2)
    warnings = models.JSONField(default=list)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("Подтверждение скидки")
        verbose_name_plural = _("Подтверждения скидок")

    def __str__(self) -> str:
        return f"{self.deal_id} {self.margin} %"
