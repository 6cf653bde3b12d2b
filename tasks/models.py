"""Tasks («Задачи»): an executor does them, a reviewer accepts or returns them, and every round
counts. State changes go only through tasks.services, which lock the row and write a TaskEvent."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client, ContactPerson
from crm import roles
from crm.choices import ChoiceLabels
from crm.models import Project
from crm.reversing import url_maker


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user) -> TaskQuerySet:
        """Task.visible_to as a filter: the user's tasks as executor, reviewer or author; all of them
        for supervisors and administrators."""
        if roles.can_manage_all_clients(user):
            return self
        return self.filter(Q(executor=user) | Q(reviewer=user) | Q(author=user))


class Task(ChoiceLabels):
    class Kind(models.TextChoices):
        GENERAL = "general", _("Задача")
        CONTACT_INFO = "contact_info", _("Заполнение контактной информации")
        PROPERTIES = "properties", _("Заполнение свойств клиентов")

    class State(models.TextChoices):
        NEW = "new", _("Новая")
        IN_PROGRESS = "in_progress", _("В работе")
        DONE = "done", _("Выполнена, на проверке")
        RETURNED = "returned", _("Возвращена на доработку")
        ACCEPTED = "accepted", _("Принята")

    class Importance(models.TextChoices):
        LOW = "low", _("Низкая")
        NORMAL = "normal", _("Обычная")
        HIGH = "high", _("Высокая")

    # The states in which the task is the executor's to work on.
    OPEN_STATES = (State.NEW, State.IN_PROGRESS, State.RETURNED)

    title = models.CharField(_("Наименование"), max_length=255)
    description = models.TextField(_("Поручение"), blank=True)
    kind = models.CharField(_("Вид"), max_length=20, choices=Kind.choices, default=Kind.GENERAL)
    executor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Исполнитель"), on_delete=models.PROTECT, related_name="tasks"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Проверяющий"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks_to_review",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Автор"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks_given",
    )
    importance = models.CharField(_("Важность"), max_length=10, choices=Importance.choices, default=Importance.NORMAL)
    due_date = models.DateField(_("Дата исполнения"), null=True, blank=True)
    control_date = models.DateField(_("Дата контроля"), null=True, blank=True)
    postponed_until = models.DateTimeField(_("Отложена до"), null=True, blank=True)
    project = models.ForeignKey(
        Project, verbose_name=_("Проект"), null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    state = models.CharField(_("Состояние"), max_length=12, choices=State.choices, default=State.NEW)
    iteration = models.PositiveSmallIntegerField(_("Итерация"), default=1)
    result = models.TextField(_("Результат выполнения"), blank=True)
    # What created the task, e.g. "quality-run:<uuid>" for a wizard run; with the executor it is
    # unique, so a run that is submitted twice or retried creates each of its tasks once.
    origin = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("Создана"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Изменена"), auto_now=True)
    done_at = models.DateTimeField(_("Выполнена"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("Принята"), null=True, blank=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "-id"]
        verbose_name = _("Задача")
        verbose_name_plural = _("Задачи")
        indexes = [
            models.Index(fields=["executor", "state", "due_date"], name="task_executor_idx"),
            models.Index(fields=["reviewer", "state"], name="task_reviewer_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["origin", "executor"], condition=~Q(origin=""), name="task_once_per_origin_and_executor"
            ),
            models.CheckConstraint(condition=Q(iteration__gte=1), name="task_iteration_from_one"),
            models.CheckConstraint(
                condition=Q(control_date__isnull=True) | Q(due_date__isnull=True) | Q(control_date__gte=F("due_date")),
                name="task_control_not_before_due",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return url_maker("tasks:detail")(self.pk)

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date is not None and self.due_date < timezone.localdate()

    @property
    def is_postponed(self) -> bool:
        return self.postponed_until is not None and self.postponed_until > timezone.now()

    def visible_to(self, user) -> bool:
        """The executor, the reviewer, the author, supervisors and administrators see a task."""
        return user.pk in (self.executor_id, self.reviewer_id, self.author_id) or roles.can_manage_all_clients(user)


class TaskItem(models.Model):
    """One client or one of its contact persons, and what must be filled for them: check keys of
    clients.completeness ("info:<kind id>", "prop:inn", "extra:<field id>")."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="items")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+", verbose_name=_("Клиент"))
    contact = models.ForeignKey(
        ContactPerson,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("Контактное лицо"),
    )
    checks = models.JSONField(_("Что заполнить"), default=list)

    class Meta:
        ordering = ["id"]
        verbose_name = _("Строка задачи")
        verbose_name_plural = _("Строки задачи")
        constraints = [
            models.UniqueConstraint(
                fields=["task", "client"], condition=Q(contact__isnull=True), name="taskitem_client_once"
            ),
            models.UniqueConstraint(
                fields=["task", "contact"], condition=Q(contact__isnull=False), name="taskitem_contact_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.contact_id or self.client_id}"


class TaskEvent(models.Model):
    """The task's history: every change of state, postponement and edit, with its iteration."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Создана")
        STARTED = "started", _("Взята в работу")
        DONE = "done", _("Выполнена")
        ACCEPTED = "accepted", _("Принята")
        RETURNED = "returned", _("Возвращена на доработку")
        POSTPONED = "postponed", _("Отложена")
        EDITED = "edited", _("Изменена")
        ATTACHED = "attached", _("Добавлено вложение")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="events")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("Когда"), default=timezone.now)
    kind = models.CharField(_("Событие"), max_length=10, choices=Kind.choices)
    iteration = models.PositiveSmallIntegerField(_("Итерация"))
    comment = models.TextField(_("Комментарий"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("Событие задачи")
        verbose_name_plural = _("История задач")
        indexes = [models.Index(fields=["task", "at"], name="taskevent_task_idx")]

    def __str__(self) -> str:
        return f"{self.task_id} {self.kind} #{self.iteration}"


def attachment_path(attachment: TaskAttachment, filename: str) -> str:
    # The stored name is not the user's: the file is found by its id, handed out under its name.
    return f"tasks/{attachment.task_id}/{uuid.uuid4().hex}"


class TaskAttachment(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    name = models.CharField(_("Имя файла"), max_length=255)
    size = models.PositiveIntegerField(_("Размер"))
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("Загружено"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("Вложение")
        verbose_name_plural = _("Вложения")

    def __str__(self) -> str:
        return self.name
