"""Text normalisation shared by the extractor, the alias table and the gazetteer."""

from __future__ import annotations

import re
from functools import lru_cache

from searchsvc.text import fold

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
    }
)
_SPACE = re.compile(r"\s+")
_KEY_DROP = re.compile(r"[.\u00b7'\"`]")
_KEY_SPACE = re.compile(r"[\s\-_/,]+")


@lru_cache(maxsize=65536)
def clean_display(text: str) -> str:
    """Return ``text`` with typographic quotes/dashes made plain and whitespace collapsed."""
    return _SPACE.sub(" ", text.translate(_QUOTES)).strip()


@lru_cache(maxsize=65536)
def name_key(text: str) -> str:
    """Return the matching key of a name: folded (``searchsvc.text.fold``: case,
    accents, special letters), dot- and spacing-insensitive.

    ``"U.S."``, ``"US"`` and ``"u s"`` all give ``"us"``; ``"Erdoğan"`` gives ``"erdogan"``,
    ``"Kılıçdaroğlu"`` ``"kilicdaroglu"``.
    """
    text = fold(clean_display(text))
    text = _KEY_DROP.sub("", text)
    return _KEY_SPACE.sub(" ", text).strip()
