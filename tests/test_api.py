"""The JSON API: shapes, errors, limits, OpenAPI validation of real responses, and a
property test that no parameter value can cause a server error."""

from __future__ import annotations

import copy
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from searchsvc import limits
from searchsvc.web import create_app, openapi_spec
from tests.fixtures_search import A1, A2, XSS, build_sample_index


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    return build_sample_index(tmp_path_factory.mktemp("index"))


@pytest.fixture(scope="module")
def client(index_dir):
    return create_app({"INDEX_DIR": str(index_dir)}).test_client()


def _jsonschema(node):
    """Return an OpenAPI 3.0 schema as JSON Schema (``nullable`` -> a null type)."""
    if isinstance(node, dict):
        out = {k: _jsonschema(v) for k, v in node.items() if k != "nullable"}
        if node.get("nullable"):
            if "type" in out:
                out["type"] = [out["type"], "null"]
            else:
                out = {"anyOf": [out, {"type": "null"}]}
        return out
    if isinstance(node, list):
        return [_jsonschema(v) for v in node]
    return node


SPEC = openapi_spec()
COMPONENTS = _jsonschema(copy.deepcopy(SPEC["components"]))


def validate(data, name):
    schema = {"$ref": f"#/components/schemas/{name}", "components": COMPONENTS}
    Draft202012Validator(schema).validate(data)


def get(client, path, **params):
    query = urlencode(params, doseq=True)
    return client.get(f"{path}?{query}" if query else path)


# -- shapes and OpenAPI --------------------------------------------------------------


def test_openapi_document_is_served_and_valid(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/search", "/api/articles/{id}", "/api/health", "/api/suggest"} <= set(
        spec["paths"]
    )
    Draft202012Validator.check_schema(_jsonschema(spec["components"]["schemas"]["SearchPage"]))


@pytest.mark.parametrize(
    "params",
    [
        {"q": '"humanitarian pause"'},
        {"q": "humanitarian", "actor": "Antony Blinken", "facets": "3"},
        {"q": "market", "sort": "newest", "page": "2", "per_page": "5"},
        {"q": "humanitarian", "collapse": "1"},
        {"q": "humanitarain"},
        {"location": "Turkey", "expand": "1"},
        {"q": "location:turkey", "from": "2022", "to": "2023-12-31"},
    ],
)
def test_search_responses_match_openapi(client, params):
    response = get(client, "/api/search", **params)
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    validate(data, "SearchPage")
    assert set(data) >= {
        "query",
        "total",
        "page",
        "per_page",
        "hits",
        "facets",
        "suggestion",
        "took_ms",
    }


def test_search_hit_fields(client):
    data = get(client, "/api/search", q='"humanitarian pause" erdogan').get_json()
    hit = data["hits"][0]
    assert hit["id"] == f"{A1}#1" and hit["article_id"] == A1
    assert hit["position"] == 1 and hit["paragraph_count"] == 4
    assert hit["locations"][0] == {
        "name": "Ankara",
        "country_code": "TR",
        "lat": 39.93,
        "lon": 32.86,
        "kind": "city",
        "country": "Turkey",
    }
    assert "<mark>humanitarian pause</mark>" in hit["highlight"]
    assert "<mark>" not in hit["text"]


def test_repeated_filters_and_active_facets(client):
    data = get(client, "/api/search", actor=["Antony Blinken", "Recep Tayyip Erdoğan"]).get_json()
    assert [h["id"] for h in data["hits"]] == [f"{A1}#1"]
    active = {f["value"] for f in data["facets"]["actors"] if f["active"]}
    assert active == {"Antony Blinken", "Recep Tayyip Erdoğan"}


def test_did_you_mean_in_api(client):
    data = get(client, "/api/search", q="humanitarain").get_json()
    assert data["total"] == 0 and data["suggestion"] == "humanitarian"


