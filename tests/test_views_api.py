"""The analyst views' JSON API: /api/timeline, /api/timeline/compare, /api/related and
/api/export answer what their OpenAPI description says, and their figures are the
search's figures (a bucket's count is what a date-filtered search reports, an export
has one row per hit, a related value's count is the search with it added as a filter)."""

from __future__ import annotations

import csv
import io
import json
import re
from contextlib import contextmanager
from datetime import date
from urllib.parse import parse_qs, unquote, urlencode

import pytest

from searchsvc import limits
from searchsvc import timeline as timelines
from searchsvc.export import COLUMNS
from searchsvc.indexer import write_paragraphs
from searchsvc.web import create_app, openapi_spec
from searchsvc.web.downloads import EXPORT_HEADERS, _chunks, header_text, slug
from tests.fixtures_search import A1, A2, build_sample_index, sample_paragraphs
from tests.opensearch_cluster import cluster_modes, fresh_location
from tests.test_api import validate

SPEC = openapi_spec()


@pytest.fixture(scope="module", params=[pytest.param("whoosh", id="whoosh"), *cluster_modes()])
def client(request, tmp_path_factory):
    """The app over the sample paragraphs, in a Whoosh folder and in OpenSearch."""
    if request.param == "whoosh":
        index_dir = build_sample_index(tmp_path_factory.mktemp("views-api") / "ix")
        yield create_app({"INDEX_DIR": str(index_dir)}).test_client()
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEARCHSVC_OPENSEARCH_REPLICAS", "0")
        with fresh_location(request.param, "views") as location:
            write_paragraphs(location, sample_paragraphs())
            yield create_app({"INDEX_DIR": location}).test_client()


def get(client, path, **params):
    query = urlencode(params, doseq=True)
    return client.get(f"{path}?{query}" if query else path)


