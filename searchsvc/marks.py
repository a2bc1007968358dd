"""Marking a query's matches in a text, engine-neutral: what to mark comes from the query
tree, where the words are comes from the engine's analysis.

The shape of every highlight (both engines, the JSON API and the pages): the text
HTML-escaped, the only tags ``<mark>``, a phrase match one ``<mark>`` from its first to
its last word (each word of a sloppy phrase's match, ``"a b"~N``, marked alone), and a
long text cut to its best fragment with an ellipsis where it was
cut (marks never straddle the cut).

An engine supplies *tokens*: ``(term, position, start, end)`` for each indexed word of
the text, ``term`` analysed as the index analyses it (e.g. stemmed), ``position``
counting indexed words, ``text[start:end]`` the word as written.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html import escape

from .query.nodes import (
    DEFAULT_FIELDS,
    And,
    Fuzzy,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Term,
    Wildcard,
)
from .query.proximity import sloppy_matches

ELLIPSIS = "…"
FRAGMENT_CHARS = 420
MAX_FULL_CHARS = 600
Token = tuple[str, int, int, int]
# Names whose words are marked where the body text has them (a source is not named in
# its own paragraphs).
MARKED_NAMES = ("actor", "location", "country")


@dataclass
class MatchSpec:
    """What to mark, as analysed terms: terms, prefixes, wildcard patterns,
    typo-tolerant terms (term, max edits), phrases (tuples of terms) and sloppy phrases
    (tuple of terms, slop)."""

    terms: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    patterns: set[str] = field(default_factory=set)
    fuzzy: set[tuple[str, int]] = field(default_factory=set)
    phrases: list[tuple[str, ...]] = field(default_factory=list)
    near: list[tuple[tuple[str, ...], int]] = field(default_factory=list)

    def empty(self) -> bool:
        """Return True when there is nothing to mark."""
        return not (
            self.terms or self.prefixes or self.patterns or self.fuzzy or self.phrases or self.near
        )

    def matches(self, term: str) -> bool:
        """Return True when the analysed ``term`` matches a single-word part of the spec."""
        if term in self.terms:
            return True
        if not (self.prefixes or self.patterns or self.fuzzy):
            return False
        if any(term.startswith(p) for p in self.prefixes):
            return True
        if any(fnmatch.fnmatchcase(term, p) for p in self.patterns):
            return True
        return any(within(term, target, edits) for target, edits in self.fuzzy)


def query_words(node: Node | None) -> set[str]:
    """Return every word of a tree whose analysed form a MatchSpec needs (terms, phrase
    words, typo-tolerant words and the words of names), leaving out excluded parts."""
    found: set[str] = set()
    for leaf in _positive_leaves(node):
        if isinstance(leaf, Term | Fuzzy):
            found.add(leaf.word)
        elif isinstance(leaf, Phrase):
            found.update(leaf.words)
    return found


def _positive_leaves(node: Node | None) -> Iterable[Node]:
    if node is None or isinstance(node, Not):
        return
    if isinstance(node, And | Or):
        for child in (*node.children, *getattr(node, "optional", ())):
            yield from _positive_leaves(child)
        return
    yield node


def match_spec(node: Node | None, analyse: Callable[[str], str | None]) -> MatchSpec:
    """Return the MatchSpec of a query tree; ``analyse`` gives a word's analysed body
    term (None when the analysis drops it). Names searched in name fields are marked
    where the body text names them; excluded (NOT) parts are left out."""
    spec = MatchSpec()
    for leaf in _positive_leaves(node):
        fields = getattr(leaf, "fields", ())
        in_text = any(f in DEFAULT_FIELDS for f in fields)
        in_names = any(f in MARKED_NAMES for f in fields)
        if isinstance(leaf, Phrase) and (in_text or in_names):
            terms = tuple(t for t in (analyse(w) for w in leaf.words) if t)
            if in_names and not in_text:
                spec.terms.update(terms)  # a name's words, wherever the text has them
            elif len(terms) == 1:
                spec.terms.add(terms[0])
            elif terms and leaf.slop and (terms, leaf.slop) not in spec.near:
                spec.near.append((terms, leaf.slop))
            elif terms and not leaf.slop and terms not in spec.phrases:
                spec.phrases.append(terms)
        elif isinstance(leaf, Term) and (in_text or in_names):
            term = analyse(leaf.word)
            if term:
                spec.terms.add(term)
        elif isinstance(leaf, Fuzzy) and in_text:
            term = analyse(leaf.word)
            if term:
                spec.fuzzy.add((term, int(leaf.edits)))
        elif isinstance(leaf, Prefix) and in_text:
            spec.prefixes.add(leaf.text.lower())
        elif isinstance(leaf, Wildcard) and in_text:
            spec.patterns.add(leaf.pattern.lower())
    return spec


def edit_distance(a: str, b: str, limit: int) -> int:
    """Return the optimal-string-alignment distance of ``a`` and ``b`` (insertions,
    deletions, substitutions and swaps of neighbours), or ``limit + 1`` as soon as it
    must exceed ``limit``."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def within(term: str, target: str, edits: int) -> bool:
    """Return True when ``term`` is at most ``edits`` edits from ``target`` (a swap of
    neighbours counts once)."""
    return abs(len(term) - len(target)) <= edits and edit_distance(term, target, edits) <= edits


def mark_spans(tokens: list[Token], spec: MatchSpec) -> list[tuple[int, int]]:
    """Return the (start, end) character spans to mark, sorted, overlaps merged."""
    if spec.empty() or not tokens:
        return []
    spans = [(start, end) for term, _pos, start, end in tokens if spec.matches(term)]
    if spec.near:
        spans.extend(_near_spans(tokens, spec.near))
    if spec.phrases:
        by_pos = {pos: (term, start, end) for term, pos, start, end in tokens}
        for term, pos, start, _end in tokens:
            for phrase in spec.phrases:
                if term != phrase[0]:
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


def _near_spans(
    tokens: list[Token], near: list[tuple[tuple[str, ...], int]]
) -> list[tuple[int, int]]:
    """Return the spans of the words of every sloppy-phrase match in ``tokens``."""
    chars = {pos: (start, end) for _term, pos, start, end in tokens}
    spans = []
    for terms, slop in near:
        positions = [[pos for term, pos, _s, _e in tokens if term == t] for t in terms]
        for match in sloppy_matches(positions, slop):
            spans.extend(chars[pos] for pos in match)
    return spans


def best_window(text: str, spans: list[tuple[int, int]], width: int) -> tuple[int, int]:
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


def render(text: str, spans: list[tuple[int, int]], max_chars: int | None = MAX_FULL_CHARS) -> str:
    """Return ``text`` HTML-escaped with ``spans`` wrapped in ``<mark>``; when it is
    longer than ``max_chars`` (None: never cut) only the best fragment is kept, with an
    ellipsis where text was cut. Marks never straddle the cut."""
    start, end = 0, len(text)
    if max_chars is not None and len(text) > max_chars:
        start, end = best_window(text, spans, FRAGMENT_CHARS)
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
