"""The query tree's node list kept in step with its consumers.

Every type in ``searchsvc.query.nodes.NODE_TYPES`` is one the parser emits (an example
query below shows it), every engine's translation handles it, and the Whoosh classes the
Whoosh translation emits (``translate.EMITTED``) are each handled by the engine's
matching (numpy doc sets), scoring and highlighting, as a search over a small index
shows: hits found and words marked.

An engine joins by adding its translation to ``TRANSLATORS``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from whoosh import query

from searchsvc.engines.opensearch import translate as opensearch_translate
from searchsvc.engines.whoosh import translate as whoosh_translate
from searchsvc.engines.whoosh.search import WhooshSearchBackend
from searchsvc.engines.whoosh.search import docsets as docsets_module
from searchsvc.engines.whoosh.search.highlight import highlight, match_spec
from searchsvc.engines.whoosh.search.scoring import FieldLengths, Scorer
from searchsvc.models import SearchRequest
from searchsvc.query import nodes, parse_query
from tests.fixtures_search import A1, build_sample_index

# Each node type, and a query the parser turns into a tree holding it.
EXAMPLES: dict[type, str] = {
    nodes.Term: "ceasefire",
    nodes.Phrase: '"erdogan blinken"~5',
    nodes.Prefix: "humanit*",
    nodes.Wildcard: "ce?sefire",
    nodes.Fuzzy: "ceasfire~",
    nodes.DateRange: "date:2023-11",
    nodes.And: "ceasefire turkey",
    nodes.Or: "doha OR ankara",
    nodes.Not: "humanitarian -doha",
    nodes.Nothing: "the",
    nodes.Everything: "*",
}
TRANSLATORS = [whoosh_translate.translate, opensearch_translate.translate]
# Queries whose Whoosh forms hold every class in translate.EMITTED.
WHOOSH_QUERIES = [
    *EXAMPLES.values(),
    '"humanitarian pause"',
    "NOT doha",
    "ceasefire OR NOT doha",
    "-doha NOT ankara",
    "+ceasefire turkey",
]


def _walk(node: nodes.Node):
    yield node
    for child in (*getattr(node, "children", ()), *getattr(node, "optional", ())):
        yield from _walk(child)
    if isinstance(node, nodes.Not):
        yield from _walk(node.child)


def _trees(text: str) -> list[nodes.Node]:
    parsed = parse_query(text)
    return [parsed.all_words] + ([parsed.any_words] if parsed.any_words is not None else [])


def test_every_node_type_has_an_example_the_parser_turns_into_it():
    assert set(EXAMPLES) == set(nodes.NODE_TYPES)
    for node_type, text in EXAMPLES.items():
        found = {type(n) for tree in _trees(text) for n in _walk(tree)}
        assert node_type in found, (node_type, text)


@pytest.mark.parametrize("translate", TRANSLATORS)
@pytest.mark.parametrize("node_type", nodes.NODE_TYPES)
def test_every_translation_handles_every_node_type(translate, node_type):
    for tree in _trees(EXAMPLES[node_type]):
        assert translate(tree) is not None


@dataclass(frozen=True)
class _Unknown:
    """A node type no consumer knows."""


@pytest.mark.parametrize("translate", TRANSLATORS)
def test_translations_refuse_node_types_they_do_not_know(translate):
    with pytest.raises(TypeError):
        translate(nodes.And((nodes.Term("ceasefire"), _Unknown())))  # type: ignore[arg-type]


def _classes(q: query.Query) -> set[type]:
    found = {type(q)}
    if not q.is_leaf():
        for child in q.children():
            found |= _classes(child)
    return found


def test_the_whoosh_translation_emits_exactly_its_listed_classes():
    emitted = set()
    for text in WHOOSH_QUERIES:
        for tree in _trees(text):
            emitted |= _classes(whoosh_translate.translate(tree))
    assert emitted == set(whoosh_translate.EMITTED)


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    b = WhooshSearchBackend(str(build_sample_index(tmp_path_factory.mktemp("nodes"))))
    yield b
    b.close()


def test_matching_and_scoring_handle_every_emitted_class(backend, monkeypatch):
    def refuse(self, q, searcher):
        raise AssertionError(f"{type(q).__name__} left to Whoosh's matchers")

    monkeypatch.setattr(docsets_module.DocSets, "_fallback", refuse)
    with backend._searcher() as (searcher, _gen):
        sets = docsets_module.DocSets(searcher)
        scorer = Scorer(sets, FieldLengths())
        for text in WHOOSH_QUERIES:
            for tree in _trees(text):
                q = whoosh_translate.translate(tree)
                docs = sets.docs(q, searcher)
                scored, _scores = scorer.score(q, searcher)
                assert scored.tolist() == docs.tolist(), text


@pytest.mark.parametrize(
    ("text", "marked"),
    [
        ("ceasefire", ["ceasefire"]),
        ('"erdogan blinken"~5', ["Blinken", "Erdoğan"]),
        ('"humanitarian pause"', ["humanitarian pause"]),
        ("humanit*", ["humanitarian"]),
        ("ce?sefire", ["ceasefire"]),
        ("ceasfire~", ["ceasefire"]),
        ("ceasefire turkey", ["ceasefire", "Turkey"]),
        ("doha OR ankara", ["Ankara"]),
        ("humanitarian -doha", ["humanitarian"]),
        ("+ceasefire zebra", ["ceasefire"]),
    ],
)
def test_searches_with_each_node_type_find_and_mark_the_words(backend, text, marked):
    page = backend.search(SearchRequest(q=text, per_page=100, article_id=A1))
    assert page.hits, text
    best = [h for h in page.hits if all(f"<mark>{w}</mark>" in h.highlight for w in marked)]
    assert best, (text, [h.highlight for h in page.hits])


@pytest.mark.parametrize("text", ["date:2023-11", "*", "NOT doha"])
def test_searches_with_unmarked_node_types_find_paragraphs(backend, text):
    page = backend.search(SearchRequest(q=text, per_page=100))
    assert page.total > 0 and all("<mark>" not in h.highlight for h in page.hits)


def test_highlighting_ignores_excluded_words():
    q = whoosh_translate.translate(parse_query("humanitarian -pause").all_words)
    assert highlight("A humanitarian pause.", match_spec(q)) == "A <mark>humanitarian</mark> pause."
