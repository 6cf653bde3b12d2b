from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Уведомления")

    def ready(self) -> None:
        from crm import events
        from notifications import sources

        events.listen(events.Listener(wanted=sources.heard, receive=sources.receive))
