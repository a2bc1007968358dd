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
from typing import Any, Literal, get_args

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
ActorKind = Literal["person", "organisation"]


@dataclass
class Entity:
    """A mention of an actor or a location in a text.

    ``text`` is the mention as written and ``text == source[start:end]``; ``name`` is the
    canonical name stored in the index; ``place`` is set for resolved locations.
    ``kind`` tells, for actors, whether the article names a person (the model or a title
    says so for one of its mentions) or an organisation (the model says so); None when
    only the alias table or the gazetteer named it.
    """

    text: str
    label: EntityLabel
    start: int
    end: int
    name: str
    place: Place | None = None
    kind: ActorKind | None = None

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
    # Near-duplicate signature of the text (``searchsvc.copies``), and that of the
    # article's body on its first paragraph; None until signed. Band keys are made
    # from them by the engine that stores them (``copies.bands_of``).
    copy_signature: bytes | None = None
    article_signature: bytes | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the paragraph as a JSON-ready dict (signatures left out)."""
        data = asdict(self)
        for name in COPY_FIELDS:
            data.pop(name, None)
        return data


COPY_FIELDS = ("copy_signature", "article_signature")


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
    parsed: str = field(
        default="",
        metadata=described(
            "The query as understood (a broad prefix or wildcard also says how many of its "
            "words it ranks by: the most frequent)."
        ),
    )
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

    @classmethod
    def begin(cls, request: SearchRequest, query: str) -> SearchPage:
        """Return the empty page an engine fills for ``request`` (``query``: the
        cleaned query text)."""
        return cls(
            query=query,
            request=request,
            total=0,
            page=request.page,
            per_page=request.per_page,
            hits=[],
            facets={name: [] for name in get_args(FacetName)},
            suggestion=None,
            took_ms=0.0,
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

    start: str = field(metadata=described("First day of the period, YYYY-MM-DD.", format="date"))
    count: int = field(metadata=described("Matching paragraphs dated in the period.", minimum=0))
    articles: int = field(
        metadata=described("Articles with a matching paragraph in the period.", minimum=0)
    )
    total: int = field(
        metadata=described("Paragraphs indexed in the period (matching or not).", minimum=0)
    )
    share: float = field(
        metadata=described("count / total (0 when nothing is indexed then).", minimum=0, maximum=1)
    )


@dataclass
class Timeline:
    """Attention over time for one query: buckets of one ``interval`` (``day``,
    ``week`` (starting Monday), ``month`` or ``year``), gaps filled with zeros."""

    interval: str = field(
        metadata=described("Period of each bucket: day, week (from Monday), month or year.")
    )
    buckets: list[TimelineBucket] = field(
        metadata=described("One per period, oldest first, from the first to the last hit's.")
    )
    undated: int = field(
        metadata=described("Matching paragraphs without a date (in no bucket).", minimum=0)
    )
    query: str = field(default="", metadata=described("The query, as given."))
    counted: Literal["paragraphs", "stories"] = field(
        default="paragraphs",
        metadata=described("What the buckets count: paragraphs, or stories (dedupe=1)."),
    )

    def to_dict(self) -> dict[str, Any]:
        """Return the timeline as a JSON-ready dict."""
        return asdict(self)


@dataclass
class TimelineComparison:
    """The timelines of several queries (shared filters) over the same buckets."""

    interval: str = field(metadata=described("Period of each bucket (the same for all)."))
    series: list[Timeline] = field(
        metadata=described("One timeline per query, in the order asked, with equal buckets.")
    )


@dataclass
class RelatedValue:
    """A value named in the matching paragraphs: ``count`` of them, ``share`` of the
    hits, and ``lift`` = share among the hits / share in the whole index."""

    value: str = field(metadata=described("The actor or place name."))
    count: int = field(metadata=described("Matching paragraphs naming it.", minimum=1))
    share: float = field(
        metadata=described("count / matching paragraphs.", minimum=0, maximum=1)
    )
    lift: float = field(
        metadata=described(
            "share / (its share of all paragraphs): above 1 when the hits name it more "
            "than the index does.",
            minimum=0,
        )
    )


@dataclass
class Related:
    """The values of ``field`` most named with the query's hits."""

    # dataclasses.field in full: the first field's name hides it in the class body.
    field: str = dataclasses.field(metadata=described("actors or locations."))
    values: list[RelatedValue] = dataclasses.field(
        metadata=described("The values, by lift or by count (as asked).")
    )
    matched: int = dataclasses.field(
        default=0, metadata=described("Matching paragraphs (what share is of).", minimum=0)
    )
    counted: Literal["paragraphs", "stories"] = dataclasses.field(
        default="paragraphs",
        metadata=described("What counts and matched count: paragraphs, or stories (dedupe=1)."),
    )

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


