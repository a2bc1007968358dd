"""Searching the cluster, with query trees built by hand (the parser's output): matching
with the Whoosh engine's word rules, the all-words-then-any rule, facets, collapse,
highlights, sorts, pagination, suggest, the article view, stats."""

from __future__ import annotations

import pytest

from searchsvc.engine import IndexMeta
from searchsvc.errors import BadQuery, IndexMissing, NotFound
from searchsvc.models import Place, SearchRequest
from searchsvc.query import ParsedQuery
from searchsvc.query.nodes import And, Fuzzy, Not, Or, Phrase, Prefix, Term, Wildcard
from searchsvc.request import validate
from tests.engines.conftest import paragraph

ANKARA = Place("Ankara", "TR", 39.93, 32.86, "city", "Turkey")
GAZA = Place("Gaza", "PS", 31.5, 34.47, "city", "Palestine")
LONG = (
    ("Filler words about the weather and markets. " * 20)
    + ("Here the ceasefire proposal was finally discussed in detail. ")
    + ("More filler words about sport and culture. " * 20)
)


@pytest.fixture
def searchable(os_engine):
    """An index of three short articles and one long paragraph."""
    files = {
        "/d/a.txt": [
            paragraph(
                "aa01",
                1,
                "Secretary of State Antony Blinken met Recep Tayyip Erdoğan in "
                "Ankara to discuss a humanitarian pause.",
                count=3,
                title="Blinken in Turkey",
                path="/d/a.txt",
                actors=("Antony Blinken", "Recep Tayyip Erdoğan"),
                places=(ANKARA,),
                date="2023-11-06",
                source="Daily",
            ),
            paragraph(
                "aa01",
                2,
                "The talks on a ceasefire continued for hours.",
                count=3,
                title="Blinken in Turkey",
                path="/d/a.txt",
                actors=("Antony Blinken",),
                date="2023-11-06",
                source="Daily",
            ),
            paragraph(
                "aa01",
                3,
                "Ceasefire hopes <rose> & fell.",
                count=3,
                title="Blinken in Turkey",
                path="/d/a.txt",
                date="2023-11-06",
                source="Daily",
            ),
        ],
        "/d/b.txt": [
            paragraph(
                "bb02",
                1,
                "Ceasefire talks stalled as the humanitarian situation worsened.",
                title="Gaza ceasefire",
                path="/d/b.txt",
                actors=("Hamas",),
                places=(GAZA,),
                date="2023-10-01",
                source="Wire",
            ),
        ],
        "/d/c.txt": [
            paragraph("cc03", 1, LONG, title="Markets", path="/d/c.txt", date=None, source="Wire"),
        ],
    }
    with os_engine.lock():
        writer = os_engine.begin(full=True)
        for path, paragraphs in files.items():
            writer.add(paragraphs, f"{path}:1")
        writer.publish(IndexMeta(last_reindex="now"))
    return os_engine.reader()


def run(reader, parsed: ParsedQuery, **options):
    return reader.run(validate(SearchRequest(q=parsed.text, **options)), parsed)


def ids(page) -> list[str]:
    return [h.id for h in page.hits]


def words(*ws: str) -> ParsedQuery:
    """The parser's output for plain words: all of them, else any of them."""
    terms = tuple(Term(w) for w in ws)
    if len(terms) == 1:
        return ParsedQuery(ws[0], terms[0], None, ws)
    return ParsedQuery(" ".join(ws), And(terms), Or(terms), ws)


def test_a_phrase_matches_across_a_left_out_stop_word_and_is_one_mark(searchable):
    page = run(searchable, ParsedQuery('"secretary of state"', Phrase(("secretary", "state"))))
    assert ids(page) == ["aa01#1"]
    assert page.hits[0].highlight.startswith("<mark>Secretary of State</mark> Antony")


def test_stems_match_and_marks_show_the_words_as_written(searchable):
    page = run(searchable, words("talk"))
    assert set(ids(page)) == {"aa01#2", "bb02#1"}
    assert "<mark>talks</mark>" in page.hits[0].highlight


def test_all_words_first_then_any_word(searchable):
    both = run(searchable, words("ceasefire", "talks"))
    assert (both.matched, set(ids(both))) == ("all", {"aa01#2", "bb02#1"})
    some = run(searchable, words("ceasefire", "zeppelin"))
    assert some.matched == "any" and set(ids(some)) == {"aa01#2", "aa01#3", "bb02#1", "cc03#1"}


def test_the_phrase_boost_ranks_the_words_in_order_first(searchable):
    page = run(searchable, words("ceasefire", "talks"))
    assert ids(page)[0] == "bb02#1"  # "Ceasefire talks" as written, above "talks on a ceasefire"


def test_names_prefixes_wildcards_typos_and_exclusions(searchable):
    assert ids(run(searchable, ParsedQuery("actor:erdogan", Term("erdogan", ("actor",))))) == [
        "aa01#1"
    ]
    assert ids(
        run(searchable, ParsedQuery("humanit*", Prefix("humanit"), words=()), sort="newest")
    ) == [
        "aa01#1",
        "bb02#1",
    ]
    assert set(ids(run(searchable, ParsedQuery("ceas*re", Wildcard("ceas*r"))))) >= {"bb02#1"}
    typo = run(searchable, ParsedQuery("ceasfire~", Fuzzy("ceasfire")))
    assert "bb02#1" in ids(typo) and "<mark>Ceasefire</mark>" in typo.hits[0].highlight
    without = ParsedQuery("ceasefire -talks", And((Term("ceasefire"), Not(Term("talks")))))
    assert set(ids(run(searchable, without))) == {"aa01#3", "cc03#1"}


