"""Saved searches on the web: the /api/saved endpoints (answers validated against the
OpenAPI document), the pages that save, list, rename and delete them, their Atom
feeds, and the whole way from a saved search to a feed entry after a reindex."""

from __future__ import annotations

import html
import json
import re
import sqlite3
from urllib.parse import urlsplit

import feedparser
import pytest
from click.testing import CliRunner

from searchsvc import limits
from searchsvc.alerts import match_new
from searchsvc.cli import main
from searchsvc.engine import open_engine
from searchsvc.models import SearchRequest
from searchsvc.saved import SavedStore
from searchsvc.web import create_app
from tests.fixtures_search import A1, A2, build_sample_index
from tests.test_api import error_of, validate

HOST = "http://news.example:8080"


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    return build_sample_index(tmp_path_factory.mktemp("index"))


@pytest.fixture
def app(index_dir, tmp_path):
    return create_app({"INDEX_DIR": str(index_dir), "SAVED_DB": str(tmp_path / "saved.db")})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def store(tmp_path):
    return SavedStore(tmp_path / "saved.db")


def put(client, name, **params):
    return client.put(f"/api/saved/{name}", query_string=params)


def csrf_of(client, path="/?q=humanitarian"):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def record_a1(index_dir, store):
    """Match the paragraphs of article A1 against every saved search, as a reindex
    that added them would."""
    reader = open_engine(str(index_dir)).reader()
    return match_new(reader, store, [f"{A1}#{n}" for n in range(1, 5)])


# -- the API ----------------------------------------------------------------------------


def test_put_saves_the_search_and_get_list_and_delete_answer_their_models(client):
    response = put(client, "gaza-talks", q="humanitarian", actor="Antony Blinken", sort="newest")
    assert response.status_code == 200
    saved = response.get_json()
    validate(saved, "SavedInfo")
    assert saved["name"] == "gaza-talks"
    assert saved["params"]["q"] == "humanitarian"
    assert saved["params"]["actors"] == ["Antony Blinken"]
    assert saved["params"]["sort"] == "newest"
    assert saved["search"] == "q=humanitarian&actor=Antony+Blinken&sort=newest"
    assert saved["feed"] == "/feeds/gaza-talks.atom"
    assert (saved["new"], saved["total"], saved["problem"]) == (0, 0, None)

    listed = client.get("/api/saved").get_json()
    validate(listed, "SavedList")
    assert [s["name"] for s in listed["saved"]] == ["gaza-talks"]
    assert listed["limit"] == limits.MAX_SAVED_SEARCHES

    one = client.get("/api/saved/gaza-talks").get_json()
    validate(one, "SavedDetail")
    assert one["matches"] == []

    # The search it keeps runs through /api/search as the same search.
    ran = client.get(f"/api/search?{saved['search']}").get_json()
    assert ran["total"] == 2

    deleted = client.delete("/api/saved/gaza-talks")
    assert deleted.status_code == 200
    validate(deleted.get_json(), "Deleted")
    assert deleted.get_json() == {"deleted": "gaza-talks"}
    error_of(client.get("/api/saved/gaza-talks"), 404, "not_found")


def test_put_replaces_a_search_of_the_same_name(client):
    put(client, "watch", q="ceasefire")
    again = put(client, "watch", q="truce", collapse="1").get_json()
    assert again["params"]["q"] == "truce" and again["params"]["collapse"] is True
    assert [s["params"]["q"] for s in client.get("/api/saved").get_json()["saved"]] == ["truce"]


def test_put_reads_a_form_body_but_not_both_nor_json(client):
    response = client.put("/api/saved/form", data={"q": "ceasefire", "location": ["Doha", "Qatar"]})
    assert response.status_code == 200
    assert response.get_json()["params"]["locations"] == ["Doha", "Qatar"]
    both = client.put("/api/saved/form?q=x", data={"q": "y"})
    assert "not both" in error_of(both, 400, "bad_request")
    as_json = client.put("/api/saved/form", json={"q": "y"})
    assert "application/json" in error_of(as_json, 400, "bad_request")


def test_page_size_and_facets_are_not_part_of_a_saved_search(client):
    saved = put(client, "plain", q="market", page="3", per_page="5", facets="2").get_json()
    assert saved["search"] == "q=market"


