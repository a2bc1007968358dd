"""The engine contract: the same corpus, the same requests, the same answers on every
engine (Whoosh, osmem-server, and a real cluster with OPENSEARCH_URL). Scores differ
between engines, so order is asserted only where it is unambiguous (dates, a known
item, an exact phrase)."""

from __future__ import annotations

import pytest

from searchsvc.errors import BadQuery, IndexMissing, NotFound
from searchsvc.models import SearchPage, SearchRequest

ALL_IDS = {"a1#1", "a1#2", "a1#3", "b2#1", "b2#2", "c3#1", "d4#1", "e5#1", "e5#2"}


def ids(page: SearchPage) -> set[str]:
    return {h.id for h in page.hits}


def facet(page: SearchPage, name: str) -> list[tuple[str, int, bool]]:
    return [(f.value, f.count, f.active) for f in page.facets[name]]


# -- totals and hit sets ---------------------------------------------------------------


def test_filters_alone_list_every_matching_paragraph(search):
    page = search(sources=["Wire"], per_page=20)
    assert page.total == 6 and ids(page) == {"a1#1", "a1#2", "a1#3", "c3#1", "e5#1", "e5#2"}
    assert page.articles == 3


def test_actor_filters_combine_with_and_source_filters_with_or(search):
    both = search(actors=["Antony Blinken", "Recep Tayyip Erdoğan"])
    assert ids(both) == {"a1#1"}
    either = search(sources=["Wire", "Daily"], per_page=20)
    assert either.total == len(ALL_IDS)


def test_a_location_filter_finds_the_place_and_with_expansion_its_country(search):
    assert ids(search(locations=["Turkey"])) == set()
    assert ids(search(locations=["Turkey"], expand_locations=True)) == {"a1#1", "c3#1"}
    assert ids(search(locations=["Gaza"], per_page=20)) == {"b2#1", "e5#1", "e5#2"}


def test_date_filters_are_inclusive_and_undated_paragraphs_fall_outside(search):
    november = search(date_from="2023-11", date_to="2023-11", per_page=20)
    assert ids(november) == {"a1#1", "a1#2", "a1#3", "e5#1", "e5#2"}
    assert ids(search(date_from="2023-12-01", sources=["Wire"])) == {"c3#1"}


def test_words_match_their_inflections_in_body_and_headline(search):
    page = search("ceasefire", per_page=20)
    assert ids(page) == {"a1#3", "b2#1", "b2#2", "d4#1"}  # b2#2 by its headline
    assert page.total == 4 and page.matched == "all"


def test_all_words_first_then_any(search):
    both = search("humanitarian pause", per_page=20)
    assert both.matched == "all" and ids(both) == {"a1#1", "e5#1", "e5#2"}
    some = search("humanitarian zeppelin", per_page=20)
    assert some.matched == "any" and ids(some) == {"a1#1", "e5#1", "e5#2"}


def test_a_phrase_with_a_stop_word_inside_is_found_and_ranks_a_known_item_first(search):
    page = search('"secretary of state"')
    assert ids(page) == {"a1#1"}
    known = search("blinken erdogan ankara")
    assert [h.id for h in known.hits][0] == "a1#1"


def test_proximity_finds_the_words_in_either_order_within_the_slop(search):
    near = search('"tayyip recep"~2')  # the two words swapped: 2 moves
    assert ids(near) == {"a1#1"} and near.parsed == '"tayyip recep"~2'
    assert "<mark>Recep</mark> <mark>Tayyip</mark>" in near.hits[0].highlight
    assert not search('"tayyip recep"~1').hits
    assert ids(search('"president erdogan"~3')) == {"a1#1"}  # two words between


def test_a_required_word_stays_required_when_any_word_may_match(search):
    assert ids(search("zeppelin candid", per_page=20)) == {"a1#2"}
    assert not search("+zeppelin candid", per_page=20).hits


def test_fields_prefixes_typos_and_exclusions(search):
    assert ids(search("actor:erdogan", per_page=20)) == {"a1#1", "a1#3"}
    assert ids(search("location:cairo", per_page=20)) == {"b2#1", "b2#2"}
    assert ids(search("humanit*", per_page=20)) == {"a1#1", "e5#1", "e5#2"}
    assert ids(search("ceasfire~", per_page=20)) == {"a1#3", "b2#1", "b2#2", "d4#1"}
    assert ids(search("talks -cairo", per_page=20)) == {"a1#2"}  # b2: Cairo in its headline


