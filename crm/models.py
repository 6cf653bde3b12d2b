from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
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


class Run(models.Model):
    """What every stored background run has (a bulk edit, a client export, a wizard's tasks): its
    state, when it started and finished, and the message of a failure. A model adds its
    parameters and results, may add states before «В очереди» (a wizard's draft), and names the
    Celery job that does it (`job`); crm.runs claims, fails and sweeps runs the same way for all."""

    class State(models.TextChoices):
        QUEUED = "queued", _("В очереди")
        RUNNING = "running", _("Выполняется")
        DONE = "done", _("Готово")
        FAILED = "failed", _("Не выполнено")

    job = ""  # the Celery task's name; it takes the run's pk as text

    state = models.CharField(_("Состояние"), max_length=10, choices=State.choices, default=State.QUEUED)
    error = models.TextField(_("Ошибка"), blank=True)
    created_at = models.DateTimeField(_("Создано"), auto_now_add=True)
    # When it was last put in the queue (made, submitted, run again): the sweep's clock.
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]  # newest first

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    def get_retry_url(self) -> str:
        return reverse("run_retry", args=[self._meta.label_lower, self.pk])

    def may_retry(self, user) -> bool:
        """Whether `user` may run it again when it failed: its author, by default."""
        return getattr(self, "author_id", None) == user.pk


class ListSettings(models.Model):
    """What a user chose on a list page («Колонки»), kept across logins; `key` names the list."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="list_settings")
    key = models.CharField(max_length=50)
    columns = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="list_settings_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.key}"


class SavedView(models.Model):
    """«Сохранённый отбор» of a list: the query string of its filters, sort and page size, and the
    columns chosen, under a name; private, or shared with a role or with everyone. It stores no
    rows: whoever opens it gets the list's own rows for them (crm.saved_views)."""

    class Sharing(models.TextChoices):
        PRIVATE = "private", _("Только мне")
        ROLE = "role", _("Роли")
        EVERYONE = "everyone", _("Всем")

    key = models.CharField(max_length=50)  # the list's (ListView.columns_key, or the page's own)
    name = models.CharField(_("Наименование"), max_length=100)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    query = models.TextField(blank=True)  # normalised: no page number, no empty value
    columns = models.JSONField(null=True, blank=True)  # None: the list has no «Колонки»
    sharing = models.CharField(_("Доступ"), max_length=10, choices=Sharing.choices, default=Sharing.PRIVATE)
    # Roles are the groups of the data migration: nobody deletes one under a view shared with it.
    role = models.ForeignKey("auth.Group", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["key", "sharing"], name="saved_view_key_sharing")]
        constraints = [
            models.UniqueConstraint(fields=["author", "key", "name"], name="saved_view_name_once_per_list"),
            models.CheckConstraint(
                condition=models.Q(sharing="role", role__isnull=False)
                | (~models.Q(sharing="role") & models.Q(role__isnull=True)),
                name="saved_view_role_when_shared_with_role",
            ),
        ]

    def __str__(self) -> str:
        return self.name
