"""Counts per category as a small, hand-written SVG bar chart (horizontal bars).

Built like outcomes.charts: one code path for the web pages (browsers draw inline SVG) and the
PDF export (WeasyPrint does). Horizontal bars, so long labels ("Health insurer (supplementary
cover)", "sep 2025") read on one line however many bars there are.

Readable without colour: every bar carries its value as text, both axes have a text title, each
category its label; the root element has `role="img"`, a `<title>` and an `aria-label` that
spells out every value for screen readers. Nothing in the markup refers outside itself (no
`<use>`, `<image>`, links or ids), so many charts share a page and the PDF's static-only fetcher
is never asked for anything. Every piece of text is escaped here; the caller may `mark_safe` it.
"""

from __future__ import annotations

from math import ceil

from django.utils.html import escape
from django.utils.translation import gettext

from core.svg import attr as _attr
from core.svg import number as _n
from core.svg import text as _text

from .suppression import SUPPRESSED

FONT_FAMILY = "DejaVu Sans, sans-serif"
WIDTH = 560
# Text at 13 (ticks 12) of 560 units: readable where the page and the PDF draw the chart (the
# 10 before was hard to read, issue 17).
FONT_SIZE, TICK_SIZE = 13, 12
BAR_HEIGHT, BAR_GAP = 18, 8
PLOT_TOP = 8
LABEL_MAX_CHARS = 28
# DejaVu Sans at 13px averages about 7.8px a character; the label column fits the longest label.
CHAR_WIDTH = 7.8
LABEL_COLUMN_MIN, LABEL_COLUMN_MAX = 70, 228
# Room right of the longest bar for its value label.
VALUE_ROOM = 50
BAR_COLOUR = "#2d5c88"
GRID_COLOUR = "#d9d9d9"
AXIS_COLOUR = "#333333"


def _short(label: str) -> str:
    """Long labels are cut with an ellipsis in the chart; the table and aria-label keep them."""
    return label if len(label) <= LABEL_MAX_CHARS else label[: LABEL_MAX_CHARS - 1] + "\u2026"


def _nice_top(top: int) -> tuple[int, int]:
    """(axis maximum, tick step): at most about five ticks, on 1/2/5 x 10^k steps."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            candidate = step * factor
            if top / candidate <= 5:
                return max(candidate, ceil(top / candidate) * candidate), candidate
        step *= 10


def bar_chart_svg(
    rows: list[tuple[str, int | None]],
    *,
    title: str,
    value_axis: str | None = None,
    category_axis: str | None = None,
) -> str:
    """A horizontal bar chart of `rows` ((label, count) pairs, drawn top to bottom).

    A count of None is hidden (dashboard.suppression): no bar, only SUPPRESSED as its value, so
    the drawing gives away no more than the table.

    `value_axis` and `category_axis` title the axes (default "Referrals" and none). Labels are
    translated by the caller; the defaults in the active language. Returns escaped markup.
    """
    value_axis = gettext("Referrals") if value_axis is None else value_axis
    labels = [_short(str(label)) for label, _count in rows]
    longest = max((len(label) for label in labels), default=0)
    label_column = min(max(LABEL_COLUMN_MIN, longest * CHAR_WIDTH + 8), LABEL_COLUMN_MAX)
    left = (24 if category_axis else 6) + label_column
    right = WIDTH - VALUE_ROOM
    top_value, step = _nice_top(max([count or 0 for _label, count in rows] or [0]) or 1)
    plot_height = max(len(rows), 1) * (BAR_HEIGHT + BAR_GAP)
    plot_bottom = PLOT_TOP + plot_height
    height = plot_bottom + 46

    def x(value: int) -> float:
        return left + (right - left) * value / top_value

    def shown(count: int | None) -> str:
        return SUPPRESSED if count is None else str(count)

    summary = "; ".join(f"{label}: {shown(count)}" for label, count in rows)
    label = f"{title}. {summary}." if rows else f"{title}. {gettext('No data')}."
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" role="img"'
        f' width="{WIDTH}" height="{_n(height)}" viewBox="0 0 {WIDTH} {_n(height)}"'
        f' aria-label="{_attr(label)}" font-family="{FONT_FAMILY}" font-size="{FONT_SIZE}"'
        f' fill="#111111">',
        f"<title>{escape(label)}</title>",
    ]

    grid = []
    for tick in range(0, top_value + 1, step):
        gx = x(tick)
        grid.append(
            f'<line x1="{_n(gx)}" y1="{PLOT_TOP - 2}" x2="{_n(gx)}" y2="{_n(plot_bottom)}"'
            f' stroke="{GRID_COLOUR}" stroke-width="0.6"/>'
        )
        grid.append(_text(gx, plot_bottom + 15, str(tick), font_size=str(TICK_SIZE)))
    parts.append(f'<g class="grid" aria-hidden="true">{"".join(grid)}</g>')
    parts.append(
        f'<path d="M{_n(left)} {PLOT_TOP - 2} V{_n(plot_bottom)} H{_n(right)}" fill="none"'
        f' stroke="{AXIS_COLOUR}" stroke-width="0.8" class="axes"/>'
    )
    parts.append(_text((left + right) / 2, plot_bottom + 36, value_axis))
    if category_axis:
        cx, cy = 12, PLOT_TOP + plot_height / 2
        parts.append(_text(cx, cy, category_axis, transform=f"rotate(-90 {cx} {_n(cy)})"))

    if not rows:
        parts.append(_text((left + right) / 2, PLOT_TOP + 16, gettext("No data")))
    for index, ((full_label, count), short_label) in enumerate(zip(rows, labels, strict=True)):
        y = PLOT_TOP + index * (BAR_HEIGHT + BAR_GAP) + BAR_GAP / 2
        middle = y + BAR_HEIGHT / 2 + 4.5
        width = x(count or 0) - left
        bar = (
            f'<rect x="{_n(left)}" y="{_n(y)}" width="{_n(width)}" height="{BAR_HEIGHT}"'
            f' fill="{BAR_COLOUR}"/>'
            if count
            else ""
        )
        parts.append(
            f'<g class="bar" data-label="{_attr(full_label)}" data-value="{shown(count)}">'
            f"{_text(left - 6, middle, short_label, anchor='end')}"
            f"{bar}"
            f"{_text(left + width + 4, middle, shown(count), anchor='start', font_weight='bold')}"
            f"</g>"
        )
    parts.append("</svg>")
    return "".join(parts)