# -- facets ------------------------------------------------------------------------------


def test_facet_counts_cover_the_whole_result_set_and_mark_active_values(search):
    page = search("ceasefire", per_page=1)
    assert facet(page, "sources") == [("Daily", 3, False), ("Wire", 1, False)]
    assert facet(page, "actors") == [
        ("Abdel Fattah el-Sisi", 1, False),
        ("Hamas", 1, False),
        ("Recep Tayyip Erdoğan", 1, False),
    ]
    filtered = search(sources=["Daily"], actors=["Nobody"])
    assert facet(filtered, "actors") == [("Nobody", 0, True)]
    daily = search(sources=["Daily"], per_page=1)
    assert facet(daily, "sources") == [("Daily", 3, True)]
    assert facet(daily, "locations") == [("Cairo", 2, False), ("Gaza", 1, False)]


# -- highlights, collapse, sorts, pagination ---------------------------------------------


def test_highlights_are_escaped_marked_and_a_phrase_is_one_mark(search):
    page = search('"secretary of state"')
    assert page.hits[0].highlight.startswith("<mark>Secretary of State</mark> Antony Blinken")
    talks = {h.id: h.highlight for h in search("talks", per_page=20).hits}
    assert talks["a1#2"] == (
        "Blinken said the <mark>talks</mark> were candid &amp; useful, and that "
        "&lt;details&gt; would follow."
    )


def test_a_long_paragraph_is_cut_to_its_best_fragment(search):
    hit = next(h for h in search("ceasefire", per_page=20).hits if h.id == "d4#1")
    assert hit.highlight.startswith("…") and hit.highlight.endswith("…")
    assert "<mark>ceasefire</mark>" in hit.highlight and len(hit.highlight) < len(hit.text)


def test_collapse_gives_one_hit_per_article_and_counts_the_others(search):
    page = search("talks", collapse=True, per_page=20)
    assert page.total == page.articles == 2 and page.total_paragraphs == 3
    assert {h.article_id: h.more_in_article for h in page.hits} == {"a1": 0, "b2": 1}


def test_date_sorts_newest_and_oldest_with_undated_last(search):
    newest = [h.id for h in search(sources=["Wire", "Daily"], sort="newest", per_page=20).hits]
    assert newest[0] == "c3#1" and newest[-1] == "d4#1"
    assert newest[1:3] == ["e5#1", "e5#2"] and newest[3:6] == ["a1#1", "a1#2", "a1#3"]
    oldest = [h.id for h in search(sources=["Wire", "Daily"], sort="oldest", per_page=20).hits]
    assert oldest[:2] == ["b2#1", "b2#2"] and oldest[-1] == "d4#1"


def test_pages_cover_the_results_once(search):
    seen = []
    for number in range(1, 6):
        page = search(sources=["Wire", "Daily"], sort="newest", per_page=2, page=number)
        assert page.total == len(ALL_IDS)
        seen.extend(h.id for h in page.hits)
    assert sorted(seen) == sorted(ALL_IDS)
    assert search(sources=["Wire"], per_page=5, page=3).hits == []


# -- did you mean, article, suggest, stats ------------------------------------------------


def test_did_you_mean_offers_a_correction_that_finds_more(search):
    page = search("ceasfire")
    assert page.total == 0 and page.suggestion == "ceasefire"
    assert search("ceasefire").suggestion is None


def test_the_article_view_lists_paragraphs_in_order(reader):
    paragraphs = reader.article("a1")
    assert [p.id for p in paragraphs] == ["a1#1", "a1#2", "a1#3"]
    first = paragraphs[0]
    assert (first.title, first.date, first.source) == (
        "Blinken meets Erdoğan in Ankara",
        "2023-11-06",
        "Wire",
    )
    assert first.locations[0].name == "Ankara" and first.locations[0].country_code == "TR"


def test_suggest_names_by_prefix_folded_most_frequent_first(reader):
    assert reader.suggest("actor", "erdo") == ["Recep Tayyip Erdoğan"]
    assert reader.suggest("actor", "tay") == ["Recep Tayyip Erdoğan"]
    assert reader.suggest("location", "ga") == ["Gaza"]
    assert reader.suggest("location", "") == []
    assert reader.suggest("source", "w") == ["Wire"]


