"""Query-string parameters, each declared once: how it is read (``read``) and how the
OpenAPI document describes it (``openapi``), from the same limits, so the description
and the behaviour cannot disagree. A value the description forbids is a BadQuery (400).

``build_request`` is the one request builder: the search page, the API and the links all
go through it (and ``links.request_params`` writes what it reads).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Literal

from werkzeug.datastructures import MultiDict

from .. import limits
from ..errors import BadQuery
from ..models import SearchRequest

QUERY_SYNTAX = (
    "Query language: words (paragraphs with all words; if none, with any), "
    '"exact phrase", "a b"~N (the words within N moves, either order), -excluded, '
    "+required, a OR b, a AND b, NOT a, (grouping), word* (prefix, 2+ letters), "
    "word~ (typo-tolerant, word~2 for two edits), actor:name, location:name, "
    "country:name, title:word, source:name, date:2023, date:2023-11, "
    "date:2023-11-06, date:[2023-01 to 2023-06] (either end may be empty). Names "
    f"match case- and accent-insensitively, word by word. At most {limits.MAX_QUERY_CHARS} "
    "characters; longer queries get a 400."
)
CSRF_FIELD = "csrf_token"  # the form field carrying the CSRF token (not a parameter)


@dataclass(frozen=True)
class Param:
    """One parameter of a request: its name, its description, where it is sent.

    A value is read exactly as sent (``page= 2`` is not a number, ``sort=`` not a sort
    order); only free text is stripped of surrounding spaces after it is checked.
    """

    name: str
    description: str
    where: Literal["query", "path"] = "query"

    def schema(self) -> dict[str, Any]:
        """Return the JSON Schema of the parameter's value."""
        raise NotImplementedError

    def openapi(self) -> dict[str, Any]:
        """Return the parameter's OpenAPI 3.0 Parameter Object."""
        return {
            "name": self.name,
            "in": self.where,
            "required": self.where == "path",
            "description": self.description,
            "schema": self.schema(),
        }


@dataclass(frozen=True, kw_only=True)
class Text(Param):
    """A string of at most ``max_chars`` characters, matching ``pattern`` if given
    (``hint`` then says in words what it must be)."""

    max_chars: int = limits.MAX_PARAM_CHARS
    pattern: str | None = None
    hint: str = ""

    def schema(self) -> dict[str, Any]:
        """Return ``{"type": "string", "maxLength": ...}`` (and the pattern)."""
        schema: dict[str, Any] = {"type": "string", "maxLength": self.max_chars}
        if self.pattern:
            schema["pattern"] = f"^(?:{self.pattern})$"
        return schema

    def check(self, value: str) -> str:
        """Return ``value`` when it is allowed; raise BadQuery naming the parameter."""
        if len(value) > self.max_chars:
            raise BadQuery(
                f"the parameter {self.name!r} is longer than {self.max_chars} characters"
            )
        if self.pattern and not re.fullmatch(self.pattern, value):
            raise BadQuery(f"{self.name} must be {self.hint or 'of the form ' + self.pattern}")
        return value

    def read(self, args: MultiDict) -> str:
        """Return the value, stripped ("" when absent)."""
        raw = args.get(self.name)
        return self.check(raw).strip() if raw is not None else ""


@dataclass(frozen=True, kw_only=True)
class Texts(Text):
    """A repeatable string (``actor=a&actor=b``) with at most ``max_values`` distinct
    non-empty values. Empty values are ignored (the search form sends one from its
    empty "add a filter" box), so the limit is in the description, not a ``maxItems``."""

    max_chars: int = limits.MAX_FILTER_CHARS
    max_values: int = limits.MAX_FILTER_VALUES

    def schema(self) -> dict[str, Any]:
        """Return an array schema of ``Text`` items."""
        return {"type": "array", "items": super().schema()}

    def openapi(self) -> dict[str, Any]:
        """Return the Parameter Object (repeated as ``name=a&name=b``)."""
        spec = super().openapi()
        spec["description"] += f" At most {self.max_values} distinct values."
        return {**spec, "style": "form", "explode": True}

    def read_all(self, args: MultiDict) -> list[str]:
        """Return the distinct non-empty values, stripped, in the order given."""
        values = [self.check(v).strip() for v in args.getlist(self.name)]
        distinct = list(dict.fromkeys(v for v in values if v))
        if len(distinct) > self.max_values:
            raise BadQuery(f"at most {self.max_values} {self.name} values")
        return distinct


