"""The Whoosh engine's reading of the query tree: words analysed as the index analyses
them, user fields as index fields, and proximity with Lucene's slop, evaluated the same
way by the numpy doc sets, by Whoosh's matchers and by the highlighter."""

from __future__ import annotations

import itertools
import random
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query
from whoosh.analysis import STOP_WORDS as WHOOSH_STOP_WORDS

from searchsvc.engines.whoosh import analysis
from searchsvc.engines.whoosh.search import WhooshSearchBackend
from searchsvc.engines.whoosh.search.docsets import DocSets
from searchsvc.engines.whoosh.search.highlight import highlight, match_spec
from searchsvc.engines.whoosh.storage import IndexLocation
from searchsvc.engines.whoosh.translate import SloppyPhrase, translate
from searchsvc.indexer import write_paragraphs
from searchsvc.models import Paragraph, SearchRequest
from searchsvc.query import parse_query
from searchsvc.query.nodes import DateRange, Phrase, Term
from searchsvc.query.proximity import sloppy_matches
from searchsvc.query.words import STOP_WORDS, WORD_PATTERN, fold


def whoosh(text: str, **kw) -> query.Query:
    return translate(parse_query(text, **kw).all_words)


# -- the query's words are the index's words --------------------------------------------


def test_query_words_follow_the_index_analysis():
    assert STOP_WORDS == WHOOSH_STOP_WORDS
    assert WORD_PATTERN == analysis.WORD_PATTERN


def _index_fold(text: str) -> str:
    return " ".join(analysis.name_terms(text)[0])


def test_query_folding_gives_the_index_terms():
    # Folded by the query, then analysed by the index: the index's own term, always.
    for code in range(0x10000):
        if not 0xD800 <= code < 0xE000:
            char = chr(code)
            assert _index_fold(fold(char)) == _index_fold(char), hex(code)
    # And the same letters for the accents names are written with.
    for code in range(0xC0, 0x180):
        if chr(code).isalpha():
            assert fold(chr(code)) == _index_fold(chr(code)), hex(code)


def test_words_are_stemmed_in_text_and_kept_in_names():
    assert whoosh("Talks") == query.Or([query.Term("title", "talk"), query.Term("text", "talk")])
    assert whoosh("actor:Talks") == query.Term("actor_terms", "talks")
    assert whoosh("İstanbul") == query.Or(
        [query.Term("title", "istanbul"), query.Term("text", "istanbul")]
    )


def test_fields_become_index_fields():
    for user, index in (
        ("actor", "actor_terms"),
        ("location", "location_terms"),
        ("country", "country_terms"),
        ("source", "source_terms"),
        ("title", "title"),
        ("text", "text"),
    ):
        assert whoosh(f"{user}:turkey").fieldname == index
    expanded = whoosh("location:turkey", expand_locations=True)
    assert expanded == query.Or(
        [query.Term("location_terms", "turkey"), query.Term("country_terms", "turkey")]
    )


def test_weights_and_dates():
    assert whoosh("ceasefire^2") == query.Or(
        [query.Term("title", "ceasefir"), query.Term("text", "ceasefir")], boost=2.0
    )
    assert translate(DateRange(datetime(2023, 1, 1), None)) == query.DateRange(
        "date", datetime(2023, 1, 1), None
    )


def test_exact_and_sloppy_phrases():
    exact = translate(Phrase(("humanitarian", "pause"), ("text",)))
    assert (
        type(exact) is query.Phrase and exact.slop == 1 and exact.words == ["humanitarian", "paus"]
    )
    near = translate(Phrase(("hakan", "blinken"), ("text",), slop=8))
    assert isinstance(near, SloppyPhrase) and near.slop == 8
    assert translate(Term("the", ("actor",))) == query.Term("actor_terms", "the")


# -- Lucene's slop --------------------------------------------------------------------------


def _brute_force(positions: list[list[int]], slop: int) -> bool:
    """A match by the definition: distinct positions, one per word, whose offsets from
    the word's place in the phrase spread over at most ``slop``."""
    for chosen in itertools.product(*positions):
        if len(set(chosen)) == len(chosen):
            offsets = [p - k for k, p in enumerate(chosen)]
            if max(offsets) - min(offsets) <= slop:
                return True
    return False


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 12), min_size=1, max_size=4), min_size=2, max_size=4),
    st.integers(0, 6),
)
def test_sloppy_matches_follow_the_definition(positions, slop):
    found = list(sloppy_matches(positions, slop))
    assert bool(found) == _brute_force(positions, slop)
    for chosen in found:
        assert len(set(chosen)) == len(chosen)
        assert all(p in positions[k] for k, p in enumerate(chosen))
        offsets = [p - k for k, p in enumerate(chosen)]
        assert max(offsets) - min(offsets) <= slop


