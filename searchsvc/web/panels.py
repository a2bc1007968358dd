"""The analyst panels of the search page, drawn on the server: the timeline chart of
the search (compared with other queries, ``vs=``) and the "named with" panel of actors
or places named with an actor or location filter.

What a panel shows is computed by the engine-neutral views (``searchsvc.timeline``,
``searchsvc.related``) and drawn by ``searchsvc.chart``; this module only chooses what
to ask, and the links. A panel that cannot be computed (a bad ``vs`` query, too many
periods) says why; the results are shown all the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from markupsafe import Markup

from .. import limits
from .. import timeline as timelines
from ..chart import label_of, legend, timeline_svg, value_of
from ..dates import date_bounds
from ..engine import SearchEngine
from ..errors import SearchsvcError
from ..models import SearchPage, SearchRequest, Timeline, TimelineBucket
from ..related import related
from .links import export_href, timeline_csv_href, toggle_href, view_href, view_pairs
from .params import CHART, ChartView

MEASURE_LABELS = {"count": "Paragraphs", "share": "Share of all paragraphs"}
# With dedupe the bars count stories (one per cluster of copies).
STORY_LABELS = MEASURE_LABELS | {"count": "Stories"}
# Which field a filter's "named with" panel lists: the other one.
NAMED_WITH = {"actors": "locations", "locations": "actors"}
FIELD_LABELS = {"actors": "People and organisations", "locations": "Places"}


@dataclass
class ChartRow:
    """One period in the chart's table: its label, the link narrowing the search to
    it, and each series' value there (as shown)."""

    label: str
    href: str
    values: list[str]


@dataclass
class Chart:
    """What the template draws above the results (``error`` set: only that)."""

    measure: str
    counted: str = "paragraphs"  # or "stories" (dedupe)
    interval: str = ""
    svg: Markup = Markup("")
    legend: list[tuple[str, str, str]] = field(default_factory=list)  # colour, label, remove
    rows: list[ChartRow] = field(default_factory=list)
    undated: int = 0
    measure_links: list[tuple[str, str, bool]] = field(default_factory=list)  # label, href, on
    csv_href: str = ""
    all_dates_href: str | None = None
    compare_pairs: list[tuple[str, str]] = field(default_factory=list)
    can_compare: bool = True
    error: str | None = None


@dataclass
class NamedWith:
    """The values of ``field`` most named with the hits (each with the link adding it
    as a filter): the panel shown for an active filter of the other field."""

    field: str
    heading: str
    values: list[tuple[str, int, float, str]]  # value, count, lift, href
    counted: str = "paragraphs"  # or "stories" (dedupe)


def chart(engine: SearchEngine, req: SearchRequest, view: ChartView) -> Chart:
    """Return the chart of the search ``req`` (with the queries ``view.vs``), or a
    Chart whose ``error`` says why it cannot be drawn."""
    shown = Chart(measure=view.measure)
    try:
        if view.vs:
            requests = [req, *(replace(req, q=q) for q in view.vs)]
            interval, series = timelines.compare(engine, requests)
        else:
            one = timelines.timeline(engine, req)
            interval, series = one.interval, [one]
    except SearchsvcError as exc:
        shown.error = str(exc)
        return shown

    def narrow(bucket: TimelineBucket) -> str:
        first, last = _period(req, bucket.start, interval)
        return view_href(req, view, date_from=first, date_to=last)

    shown.interval = interval
    shown.counted = series[0].counted
    shown.svg = Markup(timeline_svg(series, view.measure, narrow))
    shown.legend = _legend(req, view, series)
    shown.rows = [
        ChartRow(
            label=period_label(bucket.start, interval),
            href=narrow(bucket),
            values=[label_of(value_of(t.buckets[i], view.measure), view.measure) for t in series],
        )
        for i, bucket in enumerate(series[0].buckets)
    ]
    shown.undated = series[0].undated
    labels = STORY_LABELS if shown.counted == "stories" else MEASURE_LABELS
    shown.measure_links = [
        (labels[m], view_href(req, replace(view, measure=m)), m == view.measure)
        for m in CHART.values
    ]
    shown.csv_href = timeline_csv_href(req, view.vs, interval)
    if req.date_from or req.date_to:
        shown.all_dates_href = view_href(req, view, date_from=None, date_to=None)
    shown.compare_pairs = view_pairs(req, view)  # the compare form adds its vs
    shown.can_compare = len(view.vs) + 1 < limits.MAX_COMPARE_QUERIES
    return shown


def _legend(
    req: SearchRequest, view: ChartView, series: list[Timeline]
) -> list[tuple[str, str, str]]:
    """Return (colour, label, link removing it: "" for the search's own) per series."""
    if len(series) == 1:
        return []
    out = []
    for k, (colour, query) in enumerate(legend(series)):
        remove = ""
        if k:
            kept = tuple(v for i, v in enumerate(view.vs) if i != k - 1)
            remove = view_href(req, replace(view, vs=kept))
        out.append((colour, query or "(filters only)", remove))
    return out


def _period(req: SearchRequest, start: str, interval: str) -> tuple[str, str]:
    """Return the first and last day of the bucket starting on ``start``, within the
    search's own dates (a week may begin before its ``from``)."""
    first = date.fromisoformat(start)
    last = timelines.bucket_end(first, interval)
    lower = date_bounds(req.date_from, end=False)
    upper = date_bounds(req.date_to, end=True)
    if lower is not None and lower.date() > first:
        first = lower.date()
    if upper is not None and upper.date() < last:
        last = upper.date()
    return first.isoformat(), last.isoformat()


def period_label(start: str, interval: str) -> str:
    """Return how a period is named in the chart's table (``2023-11``, ``week of
    2023-11-06``...)."""
    if interval == "year":
        return start[:4]
    if interval == "month":
        return start[:7]
    if interval == "week":
        return f"week of {start}"
    return start


def named_with(engine: SearchEngine, req: SearchRequest, page: SearchPage) -> list[NamedWith]:
    """Return the "named with" panels of the search: for an active actor filter the
    places named with the hits, for a location filter the actors (both for both).
    Values already filtered on are left out; with few hits, values named once count."""
    active = {"actors": req.actors, "locations": req.locations}
    few = page.total_paragraphs < limits.RELATED_PANEL_ALL_BELOW
    min_count = 1 if few else limits.DEFAULT_RELATED_MIN_COUNT
    panels = []
    for filtered, other in NAMED_WITH.items():
        if not active[filtered]:
            continue
        try:
            found = related(
                engine,
                replace(req, page=1, collapse=False),
                other,
                min_count=min_count,
                limit=limits.RELATED_PANEL_LIMIT + len(active[other]),
            )
        except SearchsvcError:
            continue
        values = [
            (v.value, v.count, v.lift, toggle_href(req, other, v.value))
            for v in found.values
            if v.value not in active[other]
        ][: limits.RELATED_PANEL_LIMIT]
        heading = f"{FIELD_LABELS[other]} named with {', '.join(active[filtered])}"
        panels.append(NamedWith(other, heading, values, counted=found.counted))
    return panels


def downloads(req: SearchRequest) -> dict[str, str]:
    """Return the links to the export of every hit, by format."""
    return {fmt: export_href(req, fmt) for fmt in limits.EXPORT_FORMATS}
