"""Search semantics over a small hand-made index: query language, ranking, filters,
facets, highlighting, pagination, sorting, collapse, suggestions, reopening."""

from __future__ import annotations

import contextlib
import re
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchsvc.engines.whoosh.search import QueryBuilder, WhooshSearchBackend, clean_query
from searchsvc.errors import BadQuery, NotFound
from searchsvc.indexer import write_paragraphs
from searchsvc.limits import MAX_QUERY_CHARS
from searchsvc.models import SearchRequest
from tests.fixtures_search import A1, A2, A3, XSS, build_sample_index, sample_paragraphs


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    b = WhooshSearchBackend(str(build_sample_index(tmp_path_factory.mktemp("index"))))
    yield b
    b.close()


def ids(page):
    return [h.id for h in page.hits]


def search(backend, q="", **kw):
    kw.setdefault("per_page", 100)
    return backend.search(SearchRequest(q=q, **kw))


# -- the parser ---------------------------------------------------------------------


def test_clean_query_drops_control_chars_and_unbalanced_quote():
    assert clean_query('a\x00b\tc\u200b "open') == "a b c open"
    assert clean_query("“smart quotes”") == '"smart quotes"'


def test_clean_query_refuses_long_queries():
    clean_query("x" * MAX_QUERY_CHARS)
    with pytest.raises(BadQuery, match=str(MAX_QUERY_CHARS)):
        clean_query("x" * (MAX_QUERY_CHARS + 1))


@pytest.mark.parametrize("text", ["AND", "-", '"', "OR", "NOT", "(((", ")", "a*", "*x", "the"])
def test_lone_operators_and_stop_words_search_nothing(text):
    assert QueryBuilder().parse(text).empty


def test_hyphenated_word_is_not_an_exclusion():
    parsed = QueryBuilder().parse("Israel-Hamas")
    assert "ANDNOT" not in str(parsed.all_words)
    assert "ANDNOT" in str(QueryBuilder().parse("israel -hamas").all_words)


def test_fuzzy_edits_are_capped():
    parsed = QueryBuilder().parse("ceasefire~9")
    assert "maxdist=2" in repr(parsed.all_words)


def test_bad_dates_are_a_clear_bad_query():
    with pytest.raises(BadQuery, match="date"):
        QueryBuilder().parse("date:garbage")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_parser_never_fails_on_arbitrary_text(text):
    with contextlib.suppress(BadQuery):
        QueryBuilder().parse(text)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.text(
        alphabet=st.sampled_from(list('ab cé"()-*~:[]{}^+ORANDNOTactor:date:2023-1')),
        max_size=60,
    )
)
def test_search_never_fails_on_syntax_soup(backend, text):
    try:
        page = backend.search(SearchRequest(q=text))
    except BadQuery:
        return
    assert page.total >= len(page.hits)


# -- words, phrases and operators -----------------------------------------------------


def test_phrase_matches_only_adjacent_words_and_is_one_mark(backend):
    page = search(backend, '"humanitarian pause"')
    assert set(ids(page)) == {f"{A1}#1", f"{A2}#2"}
    for hit in page.hits:
        assert "<mark>humanitarian pause</mark>" in hit.highlight


def test_plain_words_rank_phrase_matches_above_scattered_words(backend):
    page = search(backend, "humanitarian pause")
    found = ids(page)
    assert f"{A1}#3" in found  # both words, not adjacent
    assert found.index(f"{A1}#3") > max(found.index(f"{A1}#1"), found.index(f"{A2}#2"))
    assert page.matched == "all"


def test_all_words_first_then_any_words(backend):
    page = search(backend, "ceasefire zebra")
    assert page.matched == "any"
    assert {f"{A1}#2", f"{A2}#1"} <= set(ids(page))


def test_exclusion_and_or_and_groups(backend):
    assert ids(search(backend, "ceasefire -doha")) == [f"{A1}#2"]
    # Headlines count: every paragraph of an article whose headline matches is a hit.
    assert {h.article_id for h in search(backend, "doha OR ankara").hits} == {A1, A2}
    assert {h.article_id for h in search(backend, "(truce OR ceasefire) -turkey").hits} == {A2}


def test_prefix_and_typo_tolerance(backend):
    assert f"{A1}#1" in ids(search(backend, "humanit*"))
    page = search(backend, "ceasfire~")
    assert {f"{A1}#2", f"{A2}#1"} <= set(ids(page))
    assert "<mark>ceasefire</mark>" in page.hits[0].highlight


def test_typo_with_swapped_letters_is_highlighted_where_it_matched():
    from searchsvc.engines.whoosh.search.highlight import highlight, match_spec

    # "caesefire" reaches the stem "ceasefir" by one swap of neighbours: the distance
    # that expanded the term must also mark the word.
    spec = match_spec(QueryBuilder().parse("caesefire~", False).all_words)
    assert highlight("A ceasefire held.", spec) == "A <mark>ceasefire</mark> held."


