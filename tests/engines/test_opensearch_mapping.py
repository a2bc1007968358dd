"""The index mapping comes from code: docs/opensearch-mapping.json is its output, the
cluster accepts it, and every field a paragraph document carries is mapped."""

from __future__ import annotations

import json
from pathlib import Path

from searchsvc.engines.opensearch.documents import paragraph_document
from searchsvc.engines.opensearch.mapping import mapping_document, paragraph_mappings
from searchsvc.models import Place
from tests.engines.conftest import paragraph

DOC = Path(__file__).resolve().parents[2] / "docs" / "opensearch-mapping.json"


def test_the_documented_mapping_is_the_one_in_code():
    documented = json.loads(DOC.read_text("utf-8"))
    assert documented == mapping_document(), (
        "docs/opensearch-mapping.json is stale: run "
        "python -m searchsvc.engines.opensearch.mapping > docs/opensearch-mapping.json"
    )


def test_every_field_of_a_paragraph_document_is_mapped():
    place = Place("Ankara", "TR", 39.9, 32.8, "city", "Turkey")
    doc = paragraph_document(
        paragraph("ab", 1, "Talks in Ankara.", actors=("Antony Blinken",), places=(place,)), "k"
    )
    assert set(doc) <= set(paragraph_mappings()["properties"])


def test_the_prepared_copies_stay_out_of_the_source():
    mappings = paragraph_mappings()
    excluded = set(mappings["_source"]["excludes"])
    assert {"body", "headline", "actor_words"} <= excluded
    assert not excluded & {"text", "title", "actors", "places", "date"}


def test_the_cluster_accepts_the_mapping_and_indexes_a_document(os_engine):
    store = os_engine.store
    build = store.create_build()
    mapping = os_engine.cluster.client.indices.get_mapping(index=build)[build]["mappings"]
    assert mapping["dynamic"] == "strict"
    assert mapping["properties"]["body"]["analyzer"] == "searchsvc_stem"