def total(client, **params) -> int:
    response = get(client, "/api/search", **params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["total"]


def error_of(response, status=400) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    data = response.get_json()
    validate(data, "Error")
    assert data["error"]["code"] == "bad_request"
    return data["error"]["message"]


def csv_rows(response) -> list[dict[str, str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff"), "a byte-order mark, for spreadsheet programs"
    return list(csv.DictReader(io.StringIO(text[1:])))


# -- timeline ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"q": "stock market", "interval": "month"},
        {"q": "stock market", "interval": "week"},
        {"q": "stock market"},
        {"actor": "Stock Exchange", "interval": "year"},
        {"q": "humanitarian OR ceasefire OR turkey", "interval": "month"},
        {"q": "humanitarian OR turkey", "location": "Turkey", "expand": "1", "interval": "year"},
    ],
)
def test_timeline_counts_equal_date_filtered_searches(client, params):
    response = get(client, "/api/timeline", **params)
    assert response.status_code == 200, response.get_json()
    found = response.get_json()
    validate(found, "Timeline")
    assert found["buckets"], "the sample has dated hits"
    filters = {k: v for k, v in params.items() if k != "interval"}
    for bucket in found["buckets"]:
        last = timelines.bucket_end(date.fromisoformat(bucket["start"]), found["interval"])
        dated = {**filters, "from": bucket["start"], "to": last.isoformat()}
        assert bucket["count"] == total(client, **dated), bucket
        articles = {h["article_id"] for h in get(client, "/api/search", **dated, per_page=100)
                    .get_json()["hits"]}
        assert bucket["articles"] == len(articles), bucket
    counted = sum(b["count"] for b in found["buckets"]) + found["undated"]
    assert counted == total(client, **filters)


def test_timeline_interval_default_and_totals(client):
    found = get(client, "/api/timeline", q="humanitarian").get_json()
    assert found["interval"] == "day"  # hits 25 days apart: days up to three months
    starts = [b["start"] for b in found["buckets"]]
    assert starts[0] == "2023-11-06" and starts[-1] == "2023-12-01"
    assert len(starts) == 26  # gaps filled with zeros
    first = found["buckets"][0]
    assert (first["count"], first["total"], first["share"]) == (3, 4, 0.75)
    assert found["query"] == "humanitarian"


def test_timeline_csv_is_the_series_as_a_download(client):
    params = {"q": "stock market", "interval": "month"}
    data = get(client, "/api/timeline", **params).get_json()
    response = get(client, "/api/timeline", **params, format="csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert re.fullmatch(
        r'attachment; filename="searchsvc-timeline-stock-market\.csv"',
        response.headers["Content-Disposition"],
    )
    rows = csv_rows(response)
    assert list(rows[0]) == ["month", "count", "articles", "total", "share"]
    assert [(r["month"], int(r["count"]), int(r["total"])) for r in rows] == [
        (b["start"], b["count"], b["total"]) for b in data["buckets"]
    ]


def test_compare_gives_each_query_its_series_over_the_same_buckets(client):
    response = get(
        client, "/api/timeline/compare", q=["humanitarian", "doha", "stock"], interval="month"
    )
    assert response.status_code == 200, response.get_json()
    found = response.get_json()
    validate(found, "TimelineComparison")
    assert found["interval"] == "month"
    assert [s["query"] for s in found["series"]] == ["humanitarian", "doha", "stock"]
    starts = [b["start"] for b in found["series"][0]["buckets"]]
    assert starts[0] == "2021-01-01" and starts[-1] == "2023-12-01"  # the union of spans
    for series in found["series"]:
        assert [b["start"] for b in series["buckets"]] == starts
        assert sum(b["count"] for b in series["buckets"]) == total(client, q=series["query"])
    csv_response = get(
        client, "/api/timeline/compare", q=["humanitarian", "doha", "stock"],
        interval="month", format="csv",
    )
    rows = list(csv.reader(io.StringIO(csv_response.get_data(as_text=True)[1:])))
    assert rows[0] == ["month", "humanitarian", "doha", "stock"]
    assert [r[0] for r in rows[1:]] == starts
    for k, series in enumerate(found["series"], 1):
        assert [int(r[k]) for r in rows[1:]] == [b["count"] for b in series["buckets"]]


def test_compare_shares_the_filters(client):
    found = get(
        client, "/api/timeline/compare", q=["humanitarian", "pause"], actor="Antony Blinken"
    ).get_json()
    for series in found["series"]:
        counted = sum(b["count"] for b in series["buckets"]) + series["undated"]
        assert counted == total(client, q=series["query"], actor="Antony Blinken")


# -- related -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"location": "Doha"}, "actors"),
        ({"actor": "Antony Blinken"}, "locations"),
        ({"q": "ceasefire OR humanitarian"}, "locations"),
        ({"location": "Turkey", "expand": "1"}, "actors"),
    ],
)
def test_related_counts_are_searches_with_the_value_added(client, filters, field):
    response = get(client, "/api/related", **filters, field=field, min_count=1)
    assert response.status_code == 200, response.get_json()
    found = response.get_json()
    validate(found, "Related")
    assert found["field"] == field and found["values"]
    assert found["matched"] == total(client, **filters)
    paragraphs = len(sample_paragraphs())
    name = {"actors": "actor", "locations": "location"}[field]
    for value in found["values"]:
        with_it = {**filters, name: [*[filters.get(name)] * (name in filters), value["value"]]}
        assert value["count"] == total(client, **with_it), value
        assert value["share"] == pytest.approx(value["count"] / found["matched"], abs=1e-6)
        everywhere = total(client, **{name: value["value"]})
        assert value["lift"] == pytest.approx(
            value["share"] / (everywhere / paragraphs), rel=1e-3
        )
    lifts = [v["lift"] for v in found["values"]]
    assert lifts == sorted(lifts, reverse=True)


def test_related_by_count_with_min_count_and_limit(client):
    found = get(
        client, "/api/related", q="stock OR humanitarian", field="actors", sort="count",
        min_count=2, limit=1,
    ).get_json()
    assert [v["value"] for v in found["values"]] == ["Stock Exchange"]
    assert found["values"][0]["count"] == 13
    rare = get(client, "/api/related", q="humanitarian", field="actors", min_count=3).get_json()
    assert rare["values"] == []  # nobody is named in 3 of its hits


