"""The query tree (``searchsvc.query.nodes``) as Whoosh queries.

Each node becomes the Whoosh query the index can answer: words are analysed by the
schema's own analyzers (a body-text word is stemmed, a name word only folded), user
field names become index fields (``actor`` -> ``actor_terms``), a word searched in the
headline and the body becomes an ``Or`` of both fields. The result is what Whoosh's
query parser made of the same text in earlier versions, except where the query
language changed on purpose (tests/test_query_differential.py lists the differences).

``EMITTED`` lists every Whoosh query class ``translate`` can produce: matching
(``docsets``), scoring (``scoring``) and highlighting (``highlight``) handle each of
them, which tests/test_query_nodes.py checks.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence

from whoosh import matching, query

from ...limits import MIN_PREFIX_CHARS
from ...query.nodes import (
    DEFAULT_FIELDS,
    And,
    DateRange,
    Everything,
    Field,
    Fuzzy,
    Node,
    Not,
    Nothing,
    Or,
    Phrase,
    Prefix,
    Term,
    Wildcard,
)
from ...query.proximity import sloppy_matches
from .analysis import name_analyzer, text_analyzer
from .search.lexicon import lexicon_for

INDEX_FIELDS: dict[str, str] = {
    "title": "title",
    "text": "text",
    "actor": "actor_terms",
    "location": "location_terms",
    "country": "country_terms",
    "source": "source_terms",
}
DATE_FIELD = "date"
_TEXT = text_analyzer()
_NAMES = name_analyzer()


class LexiconFuzzyTerm(query.FuzzyTerm):
    """A typo-tolerant term matched against the field's own (stemmed) terms, found
    through the field's cached ``Lexicon`` (Whoosh computes an edit distance against
    every term sharing the first letter)."""

    def _btexts(self, ixreader):
        if self.fieldname not in ixreader.schema:
            return iter(())
        return lexicon_for(ixreader, self.fieldname).within(
            self.text, self.maxdist, prefix=self.prefixlength
        )


class SloppyPhrase(query.Phrase):
    """The words within ``slop`` moves of their order, Lucene's sloppy phrase: a match
    is one position per word such that the positions, each less its word's place in
    the phrase, spread over at most ``slop`` (words may come between; two words
    swapped cost 2). Words repeated in the phrase take distinct positions.

    (Whoosh's own ``Phrase`` slop keeps the order and bounds each gap instead.) The
    numpy evaluation (``docsets``) answers it for searches; ``matcher`` is the same
    rule for Whoosh's own searching, scored as the BM25F of its words."""

    def matcher(self, searcher, context=None):
        """Return a matcher of the documents of one (segment) searcher holding the
        phrase, scored as the And of its words."""
        reader = searcher.reader()
        if self.fieldname not in searcher.schema:
            return matching.NullMatcher()
        field = searcher.schema[self.fieldname]
        btexts = [field.to_bytes(w) for w in self.words]
        if any((self.fieldname, b) not in reader for b in btexts):
            return matching.NullMatcher()
        words = query.And([query.Term(self.fieldname, w) for w in self.words])
        docs = sorted(words.docs(searcher))
        found = frozenset(
            doc
            for doc, positions in posting_positions(reader, self.fieldname, btexts, docs)
            if next(sloppy_matches(positions, self.slop), None) is not None
        )
        inner = words.matcher(searcher, context)
        if self.boost != 1.0:
            inner = matching.WrappingMatcher(inner, boost=self.boost)
        return matching.FilterMatcher(inner, found)


def posting_positions(
    reader, fieldname: str, btexts: list[bytes], docs: Sequence[int]
) -> Iterator[tuple[int, list[tuple[int, ...]]]]:
    """Return (doc, positions of each term) for those of the sorted segment-local
    ``docs`` holding every term of ``btexts``, read through Whoosh's public posting API
    (a matcher per term, skipping to each document)."""
    matchers = [reader.postings(fieldname, b) for b in btexts]
    for doc in docs:
        positions = []
        for m in matchers:
            if m.is_active() and m.id() < doc:
                m.skip_to(doc)
            if not m.is_active() or m.id() != doc:
                break
            positions.append(tuple(m.value_as("positions")))
        else:
            yield doc, positions
        if not all(m.is_active() for m in matchers):
            return


EMITTED: tuple[type, ...] = (
    query.Term,
    query.Phrase,
    SloppyPhrase,
    query.Prefix,
    query.Wildcard,
    LexiconFuzzyTerm,
    query.DateRange,
    query.And,
    query.Or,
    query.AndNot,
    query.AndMaybe,
    query.Not,
    query.Every,
    type(query.NullQuery),
)


def translate(node: Node | None) -> query.Query:
    """Return the Whoosh query of a query tree (``NullQuery`` for None or Nothing)."""
    if node is None:
        return query.NullQuery
    return _translate(node).normalize()


@functools.lru_cache(maxsize=8192)
def analysed(fieldname: str, text: str, whole: bool = False) -> tuple[str, ...]:
    """Return the index terms of ``text`` in ``fieldname`` as its analyzer makes them
    at query time; with ``whole`` ``text`` is one term (a word of the tree, a prefix, a
    pattern), folded and stemmed but never split or dropped."""
    analyzer = _TEXT if fieldname in DEFAULT_FIELDS else _NAMES
    options = {"tokenize": False, "removestops": False} if whole else {}
    return tuple(t.text for t in analyzer(text, mode="query", **options))


def _translate(node: Node) -> query.Query:
    if isinstance(node, Term | Phrase | Prefix | Wildcard | Fuzzy):
        return _fielded(node)
    if isinstance(node, DateRange):
        return query.DateRange(DATE_FIELD, node.start, node.end)
    if isinstance(node, And):
        return _and(node)
    if isinstance(node, Or):
        return query.Or([_translate(c) for c in node.children])
    if isinstance(node, Not):
        return query.Not(_translate(node.child))
    if isinstance(node, Everything):
        return query.Every()
    if isinstance(node, Nothing):
        return query.NullQuery
    raise TypeError(f"no Whoosh translation for {type(node).__name__}")


def _and(node: And) -> query.Query:
    """Return And(required) AndMaybe Or(optional) AndNot Or(excluded), as Whoosh's
    parser built ``+a b -c``; with nothing required but exclusions, the And of Nots."""
    positive = [_translate(c) for c in node.children if not isinstance(c, Not)]
    excluded = [_translate(c.child) for c in node.children if isinstance(c, Not)]
    if positive:
        result: query.Query = query.And(positive)
    else:
        result = query.And([query.Not(q) for q in excluded])
    if node.optional:
        extra = [_translate(c) for c in node.optional]
        result = query.AndMaybe(result, extra[0] if len(extra) == 1 else query.Or(extra))
    if positive and excluded:
        result = query.AndNot(result, query.Or(excluded))
    return result


def _fielded(node: Term | Phrase | Prefix | Wildcard | Fuzzy) -> query.Query:
    """Return a word-level node searched in each of its fields: one query per field,
    the ``Or`` of them for several (the boost on the ``Or`` for the default fields)."""
    leaves = [_leaf(node, INDEX_FIELDS[f]) for f in node.fields]
    if len(leaves) == 1:
        return _boost(leaves[0], node.boost)
    if node.fields == DEFAULT_FIELDS:
        return query.Or(leaves, boost=node.boost)
    return query.Or([_boost(leaf, node.boost) for leaf in leaves])


def _boost(q: query.Query, boost: float) -> query.Query:
    if boost != 1.0 and q is not query.NullQuery:
        q = q.with_boost(q.boost * boost)
    return q


def _leaf(node: Term | Phrase | Prefix | Wildcard | Fuzzy, fieldname: str) -> query.Query:
    if isinstance(node, Term):
        return query.Term(fieldname, _term(fieldname, node.word))
    if isinstance(node, Phrase):
        words = [_term(fieldname, word) for word in node.words]
        if node.slop:
            return SloppyPhrase(fieldname, words, slop=node.slop)
        return query.Phrase(fieldname, words)
    if isinstance(node, Fuzzy):
        text = _term(fieldname, node.word)
        return LexiconFuzzyTerm(fieldname, text, maxdist=node.edits, prefixlength=1)
    if isinstance(node, Prefix):
        text = _term(fieldname, node.text)
        return query.Prefix(fieldname, text) if len(text) >= MIN_PREFIX_CHARS else query.NullQuery
    text = _term(fieldname, node.pattern)
    if len(text) < MIN_PREFIX_CHARS or text[0] in "*?":
        return query.NullQuery
    return query.Wildcard(fieldname, text)


def field_leaves(node: Prefix | Wildcard) -> list[query.Query]:
    """Return the Whoosh query of a prefix or wildcard node in each of its fields."""
    return [_leaf(node, INDEX_FIELDS[f]) for f in node.fields]


def expanding_nodes(node: Node | None) -> Iterator[Prefix | Wildcard]:
    """Return every prefix and wildcard node of a query tree."""
    if isinstance(node, Prefix | Wildcard):
        yield node
    elif isinstance(node, And):
        for child in (*node.children, *node.optional):
            yield from expanding_nodes(child)
    elif isinstance(node, Or):
        for child in node.children:
            yield from expanding_nodes(child)
    elif isinstance(node, Not):
        yield from expanding_nodes(node.child)


def _term(fieldname: str, word: str) -> str:
    """Return the index term of a word of the tree (already one word, folded, not a
    stop word): stemmed in body text, as it is in names."""
    (term,) = analysed(fieldname, word, whole=True)
    return term


def index_field(field: Field | None) -> str:
    """Return the index field of a user field; None (the headline and body) is the
    body, as "did you mean" corrects unfielded words against the body text."""
    return INDEX_FIELDS["text" if field is None else field]
