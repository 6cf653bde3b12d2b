"""The funnel reports' pages, declared on crm.reports.ReportView: «Конверсия воронки», «Время на
этапах», «Воронка по менеджерам» and «Повторные продажи» (definitions in figures.py, and on each page
under its title). Whoever works in the CRM may open them (no role: 403); the figures are those of the
deals the user sees (funnel.access: a manager their own and unassigned deals, sales heads,
supervisors and administrators all). Each page has an Excel file (?export=xlsx) and an A4 print view
(?print=1) of the same grids; bad input is said on the page and replaced by the default, never a 500."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.grids import Grid, grid_html
from crm.reports import Counted, Filtered, Report, ReportView, pagination
from funnel.access import visible_deals
from funnel.models import Deal, Stage
from reports.base import user_names
from reports.funnel import figures, tables
from reports.funnel.filters import (
    ConversionFilterSet,
    ManagersFilterSet,
    RepeatSalesFilterSet,
    Scope,
    TimeInStageFilterSet,
    read_filter,
)

CONVERSION_NOTE = gettext_lazy(
    "Сделки воронки, созданные в периоде. «Дошли до этапа» — сделки, побывавшие на этапе, на любом "
    "следующем этапе или в «Успехе»: пропустившая этап сделка его прошла, возвращённая или переоткрытая "
    "считается один раз, по самому дальнему этапу. Конверсия — доля дошедших до следующего этапа (с "
    "последнего — до «Успеха»); «Успех», «Провал» и «В работе» — где сделки сейчас."
)
TIME_IN_STAGE_NOTE = gettext_lazy(
    "Пребывание — переход сделки на этап в периоде; заканчивается следующим переходом сделки. Сделка, "
    "вернувшаяся на этап, пробыла на нём дважды; пропущенный этап не в счёт. «Сейчас на этапе» — "
    "пребывания, которые ещё не закончились, и их длительность на сегодня."
)
MANAGERS_NOTE = gettext_lazy(
    "Сделки, созданные в периоде, по менеджерам. Конверсия — доля успешных сделок; средний цикл — от "
    "создания до закрытия успешной сделки; выручка — сумма успешных сделок."
)
REPEAT_NOTE = gettext_lazy(
    "Успешные сделки клиентов, закрытые в периоде (сделки лидов без клиента не в счёт), по клиентам: "
    "больше побед, затем больше выручки — выше. Дней между победами — (последняя − первая) / (побед − 1)."
)


def report_now():
    """The moment stays not ended yet are measured to (a function, for the tests to fix it)."""
    return timezone.now()


Figures = tuple[list[tuple[str, Grid]], SafeString, dict]  # the grids, the chart, more context


class FunnelReport(ReportView):
    """A funnel report: its filter is always bound (defaults filled in, wrong fields repaired), and
    its page shows a chart above the grids."""

    def read_filter(self) -> Filtered:
        shown, used = read_filter(self.request, self.filterset_class, self.problems)
        return Filtered(shown, used=used)

    def deals(self) -> QuerySet[Deal]:
        return visible_deals(Deal.objects.all(), self.request.user)

    def figures(self, scope: Scope) -> Figures:
        raise NotImplementedError

    def report(self, filtered: Filtered) -> Report:
        if filtered.used is None:
            return self.make(filtered, [])
        scope = filtered.used.scope()
        grids, chart, more = self.figures(scope)
        title = f"{self.title}: {scope.funnel.name}" if scope.funnel else str(self.title)
        page_sections = [("", chart), *((caption, grid_html(grid)) for caption, grid in grids)]
        return self.make(filtered, grids, title=title, context=more, page_sections=page_sections)


class Conversion(FunnelReport):
    title, filterset_class, notes = gettext_lazy("Конверсия воронки"), ConversionFilterSet, [CONVERSION_NOTE]
    filename, sheet = "funnel-conversion", gettext_lazy("Конверсия")

    def figures(self, scope: Scope) -> Figures:
        stages = list(scope.funnel.stages.order_by("order", "pk"))
        result = figures.conversion(scope.deals(self.deals(), "created_at"), stages)
        return [("", tables.conversion_grid(result))], tables.conversion_chart(result), {"result": result}


class TimeInStage(FunnelReport):
    title, filterset_class, notes = gettext_lazy("Время на этапах"), TimeInStageFilterSet, [TIME_IN_STAGE_NOTE]
    filename, sheet = "funnel-time-in-stage", gettext_lazy("Время на этапах")

    def figures(self, scope: Scope) -> Figures:
        stages = Stage.objects.select_related("funnel").order_by("funnel__name", "funnel_id", "order", "pk")
        if scope.funnel is not None:
            stages = stages.filter(funnel=scope.funnel)
        start, end = scope.moments
        lines = figures.time_in_stage(scope.deals(self.deals(), None), list(stages), start, end, report_now())
        groups = [("", lines)] if scope.funnel is not None else figures.by_funnel(lines)
        return [("", tables.time_in_stage_grid(groups))], tables.time_in_stage_chart(groups), {"groups": groups}


class Managers(FunnelReport):
    title, filterset_class, notes = gettext_lazy("Воронка по менеджерам"), ManagersFilterSet, [MANAGERS_NOTE]
    filename, sheet = "funnel-managers", gettext_lazy("По менеджерам")

    def figures(self, scope: Scope) -> Figures:
        table = figures.by_manager(scope.deals(self.deals(), "created_at"), user_names, _("Без менеджера"))
        grid = tables.managers_grid(table, scope.board_url)
        return [("", grid)], tables.managers_chart(table), {"table": table}


class RepeatSales(FunnelReport):
    title, filterset_class, notes = gettext_lazy("Повторные продажи"), RepeatSalesFilterSet, [REPEAT_NOTE]
    filename, sheet = "repeat-sales", gettext_lazy("Повторные продажи")

    def figures(self, scope: Scope) -> Figures:
        won = scope.deals(self.deals(), "closed_at").filter(stage__kind=Stage.Kind.WON)
        summary = figures.repeat_summary(won)
        count = summary.repeat if scope.repeat_only else summary.clients
        page, shown, notes = self.page_of(Counted(figures.client_wins(won, repeat_only=scope.repeat_only), count))
        grids = [
            (_("Клиенты по числу побед"), tables.repeat_summary_grid(summary)),
            (_("Клиенты"), tables.client_wins_grid(figures.as_client_wins(shown), notes=notes)),
        ]
        more = {"pagination": pagination(self.request, page), "summary": summary}
        return grids, tables.repeat_chart(summary), more
