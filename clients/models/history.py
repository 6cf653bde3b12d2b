"""A client's history: one entry per save, with what changed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from clients.models.clients import Client
from crm.choices import ChoiceLabels


class ClientChange(ChoiceLabels):
    """One entry of a client's history: who changed what, when, and through which channel."""

    class Source(models.TextChoices):
        CREATED = "created", _("Создание")
        FORM = "form", _("Карточка")
        BULK = "bulk", _("Групповое изменение")
        IMPORT = "import", _("Загрузка")
        SYSTEM = "system", _("Система")
        API = "api", _("API")
        RECHECK = "recheck", _("Проверка по ИНН")
        MAILING = "mailing", _("Рассылка")
        MERGE = "merge", _("Объединение")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="changes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("Когда"), auto_now_add=True)
    source = models.CharField(_("Как"), max_length=10, choices=Source.choices)
    version = models.PositiveIntegerField(_("Версия"))
    # [{"field": "name", "label": "Наименование", "old": "...", "new": "..."}, ...]
    changes = models.JSONField(_("Изменения"), default=list)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("Изменение клиента")
        verbose_name_plural = _("История изменений клиентов")
        indexes = [models.Index(fields=["client", "-at"], name="clientchange_client_idx")]

    def __str__(self) -> str:
        return f"{self.client_id} v{self.version} {self.at:%Y-%m-%d %H:%M}"

    def entries(self) -> list[dict[str, str]]:
        """The changes with labels in the reader's language, whatever language the writer used."""
        return [{**change, "label": change.get("label") or field_label(change["field"])} for change in self.changes]


# Labels of history entries that are not plain Client fields.
EXTRA_HISTORY_LABELS = {
    "segments": _("Сегменты"),
    "contact_info": _("Контактная информация"),
    "contacts": _("Контактные лица"),
    "mailing": _("Рассылка"),
}


def field_label(name: str) -> str:
    if name in EXTRA_HISTORY_LABELS:
        return str(EXTRA_HISTORY_LABELS[name])
    try:
        return str(Client._meta.get_field(name).verbose_name)
    except models.FieldDoesNotExist:
        return name
