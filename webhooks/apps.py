from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Веб-хуки")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from crm import events
        from webhooks import services
        from webhooks.models import Subscription

        events.listen(events.Listener(wanted=services.subscribed_events, receive=services.receive))
        post_save.connect(services.forget_subscriptions, sender=Subscription, dispatch_uid="webhooks-saved")
        post_delete.connect(services.forget_subscriptions, sender=Subscription, dispatch_uid="webhooks-deleted")
