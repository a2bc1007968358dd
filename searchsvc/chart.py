"""Timelines drawn as SVG bar charts on the server (no JavaScript needed).

``timeline_svg`` returns one ``<svg>`` element: one bar per bucket (grouped, one colour
per query when several timelines are compared), each bar a link (``href(bucket)``) with
a ``<title>`` tooltip, axes labelled with the first and last periods and the peak. The
chart scales to its container (``viewBox``, no fixed width), so it reads at phone width.
Colours are presentation attributes (the pages' Content-Security-Policy forbids inline
styles). All text is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from .limits import CHART_MEASURES
from .models import Timeline, TimelineBucket

WIDTH = 640
HEIGHT = 180
LEFT = 44
BOTTOM = 22
TOP = 8
# Distinguishable for the common colour-vision deficiencies (Okabe-Ito).
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9")
MEASURES = CHART_MEASURES


def value_of(bucket: TimelineBucket, measure: str) -> float:
    """Return the bar height's quantity: the bucket's ``count`` or its ``share``."""
    return bucket.share if measure == "share" else float(bucket.count)


def label_of(value: float, measure: str) -> str:
    """Return a value as shown on the chart (a percentage for shares)."""
    return f"{value:.1%}" if measure == "share" else f"{int(value):,}"


def timeline_svg(
    series: Sequence[Timeline],
    measure: str = "count",
    href: Callable[[TimelineBucket], str] | None = None,
    title: str = "Matching paragraphs over time",
) -> str:
    """Return the SVG bar chart of one or more timelines over the same buckets."""
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}")
    buckets = series[0].buckets if series else []
    plot_w = WIDTH - LEFT - 4
    plot_h = HEIGHT - TOP - BOTTOM
    peak = max((value_of(b, measure) for t in series for b in t.buckets), default=0.0)
    scale = plot_h / peak if peak else 0.0
    slot = plot_w / max(len(buckets), 1)
    bar = max(slot / max(len(series), 1) * 0.85, 0.5)
    queries = ", ".join(t.query for t in series)
    parts = [
        f'<svg class="timeline-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title" preserveAspectRatio="none" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(title)}: {escape(queries)} '
        f"({escape(measure)} per {escape(series[0].interval if series else '')})</title>",
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - 4}" y2="{TOP + plot_h}" '
        'stroke="#767676" stroke-width="1"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 10}" text-anchor="end" font-size="11" '
        f'fill="#444">{escape(label_of(peak, measure))}</text>',
        f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end" font-size="11" '
        'fill="#444">0</text>',
    ]
    for i, bucket in enumerate(buckets):
        for k, timeline in enumerate(series):
            b = timeline.buckets[i]
            value = value_of(b, measure)
            h = value * scale
            x = LEFT + i * slot + k * bar + (slot - bar * len(series)) / 2
            y = TOP + plot_h - h
            tip = f"{b.start}: {label_of(value, measure)}"
            if len(series) > 1:
                tip = f"{timeline.query}, {tip}"
            rect = (
                f'<rect x="{x:.2f}" y="{y:.2f}" width="{bar:.2f}" height="{max(h, 0):.2f}" '
                f'fill="{COLOURS[k % len(COLOURS)]}"><title>{escape(tip)}</title></rect>'
            )
            # A transparent full-height target keeps short bars easy to click.
            target = (
                f'<rect x="{x:.2f}" y="{TOP}" width="{bar:.2f}" height="{plot_h}" '
                'fill="transparent"/>'
            )
            if href is not None:
                parts.append(
                    f'<a href="{escape(href(bucket), quote=True)}" '
                    f'aria-label="{escape(tip, quote=True)}">{target}{rect}</a>'
                )
            else:
                parts.append(rect)
    if buckets:
        parts.append(
            f'<text x="{LEFT}" y="{HEIGHT - 6}" font-size="11" fill="#444">'
            f"{escape(buckets[0].start)}</text>"
        )
        parts.append(
            f'<text x="{WIDTH - 4}" y="{HEIGHT - 6}" text-anchor="end" font-size="11" '
            f'fill="#444">{escape(buckets[-1].start)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def legend(series: Sequence[Timeline]) -> list[tuple[str, str]]:
    """Return (colour, query) for each compared timeline, in chart order."""
    return [(COLOURS[k % len(COLOURS)], t.query) for k, t in enumerate(series)]
