"""Matching document numbers without scoring, as sorted numpy arrays.

Facet counts and totals need every matching document, not just the top k. Whoosh's
matchers step through documents one at a time in Python; here the boolean structure of
a query (And, Or, AndNot, Not, ...) is evaluated with numpy set operations over whole
posting lists, read a block at a time and cached per searcher. Leaves that need
positions or special decoding (phrases, date ranges) fall back to Whoosh's own
``Query.docs`` for that leaf only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
from whoosh import query
from whoosh.searching import Searcher

EMPTY = np.zeros(0, dtype=np.int64)
EMPTY_WEIGHTS = np.zeros(0, dtype=np.float64)
CACHE_TERMS = 4096
CACHE_BYTES = 128 * 1024 * 1024  # posting arrays kept per index version, at most


def leaf_postings(reader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Return the segment-local document numbers and weights of one term (deleted
    documents included), read a block at a time."""
    terms = getattr(reader, "_terms", None)
    fieldobj = reader.schema[fieldname]
    try:
        if terms is not None:
            matcher = terms.matcher(fieldname, btext, fieldobj.format)
            ids, weights = [], []
            while True:
                if matcher._data is None:
                    matcher._read_data()
                raw = np.asarray(matcher._data[0], dtype=np.int64)
                ids.append(raw if matcher._byteids else np.cumsum(raw))
                w = matcher._data[1]
                if w is None or isinstance(w, float):
                    weights.append(np.full(len(raw), 1.0 if w is None else w))
                else:
                    weights.append(np.asarray(w, dtype=np.float64))
                if matcher._lastblock:
                    break
                matcher._goto(matcher._nextoffset)
            if len(ids) == 1:
                return ids[0], weights[0]
            return np.concatenate(ids), np.concatenate(weights)
    except (AttributeError, TypeError):  # another codec: use the public API
        pass
    except Exception:  # TermNotFound and friends
        return EMPTY, EMPTY_WEIGHTS
    ids_list: list[int] = []
    weights_list: list[float] = []
    try:
        m = reader.postings(fieldname, btext)
        while m.is_active():
            ids_list.append(m.id())
            weights_list.append(m.weight())
            m.next()
    except Exception:
        return EMPTY, EMPTY_WEIGHTS
    return np.array(ids_list, dtype=np.int64), np.array(weights_list, dtype=np.float64)


def leaf_ids(reader, fieldname: str, btext: bytes) -> np.ndarray:
    """Return the segment-local document numbers of one term (deleted ones included)."""
    return leaf_postings(reader, fieldname, btext)[0]


