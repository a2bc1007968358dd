"""Copies from the command line, through ``searchsvc reindex`` (parse, chunk, sign):
``--dedupe`` on search, timeline, related and export, and the copies and similar
commands."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from searchsvc.cli import main
from tests.contract.copies_corpus import N1, W1, W2, W3


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> str:
    """A folder of JSON Lines feeds (a wire story, two syndicated copies, another
    story on the same event) indexed by the CLI."""
    folder = tmp_path_factory.mktemp("feeds")
    records = [
        ("Dock workers strike over pay", "2024-03-04", "Wire", W1),
        ("Harbor walkout halts grain shipments", "2024-03-05", "Herald", W2),
        ("Strike at Port Elleray", "2024-03-06", "Gazette", W3),
        ("Standstill at Port Elleray", "2024-03-04", "Courier", N1),
    ]
    with open(folder / "feed.jsonl", "w", encoding="utf-8") as f:
        for title, date, source, texts in records:
            record = {"title": title, "date": date, "source": source, "text": "\n\n".join(texts)}
            f.write(json.dumps(record) + "\n")
    target = str(tmp_path_factory.mktemp("index") / "ix")
    result = CliRunner().invoke(
        main, ["reindex", "--no-entities", "--workers", "1", "--index", target, str(folder)]
    )
    assert result.exit_code == 0, result.output
    return target


def run(index: str, *args: str):
    result = CliRunner().invoke(main, [*args, "--index", index])
    assert result.exit_code == 0, result.output
    return result.output


def test_search_with_dedupe_counts_stories_and_names_the_copies(index):
    plain = json.loads(run(index, "search", "--from", "2024", "--json", "-n", "50"))
    folded = json.loads(run(index, "search", "--from", "2024", "--dedupe", "--json", "-n", "50"))
    assert plain["counted"] == "paragraphs" and folded["counted"] == "stories"
    assert plain["total"] == 4 + 3 + 4 + 2 and folded["total"] == 4 + 1 + 2
    first = next(h for h in folded["hits"] if h["position"] == 1 and h["source"] == "Wire")
    assert (first["copies"], first["copy_sources"]) == (2, 2)
    text = run(index, "search", "loading", "sunday", "--dedupe")
    assert "1 stories match" in text and "and 2 copies in 2 other sources" in text


def test_timeline_related_and_export_take_dedupe(index, tmp_path):
    found = json.loads(run(index, "timeline", "harbour", "--dedupe", "--json"))
    assert found["counted"] == "stories"
    assert sum(b["count"] for b in found["buckets"]) < sum(
        b["count"] for b in json.loads(run(index, "timeline", "harbour", "--json"))["buckets"]
    )
    related = json.loads(run(index, "related", "harbour", "--dedupe", "--json"))
    assert related["counted"] == "stories"
    out = tmp_path / "rows.csv"
    run(index, "export", "--from", "2024", "--dedupe", "--output", str(out), "-q")
    rows = list(csv.DictReader(out.read_text("utf-8-sig").splitlines()))
    assert len(rows) == 7 and {"cluster", "copies", "copy_sources"} <= set(rows[0])
    meta = json.loads((tmp_path / "rows.csv.meta.json").read_text("utf-8"))
    assert meta["dedupe"] is True and meta["counted"] == "stories"


def test_copies_and_similar_commands(index):
    hits = json.loads(run(index, "search", "loading", "sunday", "--json"))["hits"]
    herald = next(h for h in hits if h["source"] == "Herald")
    listed = json.loads(run(index, "copies", herald["id"], "--json"))
    assert {c["source"] for c in listed["copies"]} == {"Wire", "Gazette"}
    articles = json.loads(run(index, "copies", "--article", herald["article_id"], "--json"))
    assert {c["source"] for c in articles["copies"]} == {"Wire", "Gazette"}
    similar = json.loads(run(index, "similar", herald["id"], "--json"))
    assert similar["hits"] and similar["hits"][0]["source"] == "Courier"
    assert "paragraphs like" in run(index, "similar", herald["id"])
