"""Cleaning a base of duplicates: a stored search for them (a run with its groups) and the record of
a merge, which is what its undo reads."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models.clients import Client
from crm import roles
from crm.models import Run

UNDO_DAYS = 30


class DuplicateSearch(Run):
    """«Найти дубли»: one search over the whole base by a Celery job; its groups replace the last
    search's when it is done."""

    job = "clients.find_duplicates"

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("Автор")
    )
    groups = models.PositiveIntegerField(_("Групп"), default=0)
    # False where names are not compared (SQLite, the demo: no pg_trgm).
    by_names = models.BooleanField(default=True)

    class Meta(Run.Meta):
        verbose_name = _("Поиск дублей")
        verbose_name_plural = _("Поиски дублей")

    def get_absolute_url(self) -> str:
        return reverse("clients:duplicates")

    def may_retry(self, user) -> bool:
        return roles.can_manage_all_clients(user)


class DuplicateGroup(models.Model):
    """Cards that look like one counterparty, with the reasons and a score (1 — the same ИНН)."""

    search = models.ForeignKey(DuplicateSearch, on_delete=models.CASCADE, related_name="+")
    size = models.PositiveIntegerField(_("Карточек"))
    score = models.FloatField(_("Сходство"))
    reasons = models.JSONField(_("Причины"), default=list)
    clients = models.ManyToManyField(Client, related_name="+")

    class Meta:
        ordering = ["-size", "-score", "id"]
        verbose_name = _("Группа дублей")
        verbose_name_plural = _("Группы дублей")
        indexes = [models.Index(fields=["search", "-size", "-score", "id"], name="duplicategroup_order_idx")]

    def __str__(self) -> str:
        return f"{self.size}: {self.reasons}"


class ClientMerge(models.Model):
    """One merge: the survivor, the merged cards and what moved from them (row ids per kind and per
    merged card), the survivor's values before it; an undo within UNDO_DAYS moves exactly that back."""

    survivor = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+", verbose_name=_("Клиент"))
    merged = models.JSONField(_("Объединённые карточки"), default=list)  # [client ids]
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("Когда"), auto_now_add=True)
    # {kind: {merged client id (text): [row ids]}}, kinds as clients.merge_movers names them
    moved = models.JSONField(default=dict)
    # The survivor before: {"fields": {name: attname value}, "extra": {field id: JSON value},
    # "set_fields": ..., "set_extra": ... (what the merge set), "segments": [ids added]}
    survivor_before = models.JSONField(default=dict)
    counts = models.JSONField(default=dict)  # {kind label: n}, for the page
    undone_at = models.DateTimeField(_("Отменено"), null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("Объединение клиентов")
        verbose_name_plural = _("Объединения клиентов")

    def __str__(self) -> str:
        return f"{self.survivor_id} ← {self.merged}"

    def get_absolute_url(self) -> str:
        return reverse("clients:merge_detail", args=[self.pk])

    @property
    def undo_until(self) -> datetime.datetime:
        return self.at + datetime.timedelta(days=UNDO_DAYS)

    @property
    def may_undo(self) -> bool:
        return self.undone_at is None and timezone.now() < self.undo_until
