"""The completeness wizards' runs: what a supervisor chose at each step, stored as they go, so a
refresh loses nothing and the final step creates each task once however often it is submitted."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm import roles
from crm.models import Project, Run


class WizardRun(Run):
    """A run of a completeness wizard: each step's choices as the user goes, then (from «Готово»)
    a background run that makes the tasks."""

    job = "quality.generate_tasks"

    class Kind(models.TextChoices):
        CONTACT_INFO = "contact_info", _("Контроль заполнения контактной информации")
        PROPERTIES = "properties", _("Контроль заполнения свойств клиентов")

    class State(models.TextChoices):  # Run's states, after the steps of the wizard
        DRAFT = "draft", _("Настраивается")
        QUEUED = Run.State.QUEUED.value, _("В очереди")
        RUNNING = Run.State.RUNNING.value, _("Создаются задачи")
        DONE = Run.State.DONE.value, _("Готово")
        FAILED = Run.State.FAILED.value, _("Ошибка")

    class Distribution(models.TextChoices):
        RESPONSIBLE = "responsible", _("Распределение по ответственным менеджерам")
        EXECUTORS = "executors", _("Распределение по выбранным исполнителям")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("Мастер"), max_length=15, choices=Kind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("Состояние"), max_length=10, choices=State.choices, default=State.DRAFT)
    # Step 1: check keys of clients.completeness, for clients and for contact persons.
    client_checks = models.JSONField(default=list)
    contact_checks = models.JSONField(default=list)
    # Step 2: «Настройка отбора» — the client list's filter as a query string, and a contact name.
    filter_query = models.TextField(blank=True)
    contact_name = models.CharField(max_length=255, blank=True)
    # Step 3: what the user unticked: "c<client id>", "p<contact person id>".
    excluded = models.JSONField(default=list)
    # Step 4: distribution and the task's attributes.
    distribution = models.CharField(
        _("Распределение"), max_length=12, choices=Distribution.choices, default=Distribution.RESPONSIBLE
    )
    executor_ids = models.JSONField(default=list)
    executor_group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    fallback_executor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("Дата исполнения"), null=True, blank=True)
    control_date = models.DateField(_("Дата контроля"), null=True, blank=True)
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Results.
    clients_count = models.PositiveIntegerField(_("Клиентов"), default=0)
    contacts_count = models.PositiveIntegerField(_("Контактных лиц"), default=0)
    tasks_count = models.PositiveIntegerField(_("Задач"), default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Запуск мастера заполнения")
        verbose_name_plural = _("Запуски мастеров заполнения")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%d.%m.%Y %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("quality:run_detail", args=[self.pk])

    def may_retry(self, user) -> bool:
        """Whoever runs the wizards (its pages are theirs, whoever started the run)."""
        return roles.has_any_role(user, roles.SUPERVISOR, roles.ADMINISTRATOR)

    @property
    def origin(self) -> str:
        """The Task.origin of the tasks this run creates."""
        return f"quality-run:{self.pk}"
