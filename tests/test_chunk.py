"""The chunking rule: what becomes a paragraph document."""

from __future__ import annotations

from searchsvc.chunk import MAX_CHARS, chunk_article, clean_paragraphs, is_boilerplate, split_long
from searchsvc.models import Article


def _article(paragraphs, title="Headline"):
    return Article(
        id="abc",
        title=title,
        paragraphs=paragraphs,
        date="2024-01-02",
        source="Wire",
        url="https://x.example/a",
    )


def test_paragraph_ids_positions_and_counts_are_stable():
    paragraphs = chunk_article(
        _article(["First paragraph is long enough.", "Second one is also long."])
    )
    assert [p.id for p in paragraphs] == ["abc#1", "abc#2"]
    assert [(p.position, p.count) for p in paragraphs] == [(1, 2), (2, 2)]
    assert all(
        p.title == "Headline" and p.source == "Wire" and p.date == "2024-01-02" for p in paragraphs
    )


def test_dangling_colon_paragraph_is_merged_with_the_next():
    texts = clean_paragraphs(
        "T", ["The minister spoke at length.", "He added:", "“We will not give up on peace.”"]
    )
    assert texts == ["The minister spoke at length.", "He added: “We will not give up on peace.”"]


def test_short_last_paragraph_is_merged_into_the_previous_one():
    assert clean_paragraphs("T", ["A full sentence stands alone here.", "Ends."]) == [
        "A full sentence stands alone here. Ends."
    ]


def test_short_quote_of_four_words_stands_alone():
    texts = clean_paragraphs(
        "T",
        [
            "Opening sentence of the story.",
            "“It is a disaster,” he said.",
            "Closing sentence of the story.",
        ],
    )
    assert len(texts) == 3


def test_boilerplate_headline_repeat_and_duplicates_are_dropped():
    texts = clean_paragraphs(
        "Big News Today",
        [
            "Big News Today",
            "Share this article",
            "Advertisement",
            "Real text of the article.",
            "Real text of the article.",
            "© 2024 Example Media. All rights reserved.",
        ],
    )
    assert texts == ["Real text of the article."]


def test_boilerplate_rule_leaves_long_paragraphs_alone():
    assert is_boilerplate("Read more: the latest on the talks")
    assert not is_boilerplate("Read more about how the council spent " + "money " * 20)


def test_long_paragraph_is_split_at_sentence_ends_under_the_limit():
    sentence = "The council met again on Tuesday to discuss the budget. "
    pieces = split_long(sentence * 200)
    assert len(pieces) > 1
    assert all(len(p) <= MAX_CHARS for p in pieces)
    assert all(p.endswith("budget.") for p in pieces)


def test_sentence_longer_than_limit_is_cut_at_spaces():
    pieces = split_long("word " * 3000)
    assert all(len(p) <= MAX_CHARS for p in pieces)
    assert sum(len(p.split()) for p in pieces) == 3000


def test_whitespace_is_normalised():
    assert clean_paragraphs("T", ["  Lots\tof\u00a0  space\n here  "]) == ["Lots of space here"]
