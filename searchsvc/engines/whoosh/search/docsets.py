"""Matching document numbers without scoring, as sorted numpy arrays.

Facet counts and totals need every matching document, not just the top k. Whoosh's
matchers step through documents one at a time in Python; here the boolean structure of
a query (And, Or, AndNot, Not, ...) is evaluated with numpy set operations over whole
posting lists, read a block at a time and cached per searcher. Leaves that need
positions (phrases) are checked only for the documents holding all their words. Date
ranges are evaluated on the ``date`` column, read once per segment into a numpy array
(shared by every searcher and index version holding that segment), never through
Whoosh's ``NumericRange`` postings. Other leaves fall back to Whoosh's own
``Query.docs`` for that leaf only.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain

import numpy as np
from whoosh import query
from whoosh.fields import DATETIME
from whoosh.formats import Positions
from whoosh.searching import Searcher

from searchsvc.arrays import distinct, index_dtype
from searchsvc.limits import MAX_PREFIX_TERMS
from searchsvc.query.nodes import Node
from searchsvc.query.proximity import sloppy_matches

from .. import patches
from ..translate import SloppyPhrase, expanding_nodes, field_leaves, posting_positions
from .postfile import block_postings as _matcher_postings
from .postfile import decode_positions as _decode_positions
from .postings import ASSEMBLED_BYTES, prefix_ids, prefix_terms, term_positions, term_postings

EMPTY = np.zeros(0, dtype=np.int64)
EMPTY_WEIGHTS = np.zeros(0, dtype=np.float64)
CACHE_TERMS = 4096  # posting lists kept per index version, at most (and their bytes:
# ``postings.ASSEMBLED_BYTES``)
DATE_FIELD = "date"
# Occurrence keys are doc * POSITION_STRIDE + position (positions stay far below it:
# a paragraph is at most a few thousand words).
POSITION_STRIDE = 1 << 24
MAX_PHRASE_WORDS = 64
SEGMENT_CACHE = 64  # per-segment column arrays kept (shared by all searchers), at most
_MISSING = np.uint64(np.iinfo(np.uint64).max)  # the column default: no date


class SegmentColumns:
    """Numpy copies of per-segment columns, shared by every searcher of every index
    version that holds the segment (segments are immutable; deletions do not change
    their columns). Keyed by segment id."""

    def __init__(self, limit: int = SEGMENT_CACHE):
        self.limit = limit
        self._arrays: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    def dates(self, reader) -> tuple[np.ndarray, np.ndarray] | None:
        """Return (values, present) for the ``date`` column of one segment reader:
        int64 ``datetime_to_long`` values and a bool mask of documents with a date;
        None when the segment has no such column."""
        key = segment_key(reader, DATE_FIELD)
        if key is not None:
            with self._lock:
                found = self._arrays.get(key)
                if found is not None:
                    self._arrays.move_to_end(key)
                    return found
        if not reader.has_column(DATE_FIELD):
            return None
        raw = numeric_column(reader, DATE_FIELD)
        present = raw != _MISSING
        values = np.where(present, raw, 0).astype(np.int64)
        if key is not None:
            with self._lock:
                self._arrays[key] = (values, present)
                while len(self._arrays) > self.limit:
                    self._arrays.popitem(last=False)
        return values, present


# struct typecodes of Whoosh's fixed-width numeric columns -> big-endian numpy dtypes
_COLUMN_DTYPES = {"Q": ">u8", "q": ">i8", "I": ">u4", "i": ">i4", "H": ">u2", "h": ">i2"}


def numeric_column(reader, fieldname: str, dtype=np.uint64) -> np.ndarray:
    """Return a segment's fixed-width numeric column as an array of ``dtype``, read in
    one piece from the file (big-endian; documents past the written ones take the
    column default); falls back to iterating the column reader."""
    count = reader.doc_count_all()
    column = reader.column_reader(fieldname, translate=False)
    layout = patches.column_layout(column)
    if layout is not None and layout[0] in _COLUMN_DTYPES:
        typecode, width, default = layout
        stored_dtype = np.dtype(_COLUMN_DTYPES[typecode])
        raw = patches.column_rows(column, 0, count)
        if width == stored_dtype.itemsize and raw is not None:
            values = np.full(count, default, dtype=dtype)
            values[: len(raw) // width] = np.frombuffer(raw, dtype=stored_dtype)
            return values
    return np.fromiter(column, dtype=dtype, count=count)  # another column type


def segment_key(reader, fieldname: str) -> tuple | None:
    """Return a key naming one segment, or None if unknown. Segment ids are random
    and never reused, so a segment found under the same id (in any folder, e.g. a
    copy of an index) holds the same documents."""
    try:
        segment = reader.segment()
        return (segment.segment_id(), segment.doc_count_all(), fieldname)
    except Exception:  # not a standard segment reader: no sharing
        return None


SEGMENTS = SegmentColumns()


def leaf_postings(reader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Return the segment-local document numbers and weights of one term (deleted
    documents included), read a block at a time."""
    terms = getattr(reader, "_terms", None)
    fieldobj = reader.schema[fieldname]
    try:
        if terms is not None:
            return _matcher_postings(terms.matcher(fieldname, btext, fieldobj.format))
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