def test_actor_field_folds_case_and_accents_and_matches_surname(backend):
    expected = {f"{A1}#1", f"{A1}#2"}
    for q in ("actor:erdogan", "actor:ERDOĞAN", 'actor:"tayyip erdogan"'):
        assert set(ids(search(backend, q))) == expected, q
    page = search(backend, "actor:erdogan ceasefire")
    assert ids(page) == [f"{A1}#2"] and page.matched == "all"
    assert "<mark>ceasefire</mark>" in page.hits[0].highlight


def test_location_field_and_country_expansion(backend):
    plain = set(ids(search(backend, "location:turkey")))
    assert plain == {f"{A1}#2", f"{A3}#1"}
    expanded = set(ids(search(backend, "location:turkey", expand_locations=True)))
    assert expanded == plain | {f"{A1}#1", f"{A1}#4"}  # Ankara, Istanbul
    assert set(ids(search(backend, "location:ankara"))) == {f"{A1}#1"}


def test_title_source_and_date_fields(backend):
    assert set(ids(search(backend, "title:economy"))) == {f"{A3}#1", f"{A3}#2"}
    assert {h.article_id for h in search(backend, "source:reuters").hits} == {A2}
    assert {h.article_id for h in search(backend, "date:2023-11").hits} == {A1}
    ranged = {h.article_id for h in search(backend, "date:[2023-11 to 2023-12]").hits}
    assert ranged == {A1, A2}
    open_ended = {h.article_id for h in search(backend, "date:[2023-12 to]").hits}
    assert open_ended == {A2}


# -- filters ------------------------------------------------------------------------


def test_filters_combine_with_and(backend):
    one = search(backend, "", actors=["Antony Blinken"])
    assert set(ids(one)) == {f"{A1}#1", f"{A2}#2"}
    both = search(backend, "", actors=["Antony Blinken", "Recep Tayyip Erdoğan"])
    assert ids(both) == [f"{A1}#1"]
    located = search(backend, "humanitarian", locations=["Gaza"])
    assert ids(located) == [f"{A1}#1"]
    assert set(ids(search(backend, "", locations=["Turkey"], expand_locations=True))) == {
        f"{A1}#1",
        f"{A1}#2",
        f"{A1}#4",
        f"{A3}#1",
    }


def test_source_and_date_filters(backend):
    page = search(backend, "humanitarian", sources=["reuters"])
    assert ids(page) == [f"{A2}#2"]
    page = search(backend, "humanitarian", date_from="2023-11", date_to="2023-11-30")
    assert {h.article_id for h in page.hits} == {A1}
    with pytest.raises(BadQuery):
        search(backend, "x", date_from="yesterday")
    with pytest.raises(BadQuery):
        search(backend, "x", date_from="2024", date_to="2023")


def test_filters_do_not_change_ranking(backend):
    plain = ids(search(backend, "humanitarian"))
    filtered = ids(search(backend, "humanitarian", sources=["aljazeera", "reuters"]))
    assert filtered == [i for i in plain if i in set(filtered)]


# -- facets -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_kw",
    [
        {"q": "humanitarian"},
        {"q": "market"},
        {"q": "ceasefire OR truce OR turkey"},
        {"q": "", "locations": ["Turkey"], "expand_locations": True},
    ],
)
def test_facet_counts_equal_hits_carrying_each_value(backend, request_kw):
    page = search(backend, facet_limit=100, **request_kw)
    assert page.total == len(page.hits)
    actors = Counter(a for h in page.hits for a in h.actors)
    places = Counter(p.name for h in page.hits for p in h.locations)
    sources = Counter(h.source for h in page.hits if h.source)
    assert {f.value: f.count for f in page.facets["actors"]} == dict(actors)
    assert {f.value: f.count for f in page.facets["locations"]} == dict(places)
    assert {f.value: f.count for f in page.facets["sources"]} == dict(sources)


def test_facets_cover_whole_result_set_and_mark_active(backend):
    page = backend.search(SearchRequest(q="market", per_page=5, actors=["Stock Exchange"]))
    assert page.total == 13 and len(page.hits) == 5
    (exchange,) = [f for f in page.facets["actors"] if f.value == "Stock Exchange"]
    assert exchange.count == 13 and exchange.active
    counts = [f.count for f in page.facets["sources"]]
    assert counts == sorted(counts, reverse=True)


def test_facet_limit_keeps_active_values(backend):
    page = backend.search(
        SearchRequest(q="humanitarian OR market", facet_limit=1, locations=["Gaza"])
    )
    values = {f.value: f.active for f in page.facets["locations"]}
    assert values.get("Gaza") is True


# -- highlighting -------------------------------------------------------------------