# -- saved searches (/api/saved) ------------------------------------------------------


@dataclass
class SavedParams:
    """The search a saved search runs (the SearchRequest fields it keeps)."""

    q: str = field(metadata=described("The query."))
    actors: list[str] = field(metadata=described("Actor filters (the actor parameter)."))
    locations: list[str] = field(metadata=described("Location filters (location)."))
    sources: list[str] = field(metadata=described("Source filters (source)."))
    date_from: str | None = field(metadata=described("Inclusive start date (from)."))
    date_to: str | None = field(metadata=described("Inclusive end date (to)."))
    sort: SortOrder = field(metadata=described("Result order (sort)."))
    collapse: bool = field(metadata=described("At most one paragraph per article (collapse)."))
    expand_locations: bool = field(
        metadata=described("Locations also match places in that country (expand).")
    )


@dataclass
class SavedInfo:
    """A saved search: its name, the search it runs, and its matches so far."""

    name: str = field(metadata=described("Its name (letters, digits, _ . -)."))
    params: SavedParams = field(metadata=described("The search it runs."))
    search: str = field(
        metadata=described(
            "The same search as a query string: /api/search?{search} runs it, "
            "PUT /api/saved/{name}?{search} saves it again."
        )
    )
    created: str = field(metadata=described("When it was first saved, ISO 8601."))
    updated: str = field(metadata=described("When it was last saved or renamed."))
    seen_at: str | None = field(metadata=described("When its matches were last marked seen."))
    new: int = field(
        metadata=described("Matches recorded since it was last seen.", minimum=0)
    )
    total: int = field(metadata=described("Matches recorded in all.", minimum=0))
    problem: str | None = field(
        metadata=described("Why its search cannot run (else null): it is kept, not matched.")
    )
    feed: str = field(metadata=described("Path of its Atom feed (/feeds/{name}.atom)."))


@dataclass
class Match:
    """A paragraph a saved search matched when a reindex added it, as recorded then."""

    id: str = field(metadata=described("Paragraph id: article id, #, position."))
    article_id: str = field(metadata=described("Id of the article."))
    title: str = field(metadata=described("Headline of the article."))
    source: str | None = field(metadata=described("Source of the article."))
    date: str | None = field(metadata=described("Publication date, ISO 8601."))
    url: str | None = field(metadata=described("Link to the original article."))
    position: int = field(metadata=described("Place of the paragraph in its article.", minimum=0))
    text: str = field(metadata=described("The paragraph, plain text."))
    highlight: str = field(metadata=described("HTML-escaped paragraph; its only tags are <mark>."))
    actors: list[str] = field(metadata=described("People and organisations named."))
    locations: list[Place] = field(metadata=described("Places named."))
    matched_at: str = field(metadata=described("When it was matched, ISO 8601."))
    new: bool = field(metadata=described("True when matched since the search was last seen."))


@dataclass
class SavedDetail(SavedInfo):
    """A saved search with its newest matches."""

    matches: list[Match] = field(
        default_factory=list, metadata=described("Its newest matches, newest first.")
    )


@dataclass
class SavedList:
    """Every saved search, by name."""

    saved: list[SavedInfo] = field(metadata=described("The saved searches, by name."))
    limit: int = field(metadata=described("How many saved searches may be kept.", minimum=1))


@dataclass
class Deleted:
    """A saved search was deleted, with its recorded matches."""

    deleted: str = field(metadata=described("The name of the deleted saved search."))