def test_lucene_slop_counts_moves():
    # "hakan blinken" against "Blinken ... Hakan" four words later: 6 moves.
    assert next(sloppy_matches([[5], [0]], 6), None) == (5, 0)
    assert next(sloppy_matches([[5], [0]], 5), None) is None
    # Two words swapped cost 2; in order with one word between, 1.
    assert next(sloppy_matches([[1], [0]], 1), None) is None
    assert next(sloppy_matches([[1], [0]], 2), None) == (1, 0)
    assert next(sloppy_matches([[0], [2]], 1), None) == (0, 2)
    # A repeated word needs two occurrences.
    assert next(sloppy_matches([[4], [4]], 5), None) is None
    assert next(sloppy_matches([[4, 7], [4, 7]], 5), None) is not None


WORDS = ["alpha", "beta", "gamma", "delta", "the", "of"]


@pytest.fixture(scope="module")
def random_index(tmp_path_factory):
    """Paragraphs of random words in two segments, one paragraph deleted."""
    r = random.Random(11)
    texts = [" ".join(r.choice(WORDS) for _ in range(r.randint(1, 12))) for _ in range(120)]

    def para(n: int, text: str) -> Paragraph:
        article = f"{n:016x}"
        return Paragraph(
            id=f"{article}#1", article_id=article, position=1, count=1, text=text, title=""
        )

    folder = tmp_path_factory.mktemp("near")
    write_paragraphs(folder, [para(n, t) for n, t in enumerate(texts[:80])])
    ix = IndexLocation(folder).open()
    writer = ix.writer()
    from searchsvc.engines.whoosh.schema import paragraph_to_document

    for n, text in enumerate(texts[80:], 80):
        writer.add_document(**paragraph_to_document(para(n, text), "x\t0\t0"))
    writer.delete_by_term("id", f"{3:016x}#1")
    writer.commit(merge=False)
    searcher = ix.searcher()
    yield searcher
    searcher.close()
    ix.close()


def _expected(searcher, words: list[str], slop: int) -> list[int]:
    found = []
    for docnum in searcher.reader().all_doc_ids():
        tokens = analysis.text_tokens(searcher.stored_fields(docnum)["text"])
        positions = [[pos for term, pos, _s, _e in tokens if term == w] for w in words]
        if all(positions) and _brute_force(positions, slop):
            found.append(docnum)
    return sorted(found)


@pytest.mark.parametrize(
    "words",
    [
        ["alpha", "beta"],
        ["beta", "alpha"],
        ["alpha", "alpha"],
        ["gamma", "alpha", "delta"],
        ["delta", "beta", "beta"],
    ],
)
@pytest.mark.parametrize("slop", [1, 2, 4, 8])
def test_numpy_matchers_and_definition_agree_on_an_index(random_index, words, slop):
    searcher = random_index
    assert len(searcher.leaf_searchers()) == 2
    q = SloppyPhrase("text", words, slop=slop)
    expected = _expected(searcher, words, slop)
    assert DocSets(searcher).docs(q, searcher).tolist() == expected
    assert sorted(q.docs(searcher)) == expected  # Whoosh's own searching, same rule


@pytest.fixture(scope="module")
def seedlike(tmp_path_factory):
    text = (
        "Blinken met Turkish Foreign Minister Hakan Fidan for two and a half hours on "
        "Monday morning in the Turkish capital Ankara."
    )
    paragraphs = [
        Paragraph(
            id="aaaaaaaaaaaaaaaa#1",
            article_id="aaaaaaaaaaaaaaaa",
            position=1,
            count=2,
            text=text,
            title="Blinken in Ankara",
        ),
        Paragraph(
            id="aaaaaaaaaaaaaaaa#2",
            article_id="aaaaaaaaaaaaaaaa",
            position=2,
            count=2,
            text="Hakan said nothing at all; many hours later, after talks with several "
            "other officials, Blinken left.",
            title="Blinken in Ankara",
        ),
    ]
    folder = tmp_path_factory.mktemp("seedlike")
    write_paragraphs(folder, paragraphs)
    backend = WhooshSearchBackend(str(folder))
    yield backend
    backend.close()


def test_proximity_finds_words_in_either_order_and_marks_them(seedlike):
    page = seedlike.search(SearchRequest(q='"hakan blinken"~8'))
    assert [h.id for h in page.hits] == ["aaaaaaaaaaaaaaaa#1"]
    assert page.parsed == '"hakan blinken"~8'
    assert page.hits[0].highlight.startswith("<mark>Blinken</mark> met Turkish Foreign")
    assert "Minister <mark>Hakan</mark> Fidan" in page.hits[0].highlight
    assert not seedlike.search(SearchRequest(q='"hakan blinken"~5')).hits  # 6 moves
    in_order = seedlike.search(SearchRequest(q='"blinken hakan"~4'))
    assert [h.id for h in in_order.hits] == ["aaaaaaaaaaaaaaaa#1"]


def test_only_the_words_of_a_match_are_marked():
    spec = match_spec(whoosh('"hakan blinken"~2'))
    assert highlight("Hakan Blinken; later Blinken alone.", spec) == (
        "<mark>Hakan</mark> <mark>Blinken</mark>; later Blinken alone."
    )