def test_highlight_is_escaped_with_only_mark_tags(backend):
    page = search(backend, "istanbul post")
    hit = next(h for h in page.hits if h.id == f"{A1}#4")
    assert XSS in hit.text
    assert "<script" not in hit.highlight and "&lt;script&gt;" in hit.highlight
    assert set(re.findall(r"</?(\w+)", hit.highlight)) == {"mark"}
    assert "<mark>Istanbul</mark>" in hit.highlight


def test_long_paragraph_is_cut_to_best_fragment(backend):
    page = search(backend, "inflation")
    (hit,) = page.hits
    assert len(hit.text) > 1000
    assert "<mark>inflation</mark>" in hit.highlight
    assert hit.highlight.startswith("…") and hit.highlight.endswith("…")
    assert len(hit.highlight) < 600


def test_highlight_keeps_original_word_forms(backend):
    page = search(backend, "grow")
    assert "<mark>grew</mark>" not in page.hits[0].highlight  # stems differ: honest
    page = search(backend, "talk")
    assert "<mark>talks</mark>" in page.hits[0].highlight


# -- pages, sorting, collapse -------------------------------------------------------


def test_pagination_is_stable_and_complete(backend):
    seen = []
    total = None
    for number in (1, 2, 3):
        page = backend.search(SearchRequest(q="market", page=number, per_page=10))
        again = backend.search(SearchRequest(q="market", page=number, per_page=10))
        assert ids(page) == ids(again)
        total = page.total
        seen += ids(page)
    assert total == 25 and len(seen) == 25 and len(set(seen)) == 25


def test_page_limits(backend):
    with pytest.raises(BadQuery):
        backend.search(SearchRequest(q="x", per_page=101))
    with pytest.raises(BadQuery):
        backend.search(SearchRequest(q="x", page=1001, per_page=10))
    with pytest.raises(BadQuery):
        backend.search(SearchRequest(q="x", page=0))


def test_sort_newest_and_oldest(backend):
    newest = [h.date for h in search(backend, "market OR humanitarian", sort="newest").hits]
    assert newest == sorted(newest, reverse=True)
    oldest = [h.date for h in search(backend, "market OR humanitarian", sort="oldest").hits]
    assert oldest == sorted(oldest)


def test_collapse_keeps_best_paragraph_per_article(backend):
    full = search(backend, "humanitarian")
    page = search(backend, "humanitarian", collapse=True)
    assert [h.article_id for h in page.hits] == list(dict.fromkeys(h.article_id for h in full.hits))
    assert page.total == 2 and page.total_paragraphs == full.total
    by_article = Counter(h.article_id for h in full.hits)
    for hit in page.hits:
        assert hit.more_in_article == by_article[hit.article_id] - 1
    restricted = search(backend, "humanitarian", article_id=A1)
    assert {h.article_id for h in restricted.hits} == {A1}


def test_hit_fields(backend):
    hit = search(backend, '"humanitarian pause" blinken erdogan').hits[0]
    assert hit.id == f"{A1}#1" and hit.position == 1 and hit.paragraph_count == 4
    assert hit.title == "Blinken meets Erdoğan in Ankara" and hit.source == "aljazeera"
    assert hit.date == "2023-11-06" and hit.url == "https://example.org/a1"
    assert hit.actors == ["Antony Blinken", "Recep Tayyip Erdoğan"]
    assert hit.locations[0].name == "Ankara" and hit.locations[0].country_code == "TR"
    assert hit.score > 0


# -- did you mean, suggest, article, reopening --------------------------------------


def test_did_you_mean(backend):
    page = search(backend, "humanitarain")
    assert page.total == 0 and page.suggestion == "humanitarian"
    assert search(backend, "humanitarian").suggestion is None


def test_suggest_names(backend):
    assert backend.suggest("actor", "erd") == ["Recep Tayyip Erdoğan"]
    assert backend.suggest("actor", "ERDO") == ["Recep Tayyip Erdoğan"]
    assert backend.suggest("location", "do") == ["Doha"]
    assert backend.suggest("source", "reu") == ["reuters"]
    with pytest.raises(BadQuery):
        backend.suggest("path", "x")


def test_article_paragraphs_in_order(backend):
    paragraphs = backend.article(A1)
    assert [p.position for p in paragraphs] == [1, 2, 3, 4]
    with pytest.raises(NotFound):
        backend.article("ffffffffffffffff")
    with pytest.raises(NotFound):
        backend.article("../../etc/passwd")


def test_searcher_reopens_when_index_changes(tmp_path):
    paragraphs = sample_paragraphs()
    write_paragraphs(tmp_path, paragraphs[:3])
    b = WhooshSearchBackend(str(tmp_path))
    assert b.search(SearchRequest(q="doha")).total == 0
    write_paragraphs(tmp_path, paragraphs)
    assert b.search(SearchRequest(q="doha")).total == 3  # headline and body
    b.close()


# -- internals: fast doc sets agree with Whoosh; concurrency -------------------------