def field_postings(reader, fieldname: str) -> Iterator[tuple[bytes, np.ndarray]]:
    """Return (term, segment-local document numbers) for every term of ``fieldname``
    in one segment reader, in term order, walking the term table once. A term in one
    or two documents is answered from its term info (first and last document) without
    reading its postings: the long tail of names costs nothing more; so is a term whose
    documents are consecutive (its document count fills the span from first to last),
    as an article's paragraphs are."""
    terms = getattr(reader, "_terms", None)
    fieldobj = reader.schema[fieldname]
    try:
        items = terms.items_from(fieldname, b"")
        postings_reader = terms._codec.postings_reader
        postfile = terms._postfile
    except (AttributeError, TypeError):  # another codec: one lookup per term
        for btext in reader.lexicon(fieldname):
            yield btext, leaf_postings(reader, fieldname, btext)[0]
        return
    for (field, btext), info in items:
        if field != fieldname:
            return
        df = info.doc_frequency()
        first, last = info.min_id(), info.max_id()
        if last - first + 1 == df:
            yield btext, np.arange(first, last + 1, dtype=np.int64)
        elif df == 2:
            yield btext, np.array([first, last], dtype=np.int64)
        else:
            yield btext, _matcher_postings(postings_reader(postfile, info, fieldobj.format))[0]


def leaf_ids(reader, fieldname: str, btext: bytes) -> np.ndarray:
    """Return the segment-local document numbers of one term (deleted ones included)."""
    return leaf_postings(reader, fieldname, btext)[0]


def _positions_matcher(reader, fieldname: str, btext: bytes):
    """Return Whoosh's W3 block matcher of a term whose postings carry positions, or
    None when this codec or format has none to read a block at a time (raises
    AttributeError/TypeError for another reader, TermNotFound for a missing term)."""
    terms = getattr(reader, "_terms", None)
    fmt = reader.schema[fieldname].format
    if terms is None or type(fmt) is not Positions:
        return None
    matcher = terms.matcher(fieldname, btext, fmt)
    if matcher._fixedsize is not None and matcher._fixedsize >= 0:
        return None
    return matcher


