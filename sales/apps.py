from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = _("Продажи")

    def ready(self) -> None:
        from clients.reassign import register
        from crm.panels import CLIENT_CARD, Panel
        from sales.client_panel import documents_panel, position_panel
        from sales.services.merging import MOVER

        CLIENT_CARD.register(Panel("sales-documents", "sales/_client_documents.html", documents_panel, order=5))
        CLIENT_CARD.register(Panel("sales-position", "sales/_client_position.html", position_panel, order=10))

        register("sales", MOVER)
