"""Data the extractor looks names up in: the alias table and the gazetteer.

Both are read lazily, once per process, from ``searchsvc/entities/data/``.
"""

from __future__ import annotations

import gzip
import math
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
    kind: str
    country_code: str | None
    admin1: str | None
    lat: float | None
    lon: float | None
    population: int
    exact: bool  # matched the place's own (or a curated country) name, not an alternate


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
def gazetteer() -> dict[str, list[Candidate]]:
    """Return gazetteer candidates keyed by ``name_key(name)``, best-known first."""
    table: dict[str, list[Candidate]] = {}
    if not PLACES_PATH.exists():
        return table
    with gzip.open(PLACES_PATH, "rt", encoding="utf-8") as fh:
        next(fh, None)
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if len(f) < 9:
                continue
            name, kind, cc, admin1, lat, lon, pop, keys, alt_keys = f[:9]
            base = (
                name,
                kind,
                cc or None,
                admin1 or None,
                float(lat) if lat else None,
                float(lon) if lon else None,
                int(pop or 0),
            )
            # ``keys`` (own name, curated country spellings) are precomputed name_key()s.
            exact_c = Candidate(*base, True)
            for key in keys.split("|"):
                if key:
                    table.setdefault(key, []).append(exact_c)
            if alt_keys:
                alt_c = Candidate(*base, False)
                for key in alt_keys.split("|"):
                    table.setdefault(key, []).append(alt_c)
    return table


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


def candidate_score(c: Candidate, countries: set[str], regions: set[tuple[str, str]]) -> float:
    """Score one reading of an ambiguous place name given the article's other places.

    ``countries`` are the country codes and ``regions`` the (country code, admin1) pairs
    of the article's other places. See docs/entities.md for the rule.
    """
    score = math.log10(c.population + 10)
    if c.exact:
        score += 5.0
    if c.kind == "country":
        score += 3.0
        if c.country_code in countries:
            score += 2.0
    else:
        if c.kind == "city":
            score += 1.0
        if c.country_code and c.country_code in countries:
            score += 1.5
        if c.country_code and c.admin1 and (c.country_code, c.admin1) in regions:
            score += 4.0
    return score
