"""Plain data passed between the pipeline's steps.

Data flows one way: source file -> ``Article`` (parse) -> ``Paragraph`` (chunk, then
entities) -> index -> ``Hit`` / ``SearchPage`` (search) -> HTML or JSON (web, CLI).
Nothing here imports another searchsvc module.

The JSON API answers with these dataclasses (``api_dict``), and its OpenAPI description
is generated from them (``searchsvc.web.openapi``): a field's ``described(...)`` metadata
is its description there, and a field marked ``NOT_IN_API`` is in neither.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

NOT_IN_API: dict[str, Any] = {"api": False}


def described(text: str, **schema: Any) -> dict[str, Any]:
    """Return dataclass field metadata giving the field's description in the API's
    OpenAPI document; ``schema`` adds JSON Schema keywords (``minimum=1``...)."""
    return {"doc": text, "schema": schema}


def in_api(f: dataclasses.Field) -> bool:
    """Return True when the field ``f`` is part of the API's JSON (not ``NOT_IN_API``)."""
    return f.metadata.get("api", True)


def api_dict(obj: Any) -> Any:
    """Return a dataclass (or list/dict of them) as JSON-ready data, leaving out the
    fields marked ``NOT_IN_API``: what the JSON API sends."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {
            f.name: api_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj) if in_api(f)
        }
    if isinstance(obj, list | tuple):
        return [api_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {k: api_dict(v) for k, v in obj.items()}
    return obj


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

    name: str = field(metadata=described("Canonical name of the place."))
    country_code: str | None = field(
        default=None, metadata=described("ISO 3166-1 alpha-2 code of its country.")
    )
    lat: float | None = field(default=None, metadata=described("Latitude in degrees."))
    lon: float | None = field(default=None, metadata=described("Longitude in degrees."))
    kind: str = field(
        default="unknown",
        metadata=described("country, city, region, or unknown (a name not in the gazetteer)."),
    )
    country: str | None = field(default=None, metadata=described("Name of its country."))

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
    # Near-duplicate signature of the text and its LSH band keys (``searchsvc.copies``),
    # and those of the article's body on its first paragraph; None until signed.
    copy_signature: bytes | None = None
    copy_bands: list[str] | None = None
    article_signature: bytes | None = None
    article_bands: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the paragraph as a JSON-ready dict (signatures left out)."""
        data = asdict(self)
        for name in COPY_FIELDS:
            data.pop(name, None)
        return data


COPY_FIELDS = ("copy_signature", "copy_bands", "article_signature", "article_bands")


SortOrder = Literal["relevance", "newest", "oldest"]
FacetName = Literal["actors", "locations", "sources"]


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
    # One hit per cluster of copies; totals, facets and views count stories.
    dedupe: bool = False
    # Only these paragraph ids (not a user parameter: alerts match new paragraphs).
    ids: list[str] = field(default_factory=list)


@dataclass
class Hit:
    """One ranked paragraph in a result page.

    ``highlight`` is HTML-escaped text whose only tags are ``<mark>``; ``text`` is plain.
    ``more_in_article`` counts the article's other matching paragraphs when results are
    collapsed to one per article (0 otherwise).
    """

    id: str = field(metadata=described("Paragraph id: article id, #, position."))
    article_id: str = field(metadata=described("Id of the article (see /api/articles/{id})."))
    title: str = field(metadata=described("Headline of the article."))
    source: str | None = field(metadata=described("Source (site or agency) of the article."))
    date: str | None = field(metadata=described("Publication date, ISO 8601."))
    url: str | None = field(metadata=described("Link to the original article."))
    position: int = field(metadata=described("Place of the paragraph in its article.", minimum=1))
    paragraph_count: int = field(
        metadata=described("Paragraphs in the article.", minimum=1)
    )
    text: str = field(metadata=described("The paragraph, plain text."))
    highlight: str = field(
        metadata=described(
            "HTML-escaped paragraph (or best fragment, with …) whose only tags are <mark>."
        )
    )
    actors: list[str] = field(metadata=described("People and organisations named."))
    locations: list[Place] = field(metadata=described("Places named."))
    score: float = field(metadata=described("Relevance score (higher is better)."))
    more_in_article: int = field(
        default=0,
        metadata=described(
            "Other matching paragraphs of the article when collapse=1 (else 0).", minimum=0
        ),
    )
    cluster: str | None = field(
        default=None,
        metadata=described(
            "With dedupe=1: the id of the cluster's canonical copy (the earliest matching "
            "copy, shown as this hit); else null."
        ),
    )
    copies: int = field(
        default=0,
        metadata=described(
            "With dedupe=1: other matching paragraphs that are copies of this one.", minimum=0
        ),
    )
    copy_sources: int = field(
        default=0,
        metadata=described(
            "With dedupe=1: sources other than this hit's where those copies appear.", minimum=0
        ),
    )

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

    value: str = field(metadata=described("The name (or source id)."))
    count: int = field(metadata=described("Matching paragraphs carrying it.", minimum=0))
    active: bool = field(default=False, metadata=described("True when it is a filter now."))


