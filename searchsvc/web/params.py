"""Query-string parameters, each declared once: how it is read (``read``) and how the
OpenAPI document describes it (``openapi``), from the same limits, so the description
and the behaviour cannot disagree. A value the description forbids is a BadQuery (400).

``build_request`` is the one request builder: the search page, the API and the links all
go through it (and ``links.request_params`` writes what it reads).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
    """One of ``values``; ``default`` when absent."""

    values: tuple[str, ...]
    default: str

    def schema(self) -> dict[str, Any]:
        """Return ``{"type": "string", "enum": [...]}``."""
        return {"type": "string", "enum": list(self.values), "default": self.default}

    def read(self, args: MultiDict) -> str:
        """Return the value; raise BadQuery naming the allowed ones for anything else."""
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
    "total and facets count stories (counted=stories). 409 when the index has no copy "
    "signatures (reindex --full).",
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


def build_request(args: MultiDict) -> SearchRequest:
    """Return the SearchRequest described by query-string ``args`` (the ``SEARCH``
    parameters). Raises BadQuery for a value their description forbids."""
    return SearchRequest(
        q=Q.read(args),
        actors=ACTOR.read_all(args),
        locations=LOCATION.read_all(args),
        sources=SOURCE.read_all(args),
        date_from=DATE_FROM.read(args) or None,
        date_to=DATE_TO.read(args) or None,
        sort=SORT.read(args),  # type: ignore[arg-type]
        page=PAGE.read(args),
        per_page=PER_PAGE.read(args),
        collapse=COLLAPSE.is_set(args),
        article_id=ARTICLE.read(args) or None,
        facet_limit=FACETS.read(args),
        expand_locations=EXPAND.is_set(args),
        dedupe=DEDUPE.is_set(args),
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