def test_article_health_suggest(client):
    response = client.get(f"/api/articles/{A2}")
    assert response.status_code == 200
    validate(response.get_json(), "Article")
    assert [p["position"] for p in response.get_json()["paragraphs"]] == [1, 2, 3]
    health = client.get("/api/health")
    assert health.status_code == 200
    validate(health.get_json(), "Health")
    assert health.get_json()["index"]["documents"] == 34
    suggest = get(client, "/api/suggest", field="actor", q="erd")
    validate(suggest.get_json(), "Suggestions")
    assert suggest.get_json()["values"] == ["Recep Tayyip Erdoğan"]


# -- errors ------------------------------------------------------------------------


def error_of(response, status, code=None):
    assert response.status_code == status
    data = response.get_json()
    validate(data, "Error")
    if code:
        assert data["error"]["code"] == code
    return data["error"]["message"]


@pytest.mark.parametrize(
    "params",
    [
        {"per_page": "101"},
        {"per_page": "0"},
        {"page": "-1"},
        {"page": "abc"},
        {"page": "1001"},
        {"sort": "random"},
        {"from": "yesterday"},
        {"from": "2024", "to": "2023"},
        {"q": "x" * 10_000},
        {"q": "date:garbage"},
        {"article": "../../etc"},
    ],
)
def test_bad_parameters_are_400(client, params):
    params.setdefault("q", "market")
    message = error_of(get(client, "/api/search", **params), 400, "bad_request")
    assert message


# What the OpenAPI document forbids is refused (found by schemathesis; see
# test_api_contract.py): every value outside a parameter's enum, range or length.


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/search", {"expand": "AAA"}),
        ("/api/search", {"collapse": "maybe"}),
        ("/api/search", {"collapse": "TRUE"}),
        ("/api/search", {"sort": ""}),
        ("/api/search", {"sort": " newest"}),
        ("/api/search", {"page": ""}),
        ("/api/search", {"page": " 2"}),
        ("/api/search", {"facets": "101"}),
        ("/api/search", {"article": ""}),
        ("/api/search", {"actor": [f"x{n}" for n in range(limits.MAX_FILTER_VALUES + 1)]}),
        ("/api/search", {"source": "s" * (limits.MAX_FILTER_CHARS + 1)}),
        ("/api/search", {"from": "2" * (limits.MAX_PARAM_CHARS + 1)}),
        ("/api/suggest", {"q": "0" * (limits.MAX_SUGGEST_CHARS + 1)}),
        ("/api/suggest", {"field": "people"}),
        ("/api/suggest", {"field": "actor "}),
        ("/api/suggest", {"limit": "0"}),
        ("/api/suggest", {"limit": str(limits.MAX_SUGGEST_LIMIT + 1)}),
    ],
)
def test_values_the_description_forbids_are_400(client, path, params):
    message = error_of(get(client, path, **params), 400, "bad_request")
    name = next(iter(params))
    assert name in message


@pytest.mark.parametrize(
    ("params", "expected"),
    [({"expand": "1"}, True), ({"expand": "yes"}, True), ({"expand": "0"}, False), ({}, False)],
)
def test_flags_take_the_values_the_description_lists(client, params, expected):
    def ids(**flags):
        data = get(client, "/api/search", location="Turkey", **flags).get_json()
        return {h["id"] for h in data["hits"]}

    assert f"{A1}#1" in ids(expand="1") - ids()  # Ankara, in Turkey, only with expand
    assert (f"{A1}#1" in ids(**params)) is expected


def test_the_most_filters_and_the_empty_add_a_filter_box_are_accepted(client):
    actors = [f"x{n}" for n in range(limits.MAX_FILTER_VALUES)]
    response = get(client, "/api/search", actor=[*actors, "", actors[0]])
    assert response.status_code == 200
    active = [f["value"] for f in response.get_json()["facets"]["actors"] if f["active"]]
    assert sorted(active) == sorted(actors)


def test_suggest_limit_at_its_maximum_and_plural_fields_are_accepted(client):
    response = get(client, "/api/suggest", field="actors", q="a", limit=limits.MAX_SUGGEST_LIMIT)
    assert response.status_code == 200
    assert response.get_json()["field"] == "actors"


def test_long_query_message_names_the_limit(client):
    assert "1000" in error_of(get(client, "/api/search", q="x" * 10_000), 400)


