"""Which place a location mention names: gazetteer readings weighed by renown and context.

One article at a time. Each distinct name is read one way across the article ("one
sense per discourse"); see docs/entities.md ("Places and ambiguity") for the rule:

1. A mention written as "City, Region" or "City, Country" ("Glasgow, Ky.", "Portland,
   Oregon", "Doha, Qatar") is the reading of the city inside that region or country.
2. The article's *anchors* are the names that are placed with confidence on their own
   (countries, regions, famous places, a "City, Region" pair).
3. Every other name takes its best reading given renown (population, capital, how many
   languages name it) plus the share of the other anchors in the same country and the
   same first-level region; a reading is kept only if it is confident: it beats any
   reading in another country by a margin, and a small or obscure place needs the
   article's other places to be in its country (or region): a town that shares its name
   with a word or a person ("Bush", "Orion") is no place on its own. Otherwise the mention stays
   a location of kind "unknown", with no country or coordinates.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from searchsvc.entities.resources import Candidate, abbreviations, gazetteer

#: Score a reading needs over the best reading in another country to be kept.
MARGIN = 0.5
#: Weight of the share of the article's anchors in a reading's country / region.
COUNTRY_WEIGHT = 2.0
REGION_WEIGHT = 3.0
#: A city supported only by its country (not its region) must be at least this big.
SUPPORTED_POPULATION = 15_000
#: Renown of a region whose population is not known (cannot be linked to its cities);
#: a famous one (a continent, "Middle East", "Catalonia") gets 2 more.
REGION_PRIOR = 5.0


@dataclass(frozen=True)
class PlaceQuery:
    """One location mention to place.

    ``key`` is its ``name_key`` (or its alias's), ``surface`` the text as written (for
    case-sensitive abbreviations), ``after_place`` whether it follows "Place, " (where
    "IN" or "Ga." is a state), ``qualifier`` the index of the query that follows it as
    ", Region" or ", Country".
    """

    key: str
    surface: str = ""
    after_place: bool = False
    qualifier: int | None = None


@dataclass
class _Context:
    """The article's anchors: countries and (country, admin1) regions, counted per name."""

    countries: Counter[str] = field(default_factory=Counter)
    regions: Counter[tuple[str, str]] = field(default_factory=Counter)
    total: int = 0

    def add(self, c: Candidate, sign: int = 1) -> None:
        if not c.country_code:
            return
        self.countries[c.country_code] += sign
        if c.admin1:
            self.regions[(c.country_code, c.admin1)] += sign
        self.total += sign

    def shares(self, c: Candidate) -> tuple[float, float]:
        """Return the share of anchors in ``c``'s country and in its region."""
        if not self.total or not c.country_code:
            return 0.0, 0.0
        country = self.countries[c.country_code] / self.total
        region = self.regions[(c.country_code, c.admin1)] / self.total if c.admin1 else 0.0
        return country, region


def prior(c: Candidate) -> float:
    """Return how well known a reading is on its own (higher is better known)."""
    if c.kind == "country":
        return math.log10(c.population + 10) + 3.0
    if c.kind == "region":
        if c.population:
            return math.log10(c.population) - 0.5
        # not linked to its cities: continents and hand-listed regions rank as big ones
        return REGION_PRIOR + (2.0 if c.famous else 0.0)
    score = math.log10(c.population + 10) + 0.5 * math.log10(1 + c.known_names)
    if c.capital:
        score += 1.0
    if not c.exact:
        score -= 1.5  # "Frankfurt" for "Frankfurt am Main": weaker than a full name
    return score


def readings(q: PlaceQuery) -> list[Candidate]:
    """Return the gazetteer readings of one mention (an abbreviation names its region)."""
    abbr = abbreviations().get(q.surface.strip())
    if abbr is not None and (not abbr.weak or q.after_place):
        return [abbr.region]
    return gazetteer().get(q.key, [])


def inside(city: Candidate, area: Candidate) -> bool:
    """Return whether reading ``city`` lies in the country or region ``area``."""
    if area.kind not in ("country", "region") or city is area:
        return False
    if not area.country_code or city.country_code != area.country_code:
        return False
    if area.kind == "country":
        return True
    return not area.admin1 or city.admin1 == area.admin1


def _group(q: PlaceQuery, cands: list[Candidate]) -> str:
    """Return the name a mention is resolved under (an abbreviation is its own name)."""
    abbr = abbreviations().get(q.surface.strip())
    return f"abbr:{q.surface.strip()}" if abbr is not None and cands == [abbr.region] else q.key


def _decide(cands: list[Candidate], ctx: _Context) -> Candidate | None:
    """Return the confident reading among ``cands`` given the anchors, or None."""
    scored = []
    for c in cands:
        country, region = ctx.shares(c)
        scored.append((prior(c) + COUNTRY_WEIGHT * country + REGION_WEIGHT * region, c))
    best_score, best = max(scored, key=lambda x: x[0])
    rivals = [s for s, c in scored if c.country_code != best.country_code]
    if rivals and best_score - max(rivals) < MARGIN:
        return None  # as likely in another country: not confident
    if best.kind == "country":
        return best
    country, region = ctx.shares(best)
    if region > 0 or best.famous:
        return best
    if best.kind == "region":
        return best if country > 0 or not ctx.total else None
    # a city the article's places do not support is kept only if it is famous
    return best if country > 0 and best.population >= SUPPORTED_POPULATION else None


def resolve_places(queries: list[PlaceQuery]) -> list[Candidate | None]:
    """Return, for each mention of one article, its place reading or None (unknown)."""
    cands = [readings(q) for q in queries]
    groups = [_group(q, c) for q, c in zip(queries, cands, strict=True)]
    fixed: dict[str, Candidate] = {}
    # 1. "City, Region": the pair of readings with the city inside the region
    for i, q in enumerate(queries):
        j = q.qualifier
        if j is None or not cands[i] or not cands[j] or groups[i] in fixed:
            continue
        pairs = [(prior(a) + prior(b), a, b) for a in cands[i] for b in cands[j] if inside(a, b)]
        if pairs:
            _score, city, area = max(pairs, key=lambda x: x[0])
            fixed[groups[i]] = city
            fixed.setdefault(groups[j], area)
    by_group: dict[str, list[Candidate]] = {}
    for g, c in zip(groups, cands, strict=True):
        if c:
            by_group.setdefault(g, c)
    # 2. anchors: names placed with confidence on their own
    anchors: dict[str, Candidate] = dict(fixed)
    for g, c in by_group.items():
        if g not in anchors:
            alone = _decide(c, _Context())
            if alone is not None:
                anchors[g] = alone
    ctx = _Context()
    for c in anchors.values():
        ctx.add(c)
    # 3. every name given the other names' anchors
    chosen: dict[str, Candidate | None] = dict(fixed)
    for g, c in by_group.items():
        if g in chosen:
            continue
        own = anchors.get(g)
        if own is not None:
            ctx.add(own, -1)
        chosen[g] = _decide(c, ctx)
        if own is not None:
            ctx.add(own)
    return [chosen.get(g) for g in groups]
