"""Plain text, JSON and JSON Lines articles, encodings and bad input."""

from __future__ import annotations

import json

import pytest

from searchsvc.errors import ParseError
from searchsvc.parse import article_id, detect_format, parse_bytes, parse_file
from searchsvc.parse.decode import decode_bytes, looks_binary
from searchsvc.parse.text import parse_text, split_blocks

from .conftest import BLANK_LINE_STYLE, SEED_LIKE, shared_path


def test_text_with_dashed_rule_reads_headline_and_one_paragraph_per_line():
    article = parse_text(SEED_LIKE)
    assert article.title == "Ministers meet in Ankara for ceasefire talks"
    assert article.paragraphs[0].startswith("Foreign ministers from Turkey")
    assert "He added:" in article.paragraphs
    assert len(article.paragraphs) == 4


def test_text_with_blank_lines_reads_each_block_as_a_paragraph():
    article = parse_text(BLANK_LINE_STYLE)
    assert article.title == "Oil prices rise as Opec cuts output"
    assert len(article.paragraphs) == 3
    assert article.paragraphs[2] == '"It is a clear signal," said one trader.'


def test_hard_wrapped_lines_are_joined_into_one_paragraph():
    body = (
        "The committee met on Tuesday to discuss the\n"
        "proposal, which would raise the limit for\n"
        "small firms by a third.\n\nSecond paragraph here."
    )
    assert split_blocks(body) == [
        "The committee met on Tuesday to discuss the proposal, which would raise the "
        "limit for small firms by a third.",
        "Second paragraph here.",
    ]


def test_seed_article_parses_into_thirty_paragraphs():
    path = shared_path("seed", "blinken-turkey.txt")
    article = parse_file(path).articles[0]
    assert article.title.startswith("US top diplomat Blinken meets Turkish FM")
    assert len(article.paragraphs) == 30
    assert article.paragraphs[-1].startswith("“Our efforts to lay the groundwork")


def test_latin1_file_is_decoded_not_skipped(tmp_path):
    path = tmp_path / "pound.txt"
    path.write_bytes(
        "Sterling slips\n\nThe pound fell to £1.20 in café trading.\n".encode("latin-1")
    )
    result = parse_file(path)
    assert result.articles[0].paragraphs == ["The pound fell to £1.20 in café trading."]
    assert result.encoding == "cp1252"


def test_decode_prefers_utf8_then_bom_then_declared():
    assert decode_bytes("Erdoğan".encode()) == ("Erdoğan", "utf-8")
    assert decode_bytes("Hi".encode("utf-16"))[0] == "Hi"
    assert (
        decode_bytes("Привет, как дела".encode("koi8-r"), declared="koi8-r")[0]
        == "Привет, как дела"
    )


def test_binary_bytes_are_refused_with_a_reason():
    assert looks_binary(bytes(range(256)) * 4)
    with pytest.raises(ParseError, match="binary"):
        parse_bytes(b"\x00\x01\x02\x03" * 100, "blob.txt")


@pytest.mark.parametrize("data", [b"", b"   \n\n  ", b"\n\n\n"])
def test_empty_files_are_refused_with_a_reason(data):
    with pytest.raises(ParseError, match="empty"):
        parse_bytes(data, "empty.txt")


def test_headline_without_body_is_refused():
    with pytest.raises(ParseError, match="no article text"):
        parse_bytes(b"Just a headline\n", "short.txt")


def test_json_record_reads_known_keys_and_ignores_others():
    record = {
        "headline": "Talks resume",
        "body": "First paragraph.\n\nSecond paragraph.",
        "link": "https://example.org/a",
        "published_at": "2024-05-01",
        "publisher": {"name": "Example Wire"},
        "authors": [{"name": "A. Writer"}, {"name": "B. Writer"}],
        "secret_field": "kept out",
    }
    article = parse_bytes(json.dumps(record).encode(), "one.json").articles[0]
    assert article.title == "Talks resume"
    assert article.paragraphs == ["First paragraph.", "Second paragraph."]
    assert article.url == "https://example.org/a"
    assert article.date == "2024-05-01"
    assert article.source == "Example Wire"
    assert article.author == "A. Writer, B. Writer"
    assert "kept out" not in json.dumps(article.to_dict())


def test_json_list_gives_one_article_per_record_with_distinct_stable_ids():
    data = json.dumps([{"title": "A", "text": "Alpha text."}, {"title": "B", "text": "Beta text."}])
    result = parse_bytes(data.encode(), "/data/two.json")
    assert [a.title for a in result.articles] == ["A", "B"]
    assert result.articles[0].id == article_id("/data/two.json", 0)
    assert result.articles[0].id != result.articles[1].id


def test_jsonl_bad_lines_are_reported_and_good_ones_kept():
    data = b'{"title": "Good", "text": "Some text here."}\n{not json}\n{"title": "No text"}\n'
    result = parse_bytes(data, "feed.jsonl")
    assert [a.title for a in result.articles] == ["Good"]
    assert len(result.problems) == 2
    assert "line 2" in result.problems[0] and "malformed JSON" in result.problems[0]
    assert "line 3" in result.problems[1] and "no text" in result.problems[1]


def test_json_with_missing_title_uses_the_first_words():
    article = parse_bytes(b'{"text": "Only a body, no title at all."}', "x.json").articles[0]
    assert article.title == "Only a body, no title at all."


