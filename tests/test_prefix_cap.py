"""Broad prefixes and wildcards: every word they expand to matches (totals and facets
count them all), only the ``MAX_PREFIX_TERMS`` most frequent rank, ``parsed`` says so,
and the OpenSearch translation ranks the same way."""

from __future__ import annotations

import pytest

from searchsvc.engines.opensearch.translate import translate as opensearch_translate
from searchsvc.engines.whoosh.schema import text_analyzer
from searchsvc.engines.whoosh.search import WhooshSearchBackend
from searchsvc.indexer import write_paragraphs
from searchsvc.limits import MAX_PREFIX_TERMS
from searchsvc.models import Paragraph, SearchRequest
from searchsvc.query import describe, parse_query
from searchsvc.query.nodes import Prefix, Wildcard

RARE = 6  # words of the prefix beyond the most frequent MAX_PREFIX_TERMS


def _words() -> list[str]:
    """Return MAX_PREFIX_TERMS + RARE distinct words starting with "zub", each its own
    index term."""
    letters = "bcdfghjklmnpqrstvwxz"
    words = [f"zub{a}{b}x" for a in letters for b in letters][: MAX_PREFIX_TERMS + RARE]
    stems = {t.text for w in words for t in text_analyzer()(w)}
    assert len(stems) == len(words)
    return words


def _para(n: int, text: str) -> Paragraph:
    return Paragraph(
        id=f"{n:016x}#1",
        article_id=f"{n:016x}",
        position=1,
        count=1,
        text=text,
        title="Item",
        date="2024-01-01",
        source="wire",
        actors=["Rare Person"] if "rare" in text else ["Common Person"],
    )


@pytest.fixture(scope="module")
def broad(tmp_path_factory):
    """The first MAX_PREFIX_TERMS words in two paragraphs each, the rest in one."""
    words = _words()
    paragraphs, n = [], 0
    for i, word in enumerate(words):
        copies = 2 if i < MAX_PREFIX_TERMS else 1
        for _ in range(copies):
            label = "common" if i < MAX_PREFIX_TERMS else "rare"
            paragraphs.append(_para(n, f"{word} is a {label} word of the list"))
            n += 1
    folder = tmp_path_factory.mktemp("broad")
    write_paragraphs(folder, paragraphs)
    backend = WhooshSearchBackend(str(folder))
    yield backend, words, len(paragraphs)
    backend.close()


def test_every_word_of_a_broad_prefix_matches_and_is_counted(broad):
    backend, _words_, total = broad
    page = backend.search(SearchRequest(q="zub*", per_page=100, facet_limit=10))
    assert page.total == total == 2 * MAX_PREFIX_TERMS + RARE
    facets = {f.value: f.count for f in page.facets["actors"]}
    assert facets == {"Common Person": 2 * MAX_PREFIX_TERMS, "Rare Person": RARE}


def test_only_the_most_frequent_words_of_a_broad_prefix_rank(broad):
    backend, _words_, total = broad
    hits = [
        h
        for number in (1, 2)
        for h in backend.search(SearchRequest(q="zub*", per_page=100, page=number)).hits
    ]
    ranked = [h for h in hits if "common" in h.text]
    unranked = [h for h in hits if "rare" in h.text]
    assert len(hits) == total
    assert len(ranked) == 2 * MAX_PREFIX_TERMS and len(unranked) == RARE
    assert all(h.score > 0 for h in ranked) and all(h.score == 0 for h in unranked)
    assert hits[: len(ranked)] == ranked  # the scored words first


def test_parsed_says_how_a_broad_prefix_ranks(broad):
    backend, words, _total = broad
    page = backend.search(SearchRequest(q="zub* list"))
    assert page.parsed == (
        f"zub* (ranked by its {MAX_PREFIX_TERMS} most frequent of {len(words)} words) AND list"
    )
    narrow = backend.search(SearchRequest(q=f"{words[0][:5]}*"))
    assert narrow.parsed == f"{words[0][:5]}*"


def test_a_broad_wildcard_is_capped_like_a_prefix(broad):
    backend, words, total = broad
    page = backend.search(SearchRequest(q="zu?*x", per_page=100, page=2))
    assert page.total == total
    assert f"most frequent of {len(words)} words" in page.parsed
    assert [h.score for h in page.hits][-RARE:] == [0.0] * RARE


def test_describe_notes_only_broad_prefixes():
    node = Prefix("res")
    assert describe(node) == "res*"
    assert describe(node, {node: MAX_PREFIX_TERMS}) == "res*"
    assert (
        describe(node, {node: 556})
        == f"res* (ranked by its {MAX_PREFIX_TERMS} most frequent of 556 words)"
    )
    tree = parse_query("res* -climate").all_words
    assert describe(tree, {Prefix("res"): 1000}).startswith(
        f"res* (ranked by its {MAX_PREFIX_TERMS} most frequent of 1,000 words) AND NOT"
    )


@pytest.mark.parametrize(
    ("node", "kind"), [(Prefix("res"), "prefix"), (Wildcard("re?s*"), "wildcard")]
)
def test_opensearch_matches_every_word_and_ranks_the_top_terms(node, kind):
    query = opensearch_translate(node)
    for clause in query["bool"]["should"]:
        inner = clause["bool"]
        (field,) = inner["filter"][0][kind]
        assert "rewrite" not in inner["filter"][0][kind][field]  # every word matches
        ranked = inner["should"][0][kind][field]
        assert ranked["rewrite"] == f"top_terms_{MAX_PREFIX_TERMS}"
