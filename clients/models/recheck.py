"""«Проверка по ИНН»: a run that asks the company-data provider about every card with an ИНН, and
the changes it found, proposed to the users who work with the card."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clients.models.clients import Client
from crm import roles
from crm.choices import ChoiceLabels
from crm.models import Run


class RecheckRun(Run):
    """One pass over the cards with an ИНН, in client id order. It commits its position (the last
    client asked) with every step, so a run that failed or was stopped continues after it and
    asks no client twice."""

    job = "clients.recheck_run"

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    position = models.BigIntegerField(_("Последний проверенный клиент"), default=0)
    total = models.PositiveIntegerField(_("Клиентов с ИНН"), default=0)
    asked = models.PositiveIntegerField(_("Проверено"), default=0)
    proposed = models.PositiveIntegerField(_("Предложено изменений"), default=0)
    closing = models.PositiveIntegerField(_("Ликвидируются или ликвидированы"), default=0)
    not_found = models.PositiveIntegerField(_("Не найдено"), default=0)
    errors = models.PositiveIntegerField(_("Ошибок"), default=0)

    class Meta(Run.Meta):
        verbose_name = _("Проверка контрагентов по ИНН")
        verbose_name_plural = _("Проверки контрагентов по ИНН")

    def __str__(self) -> str:
        return f"{self.pk} {self.state} {self.asked}/{self.total}"

    def get_absolute_url(self) -> str:
        return reverse("clients:recheck")

    def may_retry(self, user) -> bool:
        return roles.can_manage_all_clients(user)


class RecheckProposal(ChoiceLabels):
    """A requisite of a card that the register holds otherwise: accepted, it is written to the card
    (under the accepting user's name); rejected, it stays as a record. At most one open proposal
    per card and requisite: a later run replaces its value."""

    class Field(models.TextChoices):
        NAME = "name", _("Наименование")
        KPP = "kpp", _("КПП")
        LEGAL_ADDRESS = "legal_address", _("Юридический адрес")

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Предложено")
        ACCEPTED = "accepted", _("Принято")
        REJECTED = "rejected", _("Отклонено")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="recheck_proposals")
    field = models.CharField(_("Реквизит"), max_length=20, choices=Field.choices)
    old_value = models.CharField(_("Было"), max_length=500, blank=True)
    new_value = models.CharField(_("По данным реестра"), max_length=500)
    run = models.ForeignKey(RecheckRun, null=True, on_delete=models.SET_NULL, related_name="proposals")
    state = models.CharField(_("Состояние"), max_length=10, choices=State.choices, default=State.PROPOSED)
    created_at = models.DateTimeField(_("Найдено"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("Решено"), null=True, blank=True)

    class Meta:
        ordering = ["client__name", "client_id", "field"]
        verbose_name = _("Изменение по данным реестра")
        verbose_name_plural = _("Изменения по данным реестра")
        constraints = [
            models.UniqueConstraint(
                fields=["client", "field"], condition=Q(state="proposed"), name="recheck_one_open_per_field"
            )
        ]
        indexes = [models.Index(fields=["state", "client"], name="recheck_state_client_idx")]

    def __str__(self) -> str:
        return f"{self.client_id} {self.field}: {self.old_value} → {self.new_value}"
