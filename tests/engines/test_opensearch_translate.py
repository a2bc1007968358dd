"""Query tree -> query DSL: every node type translated, structured queries only (never
query_string), headline boost, phrase boost, filters and sorts."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from searchsvc import limits
from searchsvc.engines.opensearch.translate import (
    combine,
    filters,
    sort_clause,
    translate,
)
from searchsvc.models import SearchRequest
from searchsvc.query import nodes
from searchsvc.query.nodes import (
    And,
    DateRange,
    Everything,
    Fuzzy,
    Not,
    Nothing,
    Or,
    Phrase,
    Prefix,
    Term,
    Wildcard,
)
from searchsvc.request import validate

EXAMPLES = {
    Term: Term("ceasefire"),
    Phrase: Phrase(("humanitarian", "pause"), slop=2),
    Prefix: Prefix("negoti"),
    Wildcard: Wildcard("ceas*re"),
    Fuzzy: Fuzzy("ceasfire", edits=2),
    DateRange: DateRange(datetime(2023, 1, 1), datetime(2023, 6, 30, 23, 59, 59)),
    And: And((Term("gaza"), Not(Term("hamas"))), optional=(Term("truce"),)),
    Or: Or((Term("gaza"), Term("ankara"))),
    Not: Not(Term("hamas")),
    Nothing: Nothing(),
    Everything: Everything(),
}
ALLOWED = {
    "bool",
    "match",
    "match_phrase",
    "prefix",
    "wildcard",
    "range",
    "term",
    "terms",
    "match_none",
    "match_all",
    "constant_score",
}


def _query_kinds(query) -> set[str]:
    """Return every query type named in a DSL body."""
    found: set[str] = set()
    if isinstance(query, dict):
        for key, value in query.items():
            if key in ALLOWED or key.endswith("query_string"):
                found.add(key)
            found |= _query_kinds(value)
    elif isinstance(query, list):
        for item in query:
            found |= _query_kinds(item)
    return found


def test_every_node_type_has_a_translation():
    assert set(EXAMPLES) == set(nodes.NODE_TYPES)
    for node_type in nodes.NODE_TYPES:
        translate(EXAMPLES[node_type])


def test_only_structured_queries_are_built_never_query_string():
    for example in EXAMPLES.values():
        kinds = _query_kinds(translate(example))
        assert kinds <= ALLOWED, kinds
    hostile = Term('a" OR * AND title:(x')
    body = translate(hostile)
    assert "query_string" not in json.dumps(body)
    assert body["bool"]["should"][0]["match"]["headline"]["query"] == 'a" OR * AND title:(x'


def test_a_word_scores_in_headline_and_body_the_headline_boosted():
    query = translate(Term("ceasefire"))
    clauses = {next(iter(c["match"])): c["match"] for c in query["bool"]["should"]}
    assert clauses["headline"]["headline"]["boost"] == limits.TITLE_BOOST
    assert clauses["body"]["body"]["boost"] == 1.0


def test_phrases_keep_their_slop_and_one_word_phrases_are_terms():
    query = translate(Phrase(("humanitarian", "pause"), fields=("text",), slop=3))
    assert query == {
        "match_phrase": {"body": {"query": "humanitarian pause", "slop": 3, "boost": 1.0}}
    }
    assert "match" in translate(Phrase(("gaza",), fields=("text",)))


def test_name_fields_search_the_prepared_name_words():
    query = translate(Term("erdogan", fields=("actor",)))
    assert query == {"match": {"actor_words": {"query": "erdogan", "boost": 1.0}}}
    fuzzy = translate(Fuzzy("erdgan", fields=("actor",), edits=5))
    options = fuzzy["match"]["actor_words"]
    assert options["fuzziness"] == limits.MAX_FUZZY_EDITS and options["prefix_length"] == 1


def test_negation_inside_and_becomes_must_not():
    query = translate(And((Term("gaza", ("text",)), Not(Term("hamas", ("text",))))))
    assert query["bool"]["must_not"] == [{"match": {"body": {"query": "hamas", "boost": 1.0}}}]
    assert len(query["bool"]["must"]) == 1


def test_date_ranges_are_inclusive_with_open_ends():
    assert translate(DateRange(datetime(2023, 3, 1), None)) == {
        "range": {"date": {"gte": "2023-03-01T00:00:00.000", "format": "strict_date_optional_time"}}
    }


def test_request_filters_actors_and_locations_all_sources_any_dates_and_article():
    req = SearchRequest(
        actors=["Antony Blinken", "Recep Tayyip Erdoğan"],
        locations=["Turkey"],
        sources=["BBC", "Reuters"],
        date_from="2023-11",
        date_to="2023-11",
        article_id="ab12",
        expand_locations=True,
    )
    clauses = filters(validate(req))
    assert {"term": {"actors": "Antony Blinken"}} in clauses
    assert {"term": {"actors": "Recep Tayyip Erdoğan"}} in clauses
    assert {"terms": {"source": ["BBC", "Reuters"]}} in clauses
    assert {"term": {"article_id": "ab12"}} in clauses
    location = next(c for c in clauses if "bool" in c)["bool"]["should"]
    assert {"term": {"locations": "Turkey"}} in location
    assert {"match_phrase": {"country_words": {"query": "turkey"}}} in location
    dates = next(c for c in clauses if "range" in c)["range"]["date"]
    assert dates["gte"].startswith("2023-11-01T00:00") and dates["lte"].startswith(
        "2023-11-30T23:59:59"
    )


def test_filters_restrict_without_scoring_and_plain_words_get_the_phrase_boost():
    body = combine(
        And((Term("ceasefire"), Term("talks"))), ("ceasefire", "talks"), [{"term": {"a": 1}}]
    )
    assert body["bool"]["filter"] == [{"term": {"a": 1}}]
    boost = json.dumps(body["bool"]["should"])
    assert "match_phrase" in boost and f'"boost": {limits.PHRASE_BOOST}' in boost
    assert "should" not in combine(Term("ceasefire"), ("ceasefire",), [])["bool"]
    assert "constant_score" in combine(None, (), [{"term": {"a": 1}}])


@pytest.mark.parametrize("sort", limits.SORTS)
def test_every_sort_ends_with_a_unique_tie_break(sort):
    clause = sort_clause(sort)
    assert clause[-1] == {"id": {"order": "asc"}}
    if sort != "relevance":
        assert clause[0]["date"]["missing"] == "_last"
