from django.db import models
from django.utils.translation import gettext_lazy as _


class Project(models.Model):
    """«Проект»: what a piece of work belongs to — tasks now, sales documents later."""

    name = models.CharField(_("Наименование"), max_length=200, unique=True)
    description = models.TextField(_("Описание"), blank=True)
    is_active = models.BooleanField(_("Действует"), default=True)
    created_at = models.DateTimeField(_("Создан"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Проект")
        verbose_name_plural = _("Проекты")

    def __str__(self) -> str:
        return self.name
