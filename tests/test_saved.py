"""Saved searches, alert matching after a reindex, and the CLI for both."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from searchsvc.alerts import match_new
from searchsvc.cli import main
from searchsvc.engine import open_engine
from searchsvc.errors import BadQuery, NotFound
from searchsvc.models import SearchRequest
from searchsvc.saved import SavedStore, default_path
from tests.fixtures_search import A1, A2, build_sample_index


@pytest.fixture
def store(tmp_path):
    return SavedStore(tmp_path / "saved.sqlite3")


def test_a_saved_search_keeps_its_query_and_filters(store):
    request = SearchRequest(q="ceasefire", actors=["Hamas"], sort="newest", collapse=True)
    saved = store.put("gaza-talks", request)
    assert saved.request() == SearchRequest(
        q="ceasefire", actors=["Hamas"], sort="newest", collapse=True
    )
    assert [s.name for s in store.list()] == ["gaza-talks"]
    store.put("gaza-talks", SearchRequest(q="truce"))  # replaced, not doubled
    assert [s.params["q"] for s in store.list()] == ["truce"]


@pytest.mark.parametrize("name", ["", "a b", "../x", "-x", "x" * 65, "naïve", "a/b"])
def test_bad_names_are_refused(store, name):
    with pytest.raises(BadQuery, match="name"):
        store.put(name, SearchRequest(q="x"))


def test_unknown_names_and_empty_searches(store):
    with pytest.raises(NotFound):
        store.get("nope")
    with pytest.raises(NotFound):
        store.delete("nope")
    with pytest.raises(BadQuery, match="nothing to save"):
        store.put("empty", SearchRequest(q="  "))
    assert store.list() == []  # reading never creates the database
    assert not store.path.exists()


def test_rename_keeps_the_matches_and_delete_removes_them(store):
    store.put("a", SearchRequest(q="x"))
    store.record("a", [{"id": "p#1", "title": "t"}])
    renamed = store.rename("a", "b")
    assert renamed.total == 1
    store.delete("b")
    assert store.matches() == []


def test_new_matches_are_recorded_once_and_counted_until_seen(store):
    store.put("s", SearchRequest(q="x"))
    assert store.record("s", [{"id": "p#1"}, {"id": "p#2"}]) == 2
    assert store.record("s", [{"id": "p#2"}, {"id": "p#3"}]) == 1
    assert store.get("s").new == 3
    store.mark_seen("s")
    assert store.get("s").new == 0 and store.get("s").total == 3


def test_matching_only_the_new_paragraphs(tmp_path, store):
    reader = open_engine(str(build_sample_index(tmp_path / "ix"))).reader()
    store.put("humanitarian", SearchRequest(q="humanitarian"))
    store.put("doha-filter", SearchRequest(locations=["Doha"]))
    run = match_new(reader, store, [f"{A1}#1", f"{A1}#3", f"{A2}#3"])
    assert run.new == {"doha-filter": 1, "humanitarian": 2}
    recorded = {m.paragraph_id: m.hit for m in store.matches("humanitarian")}
    assert set(recorded) == {f"{A1}#1", f"{A1}#3"}
    assert "<mark>humanitarian</mark>" in recorded[f"{A1}#1"]["highlight"]
    assert match_new(reader, store, [f"{A1}#1"]).new["humanitarian"] == 0


def test_a_saved_search_that_no_longer_runs_is_reported_not_crashed_on(tmp_path, store):
    reader = open_engine(str(build_sample_index(tmp_path / "ix"))).reader()
    store.put("bad-date", SearchRequest(q="ceasefire", date_from="2023-02-30"))
    store.put("good", SearchRequest(q="ceasefire"))
    run = match_new(reader, store, [f"{A2}#1"])
    assert "bad-date" in run.problems and run.new == {"good": 1}
    assert store.get("bad-date").problem


def test_the_database_lives_beside_a_folder_index_or_in_the_state_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("SEARCHSVC_SAVED_DB", raising=False)
    assert default_path(str(tmp_path / "ix")) == tmp_path / "ix" / "saved-searches.sqlite3"
    monkeypatch.setenv("SEARCHSVC_STATE_DIR", str(tmp_path / "state"))
    assert default_path("https://user:pw@search.example.org:9243/news") == (
        tmp_path / "state" / "search.example.org-9243-news.sqlite3"
    )
    monkeypatch.setenv("SEARCHSVC_SAVED_DB", str(tmp_path / "chosen.db"))
    assert default_path("anything") == tmp_path / "chosen.db"


def test_reindex_records_new_matches_and_alerts_prints_them(tmp_path, monkeypatch):
    monkeypatch.delenv("SEARCHSVC_SAVED_DB", raising=False)
    runner = CliRunner()
    ix = str(tmp_path / "ix")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "one.txt").write_text(
        "Harbour strike ends\n\nDock workers in Rotterdam ended their strike on Monday.\n",
        "utf-8",
    )
    args = ["--index", ix]
    assert runner.invoke(main, ["reindex", "--no-entities", "-q", *args, str(docs)]).exit_code == 0
    out = runner.invoke(main, ["saved", "add", "strikes", "strike", *args])
    assert out.exit_code == 0, out.output
    (docs / "two.txt").write_text(
        "Second strike called\n\nTram drivers called a strike for Friday in Antwerp.\n", "utf-8"
    )
    out = runner.invoke(main, ["reindex", "--no-entities", "-q", *args, str(docs)])
    assert out.exit_code == 0, out.output
    assert "saved search 'strikes': 1 new matches" in out.output
    out = runner.invoke(main, ["alerts", "--json", "--mark-seen", *args])
    found = json.loads(out.output)
    assert [len(e["matches"]) for e in found] == [1]
    assert "Tram drivers" in found[0]["matches"][0]["text"]
    out = runner.invoke(main, ["alerts", "--json", *args])
    assert [len(e["matches"]) for e in json.loads(out.output)] == [0]
    out = runner.invoke(main, ["saved", "list", *args])
    assert "strikes" in out.output
    assert runner.invoke(main, ["saved", "rm", "strikes", *args]).exit_code == 0
    out = runner.invoke(main, ["saved", "rm", "strikes", *args])
    assert out.exit_code == 1 and "no saved search" in out.output
