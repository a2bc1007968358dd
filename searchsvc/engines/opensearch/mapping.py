"""The index settings and mappings, defined here and nowhere else.

``docs/opensearch-mapping.json`` is this module's output (``mapping_document()``);
``tests/engines/test_opensearch_mapping.py`` fails when the two differ. Regenerate it
with ``python -m searchsvc.engines.opensearch.mapping > docs/opensearch-mapping.json``.

Two kinds of index make one searchsvc build (see ``write.py``): the paragraph index
(``NAME-<stamp>``, searched through the alias ``NAME``) and its file-state index
(``NAME-<stamp>-files``, alias ``NAME-files``: one document per source file with its
change-detection key). The reindex lock lives in ``NAME-lock``.
"""

from __future__ import annotations

import json
from typing import Any

MAPPING_VERSION = 1
STEM_ANALYZER = "searchsvc_stem"
WORDS_ANALYZER = "searchsvc_words"
# Prepared copies are indexed but left out of _source (the originals are there).
INDEXED_ONLY = [
    "body",
    "headline",
    "actor_words",
    "location_words",
    "country_words",
    "source_words",
]
# User-facing query fields (searchsvc.query.nodes.Field) -> indexed fields.
QUERY_FIELDS = {
    "text": "body",
    "title": "headline",
    "actor": "actor_words",
    "location": "location_words",
    "country": "country_words",
    "source": "source_words",
}
# Facet names of SearchPage.facets -> keyword fields.
FACET_FIELDS = {"actors": "actors", "locations": "locations", "sources": "source"}
SUGGEST_FIELD = "body.words"  # unstemmed words, for "did you mean"
# Fields a build made before copies lacks (its mapping is strict: documents leave them
# out; dedupe asks for a full reindex).
COPY_FIELDS = ("copy_bands", "article_bands", "copy_signature", "article_signature")


def analysis() -> dict[str, Any]:
    """Return the analysis settings: words arrive prepared (``analysis.py``), so the
    cluster splits on spaces and, for body and headline, stems."""
    return {
        "analyzer": {
            STEM_ANALYZER: {
                "type": "custom",
                "tokenizer": "whitespace",
                "filter": ["lowercase", "porter_stem"],
            },
            WORDS_ANALYZER: {"type": "custom", "tokenizer": "whitespace", "filter": ["lowercase"]},
        }
    }


def _keyword(**extra: Any) -> dict[str, Any]:
    return {"type": "keyword", **extra}


def _stored_only(kind: str = "keyword") -> dict[str, Any]:
    if kind == "text":
        return {"type": "text", "index": False}
    return {"type": "keyword", "index": False, "doc_values": False}


def _words(positions: bool = True) -> dict[str, Any]:
    field: dict[str, Any] = {"type": "text", "analyzer": WORDS_ANALYZER}
    if not positions:
        field.update(index_options="docs", norms=False)
    return field


def paragraph_mappings() -> dict[str, Any]:
    """Return the mappings of a paragraph index."""
    return {
        "dynamic": "strict",
        "_source": {"excludes": list(INDEXED_ONLY)},
        "_meta": {"searchsvc_mapping": MAPPING_VERSION},
        "properties": {
            "id": _keyword(),
            "article_id": _keyword(eager_global_ordinals=True),
            "path": _keyword(),
            "source_key": _keyword(index=False, doc_values=False),
            "position": {"type": "integer"},
            "count": {"type": "integer", "index": False, "doc_values": False},
            "title": _stored_only("text"),
            "text": _stored_only("text"),
            "headline": {"type": "text", "analyzer": STEM_ANALYZER},
            "body": {
                "type": "text",
                "analyzer": STEM_ANALYZER,
                "fields": {"words": _words(positions=False)},
            },
            "date": {"type": "date", "format": "strict_date_optional_time||yyyy-MM||yyyy"},
            "source": _keyword(eager_global_ordinals=True),
            "source_words": _words(),
            "url": _stored_only(),
            "author": _stored_only(),
            "actors": _keyword(eager_global_ordinals=True),
            "actor_words": _words(),
            "locations": _keyword(eager_global_ordinals=True),
            "location_words": _words(),
            "countries": _keyword(),
            "country_words": _words(),
            "places": {"type": "object", "enabled": False},
            # Copies (searchsvc.copies): band keys for candidates by term query and for
            # the fold's aggregation, signatures (hex) to verify them.
            "copy_bands": _keyword(),
            "article_bands": _keyword(),
            "copy_signature": _stored_only(),
            "article_signature": _stored_only(),
        },
    }


def paragraph_settings(shards: int, replicas: int, loading: bool = False) -> dict[str, Any]:
    """Return the settings of a paragraph index; ``loading`` ones for a full rebuild
    (no refresh, no replicas until it is published)."""
    return {
        "index": {
            "number_of_shards": shards,
            "number_of_replicas": 0 if loading else replicas,
            "refresh_interval": "-1" if loading else "5s",
            "max_result_window": 10_000,
        },
        "analysis": analysis(),
    }


def live_settings(replicas: int) -> dict[str, Any]:
    """Return the dynamic settings a loaded index gets before it goes live."""
    return {"index": {"number_of_replicas": replicas, "refresh_interval": "5s"}}


def files_mappings() -> dict[str, Any]:
    """Return the mappings of a file-state index (one document per source file)."""
    return {
        "dynamic": "strict",
        "properties": {
            "path": _keyword(),
            "source_key": _keyword(),
            "paragraphs": {"type": "integer"},
            "shard": _keyword(),
        },
    }


def lock_mappings() -> dict[str, Any]:
    """Return the mappings of the lock index (one document per held lock)."""
    return {
        "dynamic": "strict",
        "properties": {
            "holder": _keyword(),
            "token": _keyword(),
            "started": {"type": "date"},
            "expires": {"type": "date"},
        },
    }


def small_settings(replicas: int) -> dict[str, Any]:
    """Return the settings of the small file-state and lock indices."""
    return {"index": {"number_of_shards": 1, "number_of_replicas": replicas}}


def mapping_document() -> dict[str, Any]:
    """Return what docs/opensearch-mapping.json holds: the paragraph index as a full
    rebuild creates it live (default shards and replicas) and the two small indices."""
    return {
        "paragraphs": {
            "settings": paragraph_settings(shards=1, replicas=1),
            "mappings": paragraph_mappings(),
        },
        "files": {"settings": small_settings(1), "mappings": files_mappings()},
        "lock": {"settings": small_settings(1), "mappings": lock_mappings()},
    }


def main() -> None:
    """Print the mapping document (for docs/opensearch-mapping.json)."""
    print(json.dumps(mapping_document(), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
