from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM")

    def ready(self) -> None:
        from crm import login_limits  # noqa: F401 — connects the login limiter's signals
        from crm.sqlite import install_unicode_like

        connection_created.connect(install_unicode_like, dispatch_uid="crm-unicode-like")
