"""Notifications: what reached a user (the bell, «Уведомления») and what is still to be e-mailed,
once per recipient and object key; each user's choice of kinds for the bell and for e-mail and the
time of the daily digest; the stored runs of the beat's scans (overdue, stuck, digest)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.choices import ChoiceLabels
from crm.models import Run


class Kind(models.TextChoices):
    ASSIGNED = "task_assigned", _("Мне поручена задача")
    RETURNED = "task_returned", _("Задача возвращена мне на доработку")
    REVIEW = "task_review", _("Задача выполнена и ждёт моей проверки")
    ACCEPTED = "task_accepted", _("Задача принята")
    OVERDUE = "task_overdue", _("Моя задача просрочена")
    DIGEST = "digest", _("Ежедневная сводка")
    DEAL_STUCK = "deal_stuck", _("Моя сделка застряла на этапе")
    CLIENT_OVERDUE = "client_overdue", _("Мой клиент просрочил оплату")


class Notification(ChoiceLabels):
    """One notice to one user, made once per `key` (the object and, for the daily kinds, the day):
    shown in the bell when `in_bell`, e-mailed when its e-mail state is not NONE."""

    Kind = Kind

    class Email(models.TextChoices):
        NONE = "", _("Не отправляется")
        PENDING = "pending", _("Отправляется")
        SENT = "sent", _("Отправлено")
        FAILED = "failed", _("Не отправлено")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("Получатель")
    )
    kind = models.CharField(_("Вид"), max_length=20, choices=Kind.choices)
    text = models.CharField(_("Текст"), max_length=500)
    link = models.CharField(_("Ссылка"), max_length=500, blank=True)
    key = models.CharField(max_length=150)
    created_at = models.DateTimeField(_("Создано"), default=timezone.now)
    read_at = models.DateTimeField(_("Прочитано"), null=True, blank=True)
    in_bell = models.BooleanField(default=True)
    email_state = models.CharField(_("Письмо"), max_length=10, choices=Email.choices, default=Email.NONE, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_next_at = models.DateTimeField(null=True, blank=True)
    email_error = models.TextField(blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Уведомление")
        verbose_name_plural = _("Уведомления")
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_once")]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at", "-id"], condition=Q(in_bell=True), name="notification_feed_idx"
            ),
            models.Index(
                fields=["recipient"], condition=Q(in_bell=True, read_at__isnull=True), name="notification_unread_idx"
            ),
            models.Index(fields=["email_next_at"], condition=Q(email_state="pending"), name="notification_email_idx"),
        ]

    def __str__(self) -> str:
        return self.text


DEFAULT_DIGEST_AT = datetime.time(8, 0)


class Preference(models.Model):
    """A user's choice: the kinds switched off for the bell and for e-mail (everything is on until
    switched off) and when the daily digest comes. A user without a row has the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="notification_preference"
    )
    bell_off = models.JSONField(default=list, blank=True)
    email_off = models.JSONField(default=list, blank=True)
    digest_at = models.TimeField(_("Время ежедневной сводки"), default=DEFAULT_DIGEST_AT)

    class Meta:
        verbose_name = _("Настройка уведомлений")
        verbose_name_plural = _("Настройки уведомлений")

    def __str__(self) -> str:
        return str(self.user_id)

    def wants_bell(self, kind: str) -> bool:
        return kind not in self.bell_off

    def wants_email(self, kind: str) -> bool:
        return kind not in self.email_off


class Scan(Run):
    """One pass of the beat over the time-based kinds, stored per time slot so that a duplicated
    beat message or a retried job does it once; `daily` — it made the day's overdue, stuck and
    debt notices (the first pass of the day after NOTIFICATIONS_DAILY_AT)."""

    job = "notifications.scan"

    slot = models.DateTimeField(unique=True)
    daily = models.BooleanField(default=False)
    made = models.PositiveIntegerField(_("Создано уведомлений"), default=0)

    class Meta(Run.Meta):
        verbose_name = _("Проверка уведомлений")
        verbose_name_plural = _("Проверки уведомлений")

    def may_retry(self, user) -> bool:
        return False
