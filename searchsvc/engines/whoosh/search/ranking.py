"""The order of the matching documents: per-document sort keys for date sorts, BM25F
relevance with the exact-phrase boost, and the scores of an ordered set."""

from __future__ import annotations

from typing import Any

import numpy as np
from whoosh import query
from whoosh.searching import Searcher

from searchsvc.arrays import distinct
from searchsvc.models import SearchRequest

from .docsets import DocSets, kth_largest, numeric_column
from .query import DEFAULT_FIELDS, CompiledQuery
from .scoring import Scorer, Unsupported, top

PHRASE_WINDOW = 100


_UNDATED = np.iinfo(np.int64).max


class SortKeys:
    """Per-document date and position of one index version, for date sorts in numpy
    (Whoosh's sorting collector reads the columns one document at a time)."""

    def __init__(self, dates: np.ndarray, positions: np.ndarray):
        self.dates = dates  # int64; _UNDATED for paragraphs without a date
        self.positions = positions

    @classmethod
    def build(cls, searcher: Searcher, docsets: DocSets | None = None) -> SortKeys:
        """Return the keys read from the ``date`` and ``position`` columns (the dates
        from ``docsets``' per-segment date arrays when given)."""
        size = searcher.doc_count_all()
        dates = np.full(size, _UNDATED, dtype=np.int64)
        positions = np.zeros(size, dtype=np.int64)
        if docsets is not None:
            values, present, _without = docsets.dates(searcher)
            dates = np.where(present, values, _UNDATED)
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            count = reader.doc_count_all()
            if docsets is None and reader.has_column("date"):
                raw = numeric_column(reader, "date")
                missing = raw >= np.uint64(_UNDATED)
                dates[offset : offset + count] = np.where(missing, _UNDATED, raw.astype(np.int64))
            if reader.has_column("position"):
                positions[offset : offset + count] = numeric_column(reader, "position", np.int64)
        return cls(dates, positions)

    def order(self, docs: np.ndarray, newest: bool, n: int) -> np.ndarray:
        """Return the first ``n`` of ``docs`` by date (newest or oldest first; undated
        last), then paragraph position, then document number."""
        dates = self.dates[docs]
        primary = np.where(dates == _UNDATED, _UNDATED, -dates if newest else dates)
        if n <= 0:
            return docs[:0]
        if n < len(docs):
            # Only the n best need a full sort.
            keep = np.flatnonzero(primary <= -kth_largest(-primary, n))
            docs, primary = docs[keep], primary[keep]
        order = np.lexsort((docs, self.positions[docs], primary))
        return docs[order[:n]]


class Ranking:
    """The order of the matching documents: BM25F relevance (numpy over whole posting
    lists; Whoosh's own top-k for queries with phrases) or a date sort. For relevance,
    paragraphs containing the query as an exact phrase move up within the first
    ``PHRASE_WINDOW`` results (a fixed window, so that pages stay consistent)."""

    def __init__(
        self,
        searcher: Searcher,
        final: query.Query,
        docs: np.ndarray,
        parsed: CompiledQuery,
        req: SearchRequest,
        keys: SortKeys | None = None,
        scorer: Scorer | None = None,
        exclude: np.ndarray | None = None,
    ):
        self.searcher = searcher
        self.final = final
        self.docs = docs
        self.sort = req.sort
        self.keys = keys
        self.scorer = scorer
        self.docsets = scorer.docsets if scorer is not None else None
        self.sortedby = None
        words = parsed.words or []
        self.phrase = words if req.sort == "relevance" and len(words) >= 2 else None
        # Whoosh's AndNot matcher can let through documents the numpy evaluation
        # excludes; restrict to the authoritative set when the query negates anything.
        self.allow = set(docs.tolist()) if _has_negation(final) else None
        # Copies folded into another hit (sorted docnums), never ranked: the numpy
        # scorer keeps to ``docs`` (which lacks them), Whoosh's own top-k masks them.
        self.exclude = exclude if exclude is not None and len(exclude) else None
        self._cache: list[tuple[int, float]] = []
        self._complete = False

    def top(self, n: int) -> list[tuple[int, float]]:
        """Return the first ``n`` (docnum, score) pairs in ranking order."""
        if self.sort != "relevance" and self.keys is not None:
            ordered = self.keys.order(self.docs, self.sort == "newest", n)
            return [(int(d), 0.0) for d in ordered]
        want = max(n, PHRASE_WINDOW) if self.phrase else n
        if len(self._cache) >= want or self._complete:
            return self._cache[:n]
        ranked = None
        if self.scorer is not None:
            try:
                docs, scores = self.scorer.score(self.final, self.searcher, self.docs)
                ranked = top(docs, scores, want)
            except Unsupported:  # phrases: let Whoosh rank
                self.scorer = None
        if ranked is None:
            mask = set(self.exclude.tolist()) if self.exclude is not None else None
            results = self.searcher.search(
                self.final, limit=want, sortedby=self.sortedby, filter=self.allow, mask=mask
            )
            ranked = [
                (results.docnum(i), _score(results, i, self.sortedby))
                for i in range(results.scored_length())
            ]
        self._complete = len(ranked) < want
        if self.phrase:
            window = ranked[:PHRASE_WINDOW]
            with_phrase = self._with_phrase([d for d, _ in window])
            boosted = [r for r in window if r[0] in with_phrase]
            rest = [r for r in window if r[0] not in with_phrase]
            ranked = boosted + rest + ranked[PHRASE_WINDOW:]
        self._cache = ranked
        return ranked[:n]

    def _with_phrase(self, candidates: list[int]) -> set[int]:
        """Return the candidates whose headline or text holds the query's words as a
        phrase (consecutive indexed positions: only stop words, which are not indexed,
        may come between), read from the candidates' positions alone."""
        if not candidates or self.phrase is None:
            return set()
        docsets = self.docsets
        if docsets is None:  # no numpy scorer: no document sets at hand
            return set()
        phrase = query.Or([query.Phrase(f, self.phrase) for f in DEFAULT_FIELDS])
        within = distinct(np.asarray(candidates, dtype=np.int64))
        return set(docsets.docs(phrase, self.searcher, within).tolist())


def _has_negation(q: query.Query) -> bool:
    if isinstance(q, query.AndNot | query.Not):
        return True
    return any(_has_negation(c) for c in q.children()) if not q.is_leaf() else False


def scores_of(
    ordered: np.ndarray, scorer: Scorer, final: query.Query, searcher: Searcher
) -> np.ndarray | None:
    """Return the relevance score of each of ``ordered`` (None where the numpy scorer
    cannot score the query, e.g. phrases)."""
    try:
        docs, scores = scorer.score(final, searcher)
    except Unsupported:
        return None
    at = np.searchsorted(docs, ordered)
    at = np.clip(at, 0, max(len(docs) - 1, 0))
    found = (docs[at] == ordered) if len(docs) else np.zeros(len(ordered), dtype=bool)
    return np.where(found, scores[at] if len(docs) else 0.0, 0.0)


def _score(results: Any, i: int, sortedby: Any) -> float:
    """Return the relevance score of result ``i`` (0.0 when sorted by date)."""
    if sortedby is not None:
        return 0.0
    return float(results.score(i) or 0.0)
