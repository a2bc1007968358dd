"""Realism: the seed article and the BBC corpus, indexed by the real pipeline.

Skipped when ../shared is absent. Entities come from the shipped statistical model.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from searchsvc.engines.whoosh.search import WhooshSearchBackend
from searchsvc.indexer import reindex
from searchsvc.models import SearchRequest

SHARED = Path(os.environ.get("SEARCHSVC_SHARED", Path(__file__).resolve().parents[2] / "shared"))
SEED = SHARED / "seed" / "blinken-turkey.txt"
BBC = SHARED / "corpus" / "bbc"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (SEED.exists() and BBC.exists()),
        reason=f"shared corpus not found at {SHARED} (seed + BBC needed for realism tests)",
    ),
]


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("realism-index")
    reindex([str(SEED), str(BBC)], index_dir, full=True, workers=2)
    b = WhooshSearchBackend(str(index_dir))
    yield b
    b.close()


def seed_article_id(backend) -> str:
    page = backend.search(SearchRequest(q='title:"Blinken meets Turkish FM"', per_page=1))
    assert page.hits, "the seed article is in the index"
    return page.hits[0].article_id


def test_phrase_finds_seed_paragraphs_first_highlighted_as_one(backend):
    seed = seed_article_id(backend)
    page = backend.search(SearchRequest(q='"humanitarian pause"', per_page=20))
    assert page.total >= 1
    top = page.hits[0]
    assert top.article_id == seed
    for hit in page.hits:
        assert "humanitarian pause" in hit.text.lower()
        assert "<mark>humanitarian pause</mark>" in hit.highlight.lower()


def test_location_ankara_lists_paragraphs_naming_ankara(backend):
    page = backend.search(SearchRequest(q="ankara", per_page=100))
    naming = {h.id for h in page.hits if "Ankara" in h.text}
    assert naming, "the seed names Ankara"
    located = backend.search(SearchRequest(q="location:ankara", per_page=100))
    found = {h.id for h in located.hits}
    assert found, "location:ankara finds paragraphs"
    assert all("ankara" in h.text.lower() for h in located.hits)
    assert len(found & naming) >= len(naming) // 2


def test_actor_erdogan_ceasefire(backend):
    seed = seed_article_id(backend)
    page = backend.search(SearchRequest(q="actor:erdogan ceasefire", per_page=20))
    assert "actor:erdogan" in page.parsed
    assert page.hits and page.hits[0].article_id == seed
    assert page.matched == "all"
    for hit in page.hits:
        assert any("erdo" in a.lower() for a in hit.actors)
        assert "ceasefire" in hit.text.lower()


def test_misspelling_suggests_the_fix(backend):
    page = backend.search(SearchRequest(q="humanitarain"))
    assert page.suggestion == "humanitarian"
    page = backend.search(SearchRequest(q='"humanitarain pause"'))
    assert page.suggestion == '"humanitarian pause"'


def test_facets_and_filters_on_real_data(backend):
    page = backend.search(SearchRequest(q="election", per_page=100, facet_limit=100))
    assert page.total > 100
    top = page.facets["actors"][0]
    filtered = backend.search(SearchRequest(q="election", actors=[top.value], per_page=100))
    assert filtered.total == top.count
    assert all(top.value in h.actors for h in filtered.hits)


def test_proximity_finds_the_seed_words_in_either_order_and_marks_them(backend):
    seed = seed_article_id(backend)
    for q in ('"hakan blinken"~8', '"blinken hakan"~5'):
        page = backend.search(SearchRequest(q=q, per_page=20))
        assert page.parsed == q
        hits = [h for h in page.hits if h.article_id == seed and "Hakan" in h.text]
        assert hits, q
        assert "<mark>Blinken</mark>" in hits[0].highlight
        assert "<mark>Hakan</mark>" in hits[0].highlight
