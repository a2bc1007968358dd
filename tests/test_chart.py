"""The server-side SVG timeline chart."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from searchsvc.chart import COLOURS, legend, timeline_svg
from searchsvc.models import Timeline, TimelineBucket

NS = {"svg": "http://www.w3.org/2000/svg"}


def _timeline(query: str, counts: list[int]) -> Timeline:
    buckets = [
        TimelineBucket(f"2023-{m:02d}-01", c, c, 10, c / 10) for m, c in enumerate(counts, 1)
    ]
    return Timeline("month", buckets, 0, query)


def test_one_linked_bar_per_bucket_scaled_to_the_peak():
    svg = timeline_svg([_timeline("gaza", [1, 4, 0])], href=lambda b: f"/?from={b.start}")
    root = ET.fromstring(svg)
    links = root.findall("svg:a", NS)
    assert [a.get("href") for a in links] == [
        "/?from=2023-01-01", "/?from=2023-02-01", "/?from=2023-03-01"
    ]
    bars = [a.findall("svg:rect", NS)[1] for a in links]
    heights = [float(r.get("height")) for r in bars]
    assert heights[1] == max(heights) and heights[2] == 0 and heights[0] == pytest.approx(
        heights[1] / 4
    )
    assert bars[1].find("svg:title", NS).text == "2023-02-01: 4"
    assert root.get("viewBox") and root.get("width") is None  # scales to its container


def test_share_measure_labels_percentages():
    svg = timeline_svg([_timeline("gaza", [1, 4])], measure="share")
    root = ET.fromstring(svg)
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert "2023-02-01: 40.0%" in titles


def test_compared_queries_get_one_colour_each_and_text_is_escaped():
    series = [_timeline("<b>gaza</b>", [1, 2]), _timeline("ceasefire & truce", [2, 1])]
    svg = timeline_svg(series)
    root = ET.fromstring(svg)  # parses: everything escaped
    fills = {r.get("fill") for r in root.iter("{http://www.w3.org/2000/svg}rect")}
    assert set(COLOURS[:2]) <= fills
    assert "<b>" not in svg
    assert legend(series) == [(COLOURS[0], "<b>gaza</b>"), (COLOURS[1], "ceasefire & truce")]


def test_an_empty_timeline_draws_an_empty_chart():
    root = ET.fromstring(timeline_svg([Timeline("month", [], 3, "x")]))
    assert root.findall("svg:a", NS) == []
