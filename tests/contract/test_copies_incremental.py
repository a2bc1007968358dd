"""Clusters follow incremental updates on every engine: a new copy joins its cluster,
deleting the canonical copy promotes the next, and a full rebuild gives the same
clusters as the updates did."""

from __future__ import annotations

import pytest

from searchsvc.engine import IndexMeta
from searchsvc.models import SearchRequest
from tests.contract.conftest import ENGINES, corpus_engine
from tests.contract.copies_corpus import FILES

MARCH = SearchRequest(date_from="2024-03", date_to="2024-03", per_page=50, dedupe=True)
ORIGINAL = "/copies/a1.txt"


def _update(engine, add: dict | None = None, delete: tuple[str, ...] = ()) -> None:
    with engine.lock():
        writer = engine.begin(full=False)
        for path in delete:
            writer.delete_path(path)
        for path, paragraphs in (add or {}).items():
            writer.add(paragraphs, f"{path}\t2\t2")
        writer.publish(IndexMeta(created="2026-01-01", last_reindex="2026-01-02"))


def _clusters(engine) -> dict[str, int]:
    return {h.id: h.copies for h in engine.reader().search(MARCH).hits if h.copies}


@pytest.mark.parametrize("kind", ENGINES)
def test_copies_join_and_leave_clusters_as_the_index_changes(kind, tmp_path_factory):
    without_original = {p: v for p, v in FILES.items() if p != ORIGINAL}
    with corpus_engine(kind, tmp_path_factory, "incremental", without_original) as engine:
        before = _clusters(engine)
        assert before["b2#1"] == 2  # the Herald's copy is the earliest: c3, d4 join it
        _update(engine, add={ORIGINAL: FILES[ORIGINAL]})
        after = _clusters(engine)
        assert after["a1#1"] == 3 and "b2#1" not in after
        _update(engine, delete=(ORIGINAL,))
        assert _clusters(engine) == before
        _update(engine, add={ORIGINAL: FILES[ORIGINAL]})
        updated = _clusters(engine)
    with corpus_engine(kind, tmp_path_factory, "rebuilt", FILES) as rebuilt:
        assert _clusters(rebuilt) == updated == after
