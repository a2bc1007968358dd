"""A trivial extractor used when no trained model is shipped (and by the first API).

It marks runs of capitalised words as PER, and a few country names as LOC. It exists so
that callers work before (or without) the statistical model; it is not accurate.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

from searchsvc.models import Entity, Place

_COUNTRIES = {
    "Turkey": "TR",
    "Israel": "IL",
    "United States": "US",
    "Sweden": "SE",
    "Iraq": "IQ",
    "Jordan": "JO",
    "Syria": "SY",
    "Russia": "RU",
    "Ukraine": "UA",
    "Gaza": "PS",
    "Palestine": "PS",
    "Germany": "DE",
    "France": "FR",
    "Britain": "GB",
    "China": "CN",
}
_CAP_RUN = re.compile(r"\b[A-Z][\w'-]*(?:[ \t]+[A-Z][\w'-]*)*")


def placeholder_doc(text: str) -> Any:
    """Return a Doc-like object whose ``ents`` carry ``start_char``/``end_char``/``label_``."""
    ents = []
    for m in _CAP_RUN.finditer(text):
        word = m.group(0)
        if word in _COUNTRIES:
            ents.append(SimpleNamespace(start_char=m.start(), end_char=m.end(), label_="LOC"))
        elif " " in word:
            ents.append(SimpleNamespace(start_char=m.start(), end_char=m.end(), label_="PER"))
    return SimpleNamespace(ents=ents)


class PlaceholderExtractor:
    """Trivial extractor: runs of capitalised words; a tiny country list makes locations."""

    def extract(self, text: str) -> list[Entity]:
        """Return entities found as capitalised-word runs in ``text`` (no resolution)."""
        out: list[Entity] = []
        for ent in placeholder_doc(text).ents:
            word = text[ent.start_char : ent.end_char]
            if ent.label_ == "LOC":
                place = Place(word, _COUNTRIES[word], kind="country", country=word)
                out.append(Entity(word, "location", ent.start_char, ent.end_char, word, place))
            else:
                out.append(Entity(word, "actor", ent.start_char, ent.end_char, word))
        return out