@dataclass(frozen=True, kw_only=True)
class Queries(Text):
    """A required, repeated query (``q=a&q=b``): from ``min_values`` to ``max_values``
    values, each kept as sent (stripped), in order."""

    max_chars: int = limits.MAX_QUERY_CHARS
    min_values: int
    max_values: int

    def schema(self) -> dict[str, Any]:
        """Return an array schema of ``min_values`` to ``max_values`` ``Text`` items."""
        return {
            "type": "array",
            "minItems": self.min_values,
            "maxItems": self.max_values,
            "items": super().schema(),
        }

    def openapi(self) -> dict[str, Any]:
        """Return the Parameter Object (required, repeated as ``name=a&name=b``)."""
        return {**super().openapi(), "required": True, "style": "form", "explode": True}

    def read_all(self, args: MultiDict) -> list[str]:
        """Return the values, stripped; raise BadQuery for too few or too many."""
        values = [self.check(v).strip() for v in args.getlist(self.name)]
        if not self.min_values <= len(values) <= self.max_values:
            raise BadQuery(
                f"{self.min_values} to {self.max_values} queries are compared (repeat "
                f"{self.name}=); {len(values)} given"
            )
        return values


@dataclass(frozen=True, kw_only=True)
class Whole(Param):
    """A whole number from ``minimum`` to ``maximum``; ``default`` when absent."""

    default: int
    minimum: int = 1
    maximum: int

    def schema(self) -> dict[str, Any]:
        """Return ``{"type": "integer", "minimum": ..., "maximum": ...}``."""
        return {
            "type": "integer",
            "minimum": self.minimum,
            "maximum": self.maximum,
            "default": self.default,
        }

    def read(self, args: MultiDict) -> int:
        """Return the number; raise BadQuery for anything else or out of range."""
        raw = args.get(self.name)
        if raw is None:
            return self.default
        if not (raw.isascii() and raw.isdigit()):
            raise BadQuery(f"{self.name} must be a whole number")
        if len(raw) > len(str(self.maximum)) or not self.minimum <= int(raw) <= self.maximum:
            raise BadQuery(f"{self.name} must be between {self.minimum} and {self.maximum}")
        return int(raw)


@dataclass(frozen=True, kw_only=True)
class Choice(Param):
    """One of ``values``; ``default`` when absent (None: the view chooses)."""

    values: tuple[str, ...]
    default: str | None

    def schema(self) -> dict[str, Any]:
        """Return ``{"type": "string", "enum": [...]}`` (and the default, if any)."""
        schema: dict[str, Any] = {"type": "string", "enum": list(self.values)}
        if self.default is not None:
            schema["default"] = self.default
        return schema

    def read(self, args: MultiDict) -> str | None:
        """Return the value (``default`` when absent); raise BadQuery naming the allowed
        ones for anything else."""
        raw = args.get(self.name)
        if raw is None:
            return self.default
        if raw not in self.values:
            raise BadQuery(f"{self.name} must be one of {', '.join(self.values)}")
        return raw


@dataclass(frozen=True, kw_only=True)
class Flag(Choice):
    """Yes or no, written as one of ``limits.FLAG_VALUES`` (``1`` or ``0``...); no by
    default."""

    values: tuple[str, ...] = tuple(limits.FLAG_VALUES)
    default: str = "0"

    def is_set(self, args: MultiDict) -> bool:
        """Return True when the flag is given as yes."""
        return limits.FLAG_VALUES[self.read(args)]


# -- /api/search and the search page --------------------------------------------------