@dataclass
class SearchPage:
    """One page of results: what the HTML page, the JSON API and the CLI render."""

    query: str = field(metadata=described("The query as searched (cleaned)."))
    request: SearchRequest = field(metadata=NOT_IN_API)
    total: int = field(
        metadata=described("Matching paragraphs (articles when collapse=1).", minimum=0)
    )
    page: int = field(metadata=described("This page's number, from 1.", minimum=1))
    per_page: int = field(metadata=described("Hits per page.", minimum=1))
    hits: list[Hit] = field(metadata=described("The hits of this page, best first."))
    facets: dict[FacetName, list[FacetValue]] = field(
        metadata=described("Most frequent values among all matching paragraphs, per facet.")
    )
    suggestion: str | None = field(
        metadata=described("A corrected query (did you mean), when few paragraphs match.")
    )
    took_ms: float = field(metadata=described("Time the search took, in milliseconds."))
    # Added by the search issue: how the query was understood and what it matched.
    parsed: str = field(default="", metadata=described("The query as understood."))
    matched: Literal["all", "any"] = field(
        default="all",
        metadata=described("all: hits have every word; any: none had all, hits have some."),
    )
    total_paragraphs: int = field(
        default=0, metadata=described("Matching paragraphs (also when collapse=1).", minimum=0)
    )
    articles: int = field(
        default=0, metadata=described("Articles with a matching paragraph.", minimum=0)
    )
    counted: Literal["paragraphs", "stories"] = field(
        default="paragraphs",
        metadata=described(
            "What total, total_paragraphs and facets count: paragraphs, or stories "
            "(dedupe=1: one per cluster of copies)."
        ),
    )
    folded: int = field(
        default=0,
        metadata=described("With dedupe=1: matching copies folded into a hit.", minimum=0),
    )

    def to_dict(self) -> dict[str, Any]:
        """Return the page as a JSON-ready dict (the request is left out)."""
        return api_dict(self)


@dataclass
class IndexStats:
    """What is in an index: for ``/api/health`` and ``searchsvc status``."""

    exists: bool = field(metadata=described("True when there is an index."))
    path: str = field(metadata=NOT_IN_API)
    documents: int = field(default=0, metadata=described("Paragraphs indexed.", minimum=0))
    articles: int = field(default=0, metadata=described("Articles indexed.", minimum=0))
    last_reindex: str | None = field(
        default=None, metadata=described("When the last reindex finished, ISO 8601.")
    )
    generation: str | None = field(
        default=None, metadata=described("Name of the live index generation.")
    )


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
    counted: Literal["paragraphs", "stories"] = "paragraphs"

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
    counted: Literal["paragraphs", "stories"] = "paragraphs"

    def to_dict(self) -> dict[str, Any]:
        """Return the answer as a JSON-ready dict."""
        return asdict(self)


@dataclass
class ExportInfo:
    """What travels with an export: the index version it reads and how many rows."""

    version: str
    total: int
    counted: Literal["paragraphs", "stories"] = "paragraphs"


# -- what the JSON API answers besides SearchPage -------------------------------------


@dataclass
class ArticleParagraph:
    """One paragraph of an article, in the article view."""

    id: str = field(metadata=described("Paragraph id: article id, #, position."))
    position: int = field(metadata=described("Place in the article, from 1.", minimum=1))
    text: str = field(metadata=described("The paragraph, plain text."))
    actors: list[str] = field(metadata=described("People and organisations named."))
    locations: list[Place] = field(metadata=described("Places named."))


