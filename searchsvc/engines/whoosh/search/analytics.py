"""The analyst views over the whole result set, in numpy: matching paragraphs and
articles per day, value counts of a keyword field, and every hit in order (exports).

All of them start from the documents a request matches (``WhooshSearchBackend``'s
``_match``), so their counts are the search's counts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from whoosh.searching import Searcher

from searchsvc.models import DayCounts, ExportInfo, Hit, ValueCounts

from ..schema import stored_to_paragraph
from .facets import ValueTable

_UNDATED = np.iinfo(np.int64).max
_USECS_PER_DAY = 86_400 * 1_000_000
EXPORT_CHUNK = 500  # documents whose stored fields are read at a time


def day_counts(docs: np.ndarray, dates: np.ndarray, articles: ValueTable) -> DayCounts:
    """Return paragraphs and distinct articles per day among ``docs`` (``dates``: the
    per-document date column in Whoosh's microseconds since ``datetime.min``)."""
    doc_dates = dates[docs]
    dated = doc_dates != _UNDATED
    days = doc_dates[dated] // _USECS_PER_DAY
    found: dict[str, tuple[int, int]] = {}
    if len(days):
        article_ids = articles.first_value(docs[dated]) + 1  # -1 (none) becomes 0
        # One int64 key per (day, article): distinct keys are the articles of a day.
        span = int(article_ids.max()) + 1
        first = int(days.min())
        keys = np.unique((days - first) * span + article_ids)
        art_days, art_counts = np.unique(keys // span, return_counts=True)
        unique_days, paragraphs = np.unique(days - first, return_counts=True)
        per_day_articles = dict(zip(art_days.tolist(), art_counts.tolist(), strict=True))
        for day, count in zip(unique_days.tolist(), paragraphs.tolist(), strict=True):
            found[_iso_day(day + first)] = (int(count), int(per_day_articles.get(day, 0)))
    return DayCounts(days=found, undated=int((~dated).sum()), matched=int(len(docs)))


def value_counts(
    docs: np.ndarray,
    table: ValueTable,
    field: str,
    limit: int | None,
    values: Sequence[str] | None,
) -> ValueCounts:
    """Return the counts of ``table``'s values among ``docs``: the ``limit`` most
    frequent (ties by name), or exactly ``values`` (0 for unknown ones)."""
    counts = table.counts(docs)
    if values is not None:
        index = {name: i for i, name in enumerate(table.names)}
        chosen = {v: int(counts[index[v]]) if v in index else 0 for v in values}
        return ValueCounts(field=field, matched=int(len(docs)), counts=chosen)
    nonzero = np.flatnonzero(counts)
    order = sorted(nonzero.tolist(), key=lambda i: (-int(counts[i]), table.names[i]))
    if limit is not None:
        order = order[:limit]
    return ValueCounts(
        field=field,
        matched=int(len(docs)),
        counts={table.names[i]: int(counts[i]) for i in order},
    )


class WhooshExport:
    """Every hit of one request from one searcher (one index version), in order."""

    def __init__(
        self,
        searcher: Searcher,
        ordered: np.ndarray,
        scores: np.ndarray | None,
        version: str,
        clusters: Any = None,
    ):
        self.searcher = searcher
        self.ordered = ordered
        self.scores = scores
        self.clusters = clusters  # with copies folded: .get(docnum) -> (copies, sources)
        counted = "stories" if clusters is not None else "paragraphs"
        self.info = ExportInfo(version=version, total=int(len(ordered)), counted=counted)

    def hits(self) -> Iterator[Hit]:
        """Yield the hits, reading stored fields a chunk of documents at a time."""
        for start in range(0, len(self.ordered), EXPORT_CHUNK):
            chunk = self.ordered[start : start + EXPORT_CHUNK].tolist()
            for offset, docnum in enumerate(chunk):
                paragraph = stored_to_paragraph(self.searcher.stored_fields(docnum))
                score = 0.0 if self.scores is None else float(self.scores[start + offset])
                hit = Hit.of(paragraph, "", score)
                if self.clusters is not None:
                    hit.cluster = hit.id
                    hit.copies, hit.copy_sources = self.clusters.get(docnum, (0, 0))
                yield hit


def first_per_article(ordered: np.ndarray, articles: ValueTable) -> np.ndarray:
    """Return the positions in ``ordered`` of each article's first document."""
    ids = articles.first_value(ordered)
    _unique, first = np.unique(ids, return_index=True)
    return np.sort(first)


def _iso_day(day: int) -> str:
    return (datetime.min + timedelta(days=day)).date().isoformat()