Q = Text("q", QUERY_SYNTAX, max_chars=limits.MAX_QUERY_CHARS)
ACTOR = Texts("actor", "Exact actor name (facet value); repeat to AND several.")
LOCATION = Texts("location", "Exact place name; repeat to AND several.")
SOURCE = Texts("source", "Source id; several are ORed.")
DATE_FROM = Text("from", "Inclusive start date: YYYY, YYYY-MM or YYYY-MM-DD.")
DATE_TO = Text("to", "Inclusive end date: YYYY, YYYY-MM or YYYY-MM-DD.")
SORT = Choice("sort", "Result order.", values=limits.SORTS, default="relevance")
PAGE = Whole(
    "page",
    f"Page number from 1; page × per_page ≤ {limits.MAX_RESULT_DEPTH}.",
    default=1,
    maximum=limits.MAX_RESULT_DEPTH,
)
PER_PAGE = Whole(
    "per_page",
    f"Hits per page, 1 to {limits.MAX_PER_PAGE}.",
    default=limits.DEFAULT_PER_PAGE,
    maximum=limits.MAX_PER_PAGE,
)
COLLAPSE = Flag("collapse", "1: at most one paragraph per article.")
ARTICLE = Text(
    "article",
    "Restrict to one article id.",
    pattern=limits.ARTICLE_ID.pattern,
    hint="an article id (hexadecimal)",
)
EXPAND = Flag("expand", "1: location filters and location: also match places in that country.")
DEDUPE = Flag(
    "dedupe",
    "1: copies counted once: one hit per cluster of syndicated or near-duplicate "
    "paragraphs (the earliest matching copy, with cluster, copies and copy_sources); "
    "totals, facets, timelines, related values and exports count stories "
    "(counted=stories). 409 when the index has no copy signatures (reindex --full).",
)
FACETS = Whole(
    "facets",
    f"Values per facet (1-{limits.MAX_FACET_LIMIT}).",
    default=limits.DEFAULT_FACET_LIMIT,
    maximum=limits.MAX_FACET_LIMIT,
)
SEARCH = (
    *(Q, ACTOR, LOCATION, SOURCE, DATE_FROM, DATE_TO, SORT),
    *(PAGE, PER_PAGE, COLLAPSE, ARTICLE, EXPAND, FACETS, DEDUPE),
)
# What a search matches (the query and its filters) and whether copies count once,
# without how it is shown: the analyst views take these.
FILTERS = (Q, ACTOR, LOCATION, SOURCE, DATE_FROM, DATE_TO, ARTICLE, EXPAND, DEDUPE)


def build_filters(args: MultiDict) -> SearchRequest:
    """Return the SearchRequest of the query and filters in ``args`` (the ``FILTERS``
    parameters; order, page and the rest at their defaults). Raises BadQuery for a
    value their description forbids."""
    return SearchRequest(
        q=Q.read(args),
        actors=ACTOR.read_all(args),
        locations=LOCATION.read_all(args),
        sources=SOURCE.read_all(args),
        date_from=DATE_FROM.read(args) or None,
        date_to=DATE_TO.read(args) or None,
        article_id=ARTICLE.read(args) or None,
        expand_locations=EXPAND.is_set(args),
        dedupe=DEDUPE.is_set(args),
    )


def build_request(args: MultiDict) -> SearchRequest:
    """Return the SearchRequest described by query-string ``args`` (the ``SEARCH``
    parameters). Raises BadQuery for a value their description forbids."""
    return replace(
        build_filters(args),
        sort=SORT.read(args),
        page=PAGE.read(args),
        per_page=PER_PAGE.read(args),
        collapse=COLLAPSE.is_set(args),
        facet_limit=FACETS.read(args),
    )


def has_search(req: SearchRequest) -> bool:
    """Return True when the request asks for anything (a query or a filter)."""
    return bool(
        req.q
        or req.actors
        or req.locations
        or req.sources
        or req.date_from
        or req.date_to
        or req.article_id
    )


# -- /api/suggest ---------------------------------------------------------------------

FIELD = Choice(
    "field",
    "actor, location or source (plural forms too).",
    values=tuple(limits.SUGGEST_FIELDS),
    default="actor",
)
PREFIX = Text(
    "q", "Prefix of the name or of one of its words.", max_chars=limits.MAX_SUGGEST_CHARS
)
LIMIT = Whole(
    "limit",
    f"How many names, at most {limits.MAX_SUGGEST_LIMIT}.",
    default=limits.DEFAULT_SUGGEST_LIMIT,
    maximum=limits.MAX_SUGGEST_LIMIT,
)
SUGGEST = (FIELD, PREFIX, LIMIT)


@dataclass(frozen=True)
class SuggestQuery:
    """What ``/api/suggest`` was asked: names of ``field`` starting with ``prefix``."""

    field: str
    prefix: str
    limit: int


