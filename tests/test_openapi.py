"""The OpenAPI document is generated: its schemas are the models' dataclasses, its
parameters carry the limits of searchsvc.limits, and it lists exactly the API's routes."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pytest

from searchsvc import limits, models
from searchsvc.web import create_app, openapi_spec
from searchsvc.web.api import endpoint
from searchsvc.web.openapi import ENDPOINTS, Schemas, openapi_path
from searchsvc.web.params import Text

SPEC = openapi_spec()
SCHEMAS = SPEC["components"]["schemas"]


def component_types() -> dict[str, type]:
    """Return every component of the document with the dataclass it describes."""
    schemas = Schemas()
    schemas.ref(models.ErrorReply)
    for documented in ENDPOINTS:
        if documented.answer is not None:  # an export has no JSON answer
            schemas.ref(documented.answer)
    assert schemas.components == SCHEMAS
    return schemas.types


TYPES = component_types()


def params_of(path: str) -> dict[str, dict]:
    return {p["name"]: p for p in SPEC["paths"][path]["get"].get("parameters", [])}


def test_the_models_of_every_answer_are_components():
    assert {
        "SearchPage": models.SearchPage,
        "Hit": models.Hit,
        "Place": models.Place,
        "FacetValue": models.FacetValue,
        "Article": models.ArticleView,
        "ArticleParagraph": models.ArticleParagraph,
        "Suggestions": models.Suggestions,
        "Health": models.Health,
        "IndexStats": models.IndexStats,
        "Error": models.ErrorReply,
        "ErrorDetail": models.ErrorDetail,
        "Timeline": models.Timeline,
        "TimelineBucket": models.TimelineBucket,
        "TimelineComparison": models.TimelineComparison,
        "Related": models.Related,
        "RelatedValue": models.RelatedValue,
    }.items() <= TYPES.items()


@pytest.mark.parametrize("name", sorted(TYPES))
def test_every_model_field_in_the_api_is_a_described_required_property(name):
    schema = SCHEMAS[name]
    shown = [f.name for f in dataclasses.fields(TYPES[name]) if models.in_api(f)]
    assert list(schema["properties"]) == shown
    assert schema["required"] == shown
    for prop in shown:
        assert schema["properties"][prop].get("description"), f"{name}.{prop} has no description"


def test_fields_kept_out_of_the_api_are_out_of_the_document_and_the_json():
    assert "request" not in SCHEMAS["SearchPage"]["properties"]
    assert "path" not in SCHEMAS["IndexStats"]["properties"]
    stats = models.IndexStats(exists=True, path="/secret/index", documents=3)
    assert "path" not in models.api_dict(models.Health(status="ok", index=stats))["index"]


def test_types_come_from_the_hints():
    hit = SCHEMAS["Hit"]["properties"]
    assert hit["source"] == {
        "type": "string",
        "nullable": True,
        "description": "Source (site or agency) of the article.",
    }
    assert hit["position"]["type"] == "integer" and hit["position"]["minimum"] == 1
    assert hit["score"]["type"] == "number"
    assert hit["locations"]["items"] == {"$ref": "#/components/schemas/Place"}
    page = SCHEMAS["SearchPage"]["properties"]
    assert page["matched"]["enum"] == ["all", "any"]
    assert page["facets"]["required"] == list(limits.FACETS)
    assert SCHEMAS["Health"]["properties"]["index"]["allOf"] == [
        {"$ref": "#/components/schemas/IndexStats"}
    ]


def test_a_new_dataclass_gets_its_schema_without_writing_one():
    @dataclass
    class Span:
        """A stretch of days."""

        start: str = field(metadata=models.described("First day."))
        days: int | None = field(default=None, metadata=models.described("Length.", minimum=1))
        places: dict[str, list[models.Place]] = field(default_factory=dict)

    schemas = Schemas()
    assert schemas.ref(Span) == {"$ref": "#/components/schemas/Span"}
    span = schemas.components["Span"]
    assert span["description"] == "A stretch of days."
    assert span["properties"]["days"] == {
        "type": "integer",
        "nullable": True,
        "minimum": 1,
        "description": "Length.",
    }
    assert span["properties"]["places"]["additionalProperties"]["items"] == {
        "$ref": "#/components/schemas/Place"
    }
    assert "Place" in schemas.components


def test_a_type_without_a_schema_is_refused():
    @dataclass
    class Odd:
        when: complex

    with pytest.raises(TypeError, match="no schema"):
        Schemas().ref(Odd)


def test_parameters_carry_the_limits_and_enumerations():
    search = params_of("/api/search")
    assert search["q"]["schema"]["maxLength"] == limits.MAX_QUERY_CHARS
    assert search["sort"]["schema"]["enum"] == list(limits.SORTS)
    assert search["per_page"]["schema"]["maximum"] == limits.MAX_PER_PAGE
    assert search["per_page"]["schema"]["default"] == limits.DEFAULT_PER_PAGE
    assert search["facets"]["schema"]["maximum"] == limits.MAX_FACET_LIMIT
    assert search["page"]["schema"]["maximum"] == limits.MAX_RESULT_DEPTH
    assert f"At most {limits.MAX_FILTER_VALUES} distinct" in search["actor"]["description"]
    assert search["actor"]["schema"]["items"]["maxLength"] == limits.MAX_FILTER_CHARS
    assert search["expand"]["schema"]["enum"] == list(limits.FLAG_VALUES)
    suggest = params_of("/api/suggest")
    assert suggest["field"]["schema"]["enum"] == list(limits.SUGGEST_FIELDS)
    assert suggest["q"]["schema"]["maxLength"] == limits.MAX_SUGGEST_CHARS
    assert suggest["limit"]["schema"]["maximum"] == limits.MAX_SUGGEST_LIMIT
    article = params_of("/api/articles/{id}")["id"]
    assert article["in"] == "path" and article["required"] is True


def test_sort_orders_and_facets_are_the_models_literals():
    assert limits.SORTS == ("relevance", "newest", "oldest")
    assert limits.FACETS == ("actors", "locations", "sources")


def test_the_document_lists_exactly_the_api_routes(tmp_path):
    app = create_app({"INDEX_DIR": str(tmp_path / "none")})
    routes = {
        (openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and rule.rule != "/api/openapi.json"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == {(path, method) for path, item in SPEC["paths"].items() for method in item}
    assert app.test_client().get("/api/openapi.json").get_json() == SPEC


def test_every_operation_answers_errors_in_the_error_shape():
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert "200" in responses, (path, method)
            assert "503" in responses, (path, method)
            for status, response in responses.items():
                if status != "200":
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (path, status)


def test_every_operation_but_health_may_answer_401_and_every_write_403():
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert ("401" in responses) == (path != "/api/health"), (path, method)
            assert ("403" in responses) == (method != "get"), (path, method)
    assert SPEC["paths"]["/api/health"]["get"]["security"] == [{}]
    assert {"bearer", "basic"} <= set(SPEC["components"]["securitySchemes"])


def test_an_endpoint_must_declare_its_path_parameters():
    with pytest.raises(ValueError, match="path parameters"):
        endpoint("/things/<thing>", models.Suggestions, "x", "y")
    with pytest.raises(ValueError, match="path parameters"):
        endpoint("/things", models.Suggestions, "x", "y", params=(Text("id", "", where="path"),))
