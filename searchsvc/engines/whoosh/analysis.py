"""How text becomes index terms: the Whoosh analyzers of the schema, and a one-pass
equivalent of each used when documents are written.

Whoosh runs an analyzer as a chain of generators that pass one mutable ``Token``
through every filter, several Python calls per word. At indexing time that chain was
half of the cost of adding a paragraph. ``AnalysedText.index`` computes the same terms,
frequencies, weights and encoded positions with list comprehensions over the words of
the whole value; the analyzers themselves are still what queries and highlighting use.
``tests/test_analysis.py`` pins the two paths to identical output.
"""

from __future__ import annotations

import functools
import pickle
import re
from collections.abc import Iterator

from whoosh.analysis import Filter, RegexTokenizer, StemFilter, StopFilter
from whoosh.analysis.filters import STOP_WORDS
from whoosh.fields import TEXT
from whoosh.formats import Positions
from whoosh.lang.porter import stem as porter_stem
from whoosh.system import pack_uint

from searchsvc.text import fold

# Words: letters, digits and inner apostrophes; "Israel-Hamas" gives two words.
WORD_PATTERN = r"\w+(?:['’]\w+)*"

TEXT_KIND = "text"
NAME_KIND = "name"

_FIND_WORDS = re.compile(WORD_PATTERN).findall
_STOPS = frozenset(STOP_WORDS)
_STEM_CACHE = 50_000  # StemFilter's default cache size
_stem = functools.lru_cache(maxsize=_STEM_CACHE)(porter_stem)


class FoldFilter(Filter):
    """Folds each token with ``searchsvc.text.fold`` (case, accents, special letters)."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = fold(token.text)
            yield token


def text_analyzer():
    """Return the analyzer for body and headline text: words, folded
    (``searchsvc.text.fold``), English stop words removed, Porter-stemmed."""
    return RegexTokenizer(WORD_PATTERN) | FoldFilter() | StopFilter(minsize=1) | StemFilter()


def name_analyzer():
    """Return the analyzer for names (actors, places, sources): words, folded
    (``searchsvc.text.fold``), no stemming and no stop words."""
    return RegexTokenizer(WORD_PATTERN) | FoldFilter()


def text_terms(value: str) -> tuple[list[str], int]:
    """Return the terms ``text_analyzer`` makes of ``value`` and the position of the
    first one (the following terms take the next positions: StopFilter renumbers the
    words after the first kept one, which keeps its place in the word sequence)."""
    words = [fold(w) for w in _FIND_WORDS(value)]
    first = 0
    for first, word in enumerate(words):  # noqa: B007 (the index is the answer)
        if word and word not in _STOPS:
            break
    stem = _stem
    return [stem(w) for w in words if w and w not in _STOPS], first


def name_terms(value: str) -> tuple[list[str], int]:
    """Return the terms ``name_analyzer`` makes of ``value`` (positions from 0)."""
    return [fold(w) for w in _FIND_WORDS(value)], 0


_TERMS = {TEXT_KIND: text_terms, NAME_KIND: name_terms}
_WORDS = re.compile(WORD_PATTERN)


def text_tokens(value: str) -> list[tuple[str, int, int, int]]:
    """Return ``(term, position, start char, end char)`` for each term
    ``text_analyzer`` makes of ``value``, as its tokens with ``positions=True,
    chars=True`` give them (for highlighting)."""
    stem = _stem
    out: list[tuple[str, int, int, int]] = []
    pos = -1
    if value.isascii():
        # Lowercasing ASCII keeps every offset and folds no accent: one call for all.
        for index, match in enumerate(_WORDS.finditer(value.lower())):
            word = match.group()
            if word in _STOPS:
                continue
            pos = index if pos < 0 else pos + 1
            out.append((stem(word), pos, match.start(), match.end()))
        return out
    for index, match in enumerate(_WORDS.finditer(value)):
        word = fold(match.group())
        if not word or word in _STOPS:
            continue
        pos = index if pos < 0 else pos + 1
        out.append((stem(word), pos, match.start(), match.end()))
    return out


@functools.lru_cache(maxsize=4096)
def _single_position(pos: int) -> bytes:
    """Return ``Positions.encode([pos])``: the encoding of most postings (a word used
    once in a paragraph), worth caching."""
    return Positions().encode([pos])


def position_postings(
    terms: list[str], first: int, field_boost: float
) -> Iterator[tuple[bytes, int, float, bytes]]:
    """Return Whoosh's ``(term bytes, frequency, weight, encoded positions)`` for each
    distinct term, in order of first use, exactly as ``Positions.word_values`` does."""
    poses: dict[str, list[int]] = {}
    for pos, term in enumerate(terms, first):
        found = poses.get(term)
        if found is None:
            poses[term] = [pos]
        else:
            found.append(pos)
    for term, poslist in poses.items():
        freq = len(poslist)
        if freq == 1:
            encoded = _single_position(poslist[0])
        else:
            deltas = [poslist[0]] + [b - a for a, b in zip(poslist, poslist[1:], strict=False)]
            encoded = pack_uint(freq) + pickle.dumps(deltas, 2)
        yield term.encode("utf-8"), freq, freq * 1.0 * field_boost, encoded


class AnalysedText(TEXT):
    """A TEXT field (positions, scorable) whose ``index`` computes its postings in one
    pass. ``kind`` names the analyzer it must agree with: ``"text"`` for
    ``text_analyzer``, ``"name"`` for ``name_analyzer``."""

    def __init__(self, kind: str, **kwargs):
        analyzer = text_analyzer() if kind == TEXT_KIND else name_analyzer()
        super().__init__(analyzer=analyzer, phrase=True, **kwargs)
        self.kind = kind

    def index(self, value, **kwargs):
        """Return ``(term bytes, frequency, weight, encoded positions)`` per distinct
        term of ``value``, as ``TEXT.index`` would."""
        if kwargs or not isinstance(value, str):
            return super().index(value, **kwargs)
        terms, first = _TERMS[self.kind](value)
        return position_postings(terms, first, self.format.field_boost)
