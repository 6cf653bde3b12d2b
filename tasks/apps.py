from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("Мои дела")

    def ready(self) -> None:
        from clients.reassign import register
        from crm.panels import CLIENT_CARD, Panel
        from tasks.client_panel import tasks_panel
        from tasks.services import MERGE_MOVER

        CLIENT_CARD.register(Panel("tasks", "tasks/_client_tasks.html", tasks_panel, order=110, place="main"))

        register("tasks", MERGE_MOVER)
