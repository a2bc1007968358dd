"""Facet counts from per-searcher numpy tables.

For each keyword field (actors, locations, source, article_id) a ``ValueTable`` maps
every document number of the searcher to the ids of the values it carries, as a CSR
pair of arrays (``indptr``, ``values``). It is built once per index version from
per-segment pieces (each segment's names and postings, read once and kept while the
segment lives: after an incremental commit only the new segments are read); counting a
facet over a result set is then a gather and a ``bincount`` over the matching
documents' values, with no stored fields read.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from whoosh.searching import Searcher

from searchsvc.models import FacetValue
from searchsvc.text import fold

from .docsets import field_postings, kth_largest, segment_key
from .postfile import PostFile
from .postings import FILES

SEGMENT_CACHE = 256  # per-segment (field) pieces kept, at most


@dataclass
class ValueTable:
    """Document -> value ids of one keyword field over a whole searcher."""

    names: list[str]
    indptr: np.ndarray  # int32 (int64 past 2**31 values), length doc_count_all + 1
    values: np.ndarray  # int32, value ids, grouped by document
    doc_freq: np.ndarray  # int64, documents carrying each value (deleted ones included)
    _folded: list[str] | None = None
    _owners: np.ndarray | None = None
    _first: np.ndarray | None = None
    _single: bool | None = None

    @classmethod
    def build(cls, searcher: Searcher, fieldname: str) -> ValueTable:
        """Return the table of ``fieldname`` for the searcher's documents."""
        ndocs = searcher.doc_count_all()
        ids: dict[str, int] = {}
        doc_parts: list[np.ndarray] = []
        value_parts: list[np.ndarray] = []
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            if fieldname not in reader.schema:
                continue
            piece = SEGMENT_VALUES.get(reader, fieldname)
            if not len(piece.docs):
                continue
            setdefault = ids.setdefault
            global_ids = np.fromiter(
                (setdefault(name, len(ids)) for name in piece.names),
                dtype=np.int32,
                count=len(piece.names),
            )
            doc_parts.append(piece.docs + offset)
            value_parts.append(global_ids[piece.values])
        if doc_parts:
            docs = np.concatenate(doc_parts)
            values = np.concatenate(value_parts)
        else:
            docs = np.zeros(0, dtype=np.int32)
            values = np.zeros(0, dtype=np.int32)
        # 32-bit offsets while they fit: half the memory of a table at a million documents.
        kind = np.int32 if len(values) < np.iinfo(np.int32).max else np.int64
        indptr = np.zeros(ndocs + 1, dtype=kind)
        indptr[1:] = np.cumsum(np.bincount(docs, minlength=ndocs))
        doc_freq = np.bincount(values, minlength=len(ids)).astype(np.int64)
        return cls(list(ids), indptr, values, doc_freq)

    def value_ids(self, docs: np.ndarray) -> np.ndarray:
        """Return the value ids carried by the documents ``docs`` (with repeats)."""
        if not len(docs) or not len(self.values):
            return np.zeros(0, dtype=np.int32)
        starts = self.indptr[docs]
        lengths = self.indptr[docs + 1] - starts
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int32)
        # Positions of every value of every document, without a Python loop.
        ends = np.cumsum(lengths)
        index = np.arange(total, dtype=np.int64) + np.repeat(starts - (ends - lengths), lengths)
        return self.values[index]

    def first_value(self, docs: np.ndarray) -> np.ndarray:
        """Return, for single-valued fields, each document's value id (-1 if none)."""
        if self._first is None:
            starts = self.indptr[:-1]
            has = self.indptr[1:] > starts
            first = np.full(len(starts), -1, dtype=np.int32)
            if len(self.values):
                first[has] = self.values[starts[has]]
            self._first = first
        return self._first[docs]

    def counts(self, docs: np.ndarray) -> np.ndarray:
        """Return the number of documents in ``docs`` carrying each value: for a large
        share of the index, by one pass over every (document, value) pair; else by
        gathering the documents' values."""
        if self._single is None:
            self._single = bool(len(self.values) == 0 or np.diff(self.indptr).max() <= 1)
        if self._single:  # at most one value per document (a source, an article)
            ids = self.first_value(docs)
            return np.bincount(ids[ids >= 0], minlength=len(self.names))
        if len(docs) * 8 > len(self.indptr) and len(self.values):
            selected = np.zeros(len(self.indptr) - 1, dtype=bool)
            selected[docs] = True
            chosen = self.values[selected[self.owners()]]
            return np.bincount(chosen, minlength=len(self.names))
        return np.bincount(self.value_ids(docs), minlength=len(self.names))

    def owners(self) -> np.ndarray:
        """Return the document of each entry of ``values`` (built at first use)."""
        if self._owners is None:
            per_doc = np.diff(self.indptr)
            self._owners = np.repeat(np.arange(len(per_doc), dtype=np.int32), per_doc)
        return self._owners

    def count_distinct(self, ids: np.ndarray) -> int:
        """Return how many distinct ids (``first_value`` results, -1 for none) ``ids``
        holds (a presence mask: linear, where sorting is not)."""
        seen = np.zeros(len(self.names) + 1, dtype=bool)
        seen[ids + 1] = True
        return int(np.count_nonzero(seen))

    def top(self, docs: np.ndarray, limit: int, active: list[str]) -> list[FacetValue]:
        """Return the ``limit`` most frequent values among ``docs`` (ties by name), plus
        any ``active`` value not among them, each marked active or not."""
        counts = self.counts(docs)
        nonzero = np.flatnonzero(counts)
        if len(nonzero) > limit > 0:
            # Every value as frequent as the limit-th (ties are then ordered by name).
            nonzero = nonzero[counts[nonzero] >= kth_largest(counts[nonzero], limit)]
        chosen = sorted(nonzero.tolist(), key=lambda i: (-int(counts[i]), self.names[i]))[:limit]
        active_set = set(active)
        result = [
            FacetValue(self.names[i], int(counts[i]), self.names[i] in active_set) for i in chosen
        ]
        shown = {f.value for f in result}
        lookup = None
        for value in active:
            if value in shown:
                continue
            if lookup is None:
                lookup = {name: i for i, name in enumerate(self.names)}
            i = lookup.get(value)
            result.append(FacetValue(value, int(counts[i]) if i is not None else 0, True))
            shown.add(value)
        return result

    def suggest(self, prefix: str, limit: int) -> list[str]:
        """Return up to ``limit`` names whose folded text, or one of whose words, starts
        with the folded ``prefix``; most frequent first."""
        wanted = fold(prefix).strip()
        if not wanted:
            return []
        if self._folded is None:
            self._folded = [fold(n) for n in self.names]
        found = [
            i
            for i, name in enumerate(self._folded)
            if self.doc_freq[i] > 0
            and (name.startswith(wanted) or any(w.startswith(wanted) for w in name.split()))
        ]
        found.sort(key=lambda i: (-int(self.doc_freq[i]), self.names[i]))
        return [self.names[i] for i in found[:limit]]