def build_suggest(args: MultiDict) -> SuggestQuery:
    """Return the suggest query described by ``args`` (the ``SUGGEST`` parameters).
    Raises BadQuery for a value their description forbids."""
    return SuggestQuery(field=FIELD.read(args), prefix=PREFIX.read(args), limit=LIMIT.read(args))


# -- /api/articles/{id} ---------------------------------------------------------------

ARTICLE_ID = Text(
    "id", "Article id.", where="path", max_chars=100, pattern=limits.ARTICLE_ID.pattern
)


# -- /api/copies/{id} and /api/similar/{id} -------------------------------------------

PARAGRAPH_ID = Text(
    "id",
    "Paragraph id: article id, #, position (the # written %23 in a URL).",
    where="path",
    max_chars=100,
    pattern=limits.ARTICLE_ID.pattern,
    hint="a paragraph id (hexadecimal, #, position)",
)
SIMILAR_PAGE = Whole(
    "page",
    f"Page number from 1; at most {limits.MAX_SIMILAR} similar paragraphs in all.",
    default=1,
    maximum=limits.MAX_SIMILAR,
)
SIMILAR_PER_PAGE = Whole(
    "per_page",
    f"Hits per page, 1 to {limits.MAX_PER_PAGE}.",
    default=limits.DEFAULT_SIMILAR,
    maximum=limits.MAX_PER_PAGE,
)
SIMILAR = (PARAGRAPH_ID, SIMILAR_PAGE, SIMILAR_PER_PAGE)


# -- /api/saved/{name} ----------------------------------------------------------------

# The parameters of /api/search that make the search a saved search keeps (the page,
# its size, the facets and one-article restriction describe a page of results).
SAVED = (Q, ACTOR, LOCATION, SOURCE, DATE_FROM, DATE_TO, SORT, COLLAPSE, EXPAND)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _name(name: str, description: str, where: Literal["query", "path"]) -> Text:
    return Text(
        name,
        description,
        where=where,
        max_chars=limits.MAX_SAVED_NAME_CHARS,
        pattern=limits.SAVED_NAME.pattern,
        hint=limits.SAVED_NAME_RULE,
    )


SAVED_NAME = _name("name", "Name of the saved search.", "path")
NEW_NAME = _name("to", "The new name (not taken by another saved search).", "query")


def build_saved(args: MultiDict) -> SearchRequest:
    """Return the SearchRequest a saved search keeps, read from ``args`` (the ``SAVED``
    parameters; any other is left at its default). Raises BadQuery as
    ``build_request`` does."""
    names = {p.name for p in SAVED}
    return build_request(MultiDict([(k, v) for k, v in args.items(multi=True) if k in names]))


def write_args(query: MultiDict, form: MultiDict, content_type: str | None) -> MultiDict:
    """Return the parameters of a write: the query string's, or the form body's (a
    body of another type, or parameters in both, is a BadQuery)."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind and kind not in FORM_TYPES:
        raise BadQuery(
            f"a body of type {kind} is not read: send the parameters in the query string "
            "or as a form (application/x-www-form-urlencoded)"
        )
    sent = MultiDict([(k, v) for k, v in form.items(multi=True) if k != CSRF_FIELD])
    if sent and query:
        raise BadQuery("send the parameters in the query string or in the body, not both")
    return sent or query


# -- the analyst views: /api/timeline, /api/timeline/compare, /api/related, /api/export

INTERVAL = Choice(
    "interval",
    "Period of each bucket (weeks start on Monday); default: chosen from the span of "
    "the hits (days up to 3 months, weeks up to 2 years, months up to 15 years, else "
    f"years). At most {limits.MAX_TIMELINE_BUCKETS} buckets.",
    values=limits.INTERVALS,
    default=None,
)
TIMELINE_FORMAT = Choice(
    "format",
    "json, or csv: the series as a CSV download (UTF-8 with a byte-order mark).",
    values=limits.TIMELINE_FORMATS,
    default="json",
)
COMPARE_Q = Queries(
    "q",
    f"One query per series, {limits.MIN_COMPARE_QUERIES} to {limits.MAX_COMPARE_QUERIES} "
    "(repeat q); the filters apply to all. " + QUERY_SYNTAX,
    min_values=limits.MIN_COMPARE_QUERIES,
    max_values=limits.MAX_COMPARE_QUERIES,
)
TIMELINE = (*FILTERS, INTERVAL, TIMELINE_FORMAT)
COMPARE = (COMPARE_Q, *(p for p in FILTERS if p is not Q), INTERVAL, TIMELINE_FORMAT)


@dataclass(frozen=True)
class TimelineQuery:
    """What ``/api/timeline`` (one request) or ``/api/timeline/compare`` (several)
    was asked: the requests, the interval (None: chosen) and the answer's format."""

    requests: list[SearchRequest]
    interval: str | None
    fmt: str


