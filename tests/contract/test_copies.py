"""The copies contract: the same syndicated copies, the same folds, copy lists and "more
like this" on every engine (see ``copies_corpus``)."""

from __future__ import annotations

import pytest

from searchsvc.errors import BadQuery, NotFound
from searchsvc.models import SearchRequest
from tests.contract.conftest import ENGINES, corpus_engine
from tests.contract.copies_corpus import ALONE, CLUSTERS, FILES

MARCH = {"date_from": "2024-03", "date_to": "2024-03", "per_page": 50}
CANONICAL = {cluster[0]: cluster for cluster in CLUSTERS}


@pytest.fixture(scope="module", params=ENGINES)
def reader(request, tmp_path_factory):
    """A reader of the copies corpus, one per engine kind."""
    with corpus_engine(request.param, tmp_path_factory, "copies", FILES) as engine:
        yield engine.reader()


def test_dedupe_shows_one_hit_per_cluster_with_its_copy_counts(reader):
    page = reader.search(SearchRequest(dedupe=True, **MARCH))
    assert {h.id for h in page.hits} == set(CANONICAL) | set(ALONE)
    assert page.total == len(CANONICAL) + len(ALONE) and page.counted == "stories"
    assert page.folded == sum(len(c) - 1 for c in CLUSTERS)
    by_id = {h.id: h for h in page.hits}
    # a1#1 has copies in Herald, Gazette and (republished) its own Wire.
    assert (by_id["a1#1"].copies, by_id["a1#1"].copy_sources) == (3, 2)
    assert (by_id["a1#3"].copies, by_id["a1#3"].copy_sources) == (2, 1)
    assert (by_id["e5#1"].copies, by_id["e5#1"].copy_sources) == (0, 0)
    assert all(h.cluster == h.id for h in page.hits)


def test_without_dedupe_every_copy_counts_and_no_cluster_is_named(reader):
    page = reader.search(SearchRequest(**MARCH))
    assert page.total == sum(len(p) for p in FILES.values()) and page.counted == "paragraphs"
    assert page.folded == 0 and all(h.cluster is None for h in page.hits)


def test_dedupe_counts_facets_by_story(reader):
    page = reader.search(SearchRequest(dedupe=True, **MARCH))
    sources = {f.value: f.count for f in page.facets["sources"]}
    assert sources == {"Wire": 6, "Courier": 4, "Gazette": 1}


def test_the_earliest_matching_copy_stands_for_its_cluster(reader):
    page = reader.search(SearchRequest(sources=["Herald", "Gazette"], dedupe=True, **MARCH))
    assert {h.id for h in page.hits} == {"b2#1", "b2#2", "b2#3", "c3#3", "c3#4"}
    by_id = {h.id: h for h in page.hits}
    assert (by_id["b2#1"].copies, by_id["b2#1"].copy_sources) == (1, 1)
    assert by_id["b2#3"].copies == 0  # its copies are in Wire, which is filtered out


def test_copies_lists_every_copy_earliest_first_with_the_canonical_one(reader):
    found = reader.copies("c3#2")
    assert found.canonical == "a1#2" and found.kind == "paragraph"
    assert [c.id for c in found.copies] == ["a1#2", "b2#2", "d4#2"]
    assert all(0.6 <= c.similarity <= 1.0 for c in found.copies)
    assert reader.copies("e5#1").copies == []
    with pytest.raises(NotFound):
        reader.copies("ffff#9")


def test_article_copies_name_republished_articles_not_the_same_event_or_a_follow_up(reader):
    found = reader.article_copies("b2")
    assert found.canonical == "a1" and found.kind == "article"
    assert [c.id for c in found.copies] == ["a1", "c3", "d4"]
    assert reader.article_copies("e5").copies == []
    assert reader.article_copies("f6").copies == []
    assert reader.article_copies("a7").copies == []


def test_similar_finds_the_same_event_elsewhere_without_the_paragraph_copies(reader):
    page = reader.similar("a1#1")
    found = [h.id for h in page.hits]
    assert found and found[0].startswith("e5#")
    copied = {p for cluster in CLUSTERS for p in cluster} | {"a1#4"}
    assert not set(found) & copied
    assert not any(h.article_id == "a1" for h in page.hits)
    assert page.total == len(found) <= 100
    with pytest.raises(NotFound):
        reader.similar("ffff#9")
    with pytest.raises(BadQuery):
        reader.similar("a1#1", page=11, per_page=10)


def test_timeline_counts_with_dedupe_count_each_story_on_its_first_day(reader):
    counts = reader.day_counts(SearchRequest(dedupe=True, **MARCH))
    assert counts.days == {
        "2024-03-04": (6, 2),
        "2024-03-05": (2, 1),
        "2024-03-06": (1, 1),
        "2024-03-11": (2, 1),
    }
    assert counts.matched == len(CANONICAL) + len(ALONE)


def test_value_counts_with_dedupe_count_stories(reader):
    counted = reader.value_counts(SearchRequest(dedupe=True, **MARCH), "sources")
    assert counted.counts == {"Wire": 6, "Courier": 4, "Gazette": 1}


def test_export_with_dedupe_gives_one_row_per_story_with_its_copies(reader):
    request = SearchRequest(dedupe=True, sort="oldest", **MARCH)
    with reader.export(request) as export:
        hits = list(export.hits())
        assert export.info.total == len(hits) == len(CANONICAL) + len(ALONE)
        assert export.info.counted == "stories"
    by_id = {h.id: h for h in hits}
    assert by_id["a1#2"].copies == 3 and by_id["a1#2"].cluster == "a1#2"


def test_dedupe_folds_a_text_search(reader):
    page = reader.search(SearchRequest(q="union negotiations", dedupe=True))
    assert [h.id for h in page.hits] == ["a1#2"]
    assert (page.hits[0].copies, page.hits[0].copy_sources) == (3, 2)
    # Copies count only where they match: the Herald spells it "harbor".
    british = reader.search(SearchRequest(q="harbour negotiations", dedupe=True))
    assert [(h.id, h.copies) for h in british.hits] == [("a1#2", 2)]