@pytest.mark.parametrize(
    "name", ["a%20b", "-x", ".hidden", "x" * 65, "na%C3%AFve", "semi%3Bcolon", "x%00"]
)
def test_bad_names_are_a_400_on_every_operation(client, name):
    for response in (
        put(client, name, q="x"),
        client.get(f"/api/saved/{name}"),
        client.delete(f"/api/saved/{name}"),
        client.post(f"/api/saved/{name}/seen"),
        client.post(f"/api/saved/{name}/rename", query_string={"to": "fine"}),
    ):
        assert "name" in error_of(response, 400, "bad_request")


def test_unknown_names_are_a_404_in_the_error_shape(client):
    error_of(client.get("/api/saved/nope"), 404, "not_found")
    error_of(client.delete("/api/saved/nope"), 404, "not_found")
    error_of(client.post("/api/saved/nope/seen"), 404, "not_found")
    error_of(client.post("/api/saved/nope/rename", query_string={"to": "yes"}), 404, "not_found")
    error_of(client.get("/api/saved/a/b"), 404, "not_found")
    assert client.get("/feeds/nope.atom").status_code == 404


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "nothing to save"),
        ({"q": "   "}, "nothing to save"),
        ({"q": "date:notadate"}, "cannot read the date"),
        ({"q": "x", "from": "someday"}, "cannot read the date"),
        ({"q": "x", "sort": "random"}, "sort must be one of"),
        ({"q": "x" * (limits.MAX_QUERY_CHARS + 1)}, str(limits.MAX_QUERY_CHARS)),
        ({"q": "x", "collapse": "maybe"}, "collapse must be one of"),
    ],
)
def test_searches_that_cannot_run_are_refused_when_saved(client, params, message):
    assert message in error_of(put(client, "bad", **params), 400, "bad_request")
    assert client.get("/api/saved").get_json()["saved"] == []


def test_the_number_of_saved_searches_is_limited(client, monkeypatch):
    monkeypatch.setattr(limits, "MAX_SAVED_SEARCHES", 2)
    assert put(client, "one", q="a").status_code == 200
    assert put(client, "two", q="b").status_code == 200
    assert "at most 2" in error_of(put(client, "three", q="c"), 400, "bad_request")
    assert put(client, "two", q="replaced").status_code == 200  # replacing is no new one


def test_rename_moves_the_matches_and_refuses_taken_or_bad_names(client, index_dir, store):
    put(client, "old", q="humanitarian")
    put(client, "other", q="ceasefire")
    record_a1(index_dir, store)
    renamed = client.post("/api/saved/old/rename", data={"to": "new.name"})
    assert renamed.status_code == 200
    validate(renamed.get_json(), "SavedInfo")
    assert renamed.get_json()["total"] == 3 and renamed.get_json()["feed"] == "/feeds/new.name.atom"
    error_of(client.get("/api/saved/old"), 404, "not_found")
    taken = client.post("/api/saved/new.name/rename", query_string={"to": "other"})
    assert "exists already" in error_of(taken, 409, "conflict")
    assert "'to'" in error_of(client.post("/api/saved/new.name/rename"), 400, "bad_request")
    bad = client.post("/api/saved/new.name/rename", query_string={"to": "no way"})
    error_of(bad, 400, "bad_request")


def test_new_matches_are_counted_until_marked_seen(client, index_dir, store):
    put(client, "hum", q="humanitarian")
    put(client, "blinken", actor="Antony Blinken")
    record_a1(index_dir, store)
    counts = {s["name"]: s["new"] for s in client.get("/api/saved").get_json()["saved"]}
    assert counts == {"blinken": 1, "hum": 3}

    detail = client.get("/api/saved/hum").get_json()
    validate(detail, "SavedDetail")
    assert {m["id"] for m in detail["matches"]} == {f"{A1}#1", f"{A1}#2", f"{A1}#3"}
    assert all(m["new"] for m in detail["matches"])
    assert all("<mark>humanitarian</mark>" in m["highlight"].lower() for m in detail["matches"])
    assert client.get("/api/saved/hum").get_json()["new"] == 3  # a GET marks nothing

    seen = client.post("/api/saved/hum/seen")
    validate(seen.get_json(), "SavedInfo")
    assert seen.get_json()["new"] == 0 and seen.get_json()["total"] == 3
    after = client.get("/api/saved/hum").get_json()
    assert not any(m["new"] for m in after["matches"])
    assert {s["name"]: s["new"] for s in client.get("/api/saved").get_json()["saved"]} == {
        "blinken": 1,
        "hum": 0,
    }


