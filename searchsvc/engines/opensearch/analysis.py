"""What the cluster is given to index: words prepared by searchsvc, stemmed by the cluster.

The query tree's words are folded (``searchsvc.text.fold``, the fold of the Whoosh
engine too) with English stop words removed (``searchsvc.query.nodes``). So that a
phrase matches exactly where the Whoosh engine matches it, the cluster must see the same
words at the same positions. Lucene's stop filter leaves a gap where it removes a word
(``"secretary of state"`` would then not match the phrase *secretary state* of the
tree), so searchsvc does that part itself: every indexed text field receives the
paragraph's words folded, without stop words, joined by single spaces; the cluster only
splits on spaces and stems (``porter_stem``, the Porter algorithm of the Whoosh engine).
The original text stays in ``_source`` for display; the prepared copies are indexed only.

``Words.of(text)`` keeps, for each indexed word, where it came from in the original
text: highlighting marks the original characters of the words the cluster matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from searchsvc.text import fold

# Letters, digits and inner apostrophes, like the Whoosh engine's tokenizer; written
# with Unicode classes that Java (OpenSearch) and RE2 read the same way.
WORD = re.compile(r"\w+(?:['’]\w+)*")
# The English stop words the query parser leaves out (the Whoosh engine's list).
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "for",
        "from",
        "have",
        "if",
        "in",
        "is",
        "it",
        "may",
        "not",
        "of",
        "on",
        "or",
        "tbd",
        "that",
        "the",
        "this",
        "to",
        "us",
        "we",
        "when",
        "will",
        "with",
        "yet",
        "you",
        "your",
    ]
)

@dataclass(frozen=True)
class Words:
    """The indexed words of one text: ``words[i]`` (folded) came from
    ``text[spans[i][0]:spans[i][1]]``."""

    words: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, text: str, stop: bool = True) -> Words:
        """Return the words of ``text`` as indexed (stop words left out when ``stop``)."""
        words: list[str] = []
        spans: list[tuple[int, int]] = []
        for match in WORD.finditer(text or ""):
            word = fold(match.group())
            if not word or (stop and word in STOP_WORDS):
                continue
            words.append(word)
            spans.append((match.start(), match.end()))
        return cls(tuple(words), tuple(spans))

    def joined(self) -> str:
        """Return the words as the cluster indexes them: joined by single spaces."""
        return " ".join(self.words)


def index_text(text: str | None) -> str:
    """Return the prepared copy of a body or headline text (folded, no stop words)."""
    return Words.of(text or "").joined()


def name_text(name: str | None) -> str:
    """Return the prepared copy of a name (folded words; stop words kept, as names are
    matched word by word: ``actor:"bank of england"``)."""
    return Words.of(name or "", stop=False).joined()


def query_words(text: str) -> list[str]:
    """Return the folded words of a name or phrase typed in a filter (stop words kept)."""
    return list(Words.of(text, stop=False).words)
