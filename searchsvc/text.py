"""The one text fold of searchsvc: how a word is compared with another.

``fold(text)`` lowercases ``text`` and reduces every Latin letter to the plain letter a
reader sees in it: accents and other marks go (``Erdoğan`` -> ``erdogan``, ``Nguyễn`` ->
``nguyen``), and so do strokes, bars and hooks (``Łódź`` -> ``lodz``, ``Ørsted`` ->
``orsted``, ``đ`` -> ``d``, ``Kılıçdaroğlu`` -> ``kilicdaroglu``). Other scripts keep their
letters (``й`` stays ``й``: in Russian it is a letter, not an accented ``и``).

It is the fold of index terms, queries, facets, suggestions and entity names alike, so
that a word typed one way finds the word written the other way everywhere.

How the table is made (from the Unicode character database, not copied from anywhere):

1. a Latin letter whose canonical decomposition is one ASCII letter plus combining
   marks folds to that letter (``é`` = ``e`` + acute);
2. a Latin letter that does not decompose but whose Unicode name is a base letter "with"
   something (``LATIN SMALL LETTER L WITH STROKE``), a ``DOTLESS`` or ``BARRED`` letter,
   or a letter with a ``BAR``, folds to that base letter;
3. fullwidth Latin letters and digits fold to ASCII;
4. ``SPECIAL_LETTERS`` covers the few letters no rule above can read: ``ß`` -> ``s``,
   ``þ`` -> ``t``, ``ð`` -> ``d``, ``ſ`` -> ``s``;
5. combining marks left over (decomposed input, and the dot that lowercasing ``İ``
   leaves: ``İ`` -> ``i``) are removed.

The fold agrees with the accent map Whoosh's analysis used when indexes were first
built (lowercase, then ``whoosh.support.charset.accent_map``) on every letter of the
Basic Multilingual Plane except those listed, with the reasons, in
``docs/text-fold.md``; ``tests/test_fold.py`` checks it letter by letter. Agreement is
what lets existing indexes keep their terms: ``ß`` folds to ``s`` and ``æ``/``œ`` stay
as written because that is what those indexes hold.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: Latin letters with no decomposition and no base letter in their name.
SPECIAL_LETTERS: dict[str, str] = {
    "ß": "s",  # sharp s (ẞ lowercases to it); "s", not "ss", as existing indexes hold
    "þ": "t",  # thorn
    "ð": "d",  # eth
    "ſ": "s",  # long s
}

_BASE_IN_NAME = re.compile(
    r"^LATIN (?:SMALL|CAPITAL) LETTER (?:DOTLESS |BARRED )?([A-Z])(?: WITH .+| BAR)?$"
)
_MAX_BMP = 0xFFFF


def _latin_base(ch: str) -> str | None:
    """Return the plain letter (lowercase) a Latin letter ``ch`` folds to, or None when
    it is a plain letter itself (rules 1-4 of the module docstring): ASCII but for the
    letters with marks on a letter that stays (``ǽ`` -> ``æ``)."""
    if ch in SPECIAL_LETTERS:
        return SPECIAL_LETTERS[ch]
    name = unicodedata.name(ch, "")
    if name.startswith("FULLWIDTH "):
        target = unicodedata.normalize("NFKC", ch)
        return target.lower() if target.isascii() and target.isalnum() else None
    if not name.startswith("LATIN "):
        return None
    decomposed = unicodedata.normalize("NFD", ch)
    if len(decomposed) > 1 and all(unicodedata.combining(c) for c in decomposed[1:]):
        base = decomposed[0]
        if base.isascii():
            return base.lower() if base.isalpha() else None
        return _latin_base(base) or base.lower()
    match = _BASE_IN_NAME.match(name)
    return match.group(1).lower() if match else None


@lru_cache(maxsize=1)
def fold_table() -> dict[int, str]:
    """Return the ``str.translate`` table of the fold: code point of a non-ASCII Latin
    letter or fullwidth digit (in the Basic Multilingual Plane) -> its plain lowercase
    letter or digit."""
    table: dict[int, str] = {}
    for code in range(0x80, _MAX_BMP + 1):
        ch = chr(code)
        if not ch.isalnum():
            continue
        base = _latin_base(ch)
        if base is not None and base != ch:
            table[code] = base
    return table


def fold(text: str) -> str:
    """Return ``text`` lowercased, with Latin letters reduced to their plain letter and
    combining marks removed (``"Kılıçdaroğlu"`` -> ``"kilicdaroglu"``); same length
    for ASCII text, other characters unchanged."""
    if text.isascii():
        return text.lower()
    folded = text.lower().translate(fold_table())
    if folded.isascii():
        return folded
    combining = unicodedata.combining
    return "".join(ch for ch in folded if not combining(ch))