def test_a_saved_search_whose_query_no_longer_parses_is_reported(client, tmp_path):
    put(client, "fine", q="ceasefire")
    with sqlite3.connect(tmp_path / "saved.db") as db:  # saved before the language changed
        db.execute(
            "INSERT INTO saved (name, params, created, updated, seen_at) VALUES (?, ?, ?, ?, ?)",
            ("stale", json.dumps({"q": "date:notadate"}), "2024-01-01", "2024-01-01", None),
        )
    listed = client.get("/api/saved")
    assert listed.status_code == 200
    validate(listed.get_json(), "SavedList")
    problems = {s["name"]: s["problem"] for s in listed.get_json()["saved"]}
    assert problems["fine"] is None
    assert "cannot read the date" in problems["stale"]
    assert client.get("/api/saved/stale").status_code == 200
    assert client.get("/feeds/stale.atom").status_code == 200
    page = client.get("/saved").get_data(as_text=True)
    assert "Not matched: cannot read the date" in page


def test_a_saved_search_database_that_cannot_be_opened_is_a_503(index_dir, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    app = create_app({"INDEX_DIR": str(index_dir), "SAVED_DB": str(blocker / "saved.db")})
    client = app.test_client()
    error_of(put(client, "x", q="ceasefire"), 503, "saved_unavailable")


# -- the pages --------------------------------------------------------------------------


def test_the_search_page_saves_the_current_search(client):
    page = client.get("/?q=humanitarian&actor=Antony+Blinken&sort=newest&collapse=1&page=2")
    text = page.get_data(as_text=True)
    start = text.index('<form class="save-search"')
    form = text[start : text.index("</form>", start)]
    assert 'action="/saved"' in form and 'method="post"' in form
    for field in (
        'name="q" value="humanitarian"',
        'name="actor" value="Antony Blinken"',
        'name="sort" value="newest"',
        'name="collapse" value="1"',
    ):
        assert field in form
    assert 'name="page"' not in form

    token = csrf_of(client)
    response = client.post(
        "/saved",
        data={
            "csrf_token": token,
            "name": "blinken",
            "q": "humanitarian",
            "actor": "Antony Blinken",
            "sort": "newest",
            "collapse": "1",
        },
    )
    assert response.status_code == 303 and response.headers["Location"] == "/saved"
    saved = client.get("/api/saved/blinken").get_json()["params"]
    assert saved["actors"] == ["Antony Blinken"] and saved["collapse"] is True
    listing = client.get("/saved").get_data(as_text=True)
    assert "Saved “blinken”." in listing
    assert 'href="/feeds/blinken.atom"' in listing
    assert 'href="/?q=humanitarian&amp;actor=Antony+Blinken&amp;sort=newest&amp;collapse=1"' in (
        listing
    )


def test_saving_from_the_page_reports_bad_input_on_the_page(client):
    token = csrf_of(client)
    response = client.post("/saved", data={"csrf_token": token, "name": "no way", "q": "x"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Not saved: a saved search name is" in text
    assert 'href="/?q=x"' in text  # the way back to the search


def test_the_list_shows_new_counts_and_opening_one_marks_it_seen(client, index_dir, store):
    put(client, "hum", q="humanitarian")
    record_a1(index_dir, store)
    listing = client.get("/saved").get_data(as_text=True)
    row = listing[listing.index('data-name="hum"') :]
    assert '<span class="new-count has-new" aria-label="3 new since last seen">3</span>' in row
    opened = client.get("/saved/hum")
    assert opened.status_code == 200
    text = opened.get_data(as_text=True)
    assert text.count('<span class="badge">new</span>') == 3
    assert f'href="/article/{A1}?q=humanitarian#p1"' in text
    assert 'type="application/atom+xml"' in text
    assert client.get("/api/saved/hum").get_json()["new"] == 0
    listing = client.get("/saved").get_data(as_text=True)
    assert 'aria-label="0 new since last seen">0</span>' in listing


def test_rename_and_delete_from_the_page(client):
    put(client, "first", q="ceasefire")
    put(client, "second", q="truce")
    token = csrf_of(client, "/saved")
    renamed = client.post("/saved/first/rename", data={"csrf_token": token, "to": "gaza"})
    assert renamed.status_code == 303
    assert "Renamed “first” to “gaza”." in client.get("/saved").get_data(as_text=True)
    taken = client.post("/saved/gaza/rename", data={"csrf_token": token, "to": "second"})
    assert taken.status_code == 409
    assert "Not renamed: a saved search 'second' exists already" in html.unescape(
        taken.get_data(as_text=True)
    )
    deleted = client.post("/saved/gaza/delete", data={"csrf_token": token})
    assert deleted.status_code == 303
    assert [s["name"] for s in client.get("/api/saved").get_json()["saved"]] == ["second"]
    assert client.post("/saved/gaza/delete", data={"csrf_token": token}).status_code == 404


# -- feeds ------------------------------------------------------------------------------


def test_the_feed_is_atom_with_absolute_links_to_the_paragraphs(client, index_dir, store):
    put(client, "hum", q="humanitarian")
    record_a1(index_dir, store)
    response = client.get("/feeds/hum.atom", base_url=HOST)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "searchsvc: hum"
    assert feed.feed.links[0].href == f"{HOST}/feeds/hum.atom"
    assert len(feed.entries) == 3
    links = {e.link for e in feed.entries}
    assert f"{HOST}/article/{A1}?q=humanitarian#p1" in links
    for entry in feed.entries:
        assert urlsplit(entry.link).netloc == "news.example:8080"
        # feedparser, like many readers, strips <mark>: the <strong> inside it stays.
        assert "<strong>humanitarian</strong>" in entry.content[0].value.lower()
        assert entry.title == "Blinken meets Erdoğan in Ankara"
        assert entry.published.startswith("2023-11-06")
    first = next(e for e in feed.entries if e.link.endswith("#p1"))
    assert {t.term for t in first.tags} >= {"Antony Blinken", "Ankara"}
    # Each entry opens the article at its paragraph.
    article = client.get(first.link.removeprefix(HOST).split("#")[0])
    assert article.status_code == 200 and 'id="p1"' in article.get_data(as_text=True)


def test_the_feed_holds_the_newest_matches_and_answers_conditional_gets(client, store, monkeypatch):
    monkeypatch.setattr(limits, "FEED_ENTRIES", 2)
    monkeypatch.setattr("searchsvc.web.saved_pages.FEED_ENTRIES", 2)
    put(client, "many", q="market")
    for n in range(1, 5):
        store.record(
            "many",
            [
                {
                    "id": f"{n:016x}#1",
                    "article_id": f"{n:016x}",
                    "position": 1,
                    "title": f"Market report {n}",
                    "text": "t",
                }
            ],
        )
    response = client.get("/feeds/many.atom")
    titles = [e.title for e in feedparser.parse(response.data).entries]
    assert titles == ["Market report 4", "Market report 3"]
    again = client.get("/feeds/many.atom", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


# -- end to end -------------------------------------------------------------------------


def test_a_saved_searchs_feed_gains_an_entry_after_a_new_matching_file_is_indexed(tmp_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "old.txt").write_text(
        "Markets steady in London\n\nShares in London were steady on Monday.\n", "utf-8"
    )
    index = str(tmp_path / "index")
    runner = CliRunner()
    first = runner.invoke(main, ["reindex", "-q", "--no-entities", "--index", index, str(articles)])
    assert first.exit_code == 0, first.output
    client = create_app({"INDEX_DIR": index}).test_client()
    assert put(client, "truce-watch", q="ceasefire").status_code == 200
    before = feedparser.parse(client.get("/feeds/truce-watch.atom").data)
    assert not before.bozo and before.entries == []

    (articles / "new.txt").write_text(
        "Talks resume in Cairo\n\nNegotiators in Cairo discussed a ceasefire on Tuesday.\n\n"
        "The talks will continue next week.\n",
        "utf-8",
    )
    second = runner.invoke(
        main, ["reindex", "-q", "--no-entities", "--index", index, str(articles)]
    )
    assert second.exit_code == 0, second.output
    assert "saved search 'truce-watch': 1 new matches" in second.output

    after = feedparser.parse(client.get("/feeds/truce-watch.atom", base_url=HOST).data)
    assert not after.bozo, after.get("bozo_exception")
    assert [e.title for e in after.entries] == ["Talks resume in Cairo"]
    entry = after.entries[0]
    assert re.fullmatch(rf"{HOST}/article/[0-9a-f]+\?q=ceasefire#p1", entry.link)
    assert "<strong>ceasefire</strong>" in entry.content[0].value
    assert client.get("/api/saved").get_json()["saved"][0]["new"] == 1


def test_saved_search_of_another_article_is_not_matched(client, index_dir, store):
    put(client, "doha", q="truce")
    record_a1(index_dir, store)
    assert client.get("/api/saved/doha").get_json()["total"] == 0
    reader = open_engine(str(index_dir)).reader()
    match_new(reader, store, [f"{A2}#3"])
    assert client.get("/api/saved/doha").get_json()["total"] == 1
    assert SearchRequest(q="truce") == store.get("doha").request()
