"""Charts as inline SVG, drawn on the server: no script, no style attribute (the console's
CSP), colours from CSS classes (``console.css``: ``.series-<name>``).

Each chart is an ``<svg class="chart">`` with a ``<title>`` and one ``<title>`` per bar
(the value on hover and for screen readers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 220
LEFT, BOTTOM, TOP, RIGHT = 36, 24, 12, 8


@dataclass(frozen=True)
class Series:
    """One row of values (one per label), drawn in CSS class ``series-<css>``."""

    name: str
    css: str
    values: Sequence[float]


def _scale_top(highest: float) -> float:
    """A round upper end of the axis (1, 2, 5 × 10ⁿ) at or above ``highest``."""
    if highest <= 0:
        return 1.0
    step = 1.0
    while step * 10 <= highest:
        step *= 10
    for factor in (1, 2, 5, 10):
        if factor * step >= highest:
            return factor * step
    return 10 * step


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def bars(title: str, labels: Sequence[str], series: Sequence[Series],
         stacked: bool = True, every: int = 5) -> Markup:
    """A bar chart: per label the series stacked (or side by side); every ``every``-th
    label written under the axis."""
    count = max(len(labels), 1)
    totals = [sum(s.values[i] for s in series) if stacked
              else max((s.values[i] for s in series), default=0) for i in range(len(labels))]
    top = _scale_top(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / count
    width = slot * 0.8 / (1 if stacked else max(len(series), 1))
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for tick in (0, top / 2, top):  # axis lines with their values
        y = TOP + plot_h - tick / top * plot_h
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
                     f'y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text class="axis" x="{LEFT - 4}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{_number(tick)}</text>')
    for i, label in enumerate(labels):
        x = LEFT + i * slot + slot * 0.1
        base: float = TOP + plot_h
        for j, item in enumerate(series):
            value = item.values[i]
            if value <= 0:
                continue
            h = value / top * plot_h
            left = x if stacked else x + j * width
            y = base - h if stacked else TOP + plot_h - h
            parts.append(f'<rect class="series-{escape(item.css)}" x="{left:.1f}" '
                         f'y="{y:.1f}" width="{width:.1f}" height="{h:.1f}">'
                         f'<title>{escape(label)}: {escape(item.name)} {_number(value)}'
                         f'</title></rect>')
            if stacked:
                base -= h
        if i % every == 0 or i == len(labels) - 1:
            parts.append(f'<text class="axis" x="{x + slot * 0.4:.1f}" y="{HEIGHT - 6}" '
                         f'text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def share(title: str, parts: Sequence[Series]) -> Markup:
    """One bar of 100 %: each part's share of the sum (its first value), labelled."""
    total = sum(p.values[0] for p in parts)
    height = 48
    out = [f'<svg class="chart share" viewBox="0 0 {WIDTH} {height}" role="img" '
           f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    x = 0.0
    for part in parts:
        value = part.values[0]
        if total <= 0 or value <= 0:
            continue
        w = value / total * WIDTH
        percent = f"{value / total:.0%}"
        out.append(f'<rect class="series-{escape(part.css)}" x="{x:.1f}" y="0" '
                   f'width="{w:.1f}" height="{height - 16}"><title>{escape(part.name)}: '
                   f'{_number(value)} ({percent})</title></rect>')
        if w > 60:
            out.append(f'<text class="inside" x="{x + 6:.1f}" y="{height - 28}">'
                       f'{percent}</text>')
        x += w
    if total <= 0:
        out.append(f'<text class="axis" x="0" y="{height - 24}">noch keine Fragen gezählt</text>')
    out.append("</svg>")
    return Markup("".join(out))