# -- export --------------------------------------------------------------------------


def test_csv_export_round_trips_with_one_row_per_hit_in_search_order(client):
    params = {"q": "stock market", "sort": "newest"}
    response = get(client, "/api/export", **params, format="csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    rows = csv_rows(response)
    search = get(client, "/api/search", **params, per_page=100).get_json()
    assert len(rows) == search["total"] == int(response.headers["X-Searchsvc-Rows"]) == 25
    assert [r["id"] for r in rows] == [h["id"] for h in search["hits"]]
    assert list(rows[0]) == list(COLUMNS)


def test_csv_export_cells_are_clean_and_multi_valued_cells_joined(client):
    rows = csv_rows(get(client, "/api/export", q="ankara OR tags"))
    first = next(r for r in rows if r["id"] == f"{A1}#1")
    assert first["actors"] == "Antony Blinken; Recep Tayyip Erdoğan"
    assert first["locations"] == "Ankara; Gaza" and first["countries"] == "PS; TR"
    assert first["url"] == "https://example.org/a1" and first["date"] == "2023-11-06"
    tags = next(r for r in rows if r["id"] == f"{A1}#4")
    assert tags["text"].startswith("<script>")  # data, not markup: nothing escaped


def test_ndjson_export_has_one_object_per_line(client):
    response = get(client, "/api/export", q="doha", format="ndjson", sort="oldest")
    assert response.mimetype == "application/x-ndjson"
    rows = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert len(rows) == total(client, q="doha") == int(response.headers["X-Searchsvc-Rows"])
    assert list(rows[0]) == list(COLUMNS)
    assert rows[0]["locations"] == ["Qatar", "Doha", "Israel"] and rows[0]["actors"] == ["Hamas"]


def test_collapsed_export_has_one_row_per_article(client):
    params = {"q": "humanitarian OR doha", "collapse": "1"}
    rows = csv_rows(get(client, "/api/export", **params))
    assert len(rows) == len({r["article_id"] for r in rows}) == total(client, **params) == 2
    assert {r["article_id"] for r in rows} == {A1, A2}


def test_what_an_export_is_of_travels_in_its_headers(client):
    params = {"q": '"Erdoğan" OR pause', "actor": "Antony Blinken", "from": "2023"}
    response = get(client, "/api/export", **params, sort="oldest", collapse="1")
    headers = response.headers
    assert set(EXPORT_HEADERS) <= set(headers.keys())
    assert unquote(headers["X-Searchsvc-Query"]) == params["q"]
    assert headers["X-Searchsvc-Query"].isascii()
    assert parse_qs(headers["X-Searchsvc-Filters"]) == {
        "actor": ["Antony Blinken"], "from": ["2023"]
    }
    assert headers["X-Searchsvc-Sort"] == "oldest" and headers["X-Searchsvc-Collapse"] == "1"
    assert headers["X-Searchsvc-Index-Version"]
    stamp = headers["X-Searchsvc-Exported-At"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", stamp)
    compact = stamp[:19].replace("-", "").replace(":", "") + "Z"
    assert headers["Content-Disposition"] == (
        f'attachment; filename="searchsvc-erdogan-or-pause-{compact}.csv"'
    )
    rows = csv_rows(response)
    assert len(rows) == int(headers["X-Searchsvc-Rows"])
    assert all(not r["id"].startswith(("#", "query")) for r in rows)  # no metadata rows
    again = get(client, "/api/export", **params)
    assert again.headers["X-Searchsvc-Index-Version"] == headers["X-Searchsvc-Index-Version"]


def test_header_values_and_file_names_are_ascii():
    assert header_text("humanitarian pause") == "humanitarian pause"
    assert header_text("Erdoğan 100%\n") == "Erdo%C4%9Fan 100%25%0A"
    assert unquote(header_text("Erdoğan 100%\n")) == "Erdoğan 100%\n"
    assert slug('actor:"Recep Tayyip Erdoğan" -x') == "actor-recep-tayyip-erdogan-x"
    assert slug("«»") == "all"
    assert len(slug("word " * 100)) <= 60


def test_filter_only_exports_are_named_after_the_filters(client):
    response = get(client, "/api/export", location="Doha", format="ndjson")
    assert 'filename="searchsvc-doha-' in response.headers["Content-Disposition"]
    assert response.headers["X-Searchsvc-Query"] == ""


def test_export_is_sent_in_bounded_pieces():
    lines = (f"{n:05d},{'x' * 1000}\n" for n in range(500))
    pieces = list(_chunks(lines))
    assert len(pieces) > 5
    assert all(len(p) < limits.EXPORT_CHUNK_BYTES + 1100 for p in pieces)
    assert b"".join(pieces).count(b"\n") == 500


class Recording:
    """A SearchEngine passing everything to ``inner``, noting when an export's
    context (the index version it holds) is entered and left."""

    def __init__(self, inner):
        self.inner = inner
        self.events: list[str] = []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    @contextmanager
    def export(self, request):
        with self.inner.export(request) as found:
            self.events.append("held")
            try:
                yield found
            finally:
                self.events.append("released")


def test_an_export_holds_its_index_version_until_the_response_is_closed(tmp_path):
    from searchsvc.engine import open_engine

    folder = build_sample_index(tmp_path / "ix")
    engine = Recording(open_engine(str(folder)).reader())
    client = create_app({"SEARCH_BACKEND": engine}).test_client()
    response = client.get("/api/export?q=stock+market", buffered=False)
    assert engine.events == ["held"]
    write_paragraphs(folder, sample_paragraphs()[:5])  # a rebuild publishes meanwhile
    rows = csv_rows(response)
    assert len(rows) == int(response.headers["X-Searchsvc-Rows"]) == 25
    response.close()
    assert engine.events == ["held", "released"]
    assert get(client, "/api/export", q="stock market").headers["X-Searchsvc-Rows"] == "0"
    gone = client.get("/api/export?q=stock+market", buffered=False)
    gone.close()  # the client went away before reading anything
    assert engine.events[-2:] == ["held", "released"]


# -- errors and the document ---------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        ("/api/timeline", {"q": "doha", "interval": "hour"}, "interval"),
        ("/api/timeline", {"q": "doha", "interval": ""}, "interval"),
        ("/api/timeline", {"q": "doha", "format": "xml"}, "format"),
        ("/api/timeline", {"q": ""}, "nothing to search"),
        ("/api/timeline", {"q": "doha", "from": "2024", "to": "2023"}, "start date"),
        ("/api/timeline/compare", {"q": "doha"}, "2 to 5"),
        ("/api/timeline/compare", {}, "2 to 5"),
        ("/api/timeline/compare", {"q": [f"q{n}" for n in range(6)]}, "2 to 5"),
        ("/api/timeline/compare", {"q": ["doha", "x" * 1001]}, "q"),
        ("/api/timeline/compare", {"q": ["doha", "gaza"], "interval": "decade"}, "interval"),
        ("/api/related", {"q": "doha", "field": "sources"}, "field"),
        ("/api/related", {"q": "doha", "sort": "random"}, "sort"),
        ("/api/related", {"q": "doha", "min_count": "0"}, "min_count"),
        ("/api/related", {"q": "doha", "limit": str(limits.MAX_RELATED_LIMIT + 1)}, "limit"),
        ("/api/related", {"q": "date:garbage"}, "date"),
        ("/api/export", {"q": "doha", "format": "xlsx"}, "format"),
        ("/api/export", {"q": "doha", "sort": "random"}, "sort"),
        ("/api/export", {"q": "doha", "collapse": "maybe"}, "collapse"),
        ("/api/export", {}, "nothing to search"),
    ],
)
def test_bad_input_is_a_400_in_the_one_error_shape(client, path, params, named):
    assert named in error_of(get(client, path, **params))


