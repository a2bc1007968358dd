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

import numpy as np
from whoosh import query
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from ..translate import SloppyPhrase
from .docsets import EMPTY, DocSets

B = 0.75
K1 = 1.2
_LENGTHS = np.array([byte_to_length(i) for i in range(256)], dtype=np.float64)
_NO_SCORES = np.zeros(0, dtype=np.float64)


class Unsupported(Exception):
    """The query has a part this scorer does not compute (e.g. a phrase)."""


class FieldLengths:
    """Per-document field lengths of one index version, as float arrays."""

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}

    def get(self, searcher: Searcher, fieldname: str) -> np.ndarray:
        """Return the length of ``fieldname`` in every document (global docnums)."""
        found = self._arrays.get(fieldname)
        if found is not None:
            return found
        parts = []
        for sub, _offset in searcher.leaf_searchers():
            reader = sub.reader()
            parts.append(_leaf_lengths(reader, fieldname))
        array = np.concatenate(parts) if parts else _NO_SCORES
        self._arrays[fieldname] = array
        return array


def _leaf_lengths(reader, fieldname: str) -> np.ndarray:
    count = reader.doc_count_all()
    try:
        from whoosh.codec import whoosh3

        perdoc = reader._perdoc
        column = perdoc._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
        if column is None:
            return np.zeros(count, dtype=np.float64)
        raw = bytes(column._dbfile.get(column._basepos, column._count * column._fixedlen))
        codes = np.frombuffer(raw, dtype=np.uint8)[:count]
        if len(codes) < count:
            codes = np.concatenate([codes, np.zeros(count - len(codes), dtype=np.uint8)])
        return _LENGTHS[codes]
    except (AttributeError, TypeError):  # another codec: the slow public API
        return np.array(
            [reader.doc_field_length(d, fieldname, 0) or 0 for d in range(count)],
            dtype=np.float64,
        )


class Scorer:
    """Scores a query over the matching documents of one index version."""

    def __init__(self, docsets: DocSets, lengths: FieldLengths):
        self.docsets = docsets
        self.lengths = lengths

    def score(self, q: query.Query, searcher: Searcher) -> tuple[np.ndarray, np.ndarray]:
        """Return (sorted docnums, scores) of the documents matching ``q``. Raises
        Unsupported for queries it cannot score like Whoosh."""
        return self._score(q, searcher)

    def _score(self, q: query.Query, s: Searcher) -> tuple[np.ndarray, np.ndarray]:
        if q is query.NullQuery or isinstance(q, type(query.NullQuery)):
            return EMPTY, _NO_SCORES
        if isinstance(q, query.ConstantScoreQuery):
            docs = self.docsets.docs(q.child, s)
            return docs, np.full(len(docs), float(q.score))
        if isinstance(q, query.Every):
            docs = self.docsets.all_live
            return docs, np.full(len(docs), float(q.boost))
        if isinstance(q, query.AndNot):
            docs, scores = self._score(q.a, s)
            keep = ~np.isin(docs, self.docsets.docs(q.b, s), assume_unique=True)
            return docs[keep], scores[keep]
        if isinstance(q, query.AndMaybe):
            docs, scores = self._score(q.a, s)
            extra_docs, extra = self._score(q.b, s)
            return docs, scores + _lookup(docs, extra_docs, extra)
        if type(q) is query.And:
            parts = [self._score(c, s) for c in q.subqueries]
            docs = parts[0][0] if parts else EMPTY
            for other, _ in parts[1:]:
                docs = np.intersect1d(docs, other, assume_unique=True)
            scores = np.zeros(len(docs))
            for part_docs, part_scores in parts:
                scores += _lookup(docs, part_docs, part_scores)
            return docs, scores * q.boost
        if type(q) is query.Or:
            parts = [self._score(c, s) for c in q.subqueries]
            parts = [p for p in parts if len(p[0])]
            if not parts:
                return EMPTY, _NO_SCORES
            all_docs = np.concatenate([p[0] for p in parts])
            all_scores = np.concatenate([p[1] for p in parts])
            size = int(all_docs.max()) + 1
            if len(all_docs) * 16 < size:
                docs, inverse = np.unique(all_docs, return_inverse=True)
                return docs, np.bincount(inverse, weights=all_scores) * q.boost
            # Large sets: sum into a dense array (linear) instead of sorting.
            sums = np.bincount(all_docs, weights=all_scores, minlength=size)
            present = np.zeros(size, dtype=bool)
            present[all_docs] = True
            docs = np.flatnonzero(present).astype(np.int64)
            return docs, sums[docs] * q.boost
        if type(q) is query.Term:
            return self._term(q, s)
        if isinstance(q, query.Not):
            # Every paragraph the child does not match, at Whoosh's constant weight.
            docs = self.docsets.docs(q, s)
            return docs, np.ones(len(docs))
        if (type(q) is query.Phrase and q.slop == 1 or isinstance(q, SloppyPhrase)) and len(
            q.words
        ) > 1:
            # The paragraphs holding the phrase, ranked by BM25F of its words (Whoosh
            # scores phrase frequency instead; the set of matches is the same).
            docs = self.docsets.docs(q, s)
            words = query.And([query.Term(q.fieldname, w) for w in q.words], boost=q.boost)
            word_docs, word_scores = self._score(words, s)
            return docs, _lookup(docs, word_docs, word_scores)
        if isinstance(q, query.Prefix | query.Wildcard | query.FuzzyTerm):
            # Scored like Whoosh: as the OR of the index terms they expand to.
            words = list(q._btexts(s.reader()))
            terms = [query.Term(q.fieldname, w, boost=q.boost) for w in words]
            return self._score(query.Or(terms), s) if terms else (EMPTY, _NO_SCORES)
        if isinstance(q, query.NumericRange):
            docs = self.docsets.docs(q, s)
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
        if not fieldobj.scorable:
            return docs, weights * q.boost
        idf = s.idf(q.fieldname, btext)
        avgfl = s.avg_field_length(q.fieldname) or 1
        fl = self.lengths.get(s, q.fieldname)[docs]
        scores = idf * ((weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * fl / avgfl)))
        return docs, scores * q.boost


def _lookup(docs: np.ndarray, part_docs: np.ndarray, part_scores: np.ndarray) -> np.ndarray:
    """Return, for each of ``docs``, its score in (part_docs, part_scores), else 0."""
    if not len(part_docs) or not len(docs):
        return np.zeros(len(docs))
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
        cut = np.argpartition(-scores, n - 1)[:n]
        bound = scores[cut].min()
        keep = np.flatnonzero(scores >= bound)
        docs, scores = docs[keep], scores[keep]
    order = np.lexsort((docs, -scores))[:n]
    return [(int(d), float(sc)) for d, sc in zip(docs[order], scores[order], strict=True)]