def test_highlights_are_escaped_and_long_paragraphs_cut_to_their_best_fragment(searchable):
    page = run(searchable, words("ceasefire"), per_page=10)
    by_id = {h.id: h.highlight for h in page.hits}
    assert by_id["aa01#3"] == "<mark>Ceasefire</mark> hopes &lt;rose&gt; &amp; fell."
    cut = by_id["cc03#1"]
    assert cut.startswith("…") and cut.endswith("…") and "<mark>ceasefire</mark>" in cut
    assert len(cut) < len(LONG)


def test_facets_count_the_whole_result_set_and_mark_active_values(searchable):
    page = run(searchable, words("ceasefire"), per_page=1, actors=["Hamas"], facet_limit=5)
    assert page.total == 1
    assert [(f.value, f.count, f.active) for f in page.facets["actors"]] == [("Hamas", 1, True)]
    wide = run(searchable, words("ceasefire"), per_page=1)
    assert {(f.value, f.count) for f in wide.facets["sources"]} == {("Daily", 2), ("Wire", 2)}
    missing = run(searchable, words("ceasefire"), actors=["Nobody"])
    assert [(f.value, f.count, f.active) for f in missing.facets["actors"]] == [("Nobody", 0, True)]


def test_location_filter_expands_to_the_country_when_asked(searchable):
    none = run(searchable, ParsedQuery(""), locations=["Turkey"])
    assert none.total == 0
    page = run(searchable, ParsedQuery(""), locations=["Turkey"], expand_locations=True)
    assert ids(page) == ["aa01#1"]


def test_collapse_gives_one_hit_per_article_with_the_count_of_the_others(searchable):
    page = run(searchable, words("ceasefire"), collapse=True)
    assert page.total == page.articles == 3 and page.total_paragraphs == 4
    more = {h.article_id: h.more_in_article for h in page.hits}
    assert more == {"aa01": 1, "bb02": 0, "cc03": 0}


def test_date_sorts_put_undated_paragraphs_last_and_pages_never_overlap(searchable):
    newest = run(searchable, words("ceasefire"), sort="newest", per_page=10)
    assert ids(newest) == ["aa01#2", "aa01#3", "bb02#1", "cc03#1"]
    oldest = run(searchable, words("ceasefire"), sort="oldest", per_page=10)
    assert ids(oldest)[0] == "bb02#1" and ids(oldest)[-1] == "cc03#1"
    pages = [ids(run(searchable, words("ceasefire"), per_page=1, page=n)) for n in range(1, 5)]
    assert sorted(sum(pages, [])) == sorted(ids(newest))
    assert run(searchable, words("ceasefire"), per_page=2, page=3).hits == []


def test_filters_alone_list_paragraphs_and_dates_restrict(searchable):
    page = run(
        searchable, ParsedQuery(""), sources=["Wire"], date_from="2023-10", date_to="2023-10"
    )
    assert ids(page) == ["bb02#1"]
    with pytest.raises(BadQuery):
        run(searchable, ParsedQuery(""), date_from="2023-12", date_to="2023-01")


def test_article_view_and_not_found(searchable):
    assert [p.id for p in searchable.article("aa01")] == ["aa01#1", "aa01#2", "aa01#3"]
    assert searchable.article("aa01")[0].locations == [ANKARA]
    with pytest.raises(NotFound):
        searchable.article("ffff")
    with pytest.raises(NotFound):
        searchable.article("../etc")


def test_suggest_names_by_folded_prefix_of_the_name_or_a_word_most_frequent_first(searchable):
    assert searchable.suggest("actor", "erdo") == ["Recep Tayyip Erdoğan"]
    assert searchable.suggest("actor", "TAYY") == ["Recep Tayyip Erdoğan"]
    assert searchable.suggest("actor", "a") == ["Antony Blinken"]
    assert searchable.suggest("actor", "") == []
    assert searchable.suggest("location", "an") == ["Ankara"]
    assert searchable.suggest("source", "w") == ["Wire"]
    with pytest.raises(BadQuery):
        searchable.suggest("colour", "x")


def test_stats_and_warm(searchable):
    stats = searchable.stats()
    assert (stats.exists, stats.documents, stats.articles) == (True, 5, 3)
    searchable.warm()


def test_a_missing_alias_is_index_missing(os_engine):
    reader = os_engine.reader()
    assert reader.stats().exists is False
    with pytest.raises(IndexMissing, match="searchsvc reindex --index"):
        run(reader, words("x"))


def test_did_you_mean_corrects_unknown_words_only_when_the_correction_finds_more(searchable):
    typo = run(searchable, words("ceasfire"))
    assert (typo.total, typo.suggestion) == (0, "ceasefire")
    assert run(searchable, words("talk")).suggestion is None  # its stem is indexed
    name = run(searchable, ParsedQuery("actor:erdgan", Term("erdgan", ("actor",))))
    assert name.suggestion == "actor:erdogan"
    assert run(searchable, words("qqqqqq")).suggestion is None