@pytest.mark.parametrize(
    "q",
    [
        "humanitarian",
        "humanitarian pause",
        '"humanitarian pause"',
        "doha OR ankara",
        "humanit*",
        "ceasfire~",
        "actor:erdogan",
        "location:turkey",
        "date:2023-11",
        "title:economy market",
        "*",
    ],
)
def test_docsets_match_whoosh(backend, q):
    from searchsvc.engines.whoosh.search.docsets import DocSets

    parsed = backend.queries.parse(q)
    with backend._searcher() as (searcher, _gen):
        fast = DocSets(searcher).docs(parsed.all_words, searcher)
        slow = sorted(parsed.all_words.docs(searcher))
    assert fast.tolist() == slow


def test_concurrent_searches_while_the_index_is_replaced(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    paragraphs = sample_paragraphs()
    write_paragraphs(tmp_path, paragraphs)
    b = WhooshSearchBackend(str(tmp_path))
    queries = ["humanitarian", "market", '"humanitarian pause"', "actor:erdogan", "doha -qatar"]

    def run(i):
        page = b.search(SearchRequest(q=queries[i % len(queries)], page=1 + i % 2, per_page=5))
        return page.total

    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(run, i) for i in range(120)]
        write_paragraphs(tmp_path, paragraphs[:10])
        write_paragraphs(tmp_path, paragraphs)
        totals = [f.result() for f in futures]
    assert all(t >= 0 for t in totals)
    assert b.search(SearchRequest(q="market")).total == 25
    b.close()


def test_date_sorts_put_undated_last_and_keep_paragraph_order(tmp_path):
    from searchsvc.models import Paragraph

    def para(article, pos, date):
        return Paragraph(
            id=f"{article}#{pos}",
            article_id=article,
            position=pos,
            count=2,
            text=f"news item {pos}",
            title="Item",
            date=date,
        )

    write_paragraphs(
        tmp_path,
        [
            para("aa", 2, "2023-01-01"),
            para("aa", 1, "2023-01-01"),
            para("bb", 1, None),
            para("cc", 1, "2024-06-01"),
            para("dd", 1, "2022-03-01"),
        ],
    )
    b = WhooshSearchBackend(str(tmp_path))
    newest = [h.id for h in b.search(SearchRequest(q="news", sort="newest")).hits]
    assert newest == ["cc#1", "aa#1", "aa#2", "dd#1", "bb#1"]
    oldest = [h.id for h in b.search(SearchRequest(q="news", sort="oldest")).hits]
    assert oldest == ["dd#1", "aa#1", "aa#2", "cc#1", "bb#1"]
    second = b.search(SearchRequest(q="news", sort="oldest", page=2, per_page=2)).hits
    assert [h.id for h in second] == ["aa#2", "cc#1"]
    b.close()


@pytest.mark.parametrize(
    "q",
    [
        "humanitarian",
        "humanitarian pause",
        "doha OR ankara",
        "humanit*",
        "ceasfire~",
        "actor:erdogan ceasefire",
        "market -day",
        "title:economy market",
        "*",
    ],
)
def test_numpy_bm25_ranks_like_whoosh(backend, q):
    from searchsvc.engines.whoosh.search.docsets import DocSets
    from searchsvc.engines.whoosh.search.scoring import FieldLengths, Scorer, top

    parsed = backend.queries.parse(q)
    with backend._searcher() as (searcher, _gen):
        docs, scores = Scorer(DocSets(searcher), FieldLengths()).score(parsed.all_words, searcher)
        mine = top(docs, scores, 20)
        results = searcher.search(parsed.all_words, limit=20)
        theirs = [(results.docnum(i), results.score(i)) for i in range(results.scored_length())]
    assert [d for d, _ in mine] == [d for d, _ in theirs]
    assert [round(s, 6) for _, s in mine] == [round(s, 6) for _, s in theirs]