def leaf_positions(
    reader, fieldname: str, btext: bytes
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Return (segment-local document numbers, weights, occurrences in each document,
    all positions in document order) of one term with positions, read a block at a
    time; None when this codec or format cannot be read so."""
    try:
        matcher = _positions_matcher(reader, fieldname, btext)
        if matcher is None:
            return None
        values: list[bytes] = []
        ids, weights = _matcher_postings(matcher, values)
    except (AttributeError, TypeError, IndexError):  # not whoosh3 block postings
        return None
    decoded = [_decode_positions(v) for v in values]
    counts = np.fromiter(map(len, decoded), dtype=np.int64, count=len(decoded))
    flat = np.fromiter(chain.from_iterable(decoded), dtype=np.int64, count=int(counts.sum()))
    return ids, weights, counts, flat


class DocSets:
    """Evaluates queries to sorted arrays of global document numbers for one index
    version (any searcher of that version may be passed to the methods)."""

    def __init__(self, searcher: Searcher):
        self.doc_count_all = searcher.doc_count_all()
        live = np.ones(self.doc_count_all, dtype=bool)
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            if reader.has_deletions():
                live[offset : offset + reader.doc_count_all()] = segment_live(reader)
        self.live = live
        self.all_live = np.flatnonzero(live).astype(np.int64)
        self.all_alive = len(self.all_live) == self.doc_count_all
        # Cached posting lists are kept compact (half the bytes of int64 and float64):
        # an index version's document numbers fit 32 bits, weights are 32-bit floats.
        self.doc_dtype = index_dtype(self.doc_count_all)
        self.cache_bytes = ASSEMBLED_BYTES
        self._cache: OrderedDict[tuple[str, bytes], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._expansions: OrderedDict[tuple[str, bytes], Expansion] = OrderedDict()
        self._lock = threading.Lock()
        self._bytes = 0
        self._dates: tuple[np.ndarray, np.ndarray, list[int]] | None = None

    def dates(self, searcher: Searcher) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """Return (values, present, without) of the ``date`` column over all documents
        (global docnums): int64 ``datetime_to_long`` values, the mask of dated
        documents, and the indexes of the leaf searchers that have no date column."""
        found = self._dates
        if found is not None:
            return found
        values_parts, present_parts, without = [], [], []
        for i, (sub, _offset) in enumerate(searcher.leaf_searchers()):
            reader = sub.reader()
            column = SEGMENTS.dates(reader)
            if column is None:
                count = reader.doc_count_all()
                column = (np.zeros(count, dtype=np.int64), np.zeros(count, dtype=bool))
                if count:  # an empty segment (a merge of deleted documents) has no column
                    without.append(i)
            values_parts.append(column[0])
            present_parts.append(column[1])
        if values_parts:
            found = (np.concatenate(values_parts), np.concatenate(present_parts), without)
        else:
            found = (EMPTY, np.zeros(0, dtype=bool), without)
        self._dates = found
        return found

    def date_range(self, q: query.NumericRange, searcher: Searcher) -> np.ndarray:
        """Return the live dated documents whose date is within the range ``q``
        (``datetime_to_long`` bounds, either may be open; exclusive ends honoured)."""
        values, present, without = self.dates(searcher)
        mask = present & self.live
        if q.start is not None:
            lo = int(q.start)
            mask &= (values > lo) if q.startexcl else (values >= lo)
        if q.end is not None:
            hi = int(q.end)
            mask &= (values < hi) if q.endexcl else (values <= hi)
        docs = np.flatnonzero(mask).astype(np.int64)
        if without:  # segments without the column (none in practice): ask Whoosh
            leaves = searcher.leaf_searchers()
            extra = [
                np.fromiter(q.docs(leaves[i][0]), dtype=np.int64) + leaves[i][1] for i in without
            ]
            extra_docs = np.concatenate(extra)
            docs = _union([docs, extra_docs[self.live[extra_docs]]])
        return docs

    def term(self, fieldname: str, btext: bytes, searcher: Searcher) -> np.ndarray:
        """Return the live documents containing a term (cached)."""
        return self.postings(fieldname, btext, searcher)[0]

    def postings(
        self, fieldname: str, btext: bytes, searcher: Searcher
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the live documents containing a term (``doc_dtype``) and the term's
        weight in each (float32 as indexed; compute scores in float64), cached."""
        key = (fieldname, btext)
        found = self._cached(key)
        if found is not None:
            return found
        ids_parts, weight_parts = [], []
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            if fieldname not in reader.schema:
                continue
            ids, weights = term_postings(reader, fieldname, btext)
            if not len(ids):
                continue
            docs = ids.astype(self.doc_dtype) + offset
            if reader.has_deletions():  # only this segment's postings need the mask
                live = self.live[docs]
                docs, weights = docs[live], weights[live]
            ids_parts.append(docs)
            weight_parts.append(weights)
        docs, weights = self._joined(ids_parts, weight_parts)
        self._remember(key, docs, weights)
        return docs, weights

    def _cached(self, key: tuple[str, bytes]) -> tuple[np.ndarray, np.ndarray] | None:
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
            return found

    def _joined(
        self, doc_parts: list[np.ndarray], weight_parts: list[np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the per-segment postings (live ones) joined: documents as
        ``doc_dtype``, weights as float32 (the precision they are indexed with)."""
        if not doc_parts:
            return EMPTY.astype(self.doc_dtype), EMPTY_WEIGHTS.astype(np.float32)
        docs = doc_parts[0] if len(doc_parts) == 1 else np.concatenate(doc_parts)
        weights = weight_parts[0] if len(weight_parts) == 1 else np.concatenate(weight_parts)
        return docs.astype(self.doc_dtype, copy=False), weights.astype(np.float32, copy=False)

    def _live_postings(
        self, doc_parts: list[np.ndarray], weight_parts: list[np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the per-segment postings joined, deleted documents left out."""
        docs, weights = self._joined(doc_parts, weight_parts)
        if self.all_alive or not len(docs):
            return docs, weights
        live = self.live[docs]
        return docs[live], weights[live]

    def position_keys(
        self,
        fieldname: str,
        btext: bytes,
        searcher: Searcher,
        candidates: np.ndarray | None = None,
    ) -> np.ndarray | None:
        """Return ``doc * POSITION_STRIDE + position`` for every occurrence of a term in
        live documents, sorted; with ``candidates`` (sorted live documents) only the
        occurrences in those, read for them alone from posting files. None when the
        postings cannot be read a block at a time or hold a position past the stride.
        Whole-term keys are cached, candidates' keys are not."""
        if candidates is not None:
            keys = self._candidate_keys(fieldname, btext, searcher, candidates)
            if keys is not None:
                return keys
            whole = self.position_keys(fieldname, btext, searcher)
            if whole is None:
                return None
            return whole[contains(candidates, whole // POSITION_STRIDE)]
        key = (fieldname, b"\x00positions\x00" + btext)
        found = self._cached(key)
        if found is not None:
            return found[0]
        parts, doc_parts, weight_parts = [], [], []
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            if fieldname not in reader.schema or (fieldname, btext) not in reader:
                continue
            got = leaf_positions(reader, fieldname, btext)
            if got is None:
                return None
            ids, weights, counts, flat = got
            if len(flat) and int(flat.max()) >= POSITION_STRIDE - MAX_PHRASE_WORDS:
                return None
            parts.append(np.repeat(ids + offset, counts) * POSITION_STRIDE + flat)
            doc_parts.append(ids + offset)
            weight_parts.append(weights)
        keys = np.concatenate(parts) if parts else EMPTY
        keys = keys[self.live[keys // POSITION_STRIDE]]
        self._remember(key, keys, EMPTY_WEIGHTS)
        # The same blocks gave the term's postings: keep them for ranking too.
        self._remember((fieldname, btext), *self._live_postings(doc_parts, weight_parts))
        return keys

    def _candidate_keys(
        self, fieldname: str, btext: bytes, searcher: Searcher, candidates: np.ndarray
    ) -> np.ndarray | None:
        """Return the position keys of a term in ``candidates`` from the segments'
        posting files; None when a segment holding candidates has none."""
        parts = []
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            lo, hi = np.searchsorted(candidates, [offset, offset + reader.doc_count_all()])
            if lo == hi or fieldname not in reader.schema:
                continue
            local = candidates[lo:hi] - offset
            got = term_positions(reader, fieldname, btext, local)
            if got is None:  # no posting file: the candidates' postings in the blocks
                got = _candidate_positions(reader, fieldname, btext, local)
                if got is None:
                    return None
            docs, positions = got
            if len(positions) and int(positions.max()) >= POSITION_STRIDE - MAX_PHRASE_WORDS:
                return None
            parts.append((docs + offset) * POSITION_STRIDE + positions)
        if not parts:
            return EMPTY
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def all_words(
        self,
        fieldname: str,
        btexts: list[bytes],
        searcher: Searcher,
        within: np.ndarray | None = None,
    ) -> np.ndarray:
        """Return the live documents holding every term of ``btexts`` (and in
        ``within`` when given)."""
        parts = sorted((self.term(fieldname, b, searcher) for b in set(btexts)), key=len)
        result = parts[0] if parts else EMPTY
        if within is not None:
            result = self.intersect(result, within)
        for part in parts[1:]:
            if not len(result):
                break
            result = self.intersect(result, part)
        return result

    def phrase(
        self,
        fieldname: str,
        btexts: list[bytes],
        searcher: Searcher,
        within: np.ndarray | None = None,
    ) -> np.ndarray | None:
        """Return the live documents (in ``within`` when given) holding the terms
        ``btexts`` at consecutive positions of ``fieldname``: the documents holding
        every term are the candidates, and only their occurrences are read (from
        posting files where they exist); each term's occurrences moved back by its
        place in the phrase are intersected, all in numpy. None when positions cannot
        be read so (the caller then checks candidates one by one)."""
        if len(btexts) > MAX_PHRASE_WORDS:
            return None
        candidates = self.all_words(fieldname, btexts, searcher, within)
        if not len(candidates):
            return EMPTY
        shifted = []
        for k, btext in enumerate(btexts):
            keys = self.position_keys(fieldname, btext, searcher, candidates)
            if keys is None:
                return None
            if not len(keys):
                return EMPTY
            shifted.append(keys - k)
        shifted.sort(key=len)
        starts = shifted[0]
        for keys in shifted[1:]:
            starts = starts[contains(keys, starts)]
            if not len(starts):
                return EMPTY
        return distinct(starts // POSITION_STRIDE)

    def sloppy_phrase(
        self,
        fieldname: str,
        btexts: list[bytes],
        slop: int,
        searcher: Searcher,
        within: np.ndarray | None = None,
    ) -> np.ndarray | None:
        """Return the live documents (in ``within`` when given) holding the terms
        ``btexts`` as a sloppy phrase (``SloppyPhrase``: one position per term,
        positions less their places in the phrase within ``slop`` of each other).
        Each term's occurrences in the candidates (the documents holding every term),
        moved back by its place, are sorted keys; a window of ``slop + 1`` keys
        starting at any key must hold a key of every term, all in numpy. Phrases
        repeating a term are checked document by document (distinct positions). None
        when positions cannot be read so."""
        if len(btexts) > MAX_PHRASE_WORDS:
            return None
        candidates = self.all_words(fieldname, btexts, searcher, within)
        if not len(candidates):
            return EMPTY
        keys = []
        for btext in btexts:
            found = self.position_keys(fieldname, btext, searcher, candidates)
            if found is None:
                return None
            if not len(found):
                return EMPTY
            keys.append(found)
        if len(set(btexts)) < len(btexts):
            return self._sloppy_by_document(keys, candidates, slop)
        # Moved back by the place in the phrase, kept inside the document's range.
        shifted = [k - place + MAX_PHRASE_WORDS for place, k in enumerate(keys)]
        anchors = distinct(np.concatenate(shifted))
        ok = np.ones(len(anchors), dtype=bool)
        for values in shifted:
            index = np.minimum(np.searchsorted(values, anchors), len(values) - 1)
            found = values[index]
            ok &= (found >= anchors) & (found <= anchors + slop)
            ok &= found // POSITION_STRIDE == anchors // POSITION_STRIDE
        return distinct(anchors[ok] // POSITION_STRIDE)

    @staticmethod
    def _sloppy_by_document(
        keys: list[np.ndarray], candidates: np.ndarray, slop: int
    ) -> np.ndarray:
        """Return the ``candidates`` whose term positions (``keys``) make a sloppy match."""
        bounds = [
            np.searchsorted(k // POSITION_STRIDE, np.append(candidates, candidates[-1] + 1))
            for k in keys
        ]
        found = []
        for i, doc in enumerate(candidates.tolist()):
            positions = [
                (k[b[i] : b[i + 1]] % POSITION_STRIDE).tolist()
                for k, b in zip(keys, bounds, strict=True)
            ]
            if next(sloppy_matches(positions, slop), None) is not None:
                found.append(doc)
        return np.array(found, dtype=np.int64)

    def _remember(self, key: tuple[str, bytes], docs: np.ndarray, weights: np.ndarray) -> None:
        """Cache a posting list, evicting the least recently used past the limits."""
        size = docs.nbytes + weights.nbytes
        if size > self.cache_bytes:
            return
        with self._lock:
            if key in self._cache:
                return
            self._cache[key] = (docs, weights)
            self._bytes += size
            while self._cache and (
                len(self._cache) > CACHE_TERMS or self._bytes > self.cache_bytes
            ):
                _old, (d, w) = self._cache.popitem(last=False)
                self._bytes -= d.nbytes + w.nbytes

    # -- set operations over sorted unique document numbers ----------------------------

    def intersect(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Return the sorted documents in both ``a`` and ``b`` (sorted, unique)."""
        if len(a) > len(b):
            a, b = b, a
        if not len(a):
            return EMPTY
        return a[contains(b, a, self.doc_count_all)]

    def difference(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Return the sorted documents of ``a`` not in ``b`` (both sorted, unique)."""
        if not len(a) or not len(b):
            return a
        return a[~contains(b, a, self.doc_count_all)]

    # -- evaluation ----------------------------------------------------------------------

    def docs(
        self, q: query.Query | None, searcher: Searcher, within: np.ndarray | None = None
    ) -> np.ndarray:
        """Return the sorted live documents matching ``q``; with ``within`` (sorted
        live documents), those of them matching ``q`` (phrases are then checked for
        those alone)."""
        if q is None:
            return EMPTY
        found = self._eval(q, searcher, within)
        return found if within is None else self.intersect(found, within)

    def _eval(self, q: query.Query, searcher: Searcher, within: np.ndarray | None) -> np.ndarray:
        """Return a sorted set X of live documents with ``docs(q) & within`` <= X <=
        ``docs(q)`` (X = ``docs(q)`` without ``within``): ``within`` only lets
        positional parts skip work."""
        if q is query.NullQuery or isinstance(q, type(query.NullQuery)):
            return EMPTY
        if isinstance(q, query.Every):
            return self.all_live
        if isinstance(q, query.ConstantScoreQuery):
            return self._eval(q.child, searcher, within)
        if isinstance(q, query.AndMaybe):
            return self._eval(q.a, searcher, within)
        if isinstance(q, query.AndNot):
            return self.difference(
                self._eval(q.a, searcher, within), self._eval(q.b, searcher, None)
            )
        if isinstance(q, query.Not):
            return self.difference(self.all_live, self._eval(q.query, searcher, None))
        if type(q) is query.And:
            return self._and(q.subqueries, searcher, within)
        if type(q) is query.Or:
            return _union([self._eval(c, searcher, within) for c in q.subqueries])
        if type(q) is query.Term:
            fieldobj = _field(searcher, q.fieldname)
            if fieldobj is None:
                return EMPTY
            return self.term(q.fieldname, fieldobj.to_bytes(q.text), searcher)
        if isinstance(q, SloppyPhrase) and len(q.words) > 1:
            return self._sloppy(q, searcher, within)
        if type(q) is query.Phrase and q.slop == 1 and len(q.words) > 1:
            return self._phrase(q, searcher, within)
        if isinstance(q, query.Prefix | query.Wildcard | query.FuzzyTerm):
            return self.expansion_docs(q, searcher)
        if is_date_range(q, searcher):
            return self.date_range(q, searcher)
        return self._fallback(q, searcher)

    def _and(
        self, subqueries: list[query.Query], searcher: Searcher, within: np.ndarray | None
    ) -> np.ndarray:
        """Return the And of ``subqueries``: the parts without positions first, then the
        phrases, checked only in what the others left."""
        plain = [c for c in subqueries if not _positional(c)]
        positional = [c for c in subqueries if _positional(c)]
        if not subqueries:
            return EMPTY
        result: np.ndarray | None = None
        for part in sorted((self._eval(c, searcher, within) for c in plain), key=len):
            result = part if result is None else self.intersect(result, part)
            if not len(result):
                return EMPTY
        for child in positional:
            narrowed = result if result is not None else within
            part = self._eval(child, searcher, narrowed)
            result = part if result is None else self.intersect(result, part)
            if not len(result):
                return EMPTY
        return EMPTY if result is None else result

    def _phrase(self, q: query.Phrase, searcher: Searcher, within: np.ndarray | None) -> np.ndarray:
        fieldobj = _field(searcher, q.fieldname)
        if fieldobj is None:
            return EMPTY
        words = [str(w) for w in q.words]
        key = (q.fieldname, b"\x00phrase\x00" + " ".join(words).encode("utf-8"))
        cached = self._cached(key)
        if cached is not None:
            return cached[0]
        btexts = [fieldobj.to_bytes(w) for w in words]
        docs = self.phrase(q.fieldname, btexts, searcher, within)
        if docs is None:
            candidates = self.all_words(q.fieldname, btexts, searcher, within)
            if not len(candidates):
                return EMPTY
            hits = phrase_docs(searcher, words, candidates.tolist(), (q.fieldname,))
            docs = np.array(sorted(hits), dtype=np.int64)
        if within is None:
            self._remember(key, docs, EMPTY_WEIGHTS)
        return docs

    def _sloppy(self, q: SloppyPhrase, searcher: Searcher, within: np.ndarray | None) -> np.ndarray:
        fieldobj = _field(searcher, q.fieldname)
        if fieldobj is None:
            return EMPTY
        words = [str(w) for w in q.words]
        key = (q.fieldname, f"\x00near{q.slop}\x00{' '.join(words)}".encode())
        cached = self._cached(key)
        if cached is not None:
            return cached[0]
        btexts = [fieldobj.to_bytes(w) for w in words]
        docs = self.sloppy_phrase(q.fieldname, btexts, int(q.slop), searcher, within)
        if docs is None:  # another codec: Whoosh's matchers, the same rule
            docs = self._fallback(q, searcher)
            within = None
        if within is None:
            self._remember(key, docs, EMPTY_WEIGHTS)
        return docs

    # -- prefixes, wildcards, typo-tolerant terms --------------------------------------

    def expansion(self, q: query.Query, searcher: Searcher) -> Expansion:
        """Return the index terms a prefix, wildcard or typo-tolerant term expands to,
        with their document counts, and those that rank: for prefixes and wildcards
        the ``MAX_PREFIX_TERMS`` most frequent (cached)."""
        key = (
            q.fieldname,
            f"\x00expand\x00{type(q).__name__}\x00{q.text}\x00"
            f"{getattr(q, 'maxdist', '')}\x00{getattr(q, 'prefixlength', '')}".encode(),
        )
        with self._lock:
            found = self._expansions.get(key)
        if found is not None:
            return found
        counts = self._expansion_counts(q, searcher)
        words = sorted(counts)
        if isinstance(q, query.FuzzyTerm):
            ranked = words
        else:
            ranked = sorted(words, key=lambda w: (-counts[w], w))[:MAX_PREFIX_TERMS]
            ranked.sort()
        found = Expansion(words, ranked, sum(counts.values()))
        with self._lock:
            self._expansions[key] = found
            while len(self._expansions) > CACHE_TERMS:
                self._expansions.popitem(last=False)
        return found

    def _expansion_counts(self, q: query.Query, searcher: Searcher) -> dict[bytes, int]:
        """Return {term: documents holding it (deleted ones included)} of an expansion:
        a prefix's or wildcard's terms per segment (from its posting file's term range,
        else its term table), a typo-tolerant term's from the lexicon."""
        fieldobj = _field(searcher, q.fieldname)
        if fieldobj is None:
            return {}
        counts: dict[bytes, int] = {}
        if not isinstance(q, query.Prefix | query.Wildcard) or isinstance(q, query.FuzzyTerm):
            reader = searcher.reader()
            for word in q._btexts(reader):
                btext = fieldobj.to_bytes(word)
                counts[btext] = reader.doc_frequency(q.fieldname, btext)
            return counts
        literal = fieldobj.to_bytes(q.text if type(q) is query.Prefix else q._find_prefix(q.text))
        pattern = None if type(q) is query.Prefix else re.compile(q._get_pattern())
        for sub, _offset in searcher.leaf_searchers():
            reader = sub.reader()
            if q.fieldname not in reader.schema:
                continue
            found = prefix_terms(reader, q.fieldname, literal)
            if found is None:  # no posting file: the segment's term table
                found = [
                    (btext, reader.doc_frequency(q.fieldname, btext))
                    for btext in reader.expand_prefix(q.fieldname, literal)
                ]
            for btext, df in found:
                if pattern is None or pattern.match(fieldobj.from_bytes(btext)):
                    counts[btext] = counts.get(btext, 0) + df
        return counts

    def broad_expansions(self, node: Node | None, searcher: Searcher) -> dict[Node, int]:
        """Return, for each prefix or wildcard node of a query tree broader than
        ``MAX_PREFIX_TERMS`` index words, how many words it expands to (over its
        fields: a word in the headline and the body is one), for ``describe``."""
        found: dict[Node, int] = {}
        for expanding in expanding_nodes(node):
            words: set[bytes] = set()
            for leaf in field_leaves(expanding):
                if isinstance(leaf, query.Prefix | query.Wildcard):
                    words.update(self.expansion(leaf, searcher).words)
            if len(words) > MAX_PREFIX_TERMS:
                found[expanding] = len(words)
        return found

    def expansion_docs(self, q: query.Query, searcher: Searcher) -> np.ndarray:
        """Return the live documents holding any term ``q`` expands to (every term,
        ranked or not: all of them match; cached). A prefix's documents in a segment
        with a posting file are the postings of one range of its terms."""
        fieldobj = _field(searcher, q.fieldname)
        if fieldobj is None:
            return EMPTY
        key = (q.fieldname, b"\x00expanded\x00" + repr(q).encode("utf-8"))
        cached = self._cached(key)
        if cached is not None:
            return cached[0]
        words = None
        parts = []
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            if q.fieldname not in reader.schema:
                continue
            ids = None
            if type(q) is query.Prefix:
                ids = prefix_ids(reader, q.fieldname, fieldobj.to_bytes(q.text))
            if ids is None:
                if words is None:
                    words = self.expansion(q, searcher).words
                ids = _union([term_postings(reader, q.fieldname, w)[0] for w in words])
            if len(ids):
                docs = ids.astype(np.int64) + offset
                parts.append(docs[self.live[docs]] if reader.has_deletions() else docs)
        # Segments hold consecutive document numbers: their parts are already in order.
        docs = np.concatenate(parts) if len(parts) > 1 else (parts[0] if parts else EMPTY)
        self._remember(key, docs, EMPTY_WEIGHTS)
        return docs

    def _fallback(self, q: query.Query, searcher: Searcher) -> np.ndarray:
        """Return Whoosh's own answer for a query this evaluator does not decompose."""
        parts = [
            np.fromiter(q.docs(sub), dtype=np.int64) + offset
            for sub, offset in searcher.leaf_searchers()
        ]
        docs = np.concatenate(parts) if parts else EMPTY
        return distinct(docs)


@dataclass(frozen=True)
class Expansion:
    """The index terms of a prefix, wildcard or typo-tolerant term: all ``words``
    (sorted; all match), the ``ranked`` ones (scored), and the documents of all."""

    words: list[bytes]
    ranked: list[bytes]
    postings: int

    @property
    def capped(self) -> bool:
        """True when some words match without being scored."""
        return len(self.ranked) < len(self.words)


def segment_live(reader) -> np.ndarray:
    """Return the live-document mask of one segment reader with deletions."""
    count = reader.doc_count_all()
    mask = np.ones(count, dtype=bool)
    try:
        deleted = reader.segment().deleted_docs()
        gone = np.fromiter(deleted, dtype=np.int64)
    except Exception:  # not a standard segment: ask for every live document
        mask[:] = False
        mask[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
        return mask
    mask[gone[gone < count]] = False
    return mask


def _positional(q: query.Query) -> bool:
    """Return True when ``q`` holds a phrase (whose positions must be read)."""
    if isinstance(q, query.Phrase):
        return True
    return not q.is_leaf() and any(_positional(c) for c in q.children())


def kth_largest(values: np.ndarray, k: int):
    """Return the ``k``-th largest of ``values`` (1 <= k <= len). On large arrays a
    sample first gives a bound that at least ``k`` values reach (checked; the whole
    array otherwise), so that only the few values above it are partitioned: linear,
    where ``argpartition`` of the whole array costs ten times more."""
    n = len(values)
    candidates = values
    if n > 4096 and n > 64 * k:
        step = n // (64 * k)
        sample = values[::step]
        j = min(len(sample), 2 * (k // step) + 8)
        bound = np.partition(sample, len(sample) - j)[len(sample) - j]
        above = values[values >= bound]
        if len(above) >= k:
            candidates = above
    return np.partition(candidates, len(candidates) - k)[len(candidates) - k]


def contains(values: np.ndarray, probes: np.ndarray, size: int | None = None) -> np.ndarray:
    """Return, for each of ``probes``, whether the sorted ``values`` hold it: by binary
    search when ``probes`` are few, else through a presence mask of ``size`` (or the
    largest value + 1)."""
    if not len(values) or not len(probes):
        return np.zeros(len(probes), dtype=bool)
    if len(probes) * 16 < len(values) or size is None and values[-1] > 64 * len(values):
        at = np.searchsorted(values, probes)
        at[at >= len(values)] = len(values) - 1
        return values[at] == probes
    top = int(max(values[-1], probes.max())) + 1 if size is None else size
    mask = np.zeros(top, dtype=bool)
    mask[values] = True
    return mask[probes]


def phrase_docs(
    searcher: Searcher,
    words: list[str],
    candidates: list[int],
    fieldnames: tuple[str, ...] = ("title", "text"),
) -> set[int]:
    """Return the candidates (global docnums) where one of ``fieldnames`` holds the
    analysed ``words`` at consecutive positions. Only the candidates' positions are
    decoded, a posting block at a time, word by word, and each word only for the
    candidates still possible after the previous ones; unlike a Phrase query, which
    checks every document holding all the words one posting at a time."""
    found: set[int] = set()
    wanted = distinct(np.asarray(candidates, dtype=np.int64))
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        size = reader.doc_count_all()
        lo, hi = np.searchsorted(wanted, [offset, offset + size])
        if lo == hi:
            continue
        local = wanted[lo:hi] - offset
        for fieldname in fieldnames:
            if found:
                local = local[~np.isin(local + offset, np.fromiter(found, dtype=np.int64))]
                if not len(local):
                    break
            fieldobj = reader.schema[fieldname]
            btexts = [fieldobj.to_bytes(w) for w in words]
            hits = _phrase_in_blocks(reader, fieldname, btexts, local)
            if hits is None:  # another codec or inlined postings: one posting at a time
                hits = _phrase_by_matchers(reader, fieldname, btexts, local.tolist())
            found.update(d + offset for d in hits)
    return found


def _phrase_in_blocks(
    reader, fieldname: str, btexts: list[bytes], local: np.ndarray
) -> list[int] | None:
    """Return the segment-local ``local`` docs holding ``btexts`` consecutively in
    ``fieldname``; None when the postings cannot be read a block at a time."""
    starts: dict[int, set[int]] | None = None
    for k, btext in enumerate(btexts):
        docs = local if starts is None else np.array(sorted(starts), dtype=np.int64)
        positions = _block_positions(reader, fieldname, btext, docs)
        if positions is None:
            return None
        if starts is None:
            starts = {d: set(p) for d, p in positions.items()}
        else:
            following: dict[int, set[int]] = {}
            for doc, possible in starts.items():
                found = positions.get(doc)
                if found:
                    kept = possible.intersection([p - k for p in found])
                    if kept:
                        following[doc] = kept
            starts = following
        if not starts:
            return []
    return sorted(starts or ())


def _candidate_positions(
    reader, fieldname: str, btext: bytes, docs: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Return (document, position) of each occurrence of a term in the sorted
    segment-local ``docs``, decoding only their postings from Whoosh's blocks; None
    when they cannot be read a block at a time."""
    found = _block_positions(reader, fieldname, btext, docs)
    if found is None:
        return None
    if not found:
        return EMPTY, EMPTY
    ordered = sorted(found)
    counts = np.fromiter((len(found[d]) for d in ordered), dtype=np.int64, count=len(ordered))
    positions = np.fromiter(
        chain.from_iterable(found[d] for d in ordered), dtype=np.int64, count=int(counts.sum())
    )
    return np.repeat(np.asarray(ordered, dtype=np.int64), counts), positions


def _block_positions(
    reader, fieldname: str, btext: bytes, docs: np.ndarray
) -> dict[int, tuple[int, ...]] | None:
    """Return {doc: positions} of one term for the sorted segment-local ``docs`` that
    hold it, decoding only their postings (blocks without any of them are skipped
    unread); None when this codec's postings cannot be read a block at a time."""
    if (fieldname, btext) not in reader:
        return {}
    try:
        matcher = _positions_matcher(reader, fieldname, btext)
        if matcher is None:
            return None
        out: dict[int, tuple[int, ...]] = {}
        j, n = 0, len(docs)
        while j < n:
            if matcher._maxid >= docs[j]:
                if matcher._data is None:
                    matcher._read_data()
                raw = np.asarray(matcher._data[0], dtype=np.int64)
                ids = raw if matcher._byteids else np.cumsum(raw)
                end = int(np.searchsorted(docs, matcher._maxid, side="right"))
                chunk = docs[j:end]
                index = np.minimum(np.searchsorted(ids, chunk), len(ids) - 1)
                hit = ids[index] == chunk
                values = matcher._data[2]
                for i, doc in zip(index[hit].tolist(), chunk[hit].tolist(), strict=True):
                    out[doc] = _decode_positions(values[i])
                j = end
            if matcher._lastblock or j >= n:
                break
            matcher._goto(matcher._nextoffset)
    except (AttributeError, TypeError, IndexError):  # not whoosh3 block postings
        return None
    return out


def _phrase_by_matchers(reader, fieldname: str, btexts: list[bytes], local: list[int]) -> list[int]:
    """The public-API version of ``_phrase_in_blocks`` (skip_to per candidate)."""
    if any((fieldname, b) not in reader for b in btexts):
        return []  # a word missing from this field: no phrase here
    return [
        doc
        for doc, positions in posting_positions(reader, fieldname, btexts, local)
        if _consecutive([set(p) for p in positions])
    ]


def _consecutive(positions: list[set[int]]) -> bool:
    """Return True when some position of the first word is followed by one of each
    next word, one place further each time."""
    return any(all(p + i in positions[i] for i in range(1, len(positions))) for p in positions[0])


def is_date_range(q: query.Query, searcher: Searcher) -> bool:
    """Return True for a range over the ``date`` column (``DateRange`` or the
    ``NumericRange`` the query parser makes for ``date:``) that ``date_range`` answers."""
    if not isinstance(q, query.NumericRange) or q.fieldname != DATE_FIELD:
        return False
    fieldobj = _field(searcher, DATE_FIELD)
    return isinstance(fieldobj, DATETIME) and fieldobj.column_type is not None


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
        return distinct(docs)
    # Large sets: a presence mask is linear, sorting is not.
    mask = np.zeros(size, dtype=bool)
    mask[docs] = True
    return np.flatnonzero(mask).astype(np.int64)
