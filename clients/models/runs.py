"""Stored runs over many clients: «Изменить выделенные», «Загрузка клиентов» (the rows of the
uploaded file between mapping and import) and a large «Excel» of the list."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm import roles
from crm.models import Run


class BulkEditRun(Run):
    """One «Изменить выделенные»: what to set on which clients, and how it went. A large run goes to
    a Celery job; the stored state lets a retried or duplicated job do the work once."""

    job = "clients.bulk_edit_clients"

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("Автор")
    )
    # {"ids": [client ids], "filter": "<the list's query string>" or "", "changes": {...}}
    # (see services.BulkChanges.to_json)
    parameters = models.JSONField(_("Параметры"), default=dict)
    total = models.PositiveIntegerField(_("Выбрано"), default=0)
    changed = models.PositiveIntegerField(_("Изменено"), default=0)
    skipped = models.PositiveIntegerField(_("Пропущено"), default=0)
    # The first few clients that the author may not edit, to name them on the result page.
    skipped_names = models.JSONField(default=list)
    # Clients someone changed after the run was asked for: their newer values were kept.
    kept = models.PositiveIntegerField(_("Сохранены более новые изменения"), default=0)
    kept_names = models.JSONField(default=list)

    class Meta(Run.Meta):
        verbose_name = _("Групповое изменение клиентов")
        verbose_name_plural = _("Групповые изменения клиентов")

    def __str__(self) -> str:
        return f"{self.pk} {self.state} {self.changed}/{self.total}"

    def get_absolute_url(self) -> str:
        return reverse("clients:bulk_edit_run", args=[self.pk])

    def may_retry(self, user) -> bool:
        return self.author_id == user.pk or roles.can_manage_all_clients(user)


def _import_file_path(instance: ClientImport, filename: str) -> str:
    # The rows read from the upload (clients.services.imports._keep_rows) under a random name: the
    # user's file name never reaches the file system, and nobody can guess it.
    return f"imports/{uuid.uuid4().hex}.jsonl.gz"


class ClientImport(models.Model):
    """«Загрузка клиентов»: the rows of a file uploaded by a user (read once, at the upload), kept
    between mapping its columns and importing it; they are deleted after the import and the row
    keeps the report."""

    class Format(models.TextChoices):
        XLSX = "xlsx", "xlsx"
        CSV = "csv", "csv"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to=_import_file_path, blank=True)
    original_name = models.CharField(_("Файл"), max_length=255)
    file_format = models.CharField(max_length=4, choices=Format.choices)
    headers = models.JSONField(default=list)
    row_count = models.PositiveIntegerField(default=0)
    # The mapping used for the import: {column index: target}.
    mapping = models.JSONField(default=dict)
    # {"created": n, "updated": n, "unchanged": n, "errors": [{"row": n, "name": "...", "reasons": [...]}]}
    report = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Загрузка клиентов")
        verbose_name_plural = _("Загрузки клиентов")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("clients:import_detail", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


def _export_file_path(instance: ClientExport, filename: str) -> str:
    extension = "csv" if filename.endswith(".csv") else "xlsx"
    return f"exports/{uuid.uuid4().hex}.{extension}"


class ClientExport(Run):
    """A large «Excel» of the client list, or a large «Рассылка» (the contacts of the list's
    clients, clients.services.mailing), written by a Celery job; its author downloads the file
    from the export's page once it is ready."""

    class Purpose(models.TextChoices):
        LIST = "list", _("Список клиентов")
        MAILING = "mailing", _("Рассылка")

    Format = ClientImport.Format

    job = "clients.export_clients"

    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.LIST, db_default=Purpose.LIST)
    file_format = models.CharField(max_length=4, choices=Format.choices, default=Format.XLSX, db_default=Format.XLSX)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The list's query string (filter and sort) and the columns as (name, header) pairs.
    query = models.TextField(blank=True)
    columns = models.JSONField(default=list)
    total = models.PositiveIntegerField(_("Клиентов"), default=0)
    rows = models.PositiveIntegerField(_("Выгружено"), default=0)
    file = models.FileField(upload_to=_export_file_path, blank=True)

    class Meta(Run.Meta):
        verbose_name = _("Выгрузка клиентов")
        verbose_name_plural = _("Выгрузки клиентов")

    def __str__(self) -> str:
        return f"{self.pk} {self.state} {self.rows}/{self.total}"

    def get_absolute_url(self) -> str:
        return reverse("clients:export_detail", args=[self.pk])
