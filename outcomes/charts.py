"""Questionnaire totals over the weeks as a small, hand-written SVG line chart.

One code path for the PDF reports (WeasyPrint draws inline SVG) and for web pages (browsers do).
The chart is readable without colour: every series has its own marker shape and dash pattern,
the legend names each one in text, every point carries its value, and the root element has
`role="img"`, a `<title>` and an `aria-label` that spells out all values for screen readers.

Nothing in the markup refers outside itself (no `<use>`, `<image>`, `<marker>`, links or ids),
so many charts can share a page and the letters' static-only fetcher is never asked for anything.
Every piece of text is escaped here; the caller may `mark_safe` the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from django.utils.html import escape
from django.utils.translation import gettext

from core.svg import attr as _attr
from core.svg import number as _n
from core.svg import text as _text

Point = tuple[int, int | None]

FONT_FAMILY = "DejaVu Sans, sans-serif"
WIDTH = 300
# Text at 13 (ticks 12) of 300 units: at least 12 px where the chart is drawn at its own size,
# and 9 pt in the letter's 74 mm column (the 10 before was hard to read, issue 17).
FONT_SIZE, TICK_SIZE = 13, 12
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_HEIGHT = 50, 286, 22, 130
# Week 0 and the last week sit this far inside the axes, so their labels clear the y axis.
X_INSET = 18
LEGEND_ROW_HEIGHT = 20
# Two legend entries side by side fit when each label is short ("PHQ-9 (0–27)").
LEGEND_SHORT_LABEL = 14
DEFAULT_WEEKS = (0, 5, 10)

# Colour helps, but never alone: shape and dash pattern differ per series too.
STYLES = (
    ("#2d5c88", "circle", ""),
    ("#b35400", "square", "6 3"),
    ("#3f7a32", "triangle", "2 3"),
    ("#6f3d96", "diamond", "8 3 2 3"),
)
GRID_COLOUR = "#d9d9d9"
AXIS_COLOUR = "#333333"


@dataclass(frozen=True)
class _Scale:
    max_week: int
    top: int

    def x(self, week: int) -> float:
        span = PLOT_RIGHT - PLOT_LEFT - 2 * X_INSET
        return PLOT_LEFT + X_INSET + span * week / self.max_week

    def y(self, value: int) -> float:
        clamped = min(max(value, 0), self.top)
        return PLOT_TOP + PLOT_HEIGHT * (1 - clamped / self.top)


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    paint = f'fill="{colour}" stroke="{colour}" stroke-width="1"'
    if shape == "circle":
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3.8" {paint}/>'
    if shape == "square":
        return f'<rect x="{_n(x - 3.4)}" y="{_n(y - 3.4)}" width="6.8" height="6.8" {paint}/>'
    if shape == "triangle":
        corners = ((x, y - 4.4), (x + 4.2, y + 3.2), (x - 4.2, y + 3.2))
    else:  # diamond
        corners = ((x, y - 4.6), (x + 4.6, y), (x, y + 4.6), (x - 4.6, y))
    points = " ".join(f"{_n(cx)},{_n(cy)}" for cx, cy in corners)
    return f'<polygon points="{points}" {paint}/>'


def _style(index: int) -> tuple[str, str, str]:
    return STYLES[index % len(STYLES)]


def _tick_step(top: int) -> int:
    for step in (1, 2, 5, 10, 20, 50, 100):
        if top / step <= 6:
            return step
    return ceil(top / 6)


def _path_data(points: list[Point], scale: _Scale) -> str:
    """Line segments between consecutive known values; a missing value leaves a gap."""
    parts: list[str] = []
    run: list[tuple[int, int]] = []
    for week, value in [*sorted(points, key=lambda p: p[0]), (None, None)]:
        if value is None or week is None:
            if len(run) > 1:
                parts.append(
                    " ".join(
                        f"{'M' if i == 0 else 'L'}{_n(scale.x(w))} {_n(scale.y(v))}"
                        for i, (w, v) in enumerate(run)
                    )
                )
            run = []
        else:
            run.append((week, value))
    return " ".join(parts)


def _label_positions(series: dict[str, list[Point]]) -> dict[tuple[str, int], str]:
    """Where each value label goes: above the highest point of a week, below the lowest.

    With two series (PHQ-9 and GAD-7) the labels of one week never meet, even at equal values.
    Points in between (a third series) get their label on the right.
    """
    by_week: dict[int, list[tuple[int, str]]] = {}
    for name, points in series.items():
        for week, value in points:
            if value is not None:
                by_week.setdefault(week, []).append((value, name))
    positions: dict[tuple[str, int], str] = {}
    for week, entries in by_week.items():
        ordered = sorted(entries, key=lambda entry: -entry[0])  # stable: input order on ties
        for rank, (_value, name) in enumerate(ordered):
            if rank == 0:
                positions[(name, week)] = "above"
            elif rank == len(ordered) - 1:
                positions[(name, week)] = "below"
            else:
                positions[(name, week)] = "right"
    return positions


def _value_label(x: float, y: float, value: int, position: str) -> str:
    if position == "above" and y - 8 < PLOT_TOP - 8:
        position = "right"
    if position == "below" and y + 17 > PLOT_TOP + PLOT_HEIGHT - 1:
        position = "right"
    if position == "above":
        return _text(x, y - 8, str(value), font_weight="bold")
    if position == "below":
        return _text(x, y + 17, str(value), font_weight="bold")
    return _text(x + 8, y + 4.5, str(value), anchor="start", font_weight="bold")


def _series_summary(name: str, points: list[Point]) -> str:
    if all(value is None for _week, value in points):
        return gettext("%(name)s: no scores") % {"name": name}
    values = ", ".join(
        gettext("week %(week)s: %(value)s")
        % {"week": week, "value": gettext("no score") if value is None else value}
        for week, value in sorted(points, key=lambda p: p[0])
    )
    return f"{name}: {values}"


def _legend_labels(series: dict[str, list[Point]], max_values: dict[str, int]) -> list[str]:
    labels = []
    for name, points in series.items():
        label = f"{name} (0\u2013{max_values[name]})" if name in max_values else name
        if all(value is None for _week, value in points):
            label = gettext("%(name)s: no scores") % {"name": label}
        labels.append(label)
    return labels


def _legend_columns(labels: list[str]) -> int:
    return 2 if all(len(label) <= LEGEND_SHORT_LABEL for label in labels) else 1


def _legend(labels: list[str], top: float) -> list[str]:
    items: list[str] = []
    columns = _legend_columns(labels)
    column_width = WIDTH // columns
    for index, label in enumerate(labels):
        colour, shape, dash = _style(index)
        row, column = divmod(index, columns)
        x = 8 + column * column_width
        y = top + row * LEGEND_ROW_HEIGHT
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        items.append(
            f'<g class="legend-item">'
            f'<line x1="{x}" y1="{_n(y)}" x2="{x + 26}" y2="{_n(y)}" stroke="{colour}"'
            f' stroke-width="2"{dash_attr}/>'
            f"{_marker(shape, x + 13, y, colour)}"
            f"{_text(x + 32, y + 4.5, label, anchor='start')}"
            f"</g>"
        )
    return items


def score_chart_svg(
    series: dict[str, list[tuple[int, int | None]]],
    *,
    max_values: dict[str, int],
    title: str,
) -> str:
    """An SVG line chart of questionnaire totals per week, one line per instrument.

    `series` maps a name ("PHQ-9") to (week, total) pairs; a total of None is a missing score
    and leaves a gap in the line. The y axis runs from 0 to the highest of `max_values` (each
    instrument's maximum total); the x axis shows weeks 0, 5 and 10. Labels are translated in
    the active language. Returns markup; every text in it is escaped.
    """
    names = list(series)
    weeks = sorted({*DEFAULT_WEEKS, *(week for points in series.values() for week, _v in points)})
    known = [value for points in series.values() for _w, value in points if value is not None]
    top = max([*max_values.values(), *known, 1])
    scale = _Scale(max_week=max(weeks[-1], 1), top=top)
    plot_bottom = PLOT_TOP + PLOT_HEIGHT
    legend_labels = _legend_labels(series, max_values)
    legend_top = plot_bottom + 56
    legend_rows = max(1, ceil(len(names) / _legend_columns(legend_labels)))
    height = legend_top + legend_rows * LEGEND_ROW_HEIGHT

    summary = "; ".join(_series_summary(name, series[name]) for name in names)
    label = f"{title}. {summary}." if summary else f"{title}."

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="score-chart" role="img"'
        f' width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}"'
        f' aria-label="{_attr(label)}" font-family="{FONT_FAMILY}" font-size="{FONT_SIZE}"'
        f' fill="#111111">',
        f"<title>{escape(label)}</title>",
    ]

    # Grid and axes.
    step = _tick_step(top)
    grid = []
    for tick in range(0, top + 1, step):
        y = scale.y(tick)
        grid.append(
            f'<line x1="{PLOT_LEFT}" y1="{_n(y)}" x2="{PLOT_RIGHT}" y2="{_n(y)}"'
            f' stroke="{GRID_COLOUR}" stroke-width="0.6"/>'
        )
        grid.append(_text(PLOT_LEFT - 5, y + 4, str(tick), anchor="end", font_size=str(TICK_SIZE)))
    for week in weeks:
        x = scale.x(week)
        grid.append(
            f'<line x1="{_n(x)}" y1="{plot_bottom}" x2="{_n(x)}" y2="{plot_bottom + 4}"'
            f' stroke="{AXIS_COLOUR}" stroke-width="0.8"/>'
        )
        grid.append(_text(x, plot_bottom + 18, str(week), font_size=str(TICK_SIZE)))
    parts.append(f'<g class="grid" aria-hidden="true">{"".join(grid)}</g>')
    parts.append(
        f'<path d="M{PLOT_LEFT} {PLOT_TOP - 4} V{plot_bottom} H{PLOT_RIGHT}" fill="none"'
        f' stroke="{AXIS_COLOUR}" stroke-width="0.8" class="axes"/>'
    )
    y_label_x, y_label_y = 13, PLOT_TOP + PLOT_HEIGHT / 2
    parts.append(
        _text(
            y_label_x,
            y_label_y,
            gettext("Total score"),
            transform=f"rotate(-90 {y_label_x} {_n(y_label_y)})",
        )
    )
    parts.append(_text((PLOT_LEFT + PLOT_RIGHT) / 2, plot_bottom + 37, gettext("Week")))

    # One group per series: the line (when two or more values are adjacent), markers, values.
    positions = _label_positions(series)
    for index, name in enumerate(names):
        colour, shape, dash = _style(index)
        points = series[name]
        group = [f'<g class="series" data-series="{_attr(name)}">']
        data = _path_data(points, scale)
        if data:
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            group.append(
                f'<path d="{data}" fill="none" stroke="{colour}" stroke-width="2"'
                f' stroke-linejoin="round"{dash_attr}/>'
            )
        for week, value in points:
            if value is None:
                continue
            x, y = scale.x(week), scale.y(value)
            group.append(_marker(shape, x, y, colour))
            group.append(_value_label(x, y, value, positions[(name, week)]))
        group.append("</g>")
        parts.append("".join(group))

    parts.extend(_legend(legend_labels, legend_top))
    parts.append("</svg>")
    return "".join(parts)