def test_stats_count_paragraphs_and_articles(reader):
    stats = reader.stats()
    assert (stats.exists, stats.documents, stats.articles) == (True, len(ALL_IDS), 5)


def test_hits_have_one_shape_on_every_engine(search):
    hit = search(sources=["Wire"], sort="newest").hits[0].to_dict()
    assert set(hit) == {
        "id",
        "article_id",
        "title",
        "source",
        "date",
        "url",
        "position",
        "paragraph_count",
        "text",
        "highlight",
        "actors",
        "locations",
        "score",
        "more_in_article",
        "cluster",
        "copies",
        "copy_sources",
    }
    assert hit["id"] == "c3#1" and hit["paragraph_count"] == 1
    assert hit["url"] == "https://news.example/c3" and hit["highlight"] == hit["text"]


# -- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"per_page": 0},
        {"sort": "random"},
        {"page": 0},
        {"date_from": "yesterday"},
        {"page": 200, "per_page": 100},
        {"article_id": "../x"},
    ],
)
def test_bad_requests_are_bad_query(reader, options):
    with pytest.raises(BadQuery) as caught:
        reader.search(SearchRequest(**options))
    assert caught.value.http_status == 400


def test_unknown_articles_and_suggest_fields(reader):
    with pytest.raises(NotFound):
        reader.article("ffff")
    with pytest.raises(BadQuery):
        reader.suggest("colour", "r")


def test_an_engine_without_an_index_says_so(engine, tmp_path):
    from searchsvc.engine import open_engine

    if "://" in engine.location:
        empty = open_engine(engine.location.rsplit("/", 1)[0] + "/searchsvc-test-nothing-here")
    else:
        empty = open_engine(str(tmp_path / "none"))
    assert empty.reader().stats().exists is False
    with pytest.raises(IndexMissing) as caught:
        empty.reader().search(SearchRequest(sources=["Wire"]))
    assert caught.value.http_status == 503


# -- analyst views -----------------------------------------------------------------------


def test_day_counts_count_paragraphs_and_articles_per_day(reader):
    whole = reader.day_counts(None)
    assert whole.matched == len(ALL_IDS) and whole.undated == 1
    assert whole.days == {
        "2023-10-20": (2, 1),
        "2023-11-06": (3, 1),
        "2023-11-24": (2, 1),
        "2023-12-01": (1, 1),
    }
    wire = reader.day_counts(SearchRequest(sources=["Wire"]))
    assert wire.matched == 6 and wire.undated == 0 and "2023-10-20" not in wire.days
    with pytest.raises(BadQuery):
        reader.day_counts(SearchRequest())


def test_value_counts_top_values_all_values_or_exactly_the_given_ones(reader):
    top = reader.value_counts(None, "actors", limit=2)
    assert top.matched == len(ALL_IDS)
    assert top.counts == {"Antony Blinken": 2, "Hamas": 2}
    every = reader.value_counts(SearchRequest(sources=["Daily"]), "locations")
    assert every.counts == {"Cairo": 2, "Gaza": 1}
    exact = reader.value_counts(None, "sources", values=["Wire", "Nowhere"])
    assert exact.counts == {"Wire": 6, "Nowhere": 0}
    with pytest.raises(BadQuery):
        reader.value_counts(None, "colour")


def test_a_query_of_stop_words_finds_nothing_in_every_view_as_in_search(reader):
    request = SearchRequest(q="the of and")
    assert reader.search(request).total == 0
    assert reader.day_counts(request).matched == 0
    assert reader.value_counts(request, "actors").counts == {}
    with reader.export(request) as found:
        assert found.info.total == 0 and list(found.hits()) == []


def test_export_gives_every_hit_in_order_from_one_index_version(reader):
    with reader.export(SearchRequest(sources=["Wire", "Daily"], sort="newest")) as found:
        rows = [h.id for h in found.hits()]
        assert found.info.total == len(rows) == len(ALL_IDS) and found.info.version
    assert rows[0] == "c3#1" and rows[-1] == "d4#1"
    with reader.export(SearchRequest(sources=["Wire"], sort="oldest", collapse=True)) as found:
        assert [h.id for h in found.hits()] == ["a1#1", "e5#1", "c3#1"]
        assert found.info.total == 3
