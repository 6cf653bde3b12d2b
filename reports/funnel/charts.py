"""Horizontal bar charts as SVG drawn on the server (no script): a label per row, one bar per
series, the value written after the bar. Centred bars make the funnel of «Конверсия воронки»."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

COLOURS = ("#0d6efd", "#fd7e14", "#20c997")
LABEL_WIDTH, BAR_WIDTH, VALUE_WIDTH = 260, 380, 110
BAR_HEIGHT, GAP, LEGEND = 16, 8, 22


@dataclass(frozen=True)
class Bar:
    label: str
    values: Sequence[float]  # one per series
    texts: Sequence[str]  # the values as written


def _label(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(
    bars: Sequence[Bar], series: Sequence[str], *, title: str, chart_id: str, centred: bool = False
) -> SafeString:
    """The chart of `bars`; a legend names the `series` when there are several."""
    if not bars:
        return mark_safe("")
    top = LEGEND if len(series) > 1 else 0
    row = BAR_HEIGHT * len(series) + GAP
    width, height = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH, top + row * len(bars) + GAP
    largest = max((v for bar in bars for v in bar.values if v), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart d-block mb-3" id="{escape(chart_id)}"'
        f' width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img"'
        f' aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    if len(series) > 1:
        x = LABEL_WIDTH
        for index, name in enumerate(series):
            colour = COLOURS[index % len(COLOURS)]
            parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>')
            parts.append(f'<text x="{x + 16}" y="14">{escape(name)}</text>')
            x += 30 + 8 * len(name)
    for number, bar in enumerate(bars):
        y = top + GAP + number * row
        middle = y + BAR_HEIGHT * len(series) / 2 + 4
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{middle:.0f}" text-anchor="end">'
            f"<title>{escape(bar.label)}</title>{escape(_label(bar.label))}</text>"
        )
        for index, (value, text) in enumerate(zip(bar.values, bar.texts, strict=True)):
            length = max(BAR_WIDTH * (value or 0) / largest, 1 if value else 0)
            x = LABEL_WIDTH + ((BAR_WIDTH - length) / 2 if centred else 0)
            top_y = y + index * BAR_HEIGHT
            colour = COLOURS[index % len(COLOURS)]
            parts.append(
                f'<rect x="{x:.1f}" y="{top_y}" width="{length:.1f}" height="{BAR_HEIGHT - 2}" fill="{colour}"/>'
            )
            end = LABEL_WIDTH + BAR_WIDTH + 6 if centred else x + length + 6
            parts.append(f'<text x="{end:.1f}" y="{top_y + BAR_HEIGHT - 4}">{escape(text)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped, every number formatted here
