"""The analyst views' API on real text (../shared; skipped without it): the BBC corpus
with thousands of hits per query, and the seed article read by the real pipeline with
its entity model.

The BBC files carry no dates, so the test gives each article one, spread over two years
by a hash of its path (written as JSON Lines records): the views are checked against
the searches over the same dates, whatever they are.
"""

from __future__ import annotations

import csv
import io
import json
import zlib
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest

from searchsvc import timeline as timelines
from searchsvc.indexer import reindex
from searchsvc.parse import parse_file
from searchsvc.web import create_app
from tests.conftest import shared_path

pytestmark = pytest.mark.slow

QUERY = "said"  # in thousands of BBC paragraphs


def dated_corpus(bbc, target) -> None:
    """Write the BBC articles, as the indexer reads them, as JSON Lines records, each
    with a date in 2004-2005."""
    with open(target, "w", encoding="utf-8") as out:
        for path in sorted(bbc.rglob("*.txt")):
            for article in parse_file(path).articles:
                day = date(2004, 1, 1) + timedelta(days=zlib.crc32(path.name.encode()) % 731)
                record = {"title": article.title, "text": "\n\n".join(article.paragraphs),
                          "date": day.isoformat(), "source": path.parent.name}
                out.write(json.dumps(record) + "\n")


@pytest.fixture(scope="module")
def bbc_client(tmp_path_factory):
    bbc = shared_path("corpus", "bbc")
    folder = tmp_path_factory.mktemp("views-bbc")
    dated_corpus(bbc, folder / "bbc.jsonl")
    reindex([str(folder / "bbc.jsonl")], folder / "ix", full=True, entities=False, workers=1)
    return create_app({"INDEX_DIR": str(folder / "ix")}).test_client()


def get(client, path, **params):
    response = client.get(f"{path}?{urlencode(params, doseq=True)}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response


def test_timeline_over_thousands_of_hits_sums_to_the_total_and_matches_searches(bbc_client):
    total = get(bbc_client, "/api/search", q=QUERY).get_json()["total"]
    assert total > 2000
    found = get(bbc_client, "/api/timeline", q=QUERY, interval="month").get_json()
    assert len(found["buckets"]) == 24
    assert sum(b["count"] for b in found["buckets"]) + found["undated"] == total
    assert found["undated"] == 0
    for bucket in found["buckets"]:
        last = timelines.bucket_end(date.fromisoformat(bucket["start"]), "month")
        search = get(
            bbc_client, "/api/search", q=QUERY, **{"from": bucket["start"], "to": str(last)}
        ).get_json()
        assert bucket["count"] == search["total"], bucket
        assert bucket["articles"] == search["articles"], bucket
    chosen = get(bbc_client, "/api/timeline", q=QUERY).get_json()
    assert chosen["interval"] == "week"  # two years of hits


def test_the_csv_export_has_one_row_per_hit_and_round_trips(bbc_client):
    total = get(bbc_client, "/api/search", q=QUERY).get_json()["total"]
    response = get(bbc_client, "/api/export", q=QUERY, format="csv", sort="newest")
    assert int(response.headers["X-Searchsvc-Rows"]) == total
    text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert len(rows) == total == len({r["id"] for r in rows})
    missing = [r for r in rows if QUERY not in (r["text"] + r["title"]).lower()]
    assert not missing, missing[:3]
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates, reverse=True)
    page = get(bbc_client, "/api/search", q=QUERY, sort="newest", per_page=100).get_json()
    assert [r["id"] for r in rows[:100]] == [h["id"] for h in page["hits"]]


def test_related_for_location_ankara_on_the_seed_article_names_hakan_fidan(tmp_path):
    seed = shared_path("seed", "blinken-turkey.txt")
    reindex([str(seed)], tmp_path / "ix", full=True, workers=1)
    client = create_app({"INDEX_DIR": str(tmp_path / "ix")}).test_client()
    found = get(
        client, "/api/related", q="location:ankara", field="actors", min_count=1
    ).get_json()
    names = [v["value"] for v in found["values"]]
    assert "Hakan Fidan" in names, names
    page = client.get("/?" + urlencode({"location": "Ankara"})).get_data(as_text=True)
    assert "People and organisations named with Ankara" in page and "Hakan Fidan" in page
