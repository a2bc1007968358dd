"""How query text becomes words: the word pattern, case and accent folding, stop words.

These are the rules the index applies to headlines, body text and names, restated here
without any engine so that the parser can say what a query means: a word is a run of
letters and digits (inner apostrophes allowed: "don't"; "Israel-Hamas" is two words),
folded to lower case without accents ("Erdoğan" -> "erdogan"). In headlines and body
text the English ``STOP_WORDS`` are not searched; in names every word counts.

(``searchsvc.text`` will hold the one folding function of the project; until then
``fold`` here follows the Whoosh engine's folding, which a test of that engine checks.)
"""

from __future__ import annotations

import functools
import re
import unicodedata

WORD_PATTERN = r"\w+(?:['’]\w+)*"
_WORDS = re.compile(WORD_PATTERN)

STOP_WORDS = frozenset(
    ("a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "have", "if")
    + ("in", "is", "it", "may", "not", "of", "on", "or", "tbd", "that", "the", "this")
    + ("to", "us", "we", "when", "will", "with", "yet", "you", "your")
)

# Letters that do not decompose into a base letter and accents, folded by their sound.
_LETTERS = {"ð": "d", "þ": "t", "ß": "s", "ı": "i"}
_LATIN_NAME = re.compile(r"LATIN SMALL LETTER ([A-Z]) WITH (?!SWASH|LOOP)")
_FULLWIDTH = range(0xFF10, 0xFF5B)  # fullwidth digits and letters (and a few signs)


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """Return one lower-case character without its accents (see ``fold``)."""
    code = ord(char)
    if code < 0x80:
        return char
    if code in _FULLWIDTH and char.isalnum():
        return chr(code - 0xFEE0).lower()
    if char in _LETTERS:
        return _LETTERS[char]
    if not (code < 0x250 or 0x1E00 <= code < 0x1F00):  # Latin letters only
        return char
    parts = unicodedata.normalize("NFD", char)
    if len(parts) > 1 and parts[0].isascii() and all(unicodedata.combining(c) for c in parts[1:]):
        return parts[0]
    named = _LATIN_NAME.match(unicodedata.name(char, ""))
    return named.group(1).lower() if named else char


def fold(text: str) -> str:
    """Return ``text`` in lower case with the accents of Latin letters removed
    ("ERDOĞAN" -> "erdogan", "Øresund" -> "oresund", "straße" -> "strase")."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    return "".join(_fold_char(c) for c in lowered)


def word_spans(text: str) -> list[tuple[str, int, int]]:
    """Return ``(folded word, start, end)`` for each word of ``text``, in order."""
    return [(fold(m.group()), m.start(), m.end()) for m in _WORDS.finditer(text)]