def build_timeline(args: MultiDict, compare: bool = False) -> TimelineQuery:
    """Return the timeline query described by ``args`` (``TIMELINE``, or with
    ``compare`` the ``COMPARE`` parameters). Raises BadQuery as ``build_filters``."""
    base = build_filters(args)
    requests = [replace(base, q=q) for q in COMPARE_Q.read_all(args)] if compare else [base]
    return TimelineQuery(requests, INTERVAL.read(args), TIMELINE_FORMAT.read(args))


RELATED_FIELD = Choice(
    "field", "The field whose values are counted.", values=limits.RELATED_FIELDS, default="actors"
)
RELATED_SORT = Choice(
    "sort",
    "lift: values the hits name more than the whole index does first; count: the most "
    "named first.",
    values=limits.RELATED_SORTS,
    default="lift",
)
MIN_COUNT = Whole(
    "min_count",
    "Leave out values named in fewer matching paragraphs (rare names have large, "
    "meaningless lifts).",
    default=limits.DEFAULT_RELATED_MIN_COUNT,
    maximum=limits.MAX_RELATED_MIN_COUNT,
)
RELATED_LIMIT = Whole(
    "limit",
    f"How many values, at most {limits.MAX_RELATED_LIMIT}.",
    default=limits.DEFAULT_RELATED_LIMIT,
    maximum=limits.MAX_RELATED_LIMIT,
)
RELATED = (*FILTERS, RELATED_FIELD, RELATED_SORT, MIN_COUNT, RELATED_LIMIT)


@dataclass(frozen=True)
class RelatedQuery:
    """What ``/api/related`` was asked: the values of ``field`` named with the hits."""

    request: SearchRequest
    field: str
    sort: str
    min_count: int
    limit: int


def build_related(args: MultiDict) -> RelatedQuery:
    """Return the related query described by ``args`` (the ``RELATED`` parameters).
    Raises BadQuery for a value their description forbids."""
    return RelatedQuery(
        request=build_filters(args),
        field=RELATED_FIELD.read(args),
        sort=RELATED_SORT.read(args),
        min_count=MIN_COUNT.read(args),
        limit=RELATED_LIMIT.read(args),
    )


EXPORT_FORMAT = Choice(
    "format",
    "csv (UTF-8 with a byte-order mark; multi-valued cells joined by '; ') or ndjson "
    "(one JSON object per line, lists for multi-valued fields).",
    values=limits.EXPORT_FORMATS,
    default="csv",
)
EXPORT = (*FILTERS, SORT, COLLAPSE, EXPORT_FORMAT)


def build_export(args: MultiDict) -> tuple[SearchRequest, str]:
    """Return the request an export is of (``EXPORT`` parameters: filters, sort and
    collapse) and its format. Raises BadQuery for a value their description forbids."""
    request = replace(build_filters(args), sort=SORT.read(args), collapse=COLLAPSE.is_set(args))
    return request, EXPORT_FORMAT.read(args)


# -- the search page's chart ----------------------------------------------------------

CHART = Choice(
    "chart", "Bar heights: count of matching paragraphs, or their share of all "
    "paragraphs of the period.", values=limits.CHART_MEASURES, default="count",
)
VS = Texts(
    "vs",
    "A query to compare with the search's on the chart (repeat for several).",
    max_chars=limits.MAX_QUERY_CHARS,
    max_values=limits.MAX_COMPARE_QUERIES - 1,
)


@dataclass(frozen=True)
class ChartView:
    """How the search page draws its chart: bar heights (``measure``) and the other
    queries compared with the search's (``vs``)."""

    measure: str = "count"
    vs: tuple[str, ...] = ()


def build_chart_view(args: MultiDict) -> ChartView:
    """Return the chart options of the search page in ``args`` (``chart``, ``vs``).
    Raises BadQuery for a value their description forbids."""
    return ChartView(measure=CHART.read(args), vs=tuple(VS.read_all(args)))
