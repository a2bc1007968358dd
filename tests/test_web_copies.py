"""Copies in the web app and the JSON API: dedupe on /api/search and the search page,
/api/copies and the copies page with differences marked, /api/similar and the similar
page, the article view naming its copies, dedupe on the analyst views (timeline,
compare, related, export and the page's chart and downloads), and an index made before
copies."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from searchsvc.engine import open_engine
from searchsvc.web import create_app
from tests.contract.conftest import write_corpus
from tests.contract.copies_corpus import CLUSTERS, FILES
from tests.test_api import validate

LEGACY_INDEX = Path(__file__).parent / "fixtures" / "legacy-index"
MARCH = "from=2024-03&to=2024-03&per_page=50"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("copies") / "index"
    write_corpus(open_engine(str(folder)), FILES)
    return create_app({"INDEX_DIR": str(folder)}).test_client()


def test_api_search_with_dedupe_true_folds_copies_and_says_it_counts_stories(client):
    data = client.get(f"/api/search?{MARCH}&dedupe=true").get_json()
    validate(data, "SearchPage")
    assert data["counted"] == "stories" and data["folded"] == sum(len(c) - 1 for c in CLUSTERS)
    hit = next(h for h in data["hits"] if h["id"] == "a1#1")
    assert (hit["cluster"], hit["copies"], hit["copy_sources"]) == ("a1#1", 3, 2)
    plain = client.get(f"/api/search?{MARCH}").get_json()
    assert plain["counted"] == "paragraphs" and plain["total"] > data["total"]
    assert client.get(f"/api/search?{MARCH}&dedupe=maybe").status_code == 400


def test_api_copies_lists_a_paragraphs_copies(client):
    response = client.get("/api/copies/c3%232")
    assert response.status_code == 200
    data = response.get_json()
    validate(data, "Copies")
    assert data["canonical"] == "a1#2"
    assert [c["id"] for c in data["copies"]] == ["a1#2", "b2#2", "d4#2"]
    assert client.get("/api/copies/ffff%239").status_code == 404
    assert client.get("/api/copies/not-an-id").status_code == 400


def test_api_similar_answers_hits_in_the_shape_of_search(client):
    data = client.get("/api/similar/a1%231").get_json()
    validate(data, "SearchPage")
    assert data["hits"] and data["hits"][0]["article_id"] == "e5"
    assert client.get("/api/similar/a1%231?page=101").status_code == 400
    assert client.get("/api/similar/ffff%239").status_code == 404


def test_api_article_names_its_copies(client):
    data = client.get("/api/articles/b2").get_json()
    validate(data, "Article")
    assert [c["id"] for c in data["copies"]] == ["a1", "c3", "d4"]
    assert client.get("/api/articles/e5").get_json()["copies"] == []


def test_the_search_page_has_a_dedupe_toggle_and_links_copies_and_similar_paragraphs(client):
    page = client.get(f"/?{MARCH}&dedupe=1").get_data(as_text=True)
    assert 'name="dedupe" value="1" checked' in page
    assert "stories" in page and "copies counted once" in page
    assert 'href="/copies/a1%231"' in page and "and 3 copies in 2 other sources" in page
    assert 'href="/similar/a1%231"' in page
    # Links from the results (facets here) keep the toggle.
    facet_links = [part.split('"')[0] for part in page.split('href="/?')[1:]]
    assert facet_links and all("dedupe=1" in link for link in facet_links)


def test_the_copies_page_marks_each_copys_differences(client):
    page = client.get("/copies/a1%232").get_data(as_text=True)
    assert "b2#2" in page and "d4#2" in page
    assert "<del>two per cent,</del> <ins>2 percent,</ins>" in page  # b2#2, the Herald
    assert client.get("/copies/ffff%239").status_code == 404


def test_the_similar_and_article_pages(client):
    similar = client.get("/similar/a1%231")
    assert similar.status_code == 200 and "/article/e5" in similar.get_data(as_text=True)
    article = client.get("/article/b2").get_data(as_text=True)
    assert "Also published as" in article and 'href="/article/a1"' in article


def test_an_index_made_before_copies_answers_dedupe_with_409_and_shows_articles(tmp_path):
    folder = tmp_path / "legacy"
    shutil.copytree(LEGACY_INDEX, folder, symlinks=True)
    client = create_app({"INDEX_DIR": str(folder)}).test_client()
    response = client.get("/api/search?q=glacier&dedupe=1")
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "reindex_needed" and "reindex --full" in error["message"]
    article_id = client.get("/api/search?q=glacier").get_json()["hits"][0]["article_id"]
    data = client.get(f"/api/articles/{article_id}").get_json()
    assert data["copies"] is None and data["paragraphs"]
    assert client.get(f"/article/{article_id}").status_code == 200


def test_api_timeline_and_compare_with_dedupe_count_stories_on_their_first_day(client):
    data = client.get(f"/api/timeline?{MARCH}&interval=day&dedupe=1").get_json()
    validate(data, "Timeline")
    assert data["counted"] == "stories"
    counts = {b["start"]: b["count"] for b in data["buckets"] if b["count"]}
    assert counts == {"2024-03-04": 6, "2024-03-05": 2, "2024-03-06": 1, "2024-03-11": 2}
    plain = client.get(f"/api/timeline?{MARCH}&interval=day").get_json()
    assert plain["counted"] == "paragraphs"
    assert sum(b["count"] for b in plain["buckets"]) == sum(len(p) for p in FILES.values())
    compared = client.get(
        "/api/timeline/compare?q=harbour&q=union&interval=day&dedupe=1"
    ).get_json()
    assert [s["counted"] for s in compared["series"]] == ["stories", "stories"]
    union = {b["start"]: b["count"] for b in compared["series"][1]["buckets"] if b["count"]}
    # a1#2 (its three copies folded) and e5#2; the follow-up f6#2 names the union too.
    assert union == {"2024-03-04": 2, "2024-03-11": 1}
    plain = client.get("/api/timeline/compare?q=harbour&q=union&interval=day").get_json()
    assert sum(b["count"] for b in plain["series"][1]["buckets"]) == 6


def test_api_related_with_dedupe_says_it_counts_stories(client):
    data = client.get(f"/api/related?{MARCH}&field=actors&dedupe=1").get_json()
    validate(data, "Related")
    assert data["counted"] == "stories" and data["matched"] == len(CLUSTERS) + 7
    assert client.get(f"/api/related?{MARCH}&field=actors").get_json()["counted"] == "paragraphs"


def test_api_export_with_dedupe_has_one_row_per_story_and_the_copy_columns(client):
    response = client.get(f"/api/export?{MARCH}&sort=oldest&dedupe=1")
    assert response.status_code == 200 and response.headers["X-Searchsvc-Dedupe"] == "1"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True)[1:])))
    assert len(rows) == int(response.headers["X-Searchsvc-Rows"]) == len(CLUSTERS) + 7
    by_id = {r["id"]: r for r in rows}
    assert (by_id["a1#2"]["cluster"], by_id["a1#2"]["copies"]) == ("a1#2", "3")
    assert by_id["a1#2"]["copy_sources"] == "2" and by_id["e5#1"]["copies"] == "0"
    plain = client.get(f"/api/export?{MARCH}&format=ndjson")
    assert plain.headers["X-Searchsvc-Dedupe"] == "0"
    lines = plain.get_data(as_text=True).splitlines()
    assert len(lines) == sum(len(p) for p in FILES.values())
    assert "copies" not in json.loads(lines[0])


def test_the_search_page_with_dedupe_charts_stories_and_downloads_them(client):
    page = client.get(f"/?{MARCH}&dedupe=1").get_data(as_text=True)
    assert "Matching stories per" in page and ">Stories<" in page
    downloads = re.findall(r'href="(/api/export\?[^"]+)"', page)
    chart_csv = re.findall(r'href="(/api/timeline\?[^"]+)"', page)
    assert downloads and chart_csv
    assert all("dedupe=1" in link for link in downloads + chart_csv)
    plain = client.get(f"/?{MARCH}").get_data(as_text=True)
    assert "Matching paragraphs per" in plain and "Matching stories" not in plain


@pytest.mark.parametrize(
    "path",
    [
        "/api/timeline?q=glacier&dedupe=1",
        "/api/timeline/compare?q=glacier&q=ice&dedupe=1",
        "/api/related?q=glacier&dedupe=1",
        "/api/export?q=glacier&dedupe=1",
    ],
)
def test_the_views_of_an_index_made_before_copies_answer_dedupe_with_409(tmp_path, path):
    folder = tmp_path / "legacy"
    shutil.copytree(LEGACY_INDEX, folder, symlinks=True)
    client = create_app({"INDEX_DIR": str(folder)}).test_client()
    response = client.get(path)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "reindex_needed"
    assert client.get(path.replace("&dedupe=1", "")).status_code == 200
