"""Data the extractor looks names up in: the alias table and the gazetteer.

Both are read lazily, once per process, from ``searchsvc/entities/data/``.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from searchsvc.entities.normalize import name_key
from searchsvc.models import Place

DATA_DIR = Path(__file__).resolve().parent / "data"
ALIASES_PATH = DATA_DIR / "aliases.tsv"
PLACES_PATH = DATA_DIR / "places.tsv.gz"


@dataclass(frozen=True)
class Alias:
    """One row of the alias table: canonical name and optional forced label."""

    canonical: str
    label: str | None  # "actor", "location" or None


class Candidate(NamedTuple):
    """One gazetteer reading of a place name."""

    name: str
    kind: str  # "country", "region" or "city"
    country_code: str | None
    admin1: str | None  # first-level code shared by a region and its cities
    lat: float | None
    lon: float | None
    population: int
    exact: bool  # matched a full name of the place, not a short form ("Frankfurt")
    known_names: int = 0  # names GeoNames lists for a city in all languages (renown)
    capital: bool = False  # a national capital
    famous: bool = False  # a country, capital, city or region of a million, hand-listed


class Abbreviation(NamedTuple):
    """A region abbreviation ("Ky.", "B.C.", "NSW"): its region and whether it is weak.

    A weak one ("IN", "Ga.", "Mass.") is also a word or another thing and names the
    region only right after "City, ".
    """

    region: Candidate
    weak: bool


@lru_cache(maxsize=1)
def aliases() -> dict[str, Alias]:
    """Return the alias table keyed by ``name_key(alias)``."""
    table: dict[str, Alias] = {}
    for line in ALIASES_PATH.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        label = parts[2].strip() if len(parts) > 2 else "-"
        table[name_key(parts[0])] = Alias(
            parts[1].strip(), label if label in ("actor", "location") else None
        )
    return table


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, list[Candidate]], dict[str, Abbreviation]]:
    """Read the gazetteer file once: (readings by key, abbreviations by exact spelling)."""
    table: dict[str, list[Candidate]] = {}
    abbrevs: dict[str, Abbreviation] = {}
    if not PLACES_PATH.exists():
        return table, abbrevs
    with gzip.open(PLACES_PATH, "rt", encoding="utf-8") as fh:
        next(fh, None)
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if len(f) < 13:
                continue
            name, kind, cc, admin1, lat, lon, pop, known, flags, keys, short, strong, weak = f[:13]

            base = (
                name,
                kind,
                cc or None,
                admin1 or None,
                float(lat) if lat else None,
                float(lon) if lon else None,
                int(pop or 0),
            )
            marks = (int(known or 0), "capital" in flags, "famous" in flags)
            # keys are precomputed name_key()s: full names first, then short forms
            full = Candidate(*base, True, *marks)
            for key in _current_keys(keys, name):
                table.setdefault(key, []).append(full)
            if short:
                short_c = Candidate(*base, False, *marks)
                for key in _current_keys(short):
                    table.setdefault(key, []).append(short_c)
            for forms, is_weak in ((strong, False), (weak, True)):
                for form in forms.split("|"):
                    if form:
                        abbrevs[form] = Abbreviation(full, is_weak)
    return table, abbrevs


def gazetteer() -> dict[str, list[Candidate]]:
    """Return gazetteer readings keyed by ``name_key(name)``.

    Keys are the names a reader uses for a place (its own name, hand-listed English
    names, short forms); never GeoNames' alternate names in other languages.
    """
    return _tables()[0]


def abbreviations() -> dict[str, Abbreviation]:
    """Return region abbreviations keyed by their exact, case-sensitive spelling."""
    return _tables()[1]


def _current_keys(keys: str, name: str = "") -> list[str]:
    """Return the ``|``-separated precomputed ``keys`` as today's ``name_key`` makes
    them, plus the key of ``name``: a file built with an older fold (one that kept
    ``ł`` or turned ``ß`` into ``ss``) still matches what the extractor looks up."""
    if keys.isascii() and name.isascii():
        return [k for k in keys.split("|") if k]
    found = {k if k.isascii() else name_key(k) for k in keys.split("|") if k}
    if name and not name.isascii():
        found.add(name_key(name))
    return sorted(found)


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """Return country code -> display name."""
    out: dict[str, str] = {}
    for cands in gazetteer().values():
        for c in cands:
            if c.kind == "country" and c.exact and c.country_code:
                out.setdefault(c.country_code, c.name)
    return out


def to_place(c: Candidate) -> Place:
    """Return the ``Place`` for a gazetteer candidate."""
    country = country_names().get(c.country_code or "")
    return Place(c.name, c.country_code, c.lat, c.lon, c.kind, country)
