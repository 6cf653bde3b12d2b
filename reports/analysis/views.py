"""«Анализ клиентской базы», declared on crm.reports.ReportView: clients counted by two dimensions,
filtered like the client list."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients import extra_fields as extra
from clients.filters import ClientFilterSet
from clients.models import Client
from crm.reports import Filtered, Report, ReportView, choose
from reports.analysis import figures
from reports.analysis.tables import count_grid

UNKNOWN = gettext_lazy("Нет группировки «%(value)s»: %(axis)s сгруппированы по полю «%(default)s».")


class ClientAnalysis(ReportView):
    title = gettext_lazy("Анализ клиентской базы")
    filterset_class = ClientFilterSet
    parameters = ("rows", "columns", "export")
    invalid = gettext_lazy("Отбор задан неверно (см. поля отбора): отчёт построен по всем клиентам.")
    filename, sheet = "client-analysis", gettext_lazy("Анализ")
    printable = False
    template_name = "reports/client_analysis.html"

    def settings(self) -> None:
        """The dimensions of the rows and of the columns («нет»: none)."""
        self.fields = extra.client_definitions()
        self.dimensions = figures.dimensions(self.fields)
        labels = {key: d.label for key, d in self.dimensions.items()}
        data, problems = self.request.GET, self.problems
        self.rows_key = choose(data, "rows", labels, figures.DEFAULT_ROWS, problems, UNKNOWN, axis=_("строки"))
        labels[figures.NO_COLUMNS] = _("нет")
        self.columns_key = choose(
            data, "columns", labels, figures.DEFAULT_COLUMNS, problems, UNKNOWN, axis=_("колонки")
        )
        if self.columns_key == self.rows_key:
            problems.append(_("Строки и колонки сгруппированы по одному полю: колонки убраны."))
            self.columns_key = figures.NO_COLUMNS

    def rows(self):
        return Client.objects.all()

    def filterset_kwargs(self) -> dict:
        return {"extra_fields": self.fields, "user": self.request.user}

    def report(self, filtered: Filtered) -> Report:
        rows, columns = self.dimensions[self.rows_key], self.dimensions.get(self.columns_key)
        table = figures.count_table(filtered.rows, rows, columns, filtered.shown, base_params=filtered.params)
        context = {
            "table": table,
            "dimension_choices": [(key, d.label) for key, d in self.dimensions.items()],
            "rows_key": self.rows_key,
            "columns_key": self.columns_key,
            "no_columns": figures.NO_COLUMNS,
        }
        return self.make(filtered, [("", count_grid(table))], context=context)
