"""The query tree (``searchsvc.query.nodes``) and a request's filters -> query DSL.

Only structured queries are built (bool, match, match_phrase, prefix, wildcard, fuzzy
through ``match``'s fuzziness, term/terms, range): user text never reaches
``query_string``. Every node type of ``NODE_TYPES`` has one branch in ``translate``;
``tests/engines/test_opensearch_translate.py`` fails when a node type has none.

Scoring follows the Whoosh engine: a word searched in the headline and the body scores
in both (``bool.should``), the headline ``limits.TITLE_BOOST`` times; filters restrict
without scoring (``bool.filter``); a plain multi-word query scores paragraphs holding
its words as a phrase ``limits.PHRASE_BOOST`` times higher (an optional ``should``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ... import limits
from ...query.nodes import (
    And,
    DateRange,
    Everything,
    Fuzzy,
    Node,
    Not,
    Nothing,
    Or,
    Phrase,
    Prefix,
    Term,
    Wildcard,
)
from ...request import Checked
from .analysis import query_words
from .mapping import QUERY_FIELDS

Query = dict[str, Any]
MATCH_NONE: Query = {"match_none": {}}
MATCH_ALL: Query = {"match_all": {}}
FUZZY_EXPANSIONS = 50


def _field(name: str) -> str:
    try:
        return QUERY_FIELDS[name]
    except KeyError:
        raise ValueError(f"the query tree names an unknown field {name!r}") from None


def _boost(field: str, boost: float) -> float:
    weight = boost * (limits.TITLE_BOOST if field == "title" else 1.0)
    return round(weight, 6)


def _per_field(fields: tuple[str, ...], build) -> Query:
    """Return ``build(indexed_field, user_field)`` over ``fields``: one query, or a
    ``bool.should`` summing the fields' scores."""
    clauses = [build(_field(f), f) for f in fields]
    if not clauses:
        return MATCH_NONE
    if len(clauses) == 1:
        return clauses[0]
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


def _expanding(kind: str, field: str, value: str, boost: float) -> Query:
    """Return a prefix or wildcard query as the Whoosh engine runs it: every word it
    expands to matches (a constant-score filter), and at most ``MAX_PREFIX_TERMS`` of
    them are scored (``rewrite: top_terms_N``) so that a broad prefix stays cheap."""
    return {
        "bool": {
            "filter": [{kind: {field: {"value": value}}}],
            "should": [
                {
                    kind: {
                        field: {
                            "value": value,
                            "rewrite": f"top_terms_{limits.MAX_PREFIX_TERMS}",
                            "boost": boost,
                        }
                    }
                }
            ],
        }
    }


def date_range(start: datetime | None, end: datetime | None) -> Query:
    """Return the range query on ``date`` from ``start`` to ``end`` inclusive."""
    bounds: dict[str, Any] = {}
    if start is not None:
        bounds["gte"] = start.isoformat(timespec="milliseconds")
    if end is not None:
        bounds["lte"] = end.isoformat(timespec="milliseconds")
    bounds["format"] = "strict_date_optional_time"
    return {"range": {"date": bounds}}


