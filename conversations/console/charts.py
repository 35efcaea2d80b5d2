"""Simple server-rendered SVG charts for the figures page: no JavaScript, labels escaped."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

BAR_COLOUR = "#2f6fdb"


def columns(points: Sequence[tuple[str, int]], *, height: int = 160, title: str = "") -> Markup:
    """A column chart of (label, value), one column per point, scaled to the largest value."""
    width = max(640, 20 * len(points))
    top = max((value for _, value in points), default=0) or 1
    slot = width / max(len(points), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height + 20}" role="img" '
        f'aria-label="{escape(title)}">'
    ]
    for index, (label, value) in enumerate(points):
        bar = round(value / top * height, 1)
        x = round(index * slot + slot * 0.1, 1)
        parts.append(
            f'<rect x="{x}" y="{round(height - bar, 1)}" width="{round(slot * 0.8, 1)}" '
            f'height="{bar}" fill="{BAR_COLOUR}"><title>{escape(label)}: {value}</title></rect>'
        )
    if points:
        parts.append(
            f'<text x="0" y="{height + 15}" font-size="11">{escape(points[0][0])}</text>'
            f'<text x="{width}" y="{height + 15}" font-size="11" text-anchor="end">'
            f"{escape(points[-1][0])}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every label and title is escaped above)


def bars(points: Sequence[tuple[str, int]], *, title: str = "") -> Markup:
    """A horizontal bar chart of (label, value), largest first as given."""
    row = 22
    width = 420
    label_width = 150
    top = max((value for _, value in points), default=0) or 1
    parts = [
        f'<svg class="chart bars" width="{width}" viewBox="0 0 {width} '
        f'{max(row * len(points), row)}" role="img" aria-label="{escape(title)}">'
    ]
    for index, (label, value) in enumerate(points):
        y = index * row
        length = round(value / top * (width - label_width - 40), 1)
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="12">{escape(label[:24])}</text>'
            f'<rect x="{label_width}" y="{y + 4}" width="{length}" height="{row - 8}" '
            f'fill="{BAR_COLOUR}"></rect>'
            f'<text x="{label_width + length + 4}" y="{y + 15}" font-size="12">{value}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every label and title is escaped above)


__all__ = ["bars", "columns"]
