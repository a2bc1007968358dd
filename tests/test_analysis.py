"""The one-pass indexing analysis must give Whoosh exactly what its analyzer chain gives."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.fields import TEXT

from searchsvc.engines.whoosh.analysis import (
    NAME_KIND,
    TEXT_KIND,
    AnalysedText,
    name_analyzer,
    text_analyzer,
    text_tokens,
)

SAMPLES = [
    "",
    "the of and",  # only stop words
    "The Turkish foreign minister, Hakan Fidan, met Blinken in Ankara.",
    "A ceasefire? Erdoğan's “humanitarian pause” – and a pause again, and again.",
    "İstanbul İSTANBUL Straße STRASSE ﬁnance Ǆ",  # case mappings that change length
    "it is what it is: running runs ran runner's runners’",
    "x" * 300 + " " + "word " * 50,
    "Israel-Hamas 2024-01-01 3.5% US$ 1,000 O'Neill rock’n’roll __init__",
    "日本語のテキスト 東京 Москва Київ العربية",
    "a\u0301 e\u0300 n\u0303 café naïve",
]


def whoosh_postings(kind: str, value: str, boost: float = 1.0) -> list:
    analyzer = text_analyzer() if kind == TEXT_KIND else name_analyzer()
    field = TEXT(analyzer=analyzer, phrase=True, field_boost=boost)
    return list(field.index(value))


def fast_postings(kind: str, value: str, boost: float = 1.0) -> list:
    return list(AnalysedText(kind, field_boost=boost).index(value))


@pytest.mark.parametrize("kind", [TEXT_KIND, NAME_KIND])
@pytest.mark.parametrize("value", SAMPLES)
def test_one_pass_postings_equal_whoosh_analyzer_postings(kind, value):
    assert fast_postings(kind, value) == whoosh_postings(kind, value)


def test_field_boost_is_applied_to_weights_like_whoosh():
    value = "Erdogan spoke; Erdogan listened."
    assert fast_postings(TEXT_KIND, value, 2.0) == whoosh_postings(TEXT_KIND, value, 2.0)
    assert any(weight == 4.0 for _, _, weight, _ in fast_postings(TEXT_KIND, value, 2.0))


def test_leading_stop_words_keep_the_first_word_position_like_stopfilter():
    postings = {t: v for t, _, _, v in fast_postings(TEXT_KIND, "the cat sat")}
    assert postings == {t: v for t, _, _, v in whoosh_postings(TEXT_KIND, "the cat sat")}


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.sampled_from([TEXT_KIND, NAME_KIND]))
def test_any_text_gives_the_same_postings_either_way(value, kind):
    assert fast_postings(kind, value) == whoosh_postings(kind, value)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["the", "a", "Erdogan", "ceasefire", "talks", "of", "Gaza", "’s", "-"]),
        max_size=60,
    )
)
def test_repeated_words_and_stop_words_give_the_same_positions(words):
    value = " ".join(words)
    assert fast_postings(TEXT_KIND, value) == whoosh_postings(TEXT_KIND, value)


def test_non_string_values_fall_back_to_whoosh():
    field = AnalysedText(NAME_KIND)
    assert list(field.index(["Ankara", "Gaza"])) == list(
        TEXT(analyzer=name_analyzer(), phrase=True).index(["Ankara", "Gaza"])
    )


def whoosh_tokens(value: str) -> list[tuple[str, int, int, int]]:
    return [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in text_analyzer()(value, positions=True, chars=True, mode="index")
    ]


@pytest.mark.parametrize("value", SAMPLES)
def test_highlighting_tokens_equal_whoosh_tokens_with_offsets(value):
    assert text_tokens(value) == whoosh_tokens(value)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_the_same_tokens_with_offsets(value):
    assert text_tokens(value) == whoosh_tokens(value)
