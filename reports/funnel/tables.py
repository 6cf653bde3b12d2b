"""The grids (crm.grids) and charts of the funnel reports, from the figures: the page,
the print view and the xlsx file show the same grids."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from django.utils.safestring import SafeString
from django.utils.timezone import localdate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm import numbers
from crm.grids import GROUP, Column, Grid, Kind, Line
from reports.funnel import figures
from reports.funnel.charts import Bar, bar_chart
from reports.receivables.tables import client_label

# Days are shown to one decimal, as percentages are (on the page and in the xlsx file).
DAYS = Kind.PERCENT
STAGE = Column(gettext_lazy("Этап"))
REVENUE = Column(gettext_lazy("Выручка"), Kind.MONEY)
# How long the completed stays lasted: columns of «Время на этапах», and its chart's two series.
STAY_LENGTHS = (Column(gettext_lazy("Среднее"), Kind.DURATION), Column(gettext_lazy("Медиана"), Kind.DURATION))
# Where deals are now: a line of «Конверсия воронки», a column of «Воронка по менеджерам».
OUTCOMES = {
    "won": Column(gettext_lazy("Успех"), Kind.COUNT),
    "lost": Column(gettext_lazy("Провал"), Kind.COUNT),
    "open": Column(gettext_lazy("В работе"), Kind.COUNT),
}


def _count(n: int) -> str:
    return numbers.number(n)


def stage_label(stage) -> str:
    return _("%(stage)s (не используется)") % {"stage": stage.name} if not stage.is_active else stage.name


# --- «Конверсия воронки» ---------------------------------------------------------------------------------


def conversion_grid(result: figures.Conversion) -> Grid:
    columns = [
        STAGE,
        Column(_("Дошли до этапа"), Kind.COUNT),
        Column(_("Конверсия в следующий этап, %"), Kind.PERCENT),
        Column(_("От начала, %"), Kind.PERCENT),
        Column(_("Проиграно на этапе"), Kind.COUNT),
    ]
    lines = [
        Line(
            [stage_label(s.stage), s.reached, s.next_conversion, s.from_start, s.lost],
            key=f"stage-{s.stage.pk}",
        )
        for s in result.stages
    ]
    cohort = Decimal(result.cohort)
    for key, n in (("won", result.won), ("lost", result.lost), ("open", result.open)):
        label = str(OUTCOMES[key].label)
        lines.append(Line([label, n, None, figures.percent(Decimal(n), cohort), None], style=GROUP, key=key))
    total = Line(
        [_("Всего сделок"), result.cohort, None, Decimal(100) if result.cohort else None, result.lost], key="total"
    )
    notes = []
    if result.cohort:
        notes.append(
            _("Общая конверсия (успешные сделки от всех): %(percent)s %%")
            % {"percent": numbers.number(result.overall, 1)}
        )
    return Grid(columns, lines, total, _("Нет сделок, созданных в периоде."), table_id="conversion-table", notes=notes)


def conversion_chart(result: figures.Conversion) -> SafeString:
    bars = [Bar(stage_label(s.stage), [s.reached], [_count(s.reached)]) for s in result.stages]
    if result.stages:
        # Deals ever won: the last stage's conversion is to them (some were reopened since).
        bars.append(Bar(_("Дошли до успеха"), [result.ever_won], [_count(result.ever_won)]))
    return bar_chart(
        bars if result.cohort else [],
        [_("Дошли до этапа")],
        title=_("Воронка: сколько сделок дошло до этапа"),
        chart_id="funnel-chart",
        centred=True,
    )


# --- «Время на этапах» -----------------------------------------------------------------------------------


def time_in_stage_grid(groups: Sequence[tuple[str, list[figures.StayLine]]]) -> Grid:
    """`groups`: (funnel name or "" for a single funnel, its lines)."""
    columns = [
        STAGE,
        Column(_("Завершённых пребываний"), Kind.COUNT),
        *STAY_LENGTHS,
        Column(_("Сейчас на этапе"), Kind.COUNT),
        Column(_("Сейчас в среднем"), Kind.DURATION),
    ]
    lines = []
    for name, stays in groups:
        if name:
            lines.append(Line([name, None, None, None, None, None], style=GROUP))
        for s in stays:
            lines.append(
                Line(
                    [stage_label(s.stage), s.stays, s.mean, s.median, s.now, s.now_mean],
                    level=1 if name else 0,
                    key=f"stage-{s.stage.pk}",
                )
            )
    return Grid(columns, lines, None, _("Нет этапов, на которые переходили в периоде."), table_id="stay-table")


def time_in_stage_chart(groups: Sequence[tuple[str, list[figures.StayLine]]]) -> SafeString:
    bars = []
    for name, stays in groups:
        for s in stays:
            if s.stays:
                label = f"{name}: {s.stage.name}" if name else stage_label(s.stage)
                bars.append(
                    Bar(
                        label,
                        [float(s.mean or 0), float(s.median or 0)],
                        [numbers.days(s.mean), numbers.days(s.median)],
                    )
                )
    return bar_chart(
        bars, [str(c.label) for c in STAY_LENGTHS], title=_("Время на этапах, дней"), chart_id="time-in-stage-chart"
    )


# --- «Воронка по менеджерам» -----------------------------------------------------------------------------


def managers_grid(table: figures.ManagerTable, url: Callable[[int | None], str]) -> Grid:
    columns = [
        Column(_("Менеджер")),
        Column(_("Сделок"), Kind.COUNT),
        *OUTCOMES.values(),
        Column(_("Конверсия, %"), Kind.PERCENT),
        Column(_("Средний цикл, дней"), DAYS),
        REVENUE,
    ]

    def values(name: str, line: figures.ManagerLine) -> list:
        return [name, line.deals, line.won, line.lost, line.open, line.conversion, line.cycle, line.revenue]

    lines = [Line(values(m.name, m), url=url(m.manager_id), key=str(m.manager_id or "none")) for m in table.lines]
    total = Line(values(_("Итого"), table.total), key="total")
    return Grid(columns, lines, total, _("Нет сделок, созданных в периоде."), table_id="managers-table")


def managers_chart(table: figures.ManagerTable) -> SafeString:
    bars = [Bar(m.name, [float(m.revenue)], [numbers.number(m.revenue, 0)]) for m in table.lines if m.revenue]
    return bar_chart(bars, [_("Выручка")], title=_("Выручка по менеджерам"), chart_id="managers-chart")


# --- «Повторные продажи» ---------------------------------------------------------------------------------


def bucket_label(wins: int) -> str:
    return _("5 и более") if wins == figures.WIN_BUCKETS[-1] else str(wins)


def repeat_summary_grid(summary: figures.RepeatSummary) -> Grid:
    columns = [Column(_("Побед у клиента")), Column(_("Клиентов"), Kind.COUNT)]
    lines = [Line([bucket_label(w), n], key=f"wins-{w}") for w, n in summary.buckets.items()]
    total = Line([_("Клиентов с победами"), summary.clients], key="total")
    notes = []
    if summary.clients:
        notes.append(
            _("Из них повторных (2 и более побед): %(repeat)s, %(share)s %%")
            % {"repeat": _count(summary.repeat), "share": numbers.number(summary.share, 1)}
        )
    return Grid(columns, lines, total, "", table_id="repeat-summary-table", notes=notes)


def repeat_chart(summary: figures.RepeatSummary) -> SafeString:
    bars = [Bar(bucket_label(w), [n], [_count(n)]) for w, n in summary.buckets.items()]
    return bar_chart(
        bars if summary.clients else [],
        [_("Клиентов")],
        title=_("Клиенты по числу выигранных сделок"),
        chart_id="repeat-chart",
    )


def client_wins_grid(clients: Iterable[figures.ClientWins], *, notes: Sequence[str] = ()) -> Grid:
    columns = [
        Column(_("Клиент")),
        Column(_("Выиграно сделок"), Kind.COUNT),
        REVENUE,
        Column(_("Первая победа"), Kind.DATE),
        Column(_("Последняя победа"), Kind.DATE),
        Column(_("Дней между победами"), DAYS),
    ]
    lines = [
        Line(
            [client_label(c.name, c.inn), c.wins, c.revenue, localdate(c.first), localdate(c.last), c.days_between],
            key=str(c.client_id),
        )
        for c in clients
    ]
    return Grid(columns, lines, None, _("Нет выигранных сделок клиентов в периоде."), notes=list(notes))