def test_not_found_method_and_size_errors_share_one_shape(client):
    error_of(client.get("/api/articles/ffffffffffffffff"), 404, "not_found")
    error_of(client.get("/api/articles/..%2F..%2Fetc%2Fpasswd"), 404, "not_found")
    error_of(client.get("/api/nothing-here"), 404, "not_found")
    response = client.post("/api/search")
    error_of(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]
    error_of(client.get("/api/search", data=b"x" * 200_000), 413, "request_too_large")


def test_unexpected_errors_are_500_in_the_same_shape(index_dir):
    class Broken:
        def search(self, request):
            raise RuntimeError("boom")

    client = create_app({"SEARCH_BACKEND": Broken()}).test_client()
    message = error_of(get(client, "/api/search", q="x"), 500, "internal_error")
    assert "boom" not in message


def test_missing_index_is_503(tmp_path):
    client = create_app({"INDEX_DIR": str(tmp_path / "none")}).test_client()
    error_of(get(client, "/api/search", q="x"), 503, "index_missing")
    error_of(client.get("/api/health"), 503, "index_missing")
    assert client.get("/?q=x").status_code == 503


def test_corrupt_index_is_503(tmp_path):
    gen = tmp_path / "gen-broken"
    gen.mkdir()
    (gen / "MAIN_1.toc").write_bytes(b"garbage")
    (tmp_path / "current").symlink_to("gen-broken")
    client = create_app({"INDEX_DIR": str(tmp_path)}).test_client()
    error_of(get(client, "/api/search", q="x"), 503, "index_corrupt")


# -- headers -------------------------------------------------------------------------


def test_cors_off_by_default_and_configurable(index_dir):
    plain = create_app({"INDEX_DIR": str(index_dir)}).test_client()
    response = plain.get("/api/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers
    allowed = create_app(
        {"INDEX_DIR": str(index_dir), "CORS_ORIGINS": "https://ok.example"}
    ).test_client()
    response = allowed.get("/api/health", headers={"Origin": "https://ok.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://ok.example"
    response = allowed.get("/api/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_api_security_headers(client):
    response = get(client, "/api/search", q="market")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_query_with_markup_is_searched_as_words(client):
    data = get(client, "/api/search", q=XSS).get_json()
    assert data["query"] == XSS
    for hit in data["hits"]:
        assert "<script" not in hit["highlight"]
    data = get(client, "/api/search", q="'; DROP TABLE articles; --").get_json()
    assert data["total"] == 0


# -- never a 500 ---------------------------------------------------------------------

PARAMS = [
    "q",
    "actor",
    "location",
    "source",
    "from",
    "to",
    "sort",
    "page",
    "per_page",
    "collapse",
    "article",
    "expand",
    "facets",
]


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.dictionaries(
        st.sampled_from(PARAMS),
        st.one_of(
            st.text(max_size=80),
            st.sampled_from(["0", "-1", "1e9", "99999999999", "2023-13-45", "*", '"', "AND"]),
        ),
        max_size=5,
    )
)
def test_no_parameter_value_causes_a_server_error(client, params):
    response = get(client, "/api/search", **params)
    assert response.status_code in (200, 400), (params, response.get_json())
    if response.status_code == 200:
        validate(response.get_json(), "SearchPage")
    else:
        validate(response.get_json(), "Error")


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=120), st.text(max_size=40))
def test_other_endpoints_never_fail(client, text, field):
    for response in (
        get(client, "/api/suggest", field=field, q=text),
        get(client, "/api/suggest", field="location", q=text, limit=text),
        client.get("/api/articles/" + text.replace("/", "").replace("?", "") or "x"),
        get(client, "/", q=text, actor=text, sort=text),
        get(client, f"/article/{A1}", q=text),
    ):
        assert response.status_code < 500, response.data[:300]


@pytest.mark.parametrize("value", ["¹", "٣", "²⁰"])
def test_non_ascii_digits_in_numeric_parameters_are_a_400(client, value):
    response = client.get("/api/search", query_string={"q": "ankara", "page": value})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
