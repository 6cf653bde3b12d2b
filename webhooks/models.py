"""Webhooks: a subscription names the address another system listens at and the events it wants;
every event it wants becomes a Delivery, sent by a Celery job (webhooks.jobs) with retries and
kept with the last answer, for the delivery log and «Повторить»."""

from __future__ import annotations

import json
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.choices import ChoiceLabels
from crm.reversing import url_maker


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Subscription(models.Model):
    """«Подписка»: where to send which events, signed with its secret."""

    name = models.CharField(_("Наименование"), max_length=150)
    url = models.CharField(_("Адрес (URL)"), max_length=500)
    events = models.JSONField(_("События"), default=list)
    secret = models.CharField(_("Секрет"), max_length=100, default=new_secret)
    is_active = models.BooleanField(_("Действует"), default=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("Автор")
    )
    created_at = models.DateTimeField(_("Создана"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("Подписка")
        verbose_name_plural = _("Подписки")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return url_maker("webhooks:deliveries")(self.pk)


class Delivery(ChoiceLabels):
    """One event sent to one subscription: the body, how many attempts, the last answer."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Отправляется")
        DELIVERED = "delivered", _("Доставлено")
        FAILED = "failed", _("Не доставлено")

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    # The event's own id, the same in every subscription's delivery of it and in every attempt:
    # the receiver's key to do it once.
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    event = models.CharField(_("Событие"), max_length=50)
    payload = models.JSONField(_("Данные"))
    status = models.CharField(_("Состояние"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("Попыток"), default=0)
    # Attempts allowed before it fails; «Повторить» grants another series.
    attempt_limit = models.PositiveSmallIntegerField(default=5)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("Последняя попытка"), null=True, blank=True)
    last_code = models.PositiveSmallIntegerField(_("Код ответа"), null=True, blank=True)
    last_response = models.TextField(_("Ответ"), blank=True)
    created_at = models.DateTimeField(_("Создано"), default=timezone.now)
    delivered_at = models.DateTimeField(_("Доставлено"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Доставка")
        verbose_name_plural = _("Доставки")
        indexes = [
            models.Index(fields=["subscription", "-created_at", "-id"], name="delivery_log_idx"),
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="delivery_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id}"

    def payload_text(self) -> str:
        """The data sent, as JSON for people to read (the delivery log)."""
        return json.dumps(self.payload, ensure_ascii=False, indent=2, sort_keys=True)
