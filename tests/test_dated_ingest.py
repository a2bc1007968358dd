"""End to end: a JSON Lines dump with its dates in every form is indexed, then every
date is filterable (date:, from/to) and sortable; unreadable dates and unsafe URLs are
counted and named in the reindex summary, and no page or API answer links to a
non-http(s) URL, even from an index written before URLs were checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchsvc.cli import main
from searchsvc.engine import open_engine
from searchsvc.indexer import reindex, write_paragraphs
from searchsvc.models import Paragraph, SearchRequest
from searchsvc.web import create_app

# (title word, date key, value as written, the UTC date it must be indexed under)
DATED = [
    ("alpha", "pubDate", "Mon, 06 Nov 2023 10:00:00 GMT", "2023-11-06T10:00:00+00:00"),
    ("bravo", "date", "7 November 2023", "2023-11-07"),
    ("charlie", "published", 1699524000, "2023-11-09T10:00:00+00:00"),
    ("delta", "timestamp", 1699610400000, "2023-11-10T10:00:00+00:00"),
    ("echo", "publishedAt", "2023-11-11T02:00:00+05:00", "2023-11-10T21:00:00+00:00"),
    ("foxtrot", "createdAt", "Sun Nov 12 10:00:00 +0000 2023", "2023-11-12T10:00:00+00:00"),
    ("golf", "datePublished", "Nov 13, 2023", "2023-11-13"),
    ("hotel", "created_at", "1699956000", "2023-11-14T10:00:00+00:00"),
    ("india", "date", "2023-10-31T23:30:00-02:00", "2023-11-01T01:30:00+00:00"),
    ("juliet", "updated", "December 1st, 2023", "2023-12-01"),
    ("kilo", "issued", "30.10.2023", "2023-10-30"),
]
UNDATED = ("lima", "date", "the week after next")


def _dump(folder: Path) -> Path:
    lines = [
        {"title": f"{word} report", "text": f"The {word} harbour report was published.",
         key: value, "url": f"https://news.example/{word}"}
        for word, key, value, _ in DATED
    ]
    word, key, value = UNDATED
    lines.append({"title": f"{word} report", "text": f"The {word} harbour report.", key: value,
                  "url": "javascript:alert(document.cookie)"})
    path = folder / "dump.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", "utf-8")
    return path


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dated")
    dump = _dump(folder)
    report = reindex([dump], folder / "ix", entities=False, workers=1)
    backend = open_engine(str(folder / "ix")).reader()
    yield report, backend, dump
    backend.close()


def _titles(backend, q: str = "harbour", **kw) -> list[str]:
    page = backend.search(SearchRequest(q=q, per_page=100, **kw))
    return [h.title.split()[0] for h in page.hits]


def test_every_form_is_indexed_under_its_utc_date(indexed):
    _report, backend, _dump = indexed
    page = backend.search(SearchRequest(q="harbour", per_page=100))
    dates = {h.title.split()[0]: h.date for h in page.hits}
    for word, _key, _value, expected in DATED:
        assert dates[word] == expected, word
    assert dates[UNDATED[0]] is None


def test_date_query_finds_each_month_by_its_utc_date(indexed):
    _report, backend, _dump = indexed
    november = {w for w, *_rest, d in DATED if d.startswith("2023-11")}
    assert set(_titles(backend, "harbour date:2023-11")) == november
    assert set(_titles(backend, "harbour date:2023-10")) == {"kilo"}  # india is Nov in UTC
    assert set(_titles(backend, "date:2023-11-10")) == {"delta", "echo"}
    assert set(_titles(backend, 'date:"7 November 2023"')) == {"bravo"}
    assert set(_titles(backend, "harbour date:[2023-11-12 to]")) == {"foxtrot", "golf", "hotel",
                                                                     "juliet"}


def test_from_and_to_filters_take_every_date_form(indexed):
    _report, backend, _dump = indexed
    assert set(_titles(backend, date_from="2023-11-09", date_to="2023-11-10")) == {
        "charlie", "delta", "echo"}
    assert set(_titles(backend, date_from="Nov 13, 2023")) == {"golf", "hotel", "juliet"}
    assert set(_titles(backend, date_to="2023-11-06T09:59:59Z")) == {"india", "kilo"}
    assert set(_titles(backend, date_from="December 2023")) == {"juliet"}


def test_sorting_by_date_follows_utc_order_with_the_undated_last(indexed):
    _report, backend, _dump = indexed
    by_date = [w for w, *_rest, d in sorted(DATED, key=lambda row: row[3][:19])]
    assert _titles(backend, sort="oldest") == [*by_date, UNDATED[0]]
    assert _titles(backend, sort="newest") == [*reversed(by_date), UNDATED[0]]


def test_unreadable_dates_and_dropped_urls_are_counted_and_named(indexed):
    report, _backend, dump = indexed
    assert report.articles == len(DATED) + 1  # the undated article is indexed, not dropped
    assert report.dates_unreadable == 1 and report.urls_dropped == 1
    reasons = [w.reason for w in report.warnings if w.path == str(dump)]
    assert any("line 12" in r and "'the week after next'" in r for r in reasons)
    assert any("line 12" in r and "javascript:alert(document.cookie)" in r for r in reasons)


def test_the_cli_summary_prints_the_counts_and_names(tmp_path):
    dump = _dump(tmp_path)
    result = CliRunner().invoke(
        main, ["reindex", str(dump), "--index", str(tmp_path / "ix"), "--no-entities", "-q",
               "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "1 date could not be read" in result.stderr
    assert "1 URL was not http(s)" in result.stderr
    assert "line 12: the date 'the week after next' could not be read" in result.stderr
    as_json = CliRunner().invoke(
        main, ["reindex", str(dump), "--index", str(tmp_path / "ix2"), "--no-entities", "-q",
               "--workers", "1", "--json"]
    )
    summary = json.loads(as_json.stdout)
    assert summary["dates_unreadable"] == 1 and summary["urls_dropped"] == 1


def test_no_page_or_answer_links_to_an_unsafe_url_from_an_old_index(tmp_path):
    article = "abcdefabcdefabcd"
    write_paragraphs(tmp_path / "old", [
        Paragraph(id=f"{article}#1", article_id=article, position=1, count=1,
                  text="The harbour strike ended on Monday.", title="Harbour strike",
                  url="javascript:alert(1)", date="2023-11-06"),
    ])
    client = create_app({"INDEX_DIR": str(tmp_path / "old")}).test_client()
    for path in ("/?q=harbour", f"/article/{article}"):
        page = client.get(path)
        assert page.status_code == 200 and b"Harbour strike" in page.data
        assert b"javascript:" not in page.data
    hit = client.get("/api/search?q=harbour").get_json()["hits"][0]
    assert hit["url"] is None
    assert client.get(f"/api/articles/{article}").get_json()["url"] is None
