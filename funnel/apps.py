from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FunnelConfig(AppConfig):
    name = "funnel"
    verbose_name = _("Воронка продаж")

    def ready(self) -> None:
        from clients.reassign import register
        from crm.panels import CLIENT_CARD, MY_WORK, Panel
        from funnel.client_panel import deals_panel
        from funnel.services.merging import MOVER
        from funnel.stuck import stuck_deals_panel

        CLIENT_CARD.register(Panel("funnel-deals", "funnel/_client_deals.html", deals_panel, place="main"))
        MY_WORK.register(Panel("funnel-stuck", "funnel/_stuck_deals.html", stuck_deals_panel, place="side"))

        register("funnel", MOVER)