@dataclass
class SegmentPiece:
    """One segment's values of one keyword field: ``names`` and, sorted by document,
    the segment-local document numbers and the index in ``names`` of each value."""

    names: list[str]
    docs: np.ndarray  # int32, segment-local
    values: np.ndarray  # int32

    @classmethod
    def read(cls, reader, fieldname: str) -> SegmentPiece:
        """Return the piece read from one segment reader's posting file, else from its
        postings."""
        found = FILES.get(reader, fieldname)
        if found is not None:
            return cls.from_postfile(found)
        names: list[str] = []
        doc_parts: list[np.ndarray] = []
        value_parts: list[np.ndarray] = []
        for term, docs in field_postings(reader, fieldname):
            name = term.decode("utf-8") if isinstance(term, bytes) else term
            if not name or not len(docs):
                continue
            doc_parts.append(docs)
            value_parts.append(np.full(len(docs), len(names), dtype=np.int32))
            names.append(name)
        if not doc_parts:
            return cls(names, np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32))
        docs = np.concatenate(doc_parts)
        values = np.concatenate(value_parts)
        order = np.argsort(docs, kind="stable")
        return cls(names, docs[order].astype(np.int32), values[order])

    @classmethod
    def from_postfile(cls, found: PostFile) -> SegmentPiece:
        """Return the piece of a posting file (empty names are not values)."""
        dfs = found.doc_frequencies()
        terms = found.terms()
        value_of = np.full(len(dfs), -1, dtype=np.int32)
        names: list[str] = []
        for i in np.flatnonzero(dfs > 0).tolist():
            if terms[i]:
                value_of[i] = len(names)
                names.append(terms[i].decode("utf-8"))
        values = np.repeat(value_of, dfs)
        docs = found.ids_of_range(0, len(dfs)).astype(np.int64)
        if len(names) < len(dfs):
            kept = values >= 0
            docs, values = docs[kept], values[kept]
        order = np.argsort(docs, kind="stable")
        return cls(names, docs[order].astype(np.int32), values[order])


class SegmentValues:
    """``SegmentPiece`` per (segment, field), shared by every index version holding
    the segment (segments never change; deleted documents are left out by the
    result sets that are counted, not here)."""

    def __init__(self, limit: int = SEGMENT_CACHE):
        self.limit = limit
        self._pieces: OrderedDict[tuple, SegmentPiece] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, reader, fieldname: str) -> SegmentPiece:
        """Return the piece of ``fieldname`` in one segment reader."""
        key = segment_key(reader, fieldname)
        if key is not None:
            with self._lock:
                found = self._pieces.get(key)
                if found is not None:
                    self._pieces.move_to_end(key)
                    return found
        piece = SegmentPiece.read(reader, fieldname)
        if key is not None:
            with self._lock:
                self._pieces[key] = piece
                while len(self._pieces) > self.limit:
                    self._pieces.popitem(last=False)
        return piece


SEGMENT_VALUES = SegmentValues()
