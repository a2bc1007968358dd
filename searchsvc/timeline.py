"""Attention over time: the matching paragraphs of a query per day, week, month or
year, beside everything indexed in the same period.

Computed above the engine from two ``SearchEngine.day_counts`` answers (the query's
hits, and the whole index), so every engine gives the same timeline and its counts are
the search's counts: a bucket's ``count`` is what a search with ``from``/``to`` set to
the bucket's first and last day reports. With ``dedupe``, a bucket counts stories (one
per cluster of copies, on the day of its canonical, earliest copy) and ``counted`` says
so; ``total`` and ``share`` still compare with every paragraph indexed in the period.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

from . import limits
from .engine import SearchEngine
from .errors import BadQuery
from .models import DayCounts, SearchRequest, Timeline, TimelineBucket


def bucket_start(day: date, interval: str) -> date:
    """Return the first day of the ``interval`` holding ``day`` (weeks start Monday)."""
    if interval == "day":
        return day
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def next_start(start: date, interval: str) -> date:
    """Return the first day of the bucket after the one starting on ``start``."""
    if interval == "day":
        return start + timedelta(days=1)
    if interval == "week":
        return start + timedelta(days=7)
    if interval == "month":
        return date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return date(start.year + 1, 1, 1)


def bucket_end(start: date, interval: str) -> date:
    """Return the last day of the bucket starting on ``start``."""
    return next_start(start, interval) - timedelta(days=1)


def choose_interval(first: date, last: date) -> str:
    """Return the interval that shows a span from ``first`` to ``last`` in a readable
    number of bars: days up to three months, weeks up to two years, months up to
    fifteen years, else years."""
    span = (last - first).days
    if span <= 92:
        return "day"
    if span <= 2 * 366:
        return "week"
    if span <= 15 * 366:
        return "month"
    return "year"


def check_interval(interval: str | None) -> str | None:
    """Return ``interval`` if it is one of ``limits.INTERVALS`` (or None); else raise
    BadQuery."""
    if interval is not None and interval not in limits.INTERVALS:
        raise BadQuery(f"interval must be one of {', '.join(limits.INTERVALS)}")
    return interval


def timeline(
    engine: SearchEngine, request: SearchRequest, interval: str | None = None
) -> Timeline:
    """Return the timeline of ``request`` (interval chosen from the hits' span when
    None)."""
    _chosen, [(_request, found)] = _series(engine, [request], check_interval(interval))
    return found


def compare(
    engine: SearchEngine, requests: Sequence[SearchRequest], interval: str | None = None
) -> tuple[str, list[Timeline]]:
    """Return one interval and the timelines of two to five requests over the same
    span of buckets (the union of their hits' spans)."""
    if not limits.MIN_COMPARE_QUERIES <= len(requests) <= limits.MAX_COMPARE_QUERIES:
        raise BadQuery(
            f"compare takes {limits.MIN_COMPARE_QUERIES} to {limits.MAX_COMPARE_QUERIES} "
            "queries (repeat q)"
        )
    chosen, series = _series(engine, requests, check_interval(interval))
    return chosen, [t for _, t in series]


def _series(
    engine: SearchEngine, requests: Sequence[SearchRequest], interval: str | None
) -> tuple[str, list[tuple[SearchRequest, Timeline]]]:
    plain = [replace(r, page=1, collapse=False) for r in requests]
    counted = [engine.day_counts(r) for r in plain]
    days = sorted({d for c in counted for d in c.days})
    if not days:
        chosen = interval or "month"
        return chosen, [
            (r, Timeline(chosen, [], c.undated, r.q, _counted(r)))
            for r, c in zip(plain, counted, strict=True)
        ]
    first, last = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
    chosen = interval or choose_interval(first, last)
    starts = _starts(first, last, chosen)
    totals = _bucketed(engine.day_counts(None), chosen)
    series = []
    for r, c in zip(plain, counted, strict=True):
        hits = _bucketed(c, chosen)
        buckets = []
        for start in starts:
            count, articles = hits.get(start, (0, 0))
            total = totals.get(start, (0, 0))[0]
            buckets.append(
                TimelineBucket(
                    start=start.isoformat(),
                    count=count,
                    articles=articles,
                    total=total,
                    share=round(count / total, 6) if total else 0.0,
                )
            )
        series.append((r, Timeline(chosen, buckets, c.undated, r.q, _counted(r))))
    return chosen, series


def _counted(request: SearchRequest) -> str:
    return "stories" if request.dedupe else "paragraphs"


def _starts(first: date, last: date, interval: str) -> list[date]:
    start = bucket_start(first, interval)
    out = []
    while start <= last:
        out.append(start)
        if len(out) > limits.MAX_TIMELINE_BUCKETS:
            raise BadQuery(
                f"more than {limits.MAX_TIMELINE_BUCKETS} {interval}s between "
                f"{first} and {last}: choose a coarser interval"
            )
        start = next_start(start, interval)
    return out


def _bucketed(counts: DayCounts, interval: str) -> dict[date, tuple[int, int]]:
    """Return (paragraphs, articles) per bucket start. An article's paragraphs share
    its date, so per-day article counts add up to per-bucket ones exactly."""
    out: dict[date, tuple[int, int]] = {}
    for day, (paragraphs, articles) in counts.days.items():
        start = bucket_start(date.fromisoformat(day), interval)
        had = out.get(start, (0, 0))
        out[start] = (had[0] + paragraphs, had[1] + articles)
    return out


def csv_text(interval: str, series: Sequence[Timeline]) -> str:
    """Return timelines as CSV: for one, a row per bucket with its counts; for several,
    a row per bucket with one column of counts per query."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if len(series) == 1:
        writer.writerow([interval, "count", "articles", "total", "share"])
        for b in series[0].buckets:
            writer.writerow([b.start, b.count, b.articles, b.total, b.share])
    else:
        writer.writerow([interval, *[t.query for t in series]])
        for i, b in enumerate(series[0].buckets):
            writer.writerow([b.start, *[t.buckets[i].count for t in series]])
    return buffer.getvalue()
