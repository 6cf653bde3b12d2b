from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = _("Продажи")

    def ready(self) -> None:
        from clients.reassign import register
        from crm.panels import CLIENT_CARD, MY_WORK, Panel
        from sales.client_panel import documents_panel, position_panel, reconciliations_panel, waiting_acts_panel
        from sales.services.merging import MOVER

        CLIENT_CARD.register(Panel("sales-documents", "sales/_client_documents.html", documents_panel, order=5))
        CLIENT_CARD.register(Panel("sales-position", "sales/_client_position.html", position_panel, order=10))
        CLIENT_CARD.register(
            Panel(
                "sales-reconciliations",
                "sales/_client_reconciliations.html",
                reconciliations_panel,
                order=120,
                place="main",
            )
        )
        MY_WORK.register(
            Panel("sales-acts-waiting", "sales/_acts_waiting.html", waiting_acts_panel, order=50, place="side")
        )

        register("sales", MOVER)
