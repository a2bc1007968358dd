"""The engine-neutral query parser (searchsvc.query): what each piece of syntax means as
a query tree, how the tree is shown, and that odd input never fails."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchsvc.errors import BadQuery
from searchsvc.limits import MAX_CLAUSES, MAX_PHRASE_SLOP
from searchsvc.query import describe, parse_query
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
from searchsvc.query.words import fold


def tree(text: str, **kw):
    return parse_query(text, **kw).all_words


def words(*ws: str) -> tuple[Term, ...]:
    return tuple(Term(w) for w in ws)


# -- words, phrases, operators ------------------------------------------------------------


def test_plain_words_are_all_required_then_any():
    parsed = parse_query("Humanitarian PAUSE")
    assert parsed.all_words == And(words("humanitarian", "pause"))
    assert parsed.any_words == Or(words("humanitarian", "pause"))
    assert parsed.words == ("humanitarian", "pause")


def test_the_implicit_operator_is_swapped_inside_parentheses_too():
    parsed = parse_query("doha (truce ceasefire)")
    assert parsed.all_words == And(words("doha", "truce", "ceasefire"))
    assert parsed.any_words == Or(words("doha", "truce", "ceasefire"))


def test_stop_words_and_lowercase_operators_are_not_searched_in_text():
    assert tree("the talks and the truce or not") == And(words("talks", "truce"))
    assert parse_query("the of and").empty


def test_names_keep_every_word_even_stop_words():
    assert tree('location:"united states of america"') == Phrase(
        ("united", "states", "of", "america"), ("location",)
    )
    assert tree("actor:the") == Term("the", ("actor",))


def test_case_and_accents_are_folded():
    assert tree("ERDOĞAN Çavuşoğlu") == And(words("erdogan", "cavusoglu"))
    assert fold("Øresund Łódź straße") == "oresund lodz strase"


def test_a_word_the_index_splits_is_a_phrase_of_its_parts():
    assert tree("Israel-Hamas") == Phrase(("israel", "hamas"))
    assert tree("U.S.") == Phrase(("u", "s"))
    assert tree("don't") == Term("don't")
    assert tree("state-of-the-art") == Phrase(("state", "art"))


def test_exclusion_or_and_not():
    assert tree("ceasefire -doha") == And((Term("ceasefire"), Not(Term("doha"))))
    assert tree("ceasefire NOT doha") == And((Term("ceasefire"), Not(Term("doha"))))
    assert tree("doha OR ankara") == Or(words("doha", "ankara"))
    assert tree("doha AND ankara OR gaza") == Or((And(words("doha", "ankara")), Term("gaza")))
    assert tree("-doha").__class__ is Nothing  # nothing left to search
    assert tree("NOT doha") == Not(Term("doha"))  # everything but doha


def test_minus_works_inside_parentheses():
    assert tree("talks (truce -doha)") == And((Term("talks"), Term("truce"), Not(Term("doha"))))
    assert tree("Israel-Hamas") != tree("israel -hamas")


def test_plus_is_required_even_when_any_word_may_match():
    parsed = parse_query("+ceasefire truce")
    assert parsed.all_words == And(words("ceasefire", "truce"))  # as without the +
    assert parsed.any_words == And((Term("ceasefire"),), optional=(Term("truce"),))
    assert parse_query("truce +ceasefire").words == ("truce", "ceasefire")
    assert tree("+the ceasefire") == Term("ceasefire")


def test_prefixes_wildcards_typos_and_weights():
    assert tree("Humanit*") == Prefix("humanit")
    assert tree("h*").__class__ is Nothing  # at least two letters before the *
    assert tree("ce?sef*re") == Wildcard("ce?sef*re")
    assert tree("*x").__class__ is Nothing
    assert tree("ceasfire~") == Fuzzy("ceasfire", edits=1)
    assert tree("ceasfire~9") == Fuzzy("ceasfire", edits=2)
    assert tree("ceasefire^2 truce") == And((Term("ceasefire", boost=2.0), Term("truce")))
    assert tree("(doha truce)^3") == And((Term("doha", boost=3.0), Term("truce", boost=3.0)))


def test_star_alone_matches_everything_and_is_ignored_beside_words():
    assert tree("*") == Everything()
    assert tree("* ceasefire") == Term("ceasefire")
    assert tree("ceasefire OR *") == Everything()


def test_fields_and_aliases():
    for text in ("actor:erdogan", "actors:erdogan", "person:Erdoğan", "org:erdogan"):
        assert tree(text) == Term("erdogan", ("actor",)), text
    for text in ("location:ankara", "locations:ankara", "place:ankara"):
        assert tree(text) == Term("ankara", ("location",)), text
    assert tree("title:economy text:inflation") == And(
        (Term("economy", ("title",)), Term("inflation", ("text",)))
    )
    assert tree("actor:(erdogan OR blinken)") == Or(
        (Term("erdogan", ("actor",)), Term("blinken", ("actor",)))
    )
    assert tree("title: economy") == And(words("title", "economy"))  # a space: words
    assert tree("unknown:word") == Phrase(("unknown", "word"))


def test_locations_can_also_match_countries():
    assert tree("location:turkey", expand_locations=True) == Term("turkey", ("location", "country"))


def test_dates_read_as_inclusive_ranges():
    assert tree("date:2023-11") == DateRange(
        datetime(2023, 11, 1), datetime(2023, 11, 30, 23, 59, 59, 999999)
    )
    assert tree("date:[2023-03 to]") == DateRange(datetime(2023, 3, 1), None)
    assert tree("date:[to 2023]") == DateRange(None, datetime(2023, 12, 31, 23, 59, 59, 999999))
    assert tree('date:"6 November 2023"') == DateRange(
        datetime(2023, 11, 6), datetime(2023, 11, 6, 23, 59, 59, 999999)
    )
    assert tree("date:[to]") == Everything()
    for bad in ("date:garbage", "date:2023-13", "date:[soon to 2024]", "date:20?3"):
        with pytest.raises(BadQuery, match=r"cannot read the date .*\(or date:\[FROM to TO\]\)"):
            parse_query(bad)


def test_proximity_keeps_its_slop():
    assert tree('"hakan blinken"~8') == Phrase(("hakan", "blinken"), slop=8)
    assert tree('"hakan blinken"~0') == Phrase(("hakan", "blinken"))
    assert tree('"hakan blinken"~99999').slop == MAX_PHRASE_SLOP
    assert tree('"hakan"~3') == Term("hakan")


def test_too_many_terms_are_refused():
    parse_query(" ".join(f"w{i}" for i in range(MAX_CLAUSES // 2)))  # each in two fields
    with pytest.raises(BadQuery, match=str(MAX_CLAUSES)):
        parse_query(" ".join(f"w{i}" for i in range(MAX_CLAUSES // 2 + 1)))


def test_spans_say_where_each_word_was_typed():
    parsed = parse_query('"humanitarain pause" actor:Erdogn')
    typed = [(s.field, s.word, parsed.text[s.start : s.end]) for s in parsed.spans]
    assert typed == [
        (None, "humanitarain", "humanitarain"),
        (None, "pause", "pause"),
        ("actor", "erdogn", "Erdogn"),
    ]


# -- describe -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("actor:erdogan ceasefire", "actor:erdogan AND ceasefire"),
        ("humanitarian pause", "humanitarian AND pause"),
        ('"Hakan Blinken"~8', '"hakan blinken"~8'),
        ("(truce OR ceasefire) -turkey", "(truce OR ceasefire) AND NOT turkey"),
        ("humanit* ceasfire~2 ce?sefire^2", "humanit* AND ceasfire~2 AND ce?sefire^2"),
        ("date:2023-11", "date:2023-11"),
        ("date:[2023-01 to 2023-06]", "date:[2023-01 TO 2023-06]"),
        ("date:[2023-03 to]", "date:[2023-03 TO]"),
        ("*", "*"),
        ("the", ""),
    ],
)
def test_describe_shows_the_query_as_understood(text, shown):
    assert describe(tree(text)) == shown


def test_describe_shows_fields_searched_together():
    parsed = parse_query("+location:turkey truce", expand_locations=True)
    assert describe(parsed.any_words) == "(location:turkey OR country:turkey) ANDMAYBE truce"


def test_described_queries_read_back_to_the_same_tree():
    for text in ("actor:erdogan ceasefire -doha", '"a b c"~3 OR humanit*', "date:[2023 TO]"):
        assert tree(describe(tree(text))) == tree(text), text


# -- odd input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["AND", "OR", "NOT", "-", "+", '"', "(((", ")", "a*", "*x", "the", "^", "~", ":", "[]"],
)
def test_lone_operators_and_stop_words_search_nothing(text):
    assert parse_query(text).empty


def test_deeply_nested_parentheses_are_read():
    assert tree("(" * 400 + "ceasefire" + ")" * 400) == Term("ceasefire")
    assert tree("(" * 400 + "ceasefire") == Term("ceasefire")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_parses_or_is_a_bad_query(text):
    try:
        parsed = parse_query(text)
    except BadQuery:
        return
    describe(parsed.all_words)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(list("ab cé\"()-+*?~^:[]{}'.2") + [" OR ", " AND ", " NOT ", "date:"]),
        max_size=40,
    ).map("".join)
)
def test_syntax_soup_parses_or_is_a_bad_query(text):
    try:
        parsed = parse_query(text)
    except BadQuery:
        return
    describe(parsed.all_words)


def test_the_query_package_needs_no_engine():
    code = (
        "import sys; from searchsvc.query import parse_query, describe; "
        "describe(parse_query('actor:erdogan \"a b\"~3 date:2023').all_words); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('whoosh', 'opensearchpy')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
