"""Plain data passed between the pipeline's steps.

Data flows one way: source file -> ``Article`` (parse) -> ``Paragraph`` (chunk, then
entities) -> index -> ``Hit`` / ``SearchPage`` (search) -> HTML or JSON (web, CLI).
Nothing here imports another searchsvc module.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal


@dataclass
class Article:
    """One news article as read from a file, before it is split into paragraphs.

    ``date`` is an ISO 8601 string (``YYYY-MM-DD`` or a full timestamp) or None.
    ``id`` is stable for the same file (and record within it) across reindexes.
    """

    id: str
    title: str
    paragraphs: list[str]
    date: str | None = None
    source: str | None = None
    url: str | None = None
    author: str | None = None
    path: str | None = None
    format: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the article as a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class Place:
    """A location resolved against the gazetteer.

    ``kind`` is ``"country"``, ``"city"``, ``"region"`` or ``"unknown"`` (a place name
    the gazetteer does not know: kept, with no code or coordinates).
    """

    name: str
    country_code: str | None = None
    lat: float | None = None
    lon: float | None = None
    kind: str = "unknown"
    country: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the place as a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Place:
        """Build a Place from ``to_dict`` output, ignoring unknown keys."""
        known = {k: data.get(k) for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


EntityLabel = Literal["actor", "location"]


@dataclass
class Entity:
    """A mention of an actor or a location in a text.

    ``text`` is the mention as written and ``text == source[start:end]``; ``name`` is the
    canonical name stored in the index; ``place`` is set for resolved locations.
    """

    text: str
    label: EntityLabel
    start: int
    end: int
    name: str
    place: Place | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the entity as a JSON-ready dict."""
        return asdict(self)


@dataclass
class Paragraph:
    """One paragraph document: the unit that is indexed, searched and returned.

    ``id`` is ``f"{article_id}#{position}"``; ``position`` counts from 1 to ``count``.
    ``actors`` are canonical names; ``locations`` are resolved places (canonical names
    in ``Place.name``).
    """

    id: str
    article_id: str
    position: int
    count: int
    text: str
    title: str
    date: str | None = None
    source: str | None = None
    url: str | None = None
    author: str | None = None
    path: str | None = None
    actors: list[str] = field(default_factory=list)
    locations: list[Place] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the paragraph as a JSON-ready dict."""
        return asdict(self)


SortOrder = Literal["relevance", "newest", "oldest"]


@dataclass
class SearchRequest:
    """Everything one search needs; the web page, the API and the CLI all build one.

    ``date_from`` / ``date_to`` are inclusive ISO dates (``YYYY``, ``YYYY-MM`` or
    ``YYYY-MM-DD``). Filters combine with AND, on top of the query.
    """

    q: str = ""
    actors: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None
    sort: SortOrder = "relevance"
    page: int = 1
    per_page: int = 10
    collapse: bool = False
    article_id: str | None = None
    facet_limit: int = 10
    expand_locations: bool = False


@dataclass
class Hit:
    """One ranked paragraph in a result page.

    ``highlight`` is HTML-escaped text whose only tags are ``<mark>``; ``text`` is plain.
    ``more_in_article`` counts the article's other matching paragraphs when results are
    collapsed to one per article (0 otherwise).
    """

    id: str
    article_id: str
    title: str
    source: str | None
    date: str | None
    url: str | None
    position: int
    paragraph_count: int
    text: str
    highlight: str
    actors: list[str]
    locations: list[Place]
    score: float
    more_in_article: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Return the hit as a JSON-ready dict."""
        return asdict(self)


@dataclass
class FacetValue:
    """One value of a facet with the number of matching paragraphs carrying it."""

    value: str
    count: int
    active: bool = False


@dataclass
class SearchPage:
    """One page of results: what the HTML page, the JSON API and the CLI render."""

    query: str
    request: SearchRequest
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    suggestion: str | None
    took_ms: float
    # Added by the search issue: how the query was understood and what it matched.
    parsed: str = ""
    matched: Literal["all", "any"] = "all"
    total_paragraphs: int = 0
    articles: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Return the page as a JSON-ready dict (the request is left out)."""
        data = asdict(self)
        data.pop("request", None)
        return data


@dataclass
class IndexStats:
    """What is in an index: for ``/api/health`` and ``searchsvc status``."""

    exists: bool
    path: str
    documents: int = 0
    articles: int = 0
    last_reindex: str | None = None
    generation: str | None = None