@dataclass
class ArticleView:
    """One article with all its paragraphs in order."""

    id: str = field(metadata=described("Article id."))
    title: str = field(metadata=described("Headline."))
    source: str | None = field(metadata=described("Source (site or agency)."))
    date: str | None = field(metadata=described("Publication date, ISO 8601."))
    url: str | None = field(metadata=described("Link to the original article."))
    paragraph_count: int = field(metadata=described("Number of paragraphs.", minimum=1))
    paragraphs: list[ArticleParagraph] = field(metadata=described("The paragraphs, in order."))
    copies: list[Copy] | None = field(
        default=None,
        metadata=described(
            "Other copies of the article (its body nearly the same: republished or "
            "syndicated, headline and a paragraph or two changed), earliest first; null "
            "when the index has no copy signatures (reindex --full)."
        ),
    )

    @classmethod
    def from_paragraphs(
        cls, paragraphs: list[Paragraph], copies: list[Copy] | None = None
    ) -> ArticleView:
        """Return the view of the article made of ``paragraphs`` (at least one, in
        order), with its ``copies`` (None: unknown)."""
        first = paragraphs[0]
        return cls(
            id=first.article_id,
            title=first.title,
            source=first.source,
            date=first.date,
            url=first.url,
            paragraph_count=len(paragraphs),
            paragraphs=[
                ArticleParagraph(p.id, p.position, p.text, p.actors, p.locations)
                for p in paragraphs
            ],
            copies=copies,
        )


@dataclass
class Suggestions:
    """Names completing a prefix, most frequent first."""

    # dataclasses.field in full: the first field's name hides it in the class body.
    field: str = dataclasses.field(metadata=described("The field asked for."))
    q: str = dataclasses.field(metadata=described("The prefix, as searched."))
    values: list[str] = dataclasses.field(
        metadata=described("Matching names, most frequent first.")
    )


@dataclass
class Health:
    """The index is present: its size and last reindex time."""

    status: Literal["ok"] = field(metadata=described("Always ok (else the answer is a 503)."))
    index: IndexStats = field(metadata=described("What the index holds."))


@dataclass
class ErrorDetail:
    """What went wrong."""

    code: str = field(metadata=described("Stable error code, e.g. bad_request, not_found."))
    message: str = field(metadata=described("One line naming the problem and the fix."))


@dataclass
class ErrorReply:
    """The body of every error answer."""

    error: ErrorDetail = field(metadata=described("What went wrong."))


@dataclass
class Copy:
    """One copy of a paragraph (``id`` a paragraph id, ``text`` its text) or of an
    article (``id`` an article id, ``text`` empty), and how similar it is: the estimated
    share of shingles in common (``searchsvc.copies``) with the paragraph or article
    asked about (``direct``) or, for a copy found through the canonical copy, with the
    canonical copy."""

    id: str = field(metadata=described("Paragraph id (or article id, for article copies)."))
    article_id: str = field(metadata=described("Id of the copy's article."))
    title: str = field(metadata=described("Headline of the copy's article."))
    source: str | None = field(metadata=described("Source (site or agency) of the copy."))
    date: str | None = field(metadata=described("Publication date, ISO 8601."))
    url: str | None = field(metadata=described("Link to the copy."))
    similarity: float = field(
        metadata=described("Estimated share of word shingles in common, 0 to 1.")
    )
    text: str = field(default="", metadata=described("The paragraph (paragraph copies)."))
    direct: bool = field(
        default=True,
        metadata=described(
            "True: similar to the paragraph or article asked about; false: a copy of its "
            "canonical copy (similarity to that one)."
        ),
    )

    @classmethod
    def of(cls, paragraph: Paragraph, similarity: float, article: bool = False) -> Copy:
        """Return the listing entry of ``paragraph`` as a copy (``article``: of its
        article, named by its first paragraph); similarity rounded to 3 places."""
        return cls(
            id=paragraph.article_id if article else paragraph.id,
            article_id=paragraph.article_id,
            title=paragraph.title,
            source=paragraph.source,
            date=paragraph.date,
            url=paragraph.url,
            similarity=round(float(similarity), 3),
            text="" if article else paragraph.text,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the copy as a JSON-ready dict."""
        return asdict(self)


@dataclass
class Copies:
    """The copies of one paragraph or article (``kind``) in the index, earliest first;
    ``canonical`` is the earliest of it and its copies (by date, then id)."""

    of: str = field(metadata=described("The paragraph or article asked about."))
    kind: Literal["paragraph", "article"] = field(metadata=described("What is copied."))
    canonical: str = field(
        metadata=described("The earliest of it and its copies (by date, then id).")
    )
    copies: list[Copy] = field(metadata=described("The other copies, earliest first."))

    def to_dict(self) -> dict[str, Any]:
        """Return the answer as a JSON-ready dict."""
        return asdict(self)