def test_too_many_buckets_is_a_400_naming_the_fix(tmp_path):
    folder = tmp_path / "ix"
    paragraphs = sample_paragraphs()
    old = paragraphs[0]
    paragraphs.append(
        type(old)(**{**old.__dict__, "id": "dddddddddddddddd#1", "article_id": "d" * 16,
                     "date": "1900-01-01", "count": 1, "position": 1})
    )
    write_paragraphs(folder, paragraphs)
    client = create_app({"INDEX_DIR": str(folder)}).test_client()
    message = error_of(get(client, "/api/timeline", q="blinken", interval="day"))
    assert str(limits.MAX_TIMELINE_BUCKETS) in message and "coarser" in message
    assert get(client, "/api/timeline", q="blinken").get_json()["interval"] == "year"


def test_the_document_describes_the_views():
    paths = SPEC["paths"]
    timeline = paths["/api/timeline"]["get"]
    content = timeline["responses"]["200"]["content"]
    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/Timeline"}
    assert "text/csv" in content
    params = {p["name"]: p for p in timeline["parameters"]}
    assert params["interval"]["schema"]["enum"] == list(limits.INTERVALS)
    assert "default" not in params["interval"]["schema"]  # chosen from the hits
    assert {"q", "actor", "location", "source", "from", "to", "article", "expand"} <= set(params)
    compare = {p["name"]: p for p in paths["/api/timeline/compare"]["get"]["parameters"]}
    assert compare["q"]["required"] is True
    assert (compare["q"]["schema"]["minItems"], compare["q"]["schema"]["maxItems"]) == (
        limits.MIN_COMPARE_QUERIES, limits.MAX_COMPARE_QUERIES
    )
    related = {p["name"]: p for p in paths["/api/related"]["get"]["parameters"]}
    assert related["field"]["schema"]["enum"] == list(limits.RELATED_FIELDS)
    assert related["sort"]["schema"]["enum"] == list(limits.RELATED_SORTS)
    assert related["limit"]["schema"]["maximum"] == limits.MAX_RELATED_LIMIT
    export = paths["/api/export"]["get"]
    ok = export["responses"]["200"]
    assert set(ok["content"]) == {"text/csv", "application/x-ndjson"}
    assert set(ok["headers"]) == set(EXPORT_HEADERS)
    assert all(h["required"] for h in ok["headers"].values())
    export_params = {p["name"]: p for p in export["parameters"]}
    assert export_params["format"]["schema"]["enum"] == list(limits.EXPORT_FORMATS)
    assert {"sort", "collapse"} <= set(export_params) and "page" not in export_params
    for path in ("/api/timeline", "/api/timeline/compare", "/api/related", "/api/export"):
        responses = paths[path]["get"]["responses"]
        assert {"400", "503"} <= set(responses), path
    bucket = SPEC["components"]["schemas"]["TimelineBucket"]["properties"]
    assert list(bucket) == ["start", "count", "articles", "total", "share"]
    value = SPEC["components"]["schemas"]["RelatedValue"]["properties"]
    assert list(value) == ["value", "count", "share", "lift"]


def test_with_an_access_token_the_views_need_it_and_the_page_links_work_logged_in(tmp_path):
    token = "views-token-for-the-tests"
    folder = build_sample_index(tmp_path / "ix")
    app = create_app({"INDEX_DIR": str(folder), "ACCESS_TOKEN": token})
    client = app.test_client()
    paths = (
        "/api/timeline?q=doha",
        "/api/timeline/compare?q=doha&q=gaza",
        "/api/related?q=doha",
        "/api/export?q=doha",
    )
    for path in paths:
        refused = client.get(path)
        assert refused.status_code == 401, path
        validate(refused.get_json(), "Error")
        allowed = client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert allowed.status_code == 200, path
    person = app.test_client()
    form = person.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    logged_in = person.post("/login", data={"csrf_token": csrf, "token": token, "next": "/"})
    assert logged_in.status_code in (302, 303)
    html = person.get("/?q=doha").get_data(as_text=True)
    export = re.search(r'<a id="export-csv" href="([^"]+)"', html).group(1)
    response = person.get(export.replace("&amp;", "&"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert len(csv_rows(response)) == total(person, q="doha")
