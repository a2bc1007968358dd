"""The order of the matching documents: per-document sort keys for date sorts, BM25F
relevance with the exact-phrase boost, and the scores of an ordered set."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from whoosh import query
from whoosh.analysis import STOP_WORDS
from whoosh.searching import Searcher

from searchsvc.models import SearchRequest

from .docsets import DocSets, numeric_column
from .facets import fold
from .query import CompiledQuery
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
        if n < len(docs):
            # Only the n best need a full sort.
            cut = np.argpartition(primary, n - 1)[:n] if n > 0 else np.zeros(0, dtype=np.int64)
            bound = primary[cut].max() if len(cut) else 0
            keep = np.flatnonzero(primary <= bound)
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
        self.sortedby = None
        words = parsed.words or []
        self.phrase = words if req.sort == "relevance" and len(words) >= 2 else None
        # Whoosh's AndNot matcher can let through documents the numpy evaluation
        # excludes; restrict to the authoritative set when the query negates anything.
        self.allow = set(docs.tolist()) if _has_negation(final) else None
        # Copies folded into another hit (sorted docnums), never ranked.
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
                docs, scores = self.scorer.score(self.final, self.searcher)
                if self.exclude is not None:
                    keep = np.searchsorted(self.exclude, docs)
                    keep = self.exclude[np.minimum(keep, len(self.exclude) - 1)] != docs
                    docs, scores = docs[keep], scores[keep]
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
            with_phrase = _phrase_in_stored(self.searcher, self.phrase, [d for d, _ in window])
            boosted = [r for r in window if r[0] in with_phrase]
            rest = [r for r in window if r[0] not in with_phrase]
            ranked = boosted + rest + ranked[PHRASE_WINDOW:]
        self._cache = ranked
        return ranked[:n]


def _has_negation(q: query.Query) -> bool:
    if isinstance(q, query.AndNot | query.Not):
        return True
    return any(_has_negation(c) for c in q.children()) if not q.is_leaf() else False


def _phrase_in_stored(searcher: Searcher, words: list[str], candidates: list[int]) -> set[int]:
    """Return the candidates whose stored headline or text holds ``words`` (stems) as a
    phrase, judged by a regular expression on the accent-folded text: each word starts
    like its stem and only stop words (dropped at indexing) may come between. Close
    to the indexed phrase semantics, and cheap for a hundred candidates, which is all
    a ranking boost needs."""
    pattern = _loose_phrase(words)
    found: set[int] = set()
    for docnum in candidates:
        fields = searcher.stored_fields(docnum)
        if any(pattern.search(fold(fields.get(name) or "")) for name in ("title", "text")):
            found.add(docnum)
    return found


_STOPS = "|".join(sorted(STOP_WORDS, key=len, reverse=True))


def _loose_phrase(words: list[str]) -> re.Pattern[str]:
    """Return the pattern for ``_phrase_in_stored``."""
    parts = [re.escape(w[: max(3, len(w) - 1)]) + r"\w*" for w in words]
    gap = rf"(?:[\W_]+(?:{_STOPS})\b)*[\W_]+"
    return re.compile(r"\b" + gap.join(parts) + r"\b", re.IGNORECASE)


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
