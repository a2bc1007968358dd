"""How query text becomes words: the word pattern, case and accent folding, stop words.

These are the rules the index applies to headlines, body text and names, restated here
without any engine so that the parser can say what a query means: a word is a run of
letters and digits (inner apostrophes allowed: "don't"; "Israel-Hamas" is two words),
folded by the one fold of the project (``searchsvc.text.fold``: "Erdoğan" -> "erdogan",
"Kılıçdaroğlu" -> "kilicdaroglu"). In headlines and body text the English
``STOP_WORDS`` are not searched; in names every word counts.
"""

from __future__ import annotations

import re

from searchsvc.text import fold

__all__ = ["STOP_WORDS", "WORD_PATTERN", "fold", "word_spans"]

WORD_PATTERN = r"\w+(?:['’]\w+)*"
_WORDS = re.compile(WORD_PATTERN)

STOP_WORDS = frozenset(
    ("a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "have", "if")
    + ("in", "is", "it", "may", "not", "of", "on", "or", "tbd", "that", "the", "this")
    + ("to", "us", "we", "when", "will", "with", "yet", "you", "your")
)


def word_spans(text: str) -> list[tuple[str, int, int]]:
    """Return ``(folded word, start, end)`` for each word of ``text``, in order."""
    return [(fold(m.group()), m.start(), m.end()) for m in _WORDS.finditer(text)]
