"""Plain data passed between the pipeline's steps.

Data flows one way: source file -> ``Article`` (parse) -> ``Paragraph`` (chunk, then
entities) -> index -> ``Hit`` / ``SearchPage`` (search) -> HTML or JSON (web, CLI).
Nothing here imports another searchsvc module.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

WarningKind = Literal["date_unreadable", "url_dropped"]


@dataclass
class ReadWarning:
    """A value a source gave that was left out of its article: ``kind`` is
    ``"date_unreadable"`` (indexed without a date) or ``"url_dropped"`` (a URL that is
    not an http(s) link: indexed without one); ``value`` is the value as written;
    ``where`` names the record in a file of several (``"line 3"``), else is empty."""

    kind: WarningKind
    value: str
    where: str = ""

    def message(self) -> str:
        """Return the one-line reason shown in the reindex summary."""
        if self.kind == "date_unreadable":
            text = f"the date {self.value!r} could not be read: indexed without a date"
        else:
            text = f"the URL {self.value!r} is not an absolute http(s) link: indexed without a link"
        return f"{self.where}: {text}" if self.where else text


@dataclass
class Article:
    """One news article as read from a file, before it is split into paragraphs.

    ``date`` is an ISO 8601 string in UTC (``YYYY-MM-DD`` when the source gave no time,
    else ``YYYY-MM-DDTHH:MM:SS+00:00``) or None; ``date_original`` is the date as the
    source wrote it (kept also when it could not be read). ``url`` is an http(s) URL or
    None. ``warnings`` name what the source gave but the article left out.
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
    date_original: str | None = None
    warnings: list[ReadWarning] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the article as a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class Place:
    """A location resolved against the gazetteer.

    ``kind`` is ``"country"``, ``"city"``, ``"region"`` or ``"unknown"`` (a place name
    the gazetteer does not know or cannot place with confidence: kept, with no code or
    coordinates).
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

    ``date_from`` / ``date_to`` are inclusive dates as ``searchsvc.dates.date_bounds``
    reads them (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, a timestamp, a written date),
    compared in UTC. Filters combine with AND, on top of the query.
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
    # Only these paragraph ids (not a user parameter: alerts match new paragraphs).
    ids: list[str] = field(default_factory=list)


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

    @classmethod
    def of(cls, paragraph: Paragraph, highlight: str, score: float, more: int = 0) -> Hit:
        """Return the hit showing ``paragraph`` (``score`` rounded to 4 places)."""
        return cls(
            id=paragraph.id,
            article_id=paragraph.article_id,
            title=paragraph.title,
            source=paragraph.source,
            date=paragraph.date,
            url=paragraph.url,
            position=paragraph.position,
            paragraph_count=paragraph.count,
            text=paragraph.text,
            highlight=highlight,
            actors=paragraph.actors,
            locations=paragraph.locations,
            score=round(float(score or 0.0), 4),
            more_in_article=more,
        )

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


@dataclass
class DayCounts:
    """What an engine counts per day for the analyst views: for each ISO date
    (``YYYY-MM-DD``, UTC) the matching paragraphs and the distinct articles they
    belong to; ``undated`` matching paragraphs without a date; ``matched`` all
    matching paragraphs."""

    days: dict[str, tuple[int, int]]
    undated: int
    matched: int


@dataclass
class ValueCounts:
    """How many matching paragraphs carry each value of a field (``actors``,
    ``locations``, ``sources``), out of ``matched`` matching paragraphs."""

    field: str
    matched: int
    counts: dict[str, int]


@dataclass
class TimelineBucket:
    """One period of a timeline: ``start`` (ISO date), matching paragraphs
    (``count``) and articles, paragraphs indexed in the period (``total``) and
    ``share`` = count / total (0 when nothing is indexed then)."""

    start: str
    count: int
    articles: int
    total: int
    share: float


@dataclass
class Timeline:
    """Attention over time for one query: buckets of one ``interval`` (``day``,
    ``week`` (starting Monday), ``month`` or ``year``), gaps filled with zeros."""

    interval: str
    buckets: list[TimelineBucket]
    undated: int
    query: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the timeline as a JSON-ready dict."""
        return asdict(self)


@dataclass
class RelatedValue:
    """A value named in the matching paragraphs: ``count`` of them, ``share`` of the
    hits, and ``lift`` = share among the hits / share in the whole index."""

    value: str
    count: int
    share: float
    lift: float


@dataclass
class Related:
    """The values of ``field`` most named with the query's hits."""

    field: str
    values: list[RelatedValue]
    matched: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Return the answer as a JSON-ready dict."""
        return asdict(self)


@dataclass
class ExportInfo:
    """What travels with an export: the index version it reads and how many rows."""

    version: str
    total: int