def test_segments_and_deletions_after_an_incremental_commit(tmp_path):
    """Several segments and deleted documents: counts, facets, ranking and doc sets
    stay right (the shape an incremental reindex leaves)."""
    from searchsvc.engines.whoosh.schema import paragraph_to_document
    from searchsvc.engines.whoosh.search.docsets import DocSets
    from searchsvc.engines.whoosh.search.scoring import FieldLengths, Scorer, top
    from searchsvc.engines.whoosh.storage import IndexLocation
    from searchsvc.models import Paragraph

    write_paragraphs(tmp_path, sample_paragraphs())
    b = WhooshSearchBackend(str(tmp_path))
    before = b.search(SearchRequest(q="humanitarian", per_page=100))
    ix = IndexLocation(tmp_path).open()
    writer = ix.writer()
    writer.delete_by_term("id", f"{A1}#2")
    extra = Paragraph(
        id="dddddddddddddddd#1",
        article_id="dddddddddddddddd",
        position=1,
        count=1,
        text="A humanitarian corridor opened near Doha.",
        title="Corridor",
        date="2024-01-01",
        source="wire",
        actors=["Antony Blinken"],
    )
    writer.add_document(**paragraph_to_document(extra, "x\t0\t0"))
    writer.commit(merge=False)
    ix.close()
    after = b.search(SearchRequest(q="humanitarian", per_page=100, facet_limit=100))
    found = {h.id for h in after.hits}
    assert f"{A1}#2" not in found and "dddddddddddddddd#1" in found
    assert after.total == before.total
    blinken = next(f for f in after.facets["actors"] if f.value == "Antony Blinken")
    assert blinken.count == sum("Antony Blinken" in h.actors for h in after.hits)
    parsed = b.queries.parse("humanitarian OR doha")
    with b._searcher() as (searcher, _gen):
        assert len(searcher.leaf_searchers()) == 2
        assert DocSets(searcher).docs(parsed.all_words, searcher).tolist() == sorted(
            parsed.all_words.docs(searcher)
        )
        docs, scores = Scorer(DocSets(searcher), FieldLengths()).score(parsed.all_words, searcher)
        results = searcher.search(parsed.all_words, limit=10)
        assert [d for d, _ in top(docs, scores, 10)] == [
            results.docnum(i) for i in range(results.scored_length())
        ]
    b.close()


def test_read_errors_become_index_corrupt(backend, monkeypatch):
    from searchsvc.engines.whoosh.search import docsets
    from searchsvc.errors import IndexCorrupt

    def broken(*args, **kwargs):
        raise Exception("Block tag error")  # what Whoosh raises on a damaged file

    monkeypatch.setattr(docsets, "leaf_postings", broken)
    monkeypatch.setattr(docsets.DocSets, "postings", broken)
    with pytest.raises(IndexCorrupt, match="Block tag error"):
        backend.search(SearchRequest(q="some unseen words here"))


# -- date ranges (numpy over the date column) ------------------------------------------


def _dated_paragraphs():
    from searchsvc.models import Paragraph

    def para(article, pos, date, source="wire", actors=()):
        return Paragraph(
            id=f"{article}#{pos}",
            article_id=article,
            position=pos,
            count=3,
            text=f"budget talks item {pos}",
            title="Budget",
            date=date,
            source=source,
            actors=list(actors),
        )

    return [
        para("d1d1d1d1d1d1d1d1", 1, "2022-12-31", source="reuters"),
        para("d1d1d1d1d1d1d1d1", 2, "2022-12-31", source="reuters"),
        para("d2d2d2d2d2d2d2d2", 1, "2023-01-01", actors=["Antony Blinken"]),
        para("d3d3d3d3d3d3d3d3", 1, "2023-03-15", source="reuters"),
        para("d4d4d4d4d4d4d4d4", 1, "2023-03-31", actors=["Antony Blinken"]),
        para("d5d5d5d5d5d5d5d5", 1, "2023-04-01"),
        para("d6d6d6d6d6d6d6d6", 1, "2023-12-31", source="reuters"),
        para("d7d7d7d7d7d7d7d7", 1, "2024-01-01", actors=["Antony Blinken"]),
        para("e8e8e8e8e8e8e8e8", 1, None, source="reuters"),
        para("e9e9e9e9e9e9e9e9", 1, None, actors=["Antony Blinken"]),
    ]


@pytest.fixture(scope="module")
def dated(tmp_path_factory):
    """A dated index with two segments, a deleted paragraph and undated paragraphs."""
    from searchsvc.engines.whoosh.schema import paragraph_to_document
    from searchsvc.engines.whoosh.storage import IndexLocation
    from searchsvc.models import Paragraph

    folder = tmp_path_factory.mktemp("dated")
    write_paragraphs(folder, _dated_paragraphs())
    ix = IndexLocation(folder).open()
    writer = ix.writer()
    writer.delete_by_term("id", "d5d5d5d5d5d5d5d5#1")
    for article, date in (("f1f1f1f1f1f1f1f1", "2023-02-10"), ("f2f2f2f2f2f2f2f2", None)):
        extra = Paragraph(
            id=f"{article}#1",
            article_id=article,
            position=1,
            count=1,
            text="budget talks late addition",
            title="Budget",
            date=date,
            source="wire",
        )
        writer.add_document(**paragraph_to_document(extra, "x\t0\t0"))
    writer.commit(merge=False)
    ix.close()
    b = WhooshSearchBackend(str(folder))
    yield b
    b.close()


def _dated_ids(page):
    return sorted(h.id for h in page.hits)


