"""BM25F relevance computed with numpy over whole posting lists.

Whoosh scores documents one at a time in Python; on common words (tens of thousands
of matches) that dominates a search. This module computes the same BM25F formula as
Whoosh (``whoosh.scoring.BM25F``: idf = log(N / (df + 1)) + 1, B = 0.75, K1 = 1.2,
field boosts folded into the indexed weights) for queries made of terms, boolean
operators (a ``Not`` scores 1 where it matches, as in Whoosh), prefixes/wildcards/
typo-tolerant terms (the OR of their expansions, as in Whoosh), exact and sloppy
phrases (the BM25F of their words, where the phrase occurs: Whoosh scores phrase
frequency instead), date ranges (constant) and constant-score filters.
For anything else ``score`` raises Unsupported and the caller ranks with Whoosh.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
from whoosh import query
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length, length_to_byte

from searchsvc.arrays import distinct

from .. import patches
from ..translate import SloppyPhrase
from .docsets import EMPTY, DocSets, contains, kth_largest
from .postings import segment_key

B = 0.75
K1 = 1.2
_LENGTHS = np.array([byte_to_length(i) for i in range(256)], dtype=np.float64)
_NO_SCORES = np.zeros(0, dtype=np.float64)


class Unsupported(Exception):
    """The query has a part this scorer does not compute (e.g. a phrase)."""


class FieldLengths:
    """Per-document field lengths of one index version, kept as Whoosh's one-byte
    length codes (a per-segment array shared by every index version holding the
    segment) and turned into lengths only for the documents being scored."""

    def __init__(self) -> None:
        self._codes: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def of(self, searcher: Searcher, fieldname: str, docs: np.ndarray) -> np.ndarray:
        """Return the length of ``fieldname`` in each of ``docs`` (global docnums)."""
        codes = self._codes.get(fieldname)
        if codes is None:
            parts = [_leaf_codes(sub.reader(), fieldname) for sub, _ in searcher.leaf_searchers()]
            codes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint8)
            with self._lock:
                self._codes[fieldname] = codes
        return _LENGTHS[codes[docs]]


_SEGMENT_CODES: OrderedDict[tuple, np.ndarray] = OrderedDict()
_SEGMENT_CODES_LIMIT = 256
_codes_lock = threading.Lock()


def _leaf_codes(reader, fieldname: str) -> np.ndarray:
    """Return the length code of ``fieldname`` for every document of one segment
    reader (cached per segment: segments never change)."""
    key = segment_key(reader)
    if key is not None:
        key = (*key, fieldname)
        with _codes_lock:
            found = _SEGMENT_CODES.get(key)
        if found is not None:
            return found
    count = reader.doc_count_all()
    raw = patches.segment_lengths(reader, fieldname)
    if raw is not None:
        codes = np.zeros(count, dtype=np.uint8)
        stored = min(len(raw), count)
        codes[:stored] = np.frombuffer(raw, dtype=np.uint8, count=stored)
    else:  # another codec: the slow public API
        codes = np.array(
            [length_to_byte(reader.doc_field_length(d, fieldname, 0) or 0) for d in range(count)],
            dtype=np.uint8,
        )
    if key is not None:
        with _codes_lock:
            _SEGMENT_CODES[key] = codes
            while len(_SEGMENT_CODES) > _SEGMENT_CODES_LIMIT:
                _SEGMENT_CODES.popitem(last=False)
    return codes


class Scorer:
    """Scores a query over the matching documents of one index version."""

    def __init__(self, docsets: DocSets, lengths: FieldLengths):
        self.docsets = docsets
        self.lengths = lengths

    def score(
        self, q: query.Query, searcher: Searcher, within: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (sorted docnums, scores) of the documents matching ``q`` (those of
        ``within`` alone when given: phrases are then checked for them only). Raises
        Unsupported for queries it cannot score like Whoosh."""
        docs, scores = self._score(q, searcher, within)
        if within is not None and len(docs):
            keep = contains(within, docs)
            docs, scores = docs[keep], scores[keep]
        return docs, scores

    def _score(
        self, q: query.Query, s: Searcher, within: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        ds = self.docsets
        if q is query.NullQuery or isinstance(q, type(query.NullQuery)):
            return EMPTY, _NO_SCORES
        if isinstance(q, query.ConstantScoreQuery):
            docs = ds.docs(q.child, s, within)
            return docs, np.full(len(docs), float(q.score))
        if isinstance(q, query.Every):
            docs = ds.all_live
            return docs, np.full(len(docs), float(q.boost))
        if isinstance(q, query.AndNot):
            docs, scores = self._score(q.a, s, within)
            keep = ~contains(ds.docs(q.b, s), docs)
            return docs[keep], scores[keep]
        if isinstance(q, query.AndMaybe):
            docs, scores = self._score(q.a, s, within)
            extra_docs, extra = self._score(q.b, s, docs)
            return docs, scores + _lookup(docs, extra_docs, extra)
        if type(q) is query.And:
            parts = [self._score(c, s, within) for c in q.subqueries]
            docs = parts[0][0] if parts else EMPTY
            for other, _ in parts[1:]:
                docs = ds.intersect(docs, other)
            scores = np.zeros(len(docs))
            for part_docs, part_scores in parts:
                scores += _lookup(docs, part_docs, part_scores)
            return docs, scores * q.boost
        if type(q) is query.Or:
            parts = [self._score(c, s, within) for c in q.subqueries]
            return _sum_parts(parts, q.boost)
        if type(q) is query.Term:
            return self._term(q, s)
        if isinstance(q, query.Not):
            # Every paragraph the child does not match, at Whoosh's constant weight.
            docs = ds.docs(q, s, within)
            return docs, np.ones(len(docs))
        if (type(q) is query.Phrase and q.slop == 1 or isinstance(q, SloppyPhrase)) and len(
            q.words
        ) > 1:
            # The paragraphs holding the phrase, ranked by BM25F of its words (Whoosh
            # scores phrase frequency instead; the set of matches is the same).
            docs = ds.docs(q, s, within)
            words = query.And([query.Term(q.fieldname, w) for w in q.words], boost=q.boost)
            word_docs, word_scores = self._score(words, s, docs)
            return docs, _lookup(docs, word_docs, word_scores)
        if isinstance(q, query.Prefix | query.Wildcard | query.FuzzyTerm):
            # Scored like Whoosh, as the OR of the index terms they expand to; for a
            # broad prefix or wildcard only the most frequent are scored, the other
            # terms' paragraphs match with nothing added to their score.
            expansion = ds.expansion(q, s)
            terms = [query.Term(q.fieldname, w, boost=q.boost) for w in expansion.ranked]
            scored = self._score(query.Or(terms), s, within) if terms else (EMPTY, _NO_SCORES)
            if not expansion.capped:
                return scored
            docs = ds.docs(q, s, within)
            return docs, _lookup(docs, *scored)
        if isinstance(q, query.NumericRange):
            docs = ds.docs(q, s, within)
            return docs, np.full(len(docs), float(q.boost))
        raise Unsupported(type(q).__name__)

    def _term(self, q: query.Term, s: Searcher) -> tuple[np.ndarray, np.ndarray]:
        if q.fieldname not in s.schema.names():
            return EMPTY, _NO_SCORES
        fieldobj = s.schema[q.fieldname]
        btext = fieldobj.to_bytes(q.text)
        docs, weights = self.docsets.postings(q.fieldname, btext, s)
        if not len(docs):
            return EMPTY, _NO_SCORES
        weights = weights.astype(np.float64)
        if not fieldobj.scorable:
            return docs, weights * q.boost
        idf = s.idf(q.fieldname, btext)
        avgfl = s.avg_field_length(q.fieldname) or 1
        fl = self.lengths.of(s, q.fieldname, docs)
        scores = idf * ((weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * fl / avgfl)))
        return docs, scores * q.boost


