"""Copies on the OpenSearch engine beyond the contract: a build made before copies (its
strict mapping without the copy fields) keeps taking updates and asks for a full
reindex to fold; a fold over more shared band keys than one aggregation answer holds."""

from __future__ import annotations

import pytest

from searchsvc.engine import IndexMeta
from searchsvc.engines.opensearch import copies as fold_copies
from searchsvc.engines.opensearch import mapping, write
from searchsvc.errors import IndexOutdated
from searchsvc.models import SearchRequest
from tests.engines.conftest import paragraph

TEXT = (
    "Dock workers at the harbour walked out on Monday morning, halting the loading of grain "
    "ships after talks over pay and night shifts collapsed late on Sunday."
)


def _write(engine, full: bool, files: dict[str, list]) -> None:
    with engine.lock():
        writer = engine.begin(full=full)
        for path, paragraphs in files.items():
            writer.add(paragraphs, f"{path}:1")
        writer.publish(IndexMeta(created="c", last_reindex="r"))
        assert writer.rejected() == []


def test_a_build_made_before_copies_takes_updates_and_asks_for_a_full_reindex(
    os_engine, monkeypatch
):
    def old_mappings():
        made = original()
        for name in mapping.COPY_FIELDS:
            made["properties"].pop(name)
        return made

    original = mapping.paragraph_mappings
    monkeypatch.setattr(write, "paragraph_mappings", old_mappings)
    _write(os_engine, True, {"/d/a.txt": [paragraph("aa", 1, TEXT, path="/d/a.txt")]})
    _write(os_engine, False, {"/d/b.txt": [paragraph("bb", 1, TEXT, path="/d/b.txt")]})
    reader = os_engine.reader()
    page = reader.search(SearchRequest(sources=["Example News"]))
    assert page.total == 2
    with pytest.raises(IndexOutdated, match="reindex --full"):
        reader.search(SearchRequest(sources=["Example News"], dedupe=True))
    monkeypatch.setattr(write, "paragraph_mappings", original)
    _write(os_engine, True, {"/d/a.txt": [paragraph("aa", 1, TEXT, path="/d/a.txt")],
                             "/d/b.txt": [paragraph("bb", 1, TEXT, path="/d/b.txt")]})
    folded = os_engine.reader().search(SearchRequest(sources=["Example News"], dedupe=True))
    assert (folded.total, folded.hits[0].copies) == (1, 1)


def test_a_fold_reads_every_shared_band_key_in_partitions(os_engine, monkeypatch):
    monkeypatch.setattr(fold_copies, "KEY_PAGE", 5)  # fewer than the 16 keys two copies share
    files = {
        f"/d/{a}.txt": [paragraph(a, 1, TEXT, path=f"/d/{a}.txt", date=f"2023-11-0{n}")]
        for n, a in enumerate(["aa", "bb", "cc"], 1)
    }
    _write(os_engine, True, files)
    page = os_engine.reader().search(SearchRequest(sources=["Example News"], dedupe=True))
    assert [(h.id, h.copies) for h in page.hits] == [("aa#1", 2)]
