"""Query-term highlighting of paragraph text: HTML-escaped text with ``<mark>`` tags.

The highlighter needs no index: it is built from the parsed query (terms, prefixes,
typo-tolerant terms, phrases) and re-analyses the paragraph with the same analyzer as
the index, so a stemmed match ("talks" for ``talk``) is marked in its original form.
A phrase match is one ``<mark>`` from its first to its last word; each word of a
sloppy phrase's match (``"a b"~N``) is marked.
"""

from __future__ import annotations

from whoosh import query

from .... import marks
from ....marks import MAX_FULL_CHARS, MatchSpec
from ..analysis import text_tokens
from ..schema import name_analyzer, text_analyzer
from ..translate import SloppyPhrase

TEXT_FIELDS = {"text", "title"}
# Built once: the stemmer's cache then lives as long as the process. Analyzers keep no
# state between calls, so threads can share them.
_TEXT = text_analyzer()
_NAMES = name_analyzer()
NAME_FIELDS = {"actor_terms", "location_terms", "country_terms"}


def match_spec(q: query.Query | None) -> MatchSpec:
    """Return the MatchSpec of a parsed query; excluded (NOT) parts are left out."""
    spec = MatchSpec()
    if q is not None:
        _collect(q, spec)
    return spec


def _collect(q: query.Query, spec: MatchSpec) -> None:
    if isinstance(q, query.Not):
        return
    if isinstance(q, query.AndNot):
        _collect(q.a, spec)
        return
    fieldname = getattr(q, "fieldname", None)
    if isinstance(q, SloppyPhrase) and fieldname in TEXT_FIELDS and len(q.words) > 1:
        near = (tuple(str(w) for w in q.words), int(q.slop))
        if near not in spec.near:
            spec.near.append(near)
        return
    if isinstance(q, query.Phrase) and fieldname in TEXT_FIELDS:
        words = tuple(str(w) for w in q.words)
        if len(words) == 1:
            spec.terms.add(words[0])
        elif words and words not in spec.phrases:
            spec.phrases.append(words)
        return
    if isinstance(q, query.FuzzyTerm) and fieldname in TEXT_FIELDS:
        spec.fuzzy.add((str(q.text), int(q.maxdist)))
        return
    if isinstance(q, query.Prefix) and fieldname in TEXT_FIELDS:
        spec.prefixes.add(str(q.text).lower())
        return
    if isinstance(q, query.Wildcard) and fieldname in TEXT_FIELDS:
        spec.patterns.add(str(q.text).lower())
        return
    if isinstance(q, query.Term) and fieldname in TEXT_FIELDS:
        spec.terms.add(str(q.text))
        return
    if fieldname in NAME_FIELDS and isinstance(q, query.Term | query.Phrase):
        words = q.words if isinstance(q, query.Phrase) else [q.text]
        for word in words:
            # A name word as it would be indexed in body text (stemmed).
            spec.terms.update(t.text for t in _TEXT(str(word)))
        return
    if not q.is_leaf():
        for child in q.children():
            _collect(child, spec)


def mark_spans(text: str, spec: MatchSpec) -> list[tuple[int, int]]:
    """Return the (start, end) character spans of ``text`` to mark, sorted and merged
    where they overlap."""
    if spec.empty() or not text:
        return []
    return marks.mark_spans(text_tokens(text), spec)


def highlight(text: str, spec: MatchSpec, max_chars: int | None = MAX_FULL_CHARS) -> str:
    """Return ``text`` HTML-escaped with matches wrapped in ``<mark>``; when it is longer
    than ``max_chars`` (None: never cut) only the best fragment is kept, with an
    ellipsis where text was cut. Marks never straddle the cut."""
    return marks.render(text, mark_spans(text, spec), max_chars)


def names_spec(names: list[str]) -> MatchSpec:
    """Return a MatchSpec marking the given names (actor/place) in body text."""
    spec = MatchSpec()
    for name in names:
        words = tuple(t.text for w in _NAMES(name) for t in _TEXT(w.text))
        if len(words) == 1:
            spec.terms.add(words[0])
        elif words:
            spec.phrases.append(words)
    return spec
