"""``Lexicon.within`` finds exactly the terms a full edit-distance scan finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.support.levenshtein import damerau_levenshtein

from searchsvc.engines.whoosh.search.lexicon import Lexicon, edit_distance

TERMS = sorted(
    {
        "ceasefir",
        "ceasefires",
        "cease",
        "chang",
        "changes",
        "chasm",
        "champion",
        "economi",
        "econom",
        "ecolog",
        "erdogan",
        "erdoğan",
        "ankara",
        "ankra",
        "gaza",
        "gazza",
        "naïve",
        "naive",
        "über",
        "uber",
        "x",
        "xy",
        "日本",
        "日本語",
        "a1b2",
    }
)
LEXICON = Lexicon(TERMS)


def brute_force(text: str, maxdist: int, prefix: int) -> list[str]:
    return [
        t for t in TERMS if t.startswith(text[:prefix]) and damerau_levenshtein(text, t) <= maxdist
    ]


def test_typos_find_the_intended_terms():
    assert list(LEXICON.within("chasges", 1, prefix=1)) == ["changes"]
    assert list(LEXICON.within("ecomoni", 2, prefix=1)) == ["economi"]
    assert "erdoğan" in LEXICON.within("erdogam", 2, prefix=1)


def test_the_word_itself_is_included_when_indexed():
    assert "gaza" in LEXICON.within("gaza", 1, prefix=1)


def test_prefix_longer_than_one_character_is_respected():
    assert set(LEXICON.within("ankra", 1, prefix=3)) == {"ankra", "ankara"}
    assert list(LEXICON.within("bnkara", 1, prefix=2)) == []


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.sampled_from(TERMS), st.text(alphabet="aceghinorsuxyzğ日本語12", max_size=9)),
    st.integers(min_value=1, max_value=2),
    st.integers(min_value=0, max_value=2),
)
def test_within_equals_a_full_scan(text, maxdist, prefix):
    assert sorted(LEXICON.within(text, maxdist, prefix)) == sorted(
        brute_force(text, maxdist, prefix)
    )


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdé", max_size=8), st.text(alphabet="abcdé", max_size=8))
def test_edit_distance_agrees_with_whoosh_within_the_limit(a, b):
    expected = damerau_levenshtein(a, b)
    assert edit_distance(a, b, 2) == (expected if expected <= 2 else 3)
