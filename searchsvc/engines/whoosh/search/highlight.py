"""Query-term highlighting of paragraph text: HTML-escaped text with ``<mark>`` tags.

The highlighter needs no index: it is built from the parsed query (terms, prefixes,
typo-tolerant terms, phrases) and re-analyses the paragraph with the same analyzer as
the index, so a stemmed match ("talks" for ``talk``) is marked in its original form.
A phrase match is one ``<mark>`` from its first to its last word.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from html import escape

from whoosh import query

from ..analysis import text_tokens
from ..schema import name_analyzer, text_analyzer
from .lexicon import edit_distance

ELLIPSIS = "…"
FRAGMENT_CHARS = 420
MAX_FULL_CHARS = 600
TEXT_FIELDS = {"text", "title"}
# Built once: the stemmer's cache then lives as long as the process. Analyzers keep no
# state between calls, so threads can share them.
_TEXT = text_analyzer()
_NAMES = name_analyzer()
NAME_FIELDS = {"actor_terms", "location_terms", "country_terms"}


@dataclass
class MatchSpec:
    """What to mark: analysed terms, prefixes, wildcard patterns, typo-tolerant terms
    (text, max edits) and phrases (lists of analysed words)."""

    terms: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    patterns: set[str] = field(default_factory=set)
    fuzzy: set[tuple[str, int]] = field(default_factory=set)
    phrases: list[tuple[str, ...]] = field(default_factory=list)

    def empty(self) -> bool:
        """Return True when there is nothing to mark."""
        return not (self.terms or self.prefixes or self.patterns or self.fuzzy or self.phrases)

    def matches(self, word: str) -> bool:
        """Return True when the analysed ``word`` matches a single-term part of the spec."""
        if word in self.terms:
            return True
        if any(word.startswith(p) for p in self.prefixes):
            return True
        if any(fnmatch.fnmatchcase(word, p) for p in self.patterns):
            return True
        return any(_within(word, text, edits) for text, edits in self.fuzzy)


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


def _within(word: str, target: str, edits: int) -> bool:
    """Return True when ``word`` is at most ``edits`` edits from ``target``, by the
    distance that expanded the typo-tolerant term (swaps of neighbours count once)."""
    return abs(len(word) - len(target)) <= edits and edit_distance(word, target, edits) <= edits


def mark_spans(text: str, spec: MatchSpec) -> list[tuple[int, int]]:
    """Return the (start, end) character spans of ``text`` to mark, sorted and merged
    where they overlap."""
    if spec.empty() or not text:
        return []
    tokens = text_tokens(text)
    spans: list[tuple[int, int]] = []
    if spec.prefixes or spec.patterns or spec.fuzzy:
        spans.extend((start, end) for word, _pos, start, end in tokens if spec.matches(word))
    elif spec.terms:
        terms = spec.terms
        spans.extend((start, end) for word, _pos, start, end in tokens if word in terms)
    if spec.phrases:
        by_pos = {pos: (word, start, end) for word, pos, start, end in tokens}
        for word, pos, start, _end in tokens:
            for phrase in spec.phrases:
                if word != phrase[0]:
                    continue
                last = None
                for offset, expected in enumerate(phrase):
                    found = by_pos.get(pos + offset)
                    if found is None or found[0] != expected:
                        last = None
                        break
                    last = found[2]
                if last is not None:
                    spans.append((start, last))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _best_window(text: str, spans: list[tuple[int, int]], width: int) -> tuple[int, int]:
    """Return the (start, end) of the ``width``-character window holding the most marks,
    moved to word boundaries."""
    if not spans:
        start, end = 0, width
    else:
        best, best_count = spans[0][0], 0
        j = 0
        for i, (s, _e) in enumerate(spans):
            while j < len(spans) and spans[j][1] <= s + width:
                j += 1
            if j - i > best_count:
                best, best_count = s, j - i
        # Give the first mark some leading context.
        start = max(0, best - width // 4)
        end = start + width
    if end >= len(text):
        end = len(text)
        start = max(0, end - width)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 40 else start
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    return start, end


def highlight(text: str, spec: MatchSpec, max_chars: int | None = MAX_FULL_CHARS) -> str:
    """Return ``text`` HTML-escaped with matches wrapped in ``<mark>``; when it is longer
    than ``max_chars`` (None: never cut) only the best fragment is kept, with an
    ellipsis where text was cut. Marks never straddle the cut."""
    spans = mark_spans(text, spec)
    start, end = 0, len(text)
    if max_chars is not None and len(text) > max_chars:
        start, end = _best_window(text, spans, FRAGMENT_CHARS)
    out: list[str] = [ELLIPSIS] if start > 0 else []
    cursor = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(escape(text[cursor:s]))
        out.append("<mark>" + escape(text[s:e]) + "</mark>")
        cursor = e
    out.append(escape(text[cursor:end]))
    if end < len(text):
        out.append(ELLIPSIS)
    return "".join(out)


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
