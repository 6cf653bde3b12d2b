"""Personal API tokens: the secret is shown once and stored only as its SHA-256."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A key a user made on «API-ключи»: `prefix` (public, shown in the list and in the token
    itself) finds the row, `digest` checks the secret. A revoked token stays for the record."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("Наименование"), max_length=100)
    prefix = models.CharField(_("Начало ключа"), max_length=16, unique=True)
    digest = models.CharField(max_length=64)  # hex SHA-256 of the whole token
    created_at = models.DateTimeField(_("Создан"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("Последнее использование"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("Отозван"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API-ключ")
        verbose_name_plural = _("API-ключи")
        indexes = [models.Index(fields=["user"], condition=Q(revoked_at__isnull=True), name="apitoken_active_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
