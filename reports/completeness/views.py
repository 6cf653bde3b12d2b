"""«Заполненность карточек по менеджерам», declared on crm.reports.ReportView."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.reports import Filtered, Report, ReportView, filter_conditions
from reports.base import MANAGEMENT_ROLES
from reports.completeness import figures
from reports.completeness.filters import CompletenessFilterSet
from reports.completeness.tables import completeness_grid


class CompletenessByManager(ReportView):
    """By responsible, the clients, their average «Заполненность» and the cards complete, below half
    and not scored; each count opens the manager's clients in the list, the emptiest cards first."""

    roles = MANAGEMENT_ROLES
    title = gettext_lazy("Заполненность карточек по менеджерам")
    filterset_class = CompletenessFilterSet
    invalid = gettext_lazy("Отбор задан неверно (см. поля отбора): отчёт построен по всем клиентам.")
    notes = [figures.SCORE_NOTE]
    filename, sheet = "completeness-by-manager", gettext_lazy("Заполненность")
    printable = False
    template_name = "reports/completeness_by_manager.html"

    def report(self, filtered: Filtered) -> Report:
        table = figures.completeness_table(filtered.rows, base_params=filtered.params)
        required = figures.required_labels()
        required_line = ", ".join(required) if required else _("не заданы — карточки не оцениваются")
        conditions = [f"{_('Обязательные реквизиты')}: {required_line}", *filter_conditions(filtered.used)]
        context = {"table": table, "required": required}
        return self.make(filtered, [("", completeness_grid(table))], conditions=conditions, context=context)