def _sum_parts(
    parts: list[tuple[np.ndarray, np.ndarray]], boost: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return the union of scored parts, each document's scores summed, times ``boost``."""
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return EMPTY, _NO_SCORES
    if len(parts) == 1:
        return parts[0][0], parts[0][1] * boost
    all_docs = np.concatenate([p[0] for p in parts])
    all_scores = np.concatenate([p[1] for p in parts])
    size = int(all_docs.max()) + 1
    if len(all_docs) * 16 < size:
        docs = distinct(all_docs)
        index = np.searchsorted(docs, all_docs)
        return docs, np.bincount(index, weights=all_scores, minlength=len(docs)) * boost
    # Large sets: sum into a dense array (linear) instead of sorting.
    sums = np.bincount(all_docs, weights=all_scores, minlength=size)
    present = np.zeros(size, dtype=bool)
    present[all_docs] = True
    docs = np.flatnonzero(present).astype(np.int64)
    return docs, sums[docs] * boost


def _lookup(docs: np.ndarray, part_docs: np.ndarray, part_scores: np.ndarray) -> np.ndarray:
    """Return, for each of ``docs``, its score in (part_docs, part_scores), else 0."""
    if not len(part_docs) or not len(docs):
        return np.zeros(len(docs))
    size = int(max(docs[-1], part_docs[-1])) + 1
    if (len(docs) + len(part_docs)) * 4 > size:
        # Large sets: scores spread over every document number, then gathered (linear;
        # a binary search per document is not).
        dense = np.zeros(size)
        dense[part_docs] = part_scores
        return dense[docs]
    index = np.searchsorted(part_docs, docs)
    index[index >= len(part_docs)] = 0
    found = part_docs[index] == docs
    return np.where(found, part_scores[index], 0.0)


def top(docs: np.ndarray, scores: np.ndarray, n: int) -> list[tuple[int, float]]:
    """Return the ``n`` best (docnum, score) pairs: highest score first, then lowest
    document number (the order Whoosh uses)."""
    if n <= 0 or not len(docs):
        return []
    if n < len(docs):
        keep = np.flatnonzero(scores >= kth_largest(scores, n))
        docs, scores = docs[keep], scores[keep]
    order = np.lexsort((docs, -scores))[:n]
    return [(int(d), float(sc)) for d, sc in zip(docs[order], scores[order], strict=True)]
