from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = _("Продажи")

    def ready(self) -> None:
        from clients import panels
        from sales.card import documents_panel, position_panel

        panels.register(panels.Panel("sales-documents", "sales/_client_documents.html", documents_panel, order=5))
        panels.register(panels.Panel("sales-position", "sales/_client_position.html", position_panel, order=10))