@pytest.mark.parametrize(
    ("date_from", "date_to", "expected"),
    [
        # Inclusive bounds, YYYY: the whole of 2023, nothing of 2022 or 2024.
        ("2023", "2023", {"d2#1", "d3#1", "d4#1", "d6#1", "f1#1"}),
        # YYYY-MM: first and last day of the months included.
        ("2023-01", "2023-03", {"d2#1", "d3#1", "d4#1", "f1#1"}),
        # YYYY-MM-DD on both ends, equal: that day only.
        ("2023-03-31", "2023-03-31", {"d4#1"}),
        ("2022-12-31", "2023-01-01", {"d1#1", "d1#2", "d2#1"}),
        # Open ends.
        ("2023-12-31", None, {"d6#1", "d7#1"}),
        (None, "2022", {"d1#1", "d1#2"}),
        # A range holding only the deleted paragraph.
        ("2023-04-01", "2023-04-01", set()),
        ("1990", "1999", set()),
    ],
)
def test_date_filter_bounds_are_inclusive_and_exclude_undated(dated, date_from, date_to, expected):
    want = {f"{i[:2] * 8}{i[2:]}" for i in expected}
    page = search(dated, "budget", date_from=date_from, date_to=date_to)
    assert set(ids(page)) == want
    assert page.total_paragraphs == len(want)
    # The same range in the query language gives the same paragraphs (when nothing
    # matches all the terms, the query language falls back to any of them).
    syntax = f"date:[{date_from or ''} to {date_to or ''}]"
    assert set(ids(search(dated, syntax))) == want
    if want:
        assert set(ids(search(dated, f"budget {syntax}"))) == want
    # And a filter alone (no query words).
    assert set(ids(search(dated, "", date_from=date_from, date_to=date_to))) == want


def test_date_field_single_dates(dated):
    assert _dated_ids(search(dated, "date:2022")) == ["d1d1d1d1d1d1d1d1#1", "d1d1d1d1d1d1d1d1#2"]
    assert _dated_ids(search(dated, "budget date:2023-03")) == [
        "d3d3d3d3d3d3d3d3#1",
        "d4d4d4d4d4d4d4d4#1",
    ]
    assert _dated_ids(search(dated, "date:2024-01-01")) == ["d7d7d7d7d7d7d7d7#1"]
    everything = search(dated, "budget")
    assert everything.total_paragraphs == 11  # undated ones are found without a date
    assert "e8e8e8e8e8e8e8e8#1" in ids(everything)


def test_date_filter_combines_with_other_filters_and_date_sorts(dated):
    page = search(dated, "budget", date_from="2023", sources=["reuters"])
    assert set(ids(page)) == {"d3d3d3d3d3d3d3d3#1", "d6d6d6d6d6d6d6d6#1"}
    page = search(dated, "", date_to="2023-06", actors=["Antony Blinken"])
    assert set(ids(page)) == {"d2d2d2d2d2d2d2d2#1", "d4d4d4d4d4d4d4d4#1"}
    assert {f.value: f.count for f in page.facets["actors"]} == {"Antony Blinken": 2}
    page = search(dated, "budget -late date:[2023 to]", sources=["wire"])
    assert set(ids(page)) == {"d2d2d2d2d2d2d2d2#1", "d4d4d4d4d4d4d4d4#1", "d7d7d7d7d7d7d7d7#1"}
    newest = ids(search(dated, "budget", date_from="2022-12", sort="newest"))
    assert newest == [
        "d7d7d7d7d7d7d7d7#1",
        "d6d6d6d6d6d6d6d6#1",
        "d4d4d4d4d4d4d4d4#1",
        "d3d3d3d3d3d3d3d3#1",
        "f1f1f1f1f1f1f1f1#1",
        "d2d2d2d2d2d2d2d2#1",
        "d1d1d1d1d1d1d1d1#1",
        "d1d1d1d1d1d1d1d1#2",
    ]
    oldest = ids(search(dated, "budget", date_to="2023-01-01", sort="oldest", per_page=2))
    assert oldest == ["d1d1d1d1d1d1d1d1#1", "d1d1d1d1d1d1d1d1#2"]


def test_date_ranges_match_whoosh_numeric_range(dated):
    """The numpy evaluation gives Whoosh's NumericRange answer (exclusive ends too),
    without asking Whoosh."""
    from datetime import datetime

    from whoosh import query

    from searchsvc.engines.whoosh.search import docsets as ds

    days = [None, datetime(2022, 12, 31), datetime(2023, 1, 1), datetime(2023, 3, 31)]
    days += [datetime(2023, 4, 1), datetime(2024, 1, 1), datetime(2030, 1, 1)]
    with dated._searcher() as (searcher, _gen):
        sets = ds.DocSets(searcher)
        checked = 0
        for start in days:
            for end in days:
                for startexcl, endexcl in ((False, False), (True, False), (False, True)):
                    if start is None and end is None:
                        continue
                    q = query.DateRange("date", start, end, startexcl, endexcl)
                    expected = sorted(q.docs(searcher))
                    assert sets.docs(q, searcher).tolist() == expected, q
                    checked += 1
        assert checked > 100


