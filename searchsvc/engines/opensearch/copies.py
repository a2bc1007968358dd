"""Copies in the OpenSearch engine: the fold of a result set, the copies of one
paragraph or article, and "more like this".

A fold asks the cluster which band keys (``copy_bands``) at least two matching
paragraphs share (a ``terms`` aggregation with ``min_doc_count: 2``, split into
partitions when there are many), fetches the signatures of the paragraphs holding
them, and clusters those with ``searchsvc.copies.fold_signatures``: the same pairs and
the same clusters as the Whoosh engine. The search then runs with the folded copies
left out (``must_not`` on their ids), so hits, totals, facets and views count stories.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ... import copies, limits
from ...errors import NEEDS_COPIES, IndexOutdated
from .translate import Query

Search = Callable[[dict[str, Any]], dict[str, Any]]
KEY_PAGE = 10_000  # band keys per aggregation answer (and partition)
MEMBER_PAGE = 1000  # paragraphs per page of signatures
TERMS_PER_CLAUSE = 10_000  # band keys per terms clause
MEMBER_FIELDS = ["id", "article_id", "position", "date", "source", "copy_signature"]


@dataclass
class Folding:
    """The fold of one query: ``excluded`` ids of copies folded into another, and for
    each canonical copy of a cluster of several, ``(copies, copy_sources)``."""

    excluded: list[str] = field(default_factory=list)
    clusters: dict[str, tuple[int, int]] = field(default_factory=dict)

    def restrict(self, query: Query) -> Query:
        """Return ``query`` without the folded copies."""
        if not self.excluded:
            return query
        return {"bool": {"must": [query], "must_not": [{"ids": {"values": self.excluded}}]}}


def check(meta: dict[str, Any], has_fields: bool) -> None:
    """Raise IndexOutdated unless the live build holds signatures of the current kind."""
    if not has_fields or meta.get("copies") != copies.DEFAULT.fingerprint():
        raise IndexOutdated(NEEDS_COPIES)


def shared_keys(search: Search, query: Query) -> list[str]:
    """Return the band keys that at least two documents matching ``query`` share."""
    partitions = 1
    while True:
        keys: list[str] = []
        full = False
        for partition in range(partitions):
            terms: dict[str, Any] = {"field": "copy_bands", "min_doc_count": 2, "size": KEY_PAGE}
            if partitions > 1:
                terms["include"] = {"partition": partition, "num_partitions": partitions}
            answer = search({"size": 0, "query": query, "aggs": {"shared": {"terms": terms}}})
            buckets = answer.get("aggregations", {}).get("shared", {}).get("buckets", [])
            keys.extend(b["key"] for b in buckets)
            full = full or len(buckets) >= KEY_PAGE
        if not full:
            return keys
        partitions *= 4


def members(search: Search, query: Query, keys: list[str]) -> list[dict[str, Any]]:
    """Return the ``_source`` (id, date, article, position, source, signature) of the
    documents matching ``query`` that hold one of the band ``keys``."""
    chunks = [keys[i : i + TERMS_PER_CLAUSE] for i in range(0, len(keys), TERMS_PER_CLAUSE)]
    should = [{"terms": {"copy_bands": chunk}} for chunk in chunks]
    holding: Query = {"bool": {"should": should, "minimum_should_match": 1}}
    body: dict[str, Any] = {
        "size": MEMBER_PAGE,
        "query": {"bool": {"filter": [query, holding]}},
        "sort": [{"id": "asc"}],
        "_source": MEMBER_FIELDS,
        "track_total_hits": False,
    }
    found: list[dict[str, Any]] = []
    while True:
        hits = search(body)["hits"]["hits"]
        found.extend(h["_source"] for h in hits)
        if len(hits) < MEMBER_PAGE:
            return found
        body["search_after"] = hits[-1]["sort"]


def fold(search: Search, query: Query) -> Folding:
    """Return the fold of the documents matching ``query``."""
    keys = shared_keys(search, query)
    if not keys:
        return Folding()
    return fold_sources(members(search, query, keys))


def fold_sources(found: list[dict[str, Any]]) -> Folding:
    """Return the fold of the documents whose ``_source`` (``MEMBER_FIELDS``) is
    ``found``."""
    if len(found) < 2:
        return Folding()
    ranks = copies.canonical_order(
        [
            copies.order_key(s.get("date"), s.get("article_id", ""), int(s.get("position") or 0))
            for s in found
        ]
    )
    signatures = np.stack(
        [copies.from_bytes(copies.from_hex(s.get("copy_signature"))) for s in found]
    )
    source_ids: dict[str, int] = {}
    sources = np.array(
        [source_ids.setdefault(s["source"], len(source_ids)) if s.get("source") else -1
         for s in found],
        dtype=np.int64,
    )
    result = copies.fold_signatures(ranks, signatures, sources, limits.COPY_THRESHOLD)
    excluded = [found[i]["id"] for i in result.folded.tolist()]
    clusters = {
        found[i]["id"]: (int(result.copies[i]), int(result.copy_sources[i]))
        for i in np.flatnonzero(result.kept & (result.copies > 0)).tolist()
    }
    return Folding(excluded, clusters)


def verified(
    search: Search,
    source: dict[str, Any],
    article: bool,
    exclude: Query,
    source_fields: list[str],
) -> list[tuple[dict[str, Any], float]]:
    """Return (``_source``, similarity) of the paragraphs (``article``: the first
    paragraphs of articles) holding one of the band keys of the signature in
    ``source`` (a term query), but not matching ``exclude``, whose signature is similar
    enough (``COPY_THRESHOLD``, ``ARTICLE_COPY_THRESHOLD``)."""
    keys_field, signature_field, threshold = (
        ("article_bands", "article_signature", limits.ARTICLE_COPY_THRESHOLD)
        if article
        else ("copy_bands", "copy_signature", limits.COPY_THRESHOLD)
    )
    signature = copies.from_bytes(copies.from_hex(source.get(signature_field)))
    keys = copies.band_keys(signature[None, :], article=article)[0]
    if not keys:
        return []
    body = {
        "size": limits.MAX_RESULT_DEPTH,
        "query": {"bool": {"filter": [{"terms": {keys_field: keys}}], "must_not": [exclude]}},
        "_source": [*source_fields, signature_field],
        "sort": [{"id": "asc"}],
    }
    out = []
    for hit in search(body)["hits"]["hits"]:
        found = hit["_source"]
        other = copies.from_bytes(copies.from_hex(found.get(signature_field)))
        value = float(copies.similarity(other, signature)[0])
        if value >= threshold:
            out.append((found, value))
    return out