def translate(node: Node) -> Query:
    """Return the query DSL of a query tree."""
    if isinstance(node, Term):
        return _per_field(
            node.fields,
            lambda f, user: {"match": {f: {"query": node.word, "boost": _boost(user, node.boost)}}},
        )
    if isinstance(node, Phrase):
        if len(node.words) == 1:
            return translate(Term(node.words[0], node.fields, node.boost))
        text = " ".join(node.words)
        return _per_field(
            node.fields,
            lambda f, user: {
                "match_phrase": {
                    f: {"query": text, "slop": node.slop, "boost": _boost(user, node.boost)}
                }
            },
        )
    if isinstance(node, Prefix):
        return _per_field(
            node.fields,
            lambda f, user: _expanding("prefix", f, node.text, _boost(user, node.boost)),
        )
    if isinstance(node, Wildcard):
        return _per_field(
            node.fields,
            lambda f, user: _expanding("wildcard", f, node.pattern, _boost(user, node.boost)),
        )
    if isinstance(node, Fuzzy):
        edits = max(1, min(int(node.edits), limits.MAX_FUZZY_EDITS))
        return _per_field(
            node.fields,
            lambda f, user: {
                "match": {
                    f: {
                        "query": node.word,
                        "fuzziness": edits,
                        "prefix_length": 1,
                        "fuzzy_transpositions": True,
                        "max_expansions": FUZZY_EXPANSIONS,
                        "boost": _boost(user, node.boost),
                    }
                }
            },
        )
    if isinstance(node, DateRange):
        return date_range(node.start, node.end)
    if isinstance(node, And):
        must = [translate(c) for c in node.children if not isinstance(c, Not)]
        must_not = [translate(c.child) for c in node.children if isinstance(c, Not)]
        clause: dict[str, Any] = {}
        if must:
            clause["must"] = must
        if must_not:
            clause["must_not"] = must_not
        if node.optional:  # they only add to the score (a bool with must or must_not)
            clause["should"] = [translate(c) for c in node.optional]
        return {"bool": clause} if clause else MATCH_NONE
    if isinstance(node, Or):
        if not node.children:
            return MATCH_NONE
        return {
            "bool": {"should": [translate(c) for c in node.children], "minimum_should_match": 1}
        }
    if isinstance(node, Not):
        return {"bool": {"must_not": [translate(node.child)]}}
    if isinstance(node, Nothing):
        return MATCH_NONE
    if isinstance(node, Everything):
        return MATCH_ALL
    raise TypeError(f"no OpenSearch translation for query node {type(node).__name__}")


def phrase_boost(words: tuple[str, ...]) -> Query | None:
    """Return the optional clause that scores the plain words as a phrase higher (None
    for fewer than two words)."""
    if len(words) < 2:
        return None
    return translate(Phrase(tuple(words), boost=limits.PHRASE_BOOST))


def filters(checked: Checked) -> list[Query]:
    """Return the filter clauses of a request: actors and locations AND (a location
    also matching its country's paragraphs with ``expand_locations``), sources OR, the
    date range, one article."""
    req = checked.request
    clauses: list[Query] = [{"term": {"actors": a}} for a in req.actors if a]
    for name in req.locations:
        if not name:
            continue
        clause: Query = {"term": {"locations": name}}
        words = query_words(name)
        if req.expand_locations and words:
            country = {"match_phrase": {"country_words": {"query": " ".join(words)}}}
            clause = {"bool": {"should": [clause, country], "minimum_should_match": 1}}
        clauses.append(clause)
    sources = [s for s in req.sources if s]
    if sources:
        clauses.append({"terms": {"source": sources}})
    if checked.start is not None or checked.end is not None:
        clauses.append(date_range(checked.start, checked.end))
    if req.article_id:
        clauses.append({"term": {"article_id": req.article_id}})
    return clauses


def combine(main: Node | None, words: tuple[str, ...], filter_clauses: list[Query]) -> Query:
    """Return the query to run: ``main`` (scored, with the phrase boost of ``words``)
    restricted by the filters; only the filters (constant score) when ``main`` is None."""
    if main is None:
        if not filter_clauses:
            return MATCH_NONE
        return {"constant_score": {"filter": {"bool": {"filter": filter_clauses}}}}
    clause: dict[str, Any] = {"must": [translate(main)]}
    boost = phrase_boost(words)
    if boost is not None:
        clause["should"] = [boost]
    if filter_clauses:
        clause["filter"] = filter_clauses
    return {"bool": clause}


def sort_clause(sort: str) -> list[Any]:
    """Return the sort of a result list: relevance, or date (undated last) then the
    paragraph's place in its article; the paragraph id breaks every tie, so pages
    never overlap."""
    if sort == "relevance":
        return [{"_score": {"order": "desc"}}, {"id": {"order": "asc"}}]
    order = "desc" if sort == "newest" else "asc"
    return [
        {"date": {"order": order, "missing": "_last"}},
        {"position": {"order": "asc"}},
        {"id": {"order": "asc"}},
    ]