@pytest.mark.parametrize(
    "data,reason",
    [
        (b"{broken", "malformed JSON"),
        (b'"just a string"', "not article records"),
        (b"[1, 2, 3]", "no article|not an object"),
        (b"[" * 100000 + b"]" * 100000, "nested too deeply|malformed"),
    ],
)
def test_malformed_json_is_refused_with_a_reason(data, reason):
    with pytest.raises(ParseError, match=reason):
        parse_bytes(data, "bad.json")


def test_format_is_detected_by_extension_then_content():
    assert detect_format("a.htm", b"") == "html"
    assert detect_format("a.ndjson", b"") == "jsonl"
    assert detect_format("noext", b"<!DOCTYPE html><html>") == "html"
    assert detect_format("noext", b'  {"title": 1}') == "json"
    assert detect_format("noext", b"Headline\n\nBody") == "text"


def test_missing_file_and_folder_give_clear_reasons(tmp_path):
    with pytest.raises(ParseError, match="no such file"):
        parse_file(tmp_path / "nope.txt")
    with pytest.raises(ParseError, match="folder"):
        parse_file(tmp_path)


def test_unreadable_file_gives_permission_reason(tmp_path):
    import os

    path = tmp_path / "secret.txt"
    path.write_text("Title\n\nBody text here.\n")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user who can read any file (root)")
        with pytest.raises(ParseError, match="permission"):
            parse_file(path)
    finally:
        path.chmod(0o644)


def test_nul_bytes_and_long_lines_do_not_break_text_parsing():
    data = b"Title\x00 here\n\n" + b"word " * 200_000 + b"\n"
    article = parse_bytes(data, "long.txt").articles[0]
    assert article.title == "Title here"
    assert len(article.paragraphs[0]) > 900_000


# -- dates and URLs of records ---------------------------------------------------------


def _jsonl(*records: dict) -> bytes:
    return "\n".join(json.dumps(r) for r in records).encode()


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("pubDate", "Mon, 06 Nov 2023 10:00:00 GMT", "2023-11-06T10:00:00+00:00"),
        ("date", "6 November 2023", "2023-11-06"),
        ("published", 1699264800, "2023-11-06T10:00:00+00:00"),
        ("timestamp", 1699264800000, "2023-11-06T10:00:00+00:00"),
        ("created_at", "1699264800", "2023-11-06T10:00:00+00:00"),
        ("publishedAt", "2023-11-06T11:00:00+01:00", "2023-11-06T10:00:00+00:00"),
        ("datePublished", "Nov 6, 2023", "2023-11-06"),
        ("createdAt", "Mon Nov 06 10:00:00 +0000 2023", "2023-11-06T10:00:00+00:00"),
        ("updated", "November 6th, 2023", "2023-11-06"),
        ("issued", {"$date": "2023-11-06T10:00:00Z"}, "2023-11-06T10:00:00+00:00"),
    ],
)
def test_record_dates_in_every_form_become_utc_iso(key, value, expected):
    record = {"title": "T", "text": "Some text here.", key: value}
    article = parse_bytes(_jsonl(record), "feed.jsonl").articles[0]
    assert article.date == expected
    written = {"published": "1699264800", "timestamp": "1699264800000",
               "issued": "2023-11-06T10:00:00Z"}
    assert article.date_original == written.get(key, value)
    assert article.warnings == []


def test_record_with_an_unreadable_date_is_kept_undated_and_named():
    data = _jsonl(
        {"title": "Good", "text": "Some text.", "date": "2023-11-06"},
        {"title": "Odd", "text": "Other text.", "published": "the day after tomorrow"},
    )
    good, odd = parse_bytes(data, "feed.jsonl").articles
    assert good.warnings == []
    assert odd.date is None and odd.date_original == "the day after tomorrow"
    [warning] = odd.warnings
    assert warning.kind == "date_unreadable" and warning.where == "line 2"
    assert "'the day after tomorrow'" in warning.message() and "line 2" in warning.message()


def test_record_numbers_that_are_not_epochs_are_unreadable_not_1970():
    article = parse_bytes(_jsonl({"text": "Some text.", "date": 2023}), "a.jsonl").articles[0]
    assert article.date is None and [w.kind for w in article.warnings] == ["date_unreadable"]


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "data:text/html,<b>x</b>", "mailto:desk@example.org", "/news/a",
     "not a link", "ftp://example.org/a"],
)
def test_record_urls_other_than_http_are_dropped_and_named(url):
    data = json.dumps([{"text": "One.", "url": url}, {"text": "Two.", "link": "https://ex.org/2"}])
    first, second = parse_bytes(data.encode(), "two.json").articles
    assert first.url is None
    [warning] = first.warnings
    assert warning.kind == "url_dropped" and warning.value == url and warning.where == "record 1"
    assert second.url == "https://ex.org/2" and second.warnings == []


def test_parse_json_shows_the_original_date_and_the_warnings(tmp_path):
    from click.testing import CliRunner

    from searchsvc.cli import main

    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(_jsonl(
        {"title": "A", "text": "Alpha.", "pubDate": "Mon, 06 Nov 2023 10:00:00 GMT"},
        {"title": "B", "text": "Beta.", "date": "soon", "url": "javascript:alert(1)"},
    ))
    result = CliRunner().invoke(main, ["parse", str(feed), "--json"])
    assert result.exit_code == 0, result.output
    first, second = json.loads(result.stdout)
    assert first["date"] == "2023-11-06T10:00:00+00:00"
    assert first["date_original"] == "Mon, 06 Nov 2023 10:00:00 GMT"
    assert second["date"] is None and second["date_original"] == "soon"
    assert second["url"] is None and len(second["warnings"]) == 2
