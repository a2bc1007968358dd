"""The query parser searchsvc used before it had its own: Whoosh's qparser, configured
as it was (kept only as the reference of tests/test_query_differential.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from whoosh import qparser, query
from whoosh.fields import DATETIME, Schema
from whoosh.qparser import AndGroup, MultifieldParser, OrGroup, QueryParser
from whoosh.util.times import datetime_to_long

from searchsvc.dates import BOUNDS_HELP, date_bounds
from searchsvc.engines.whoosh.schema import build_schema
from searchsvc.engines.whoosh.search.query import plain_words
from searchsvc.engines.whoosh.translate import LexiconFuzzyTerm
from searchsvc.errors import BadQuery
from searchsvc.limits import (
    MAX_CLAUSES,
    MAX_FUZZY_EDITS,
    MIN_PREFIX_CHARS,
)
from searchsvc.query import clean_query

DEFAULT_FIELDS = ("title", "text")
NAME_FIELDS = ("actor_terms", "location_terms", "country_terms", "source_terms")
FIELD_ALIASES = {
    "actor_terms": ["actor", "actors", "person", "org"],
    "location_terms": ["location", "locations", "place"],
    "country_terms": ["country"],
    "source_terms": ["source"],
}

_MINUS = r"(?<![^\s(])-(?=[^\s\-])"
_PLUS = r"(?<![^\s(])\+(?=[^\s+])"


class _LenientDate(DATETIME):
    """DATETIME read by ``searchsvc.dates.date_bounds`` (``date:2023-11``,
    ``date:"6 November 2023"``), whose ranges accept an empty end (``date:[2023 to]``)."""

    def parse_query(self, fieldname, qstring, boost=1.0):
        return self.parse_range(fieldname, qstring, qstring, False, False, boost=boost)

    def parse_range(self, fieldname, start, end, startexcl, endexcl, boost=1.0):
        low, high = date_bounds(start, end=False), date_bounds(end, end=True)
        if low is None and high is None:
            return query.Every(fieldname, boost=boost)
        return query.NumericRange(
            fieldname,
            datetime_to_long(low) if low else None,
            datetime_to_long(high) if high else None,
            boost=boost,
        )


def _parser_schema() -> Schema:
    """Return the schema the parser sees: only the fields users may search."""
    full = build_schema()
    fields = {name: full[name] for name in DEFAULT_FIELDS + NAME_FIELDS}
    fields["date"] = _LenientDate()
    return Schema(**fields)


def _make_parser(group, fields: tuple[str, ...] = DEFAULT_FIELDS) -> QueryParser:
    schema = _parser_schema()
    if len(fields) == 1:
        parser: QueryParser = QueryParser(fields[0], schema, group=group)
    else:
        parser = MultifieldParser(list(fields), schema, group=group)
    parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=_PLUS, minusexpr=_MINUS))
    parser.add_plugin(qparser.FuzzyTermPlugin())
    parser.add_plugin(qparser.FieldAliasPlugin(FIELD_ALIASES))
    return parser


@dataclass
class ParsedQuery:
    """A user query parsed once, in the forms a search needs.

    ``all_words`` requires every plain word; ``any_words`` is the fallback where plain
    words are optional (only set when it differs); ``phrase`` is an optional boost for
    plain multi-word queries. ``empty`` is True when nothing searchable remains.
    """

    text: str
    all_words: query.Query
    any_words: query.Query | None = None
    phrase: query.Query | None = None
    words: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Return True when the query has nothing to search for."""
        return self.all_words is query.NullQuery or isinstance(
            self.all_words, type(query.NullQuery)
        )


class QueryBuilder:
    """Parses user query text into Whoosh queries (thread-safe after construction)."""

    def __init__(self) -> None:
        self._and = _make_parser(AndGroup)
        self._or = _make_parser(OrGroup)
        self._spell = _make_parser(AndGroup, ("text",))

    def parse(self, text: str | None, expand_locations: bool = False) -> ParsedQuery:
        """Return the ParsedQuery for ``text`` (see the module doc for the syntax).

        Raises BadQuery for over-long queries and unreadable dates."""
        cleaned = clean_query(text)
        if not cleaned:
            return ParsedQuery("", query.NullQuery)
        all_words = self._parse(self._and, cleaned, expand_locations)
        any_words = self._parse(self._or, cleaned, expand_locations)
        if any_words == all_words:
            any_words = None
        words = plain_words(all_words)
        return ParsedQuery(cleaned, all_words, any_words, None, words)

    def parse_for_spelling(self, text: str) -> query.Query:
        """Return ``text`` parsed with body text as the only default field, for
        ``Searcher.correct_query``."""
        try:
            return self._spell.parse(text)
        except Exception:  # spelling help is optional; a parse failure means none
            return query.NullQuery

    def _parse(self, parser: QueryParser, text: str, expand: bool) -> query.Query:
        try:
            parsed = parser.parse(text)
        except BadQuery:
            raise
        except Exception as exc:  # Whoosh raises bare Exceptions on odd input
            if "date:" in text.lower():
                raise BadQuery(
                    "could not read the date in the query; write date:YYYY, "
                    "date:YYYY-MM, date:YYYY-MM-DD or date:[FROM to TO]"
                ) from exc
            parsed = parser.parse(_plain(text))
        parsed = parsed.accept(lambda q: _tidy(q, expand))
        parsed = parsed.normalize()
        if _count_leaves(parsed) > MAX_CLAUSES:
            raise BadQuery(f"the query has too many terms (the limit is {MAX_CLAUSES})")
        return parsed


def _plain(text: str) -> str:
    """Return ``text`` with every syntax character replaced by a space."""
    return re.sub(r"[\"'()\[\]{}:*?~^+\-]", " ", text)


def _count_leaves(q: query.Query) -> int:
    return sum(1 for _ in q.leaves()) if q.is_leaf() is False else 1


def _tidy(q: query.Query, expand_locations: bool) -> query.Query:
    """Rewrite one node of a parsed query: refuse errors, bound expensive terms,
    expand locations to their countries when asked."""
    error = getattr(q, "error", None)
    if isinstance(error, BadQuery):
        raise BadQuery(f"{error} (or date:[FROM to TO])")
    if error is not None:
        raise BadQuery(f"could not read the date in the query: {BOUNDS_HELP}")
    if isinstance(q, query.Term) and q.fieldname == "date" and isinstance(q.text, str):
        return _LenientDate().parse_query("date", q.text)  # date:"6 November 2023"
    if isinstance(q, query.Every):
        return query.Every()
    if isinstance(q, query.FuzzyTerm):
        edits = max(1, min(int(q.maxdist), MAX_FUZZY_EDITS))
        return LexiconFuzzyTerm(q.fieldname, q.text, boost=q.boost, maxdist=edits, prefixlength=1)
    if isinstance(q, query.Prefix):
        if len(q.text) < MIN_PREFIX_CHARS:
            return query.NullQuery
        return q
    if isinstance(q, query.Wildcard):
        if len(q.text) < MIN_PREFIX_CHARS or q.text[0] in "*?":
            return query.NullQuery
        return q
    if isinstance(q, query.TermRange) and q.fieldname != "date":
        return query.NullQuery
    if expand_locations and q.is_leaf() and getattr(q, "fieldname", None) == "location_terms":
        twin = q.copy()
        twin.fieldname = "country_terms"
        return query.Or([q, twin])
    return q