def test_date_ranges_never_use_whoosh_postings(dated, monkeypatch):
    from whoosh import query

    def refuse(*args, **kwargs):
        raise AssertionError("date range sent to Whoosh")

    monkeypatch.setattr(query.NumericRange, "docs", refuse)
    monkeypatch.setattr(query.NumericRange, "matcher", refuse)
    monkeypatch.setattr(query.NumericRange, "_compile_query", refuse)
    assert len(search(dated, "budget", date_from="2023", date_to="2023").hits) == 5
    assert len(search(dated, "budget date:[2023 to 2023]").hits) == 5
    assert len(search(dated, "date:2023-03", sort="newest").hits) == 2


def test_date_columns_are_shared_across_searchers(dated):
    from searchsvc.engines.whoosh.search import docsets as ds

    with dated._searcher() as (one, _gen), dated._searcher() as (two, _gen2):
        assert one is not two
        first = [ds.SEGMENTS.dates(sub.reader()) for sub, _ in one.leaf_searchers()]
        second = [ds.SEGMENTS.dates(sub.reader()) for sub, _ in two.leaf_searchers()]
    assert len(first) == 2
    assert all(a[0] is b[0] for a, b in zip(first, second, strict=True))


# -- read errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        __import__("struct").error("unpack requires a buffer of 4 bytes"),
        __import__("zlib").error("Error -3 while decompressing data"),
        EOFError("Ran out of input"),
        __import__("pickle").UnpicklingError("invalid load key"),
    ],
)
def test_decoding_errors_become_index_corrupt(backend, monkeypatch, error):
    from searchsvc.engines.whoosh.search import docsets
    from searchsvc.errors import IndexCorrupt

    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(docsets.DocSets, "postings", broken)
    with pytest.raises(IndexCorrupt, match="reindex --full"):
        backend.search(SearchRequest(q="humanitarian"))


def test_errors_raised_inside_whoosh_become_index_corrupt(backend, monkeypatch):
    from whoosh.fields import NUMERIC
    from whoosh.formats import Positions

    from searchsvc.engines.whoosh.search import docsets
    from searchsvc.errors import IndexCorrupt

    def garbage(*args, **kwargs):
        # Decoding damaged bytes: the error is raised by Whoosh's own code.
        return Positions().decode_positions(b"\x00\x00\x00\x01garbage")

    def bad_number(*args, **kwargs):
        return NUMERIC().to_bytes("damaged")  # a ValueError raised inside Whoosh

    for fake in (garbage, bad_number):
        monkeypatch.setattr(docsets.DocSets, "postings", fake)
        with pytest.raises(IndexCorrupt, match="reindex --full"):
            backend.search(SearchRequest(q="humanitarian"))


@pytest.mark.parametrize("error", [TypeError("bug"), ValueError("bug"), KeyError("bug")])
def test_bugs_in_searchsvc_are_not_reported_as_index_corrupt(backend, monkeypatch, error):
    from searchsvc.engines.whoosh.search import docsets

    def buggy(*args, **kwargs):
        raise error

    monkeypatch.setattr(docsets.DocSets, "postings", buggy)
    with pytest.raises(type(error)):
        backend.search(SearchRequest(q="humanitarian"))


# -- phrases ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "words",
    [
        ["humanitarian", "pause"],
        ["pause", "humanitarian"],
        ["budget", "talk"],
        ["budget", "talk", "item"],
        ["talk", "item", "late"],
        ["budget", "budget"],
        ["late", "addit"],
        ["nosuchword", "budget"],
    ],
)
def test_phrase_doc_sets_match_whoosh(backend, dated, words):
    """Positions decoded a block at a time give Whoosh's Phrase answer, over one
    segment and over two segments with a deletion."""
    from whoosh import query

    from searchsvc.engines.whoosh.search import docsets as ds

    for b in (backend, dated):
        with b._searcher() as (searcher, _gen):
            for fieldname in ("title", "text"):
                q = query.Phrase(fieldname, words)
                expected = sorted(q.docs(searcher))
                assert ds.DocSets(searcher).docs(q, searcher).tolist() == expected, (words, q)
                candidates = list(searcher.reader().all_doc_ids())  # live ones
                by_blocks = ds.phrase_docs(searcher, words, candidates, (fieldname,))
                assert sorted(by_blocks) == expected


def test_phrase_falls_back_to_matchers(dated, monkeypatch):
    from whoosh import query

    from searchsvc.engines.whoosh.search import docsets as ds

    monkeypatch.setattr(ds, "_block_positions", lambda *args: None)
    monkeypatch.setattr(ds, "leaf_positions", lambda *args: None)
    with dated._searcher() as (searcher, _gen):
        q = query.Phrase("text", ["budget", "talk"])
        assert ds.DocSets(searcher).docs(q, searcher).tolist() == sorted(q.docs(searcher))