class DocSets:
    """Evaluates queries to sorted arrays of global document numbers for one index
    version (any searcher of that version may be passed to the methods)."""

    def __init__(self, searcher: Searcher):
        self.doc_count_all = searcher.doc_count_all()
        live = np.ones(self.doc_count_all, dtype=bool)
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            if reader.has_deletions():
                kept = np.fromiter(reader.all_doc_ids(), dtype=np.int64)
                live[offset : offset + reader.doc_count_all()] = False
                live[kept + offset] = True
        self.live = live
        self.all_live = np.flatnonzero(live).astype(np.int64)
        self._cache: OrderedDict[tuple[str, bytes], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()
        self._bytes = 0

    def term(self, fieldname: str, btext: bytes, searcher: Searcher) -> np.ndarray:
        """Return the live documents containing a term (cached)."""
        return self.postings(fieldname, btext, searcher)[0]

    def postings(
        self, fieldname: str, btext: bytes, searcher: Searcher
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the live documents containing a term and the term's weight in each
        (cached)."""
        key = (fieldname, btext)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        ids_parts, weight_parts = [], []
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            if fieldname not in reader.schema or (fieldname, btext) not in reader:
                continue
            ids, weights = leaf_postings(reader, fieldname, btext)
            if len(ids):
                ids_parts.append(ids + offset)
                weight_parts.append(weights)
        if ids_parts:
            docs, weights = np.concatenate(ids_parts), np.concatenate(weight_parts)
            live = self.live[docs]
            docs, weights = docs[live], weights[live]
        else:
            docs, weights = EMPTY, EMPTY_WEIGHTS
        self._remember(key, docs, weights)
        return docs, weights

    def _remember(self, key: tuple[str, bytes], docs: np.ndarray, weights: np.ndarray) -> None:
        """Cache a posting list, evicting the least recently used past the limits."""
        with self._lock:
            if key in self._cache:
                return
            self._cache[key] = (docs, weights)
            self._bytes += docs.nbytes + weights.nbytes
            while self._cache and (len(self._cache) > CACHE_TERMS or self._bytes > CACHE_BYTES):
                _old, (d, w) = self._cache.popitem(last=False)
                self._bytes -= d.nbytes + w.nbytes

    def docs(self, q: query.Query | None, searcher: Searcher) -> np.ndarray:
        """Return the sorted live documents matching ``q``."""
        if q is None:
            return EMPTY
        return self._eval(q, searcher)

    def _eval(self, q: query.Query, searcher: Searcher) -> np.ndarray:
        if q is query.NullQuery or isinstance(q, type(query.NullQuery)):
            return EMPTY
        if isinstance(q, query.Every):
            return self.all_live
        if isinstance(q, query.ConstantScoreQuery):
            return self._eval(q.child, searcher)
        if isinstance(q, query.AndMaybe):
            return self._eval(q.a, searcher)
        if isinstance(q, query.AndNot):
            return np.setdiff1d(
                self._eval(q.a, searcher), self._eval(q.b, searcher), assume_unique=True
            )
        if isinstance(q, query.Not):
            return np.setdiff1d(self.all_live, self._eval(q.query, searcher), assume_unique=True)
        if type(q) is query.And:
            parts = sorted((self._eval(c, searcher) for c in q.subqueries), key=len)
            if not parts:
                return EMPTY
            result = parts[0]
            for part in parts[1:]:
                if not len(result):
                    break
                result = np.intersect1d(result, part, assume_unique=True)
            return result
        if type(q) is query.Or:
            parts = [self._eval(c, searcher) for c in q.subqueries]
            return _union(parts)
        if type(q) is query.Term:
            fieldobj = _field(searcher, q.fieldname)
            if fieldobj is None:
                return EMPTY
            return self.term(q.fieldname, fieldobj.to_bytes(q.text), searcher)
        if type(q) is query.Phrase and q.slop == 1 and len(q.words) > 1:
            fieldobj = _field(searcher, q.fieldname)
            if fieldobj is None:
                return EMPTY
            words = [str(w) for w in q.words]
            key = (q.fieldname, b"\x00phrase\x00" + " ".join(words).encode("utf-8"))
            with self._lock:
                cached = self._cache.get(key)
            if cached is not None:
                return cached[0]
            candidates = None
            for word in words:
                found = self.term(q.fieldname, fieldobj.to_bytes(word), searcher)
                candidates = (
                    found
                    if candidates is None
                    else np.intersect1d(candidates, found, assume_unique=True)
                )
                if not len(candidates):
                    return EMPTY
            hits = phrase_docs(searcher, words, candidates.tolist(), (q.fieldname,))
            docs = np.array(sorted(hits), dtype=np.int64)
            self._remember(key, docs, EMPTY_WEIGHTS)
            return docs
        if isinstance(q, query.Prefix | query.Wildcard | query.FuzzyTerm):
            reader = searcher.reader()
            fieldobj = _field(searcher, q.fieldname)
            if fieldobj is None:
                return EMPTY
            words = list(q._btexts(reader))
            return _union([self.term(q.fieldname, fieldobj.to_bytes(w), searcher) for w in words])
        return self._fallback(q, searcher)

    def _fallback(self, q: query.Query, searcher: Searcher) -> np.ndarray:
        """Return Whoosh's own answer for a query this evaluator does not decompose."""
        parts = [
            np.fromiter(q.docs(sub), dtype=np.int64) + offset
            for sub, offset in searcher.leaf_searchers()
        ]
        docs = np.concatenate(parts) if parts else EMPTY
        return np.unique(docs)


def phrase_docs(
    searcher: Searcher,
    words: list[str],
    candidates: list[int],
    fieldnames: tuple[str, ...] = ("title", "text"),
) -> set[int]:
    """Return the candidates (global docnums) where one of ``fieldnames`` holds the
    analysed ``words`` at consecutive positions. Only the candidates' postings are
    visited (skip_to), unlike a Phrase query, which checks every document holding all
    the words."""
    found: set[int] = set()
    wanted = sorted(set(candidates))
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        size = reader.doc_count_all()
        local = [d - offset for d in wanted if offset <= d < offset + size]
        if not local:
            continue
        for fieldname in fieldnames:
            fieldobj = reader.schema[fieldname]
            try:
                matchers = [reader.postings(fieldname, fieldobj.to_bytes(w)) for w in words]
            except Exception:  # a word missing from this field: no phrase here
                continue
            for doc in local:
                if doc + offset in found:
                    continue
                positions = []
                for m in matchers:
                    if m.is_active() and m.id() < doc:
                        m.skip_to(doc)
                    if not m.is_active() or m.id() != doc:
                        break
                    positions.append(set(m.value_as("positions")))
                else:
                    if any(
                        all(p + i in positions[i] for i in range(1, len(positions)))
                        for p in positions[0]
                    ):
                        found.add(doc + offset)
                if not all(m.is_active() for m in matchers):
                    break
    return found


def _field(searcher: Searcher, fieldname: str):
    """Return the schema field object, or None for a field the index does not have."""
    return searcher.schema[fieldname] if fieldname in searcher.schema.names() else None


def _union(parts: list[np.ndarray]) -> np.ndarray:
    parts = [p for p in parts if len(p)]
    if not parts:
        return EMPTY
    if len(parts) == 1:
        return parts[0]
    docs = np.concatenate(parts)
    size = int(docs.max()) + 1
    if len(docs) * 16 < size:
        return np.unique(docs)
    # Large sets: a presence mask is linear, sorting is not.
    mask = np.zeros(size, dtype=bool)
    mask[docs] = True
    return np.flatnonzero(mask).astype(np.int64)
