"""The funnel reports' pages: «Конверсия воронки», «Время на этапах», «Воронка по менеджерам» and
«Повторные продажи» (definitions in figures.py, and on each page under its title). Whoever works in
the CRM may open them (no role: 403); the figures are those of the deals the user sees
(funnel.access: a manager their own and unassigned deals, sales heads, supervisors and
administrators all). Each page has an Excel file (?export=xlsx) and an A4 print view (?print=1) of
the same grids; bad input is said on the page and replaced by the default, never a 500."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from crm.access import role_required
from funnel.access import visible_deals
from funnel.models import Deal, Stage
from reports.funnel import figures, tables
from reports.funnel.filters import (
    ConversionFilterSet,
    FunnelReportFilterSet,
    ManagersFilterSet,
    RepeatSalesFilterSet,
    Scope,
    TimeInStageFilterSet,
    read_filter,
)
from reports.iterations import executor_names
from reports.receivables.grid import Grid, grid_html
from reports.receivables.views import Counted, Report, paged, pagination, respond
from reports.views import filter_conditions

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


def _deals(request: HttpRequest) -> QuerySet[Deal]:
    return visible_deals(Deal.objects.all(), request.user)


def _sections(chart: SafeString, grids: list[tuple[str, Grid]]) -> list[tuple[str, SafeString]]:
    """The page's sections: the chart, then the grids."""
    return [("", chart), *((caption, grid_html(grid)) for caption, grid in grids)]


Figures = tuple[list[tuple[str, Grid]], SafeString, dict]  # the grids, the chart, more context


def _report_page(
    request: HttpRequest,
    filterset_class: type[FunnelReportFilterSet],
    *,
    title: str,
    note: str,
    filename: str,
    sheet: str,
    build: Callable[[Scope], Figures],
) -> HttpResponse:
    """Read the filter, `build` the figures of its scope and answer with the page, its Excel file or
    its print view."""
    problems: list[str] = []
    shown, used = read_filter(request, filterset_class, problems)
    context = {"filter": shown, "problems": problems, "notes": [str(note)]}
    if used is None:
        return respond(request, Report(title, [], [], filename, sheet), context)
    scope = used.scope()
    grids, chart, more = build(scope)
    report = Report(
        title=f"{title}: {scope.funnel.name}" if scope.funnel else title,
        sections=grids,
        conditions=filter_conditions(used),
        filename=filename,
        sheet=sheet,
    )
    return respond(request, report, {**context, **more, "sections": _sections(chart, grids)})


@require_GET
@role_required()
def conversion(request: HttpRequest) -> HttpResponse:
    def build(scope: Scope) -> Figures:
        stages = list(scope.funnel.stages.order_by("order", "pk"))
        result = figures.conversion(scope.deals(_deals(request), "created_at"), stages)
        return [("", tables.conversion_grid(result))], tables.conversion_chart(result), {"result": result}

    return _report_page(
        request,
        ConversionFilterSet,
        title=_("Конверсия воронки"),
        note=CONVERSION_NOTE,
        filename="funnel-conversion",
        sheet=_("Конверсия"),
        build=build,
    )


@require_GET
@role_required()
def time_in_stage(request: HttpRequest) -> HttpResponse:
    def build(scope: Scope) -> Figures:
        stages = Stage.objects.select_related("funnel").order_by("funnel__name", "funnel_id", "order", "pk")
        if scope.funnel is not None:
            stages = stages.filter(funnel=scope.funnel)
        start, end = scope.moments
        lines = figures.time_in_stage(scope.deals(_deals(request), None), list(stages), start, end, report_now())
        groups = [("", lines)] if scope.funnel is not None else figures.by_funnel(lines)
        return [("", tables.time_in_stage_grid(groups))], tables.time_in_stage_chart(groups), {"groups": groups}

    return _report_page(
        request,
        TimeInStageFilterSet,
        title=_("Время на этапах"),
        note=TIME_IN_STAGE_NOTE,
        filename="funnel-time-in-stage",
        sheet=_("Время на этапах"),
        build=build,
    )


@require_GET
@role_required()
def managers(request: HttpRequest) -> HttpResponse:
    def build(scope: Scope) -> Figures:
        deals = scope.deals(_deals(request), "created_at")
        table = figures.by_manager(deals, executor_names, _("Без менеджера"))
        grid = tables.managers_grid(table, scope.board_url)
        return [("", grid)], tables.managers_chart(table), {"table": table}

    return _report_page(
        request,
        ManagersFilterSet,
        title=_("Воронка по менеджерам"),
        note=MANAGERS_NOTE,
        filename="funnel-managers",
        sheet=_("По менеджерам"),
        build=build,
    )


@require_GET
@role_required()
def repeat_sales(request: HttpRequest) -> HttpResponse:
    def build(scope: Scope) -> Figures:
        won = scope.deals(_deals(request), "closed_at").filter(stage__kind=Stage.Kind.WON)
        summary = figures.repeat_summary(won)
        rows = Counted(
            figures.client_wins(won, repeat_only=scope.repeat_only),
            summary.repeat if scope.repeat_only else summary.clients,
        )
        if request.GET.get("export") == "xlsx":
            page, shown, notes = None, rows.queryset, []
        else:
            page, shown, notes = paged(request, rows, printing=bool(request.GET.get("print")))
        grids = [
            (_("Клиенты по числу побед"), tables.repeat_summary_grid(summary)),
            (_("Клиенты"), tables.client_wins_grid(figures.as_client_wins(shown), notes=notes)),
        ]
        more = {"pagination": pagination(request, page), "summary": summary}
        return grids, tables.repeat_chart(summary), more

    return _report_page(
        request,
        RepeatSalesFilterSet,
        title=_("Повторные продажи"),
        note=REPEAT_NOTE,
        filename="repeat-sales",
        sheet=_("Повторные продажи"),
        build=build,
    )
