"""The fixed, seeded query mix of the benchmarks, drawn from the collection itself.

Every query is a ``BenchQuery``: user text in searchsvc's query language plus the
filters and sort of ``SearchRequest``; ``to_request``/``to_params`` turn it into the
Python API call and the HTTP query string. ``benchmarks/fts5.py`` translates the same
queries to SQLite FTS5.

The mix (``DEFAULT_MIX``) has 1-3 words, phrases, fielded ``actor:``/``location:``
terms, filters (actor, location, source, date range), ``OR``, prefixes, typo-tolerant
``~`` and sort by date. Words are drawn from the collection's sentences by occurrence
(so frequent words are queried more often, as users do), names from the generator's
actors and places with their Zipf weights. Each query is run on page 1 and on a deep
page (``DEEP_PAGE``) by the runner.
"""

from __future__ import annotations

import random
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from searchsvc.models import SearchRequest

DEEP_PAGE = 10
PER_PAGE = 10
DEFAULT_MIX = {
    "word": 40,
    "two_words": 30,
    "three_words": 20,
    "phrase": 25,
    "actor_field": 20,
    "location_field": 15,
    "filter": 25,
    "or": 15,
    "prefix": 15,
    "typo": 15,
    "newest": 20,
}
_WORD = re.compile(r"[A-Za-z]{4,}")
STOP = set(
    [
        "that",
        "this",
        "with",
        "from",
        "have",
        "were",
        "been",
        "will",
        "their",
        "they",
        "there",
        "said",
        "would",
        "which",
        "about",
        "also",
        "after",
        "more",
        "than",
        "when",
        "into",
        "some",
        "what",
        "year",
        "years",
        "could",
        "other",
        "over",
        "just",
        "only",
        "them",
        "then",
        "these",
        "those",
        "while",
        "where",
        "being",
        "most",
        "such",
        "many",
        "very",
        "much",
        "like",
        "made",
    ]
)


@dataclass
class BenchQuery:
    """One benchmark query: text, filters and sort, and its kind in the mix."""

    kind: str
    q: str
    actors: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None
    sort: str = "relevance"

    def to_request(self, page: int = 1, per_page: int = PER_PAGE) -> SearchRequest:
        """Return the SearchRequest for this query on ``page``."""
        return SearchRequest(
            q=self.q,
            actors=list(self.actors),
            locations=list(self.locations),
            sources=list(self.sources),
            date_from=self.date_from,
            date_to=self.date_to,
            sort=self.sort,  # type: ignore[arg-type]
            page=page,
            per_page=per_page,
        )

    def to_params(self, page: int = 1, per_page: int = PER_PAGE) -> list[tuple[str, str]]:
        """Return the ``/api/search`` query parameters for this query on ``page``."""
        params = [("q", self.q)]
        params += [("actor", a) for a in self.actors]
        params += [("location", v) for v in self.locations]
        params += [("source", s) for s in self.sources]
        if self.date_from:
            params.append(("from", self.date_from))
        if self.date_to:
            params.append(("to", self.date_to))
        if self.sort != "relevance":
            params.append(("sort", self.sort))
        params += [("page", str(page)), ("per_page", str(per_page))]
        return params

    def to_dict(self) -> dict[str, Any]:
        """Return the query as a JSON-ready dict."""
        return asdict(self)


def _typo(word: str, rng: random.Random) -> str:
    """Return ``word`` with one edit (swap, drop or replace) after its first letter."""
    i = rng.randrange(1, len(word) - 1)
    edit = rng.choice(("swap", "drop", "replace"))
    if edit == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if edit == "drop":
        return word[:i] + word[i + 1 :]
    return word[:i] + rng.choice("aeiourstln") + word[i + 1 :]


def build_queries(
    sentences: list[str],
    actors: list[str],
    places: list[str],
    sources: list[str],
    seed: int = 7,
    mix: dict[str, int] | None = None,
) -> list[BenchQuery]:
    """Return the query mix (``DEFAULT_MIX`` counts per kind, no duplicates) drawn with
    ``seed`` from ``sentences`` and the name lists (most frequent names first)."""
    rng = random.Random(seed)
    mix = mix or DEFAULT_MIX
    sample = [s for s in rng.sample(sentences, min(len(sentences), 20_000))]
    words = [w.lower() for s in sample for w in _WORD.findall(s) if w.lower() not in STOP]
    long_words = [w for w in words if len(w) >= 6]

    def name(items: list[str]) -> str:
        # Zipf-ish: rank r with weight 1/r, so popular names are queried most
        rank = int(len(items) ** rng.random()) - 1
        return items[min(rank, len(items) - 1)]

    def phrase() -> str:
        for _ in range(100):
            tokens = _WORD.findall(rng.choice(sample))
            if len(tokens) >= 3:
                n = rng.choice((2, 3))
                start = rng.randrange(0, len(tokens) - n + 1)
                return " ".join(tokens[start : start + n]).lower()
        return "prime minister"

    def year_range() -> tuple[str, str]:
        start = rng.randrange(2005, 2024)
        return str(start), str(min(2024, start + rng.choice((0, 1, 2, 5))))

    makers = {
        "word": lambda: BenchQuery("word", rng.choice(words)),
        "two_words": lambda: BenchQuery("two_words", " ".join(rng.sample(words, 2))),
        "three_words": lambda: BenchQuery("three_words", " ".join(rng.sample(words, 3))),
        "phrase": lambda: BenchQuery("phrase", f'"{phrase()}"'),
        "actor_field": lambda: BenchQuery("actor_field", f'actor:"{name(actors)}"'),
        "location_field": lambda: BenchQuery("location_field", f'location:"{name(places)}"'),
        "or": lambda: BenchQuery("or", f"{rng.choice(words)} OR {rng.choice(words)}"),
        "prefix": lambda: BenchQuery(
            "prefix", rng.choice(long_words)[: rng.choice((3, 4, 5))] + "*"
        ),
        "typo": lambda: BenchQuery("typo", _typo(rng.choice(long_words), rng) + "~"),
        "newest": lambda: BenchQuery("newest", rng.choice(words), sort="newest"),
    }

    def filtered() -> BenchQuery:
        query = BenchQuery("filter", rng.choice(words))
        which = rng.choice(("actor", "location", "source", "date"))
        if which == "actor":
            query.actors = [name(actors)]
        elif which == "location":
            query.locations = [name(places)]
        elif which == "source":
            query.sources = [name(sources)]
        else:
            query.date_from, query.date_to = year_range()
        return query

    makers["filter"] = filtered
    queries: list[BenchQuery] = []
    seen: set[str] = set()
    for kind, count in mix.items():
        made = 0
        attempts = 0
        while made < count and attempts < count * 50:
            attempts += 1
            query = makers[kind]()
            key = repr(sorted(query.to_dict().items()))
            if key in seen:
                continue
            seen.add(key)
            queries.append(query)
            made += 1
    rng.shuffle(queries)
    return queries


def collection_queries(seed: int = 7, corpus_seed: int = 1) -> list[BenchQuery]:
    """Return the standard query mix for the generated collection (and the BBC corpus,
    whose sentences it recombines)."""
    from generate import OUTLETS, Generator

    gen = Generator(corpus_seed)
    return build_queries(
        gen.material.sentences,
        gen.actors,
        [p.name for p in gen.places],
        list(OUTLETS),
        seed=seed,
    )