def test_date_columns_survive_a_reopen(tmp_path):
    """After an incremental commit the new index version reuses the date arrays of
    the segments it shares with the old one."""
    from searchsvc.engines.whoosh.schema import paragraph_to_document
    from searchsvc.engines.whoosh.search import docsets as ds
    from searchsvc.engines.whoosh.storage import IndexLocation
    from searchsvc.models import Paragraph

    write_paragraphs(tmp_path, _dated_paragraphs())
    b = WhooshSearchBackend(str(tmp_path))
    assert search(b, "budget", date_from="2023").total_paragraphs == 6
    with b._searcher() as (searcher, _gen):
        ((sub, _offset),) = searcher.leaf_searchers()
        before = ds.SEGMENTS.dates(sub.reader())
    ix = IndexLocation(tmp_path).open()
    writer = ix.writer()
    extra = Paragraph(
        id="f3f3f3f3f3f3f3f3#1",
        article_id="f3f3f3f3f3f3f3f3",
        position=1,
        count=1,
        text="budget talks again",
        title="Budget",
        date="2025-05-05",
    )
    writer.add_document(**paragraph_to_document(extra, "x\t0\t0"))
    writer.commit(merge=False)
    ix.close()
    assert search(b, "budget", date_from="2023").total_paragraphs == 7
    assert ids(search(b, "budget", sort="newest"))[0] == "f3f3f3f3f3f3f3f3#1"
    with b._searcher() as (searcher, _gen):
        assert len(searcher.leaf_searchers()) == 2
        first = searcher.leaf_searchers()[0][0].reader()
        assert ds.SEGMENTS.dates(first)[0] is before[0]
    b.close()


def test_damaged_positions_become_index_corrupt(tmp_path, monkeypatch):
    from searchsvc.engines.whoosh.search import docsets
    from searchsvc.errors import IndexCorrupt

    # Whoosh's own blocks are read (as for an index without posting files).
    monkeypatch.setenv("SEARCHSVC_POSTING_FILES", "0")
    backend = WhooshSearchBackend(str(build_sample_index(tmp_path)))  # nothing cached

    with pytest.raises(__import__("pickle").UnpicklingError):
        docsets._decode_positions(b"\x00\x00\x00\x02\xff\xfe")
    original = docsets._decode_positions
    monkeypatch.setattr(docsets, "_decode_positions", lambda v: original(v[:5] + b"\xff"))
    with pytest.raises(IndexCorrupt, match="reindex --full"):
        backend.search(SearchRequest(q='"humanitarian pause" nowhere', per_page=5))
    backend.close()


def test_whoosh_exception_classes_become_index_corrupt(backend, monkeypatch):
    from whoosh.index import IndexError as WhooshIndexError

    from searchsvc.engines.whoosh.search import docsets
    from searchsvc.errors import IndexCorrupt

    def broken(*args, **kwargs):
        raise WhooshIndexError("damaged table of contents")

    monkeypatch.setattr(docsets.DocSets, "postings", broken)
    with pytest.raises(IndexCorrupt, match="reindex --full"):
        backend.search(SearchRequest(q="humanitarian"))


def test_date_column_read_in_one_piece_matches_the_column_reader(dated):
    import numpy as np

    from searchsvc.engines.whoosh.search import docsets as ds

    with dated._searcher() as (searcher, _gen):
        for sub, _offset in searcher.leaf_searchers():
            reader = sub.reader()
            slow = np.fromiter(
                reader.column_reader("date", translate=False),
                dtype=np.uint64,
                count=reader.doc_count_all(),
            )
            fast = ds.numeric_column(reader, "date")
            assert fast.tolist() == slow.tolist()
            assert (fast == np.iinfo(np.uint64).max).any()  # trailing undated docs


def test_suggestion_shows_the_word_closest_to_what_was_typed(tmp_path):
    from searchsvc.models import Paragraph

    def para(n, text):
        return Paragraph(id=f"a{n}#0", article_id=f"a{n}", position=0, count=1, text=text, title="")

    # "universe" and "university" share the stem "univers"; the universe paragraph
    # comes first in the index.
    texts = ["The universe is expanding."] + ["University fees rose again."] * 5
    write_paragraphs(tmp_path, [para(n, t) for n, t in enumerate(texts)])
    backend = WhooshSearchBackend(str(tmp_path))
    try:
        assert search(backend, "univercity").suggestion == "university"
        assert search(backend, "univerce").suggestion == "universe"
        assert search(backend, "economy").suggestion is None  # nothing near: no suggestion
    finally:
        backend.close()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.sampled_from(["budget", "talk", "item", "late", "humanitarian", "pause", "addit"]),
        min_size=2,
        max_size=4,
    )
)
def test_any_phrase_of_index_words_matches_whoosh(dated, words):
    from whoosh import query

    from searchsvc.engines.whoosh.search import docsets as ds

    with dated._searcher() as (searcher, _gen):
        for fieldname in ("title", "text"):
            q = query.Phrase(fieldname, words)
            assert ds.DocSets(searcher).docs(q, searcher).tolist() == sorted(q.docs(searcher))
