"""Facet tables are built from per-segment pieces that match the postings exactly and
are reused by later index versions holding the same segments."""

from __future__ import annotations

import numpy as np
from whoosh import index as whoosh_index
from whoosh import writing

from searchsvc.engines.whoosh.schema import build_schema, paragraph_to_document
from searchsvc.engines.whoosh.search import facets
from searchsvc.engines.whoosh.search.docsets import field_postings, leaf_ids
from searchsvc.models import Paragraph, Place


def _paragraphs(start: int, count: int) -> list[Paragraph]:
    out = []
    for n in range(start, start + count):
        actors = ["Everyone"] + (["Often"] if n % 2 else []) + [f"Rare {n}"]
        if n in (start, start + 1):
            actors.append("Twice")
        out.append(
            Paragraph(
                id=f"a{n // 4}#{n % 4}",
                article_id=f"a{n // 4}",
                position=n % 4,
                count=4,
                text=f"paragraph number {n}",
                title=f"Article {n // 4}",
                actors=actors,
                locations=[Place(name="Ankara")] if n % 3 == 0 else [],
                source="Wire",
                path=f"/c/{n // 4}.txt",
            )
        )
    return out


def _add(ix, paragraphs):
    writer = writing.SegmentWriter(ix)
    for p in paragraphs:
        writer.add_document(**paragraph_to_document(p, p.path))
    writer.commit(merge=False)


def test_field_postings_equal_each_terms_own_postings(tmp_path):
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    _add(ix, _paragraphs(0, 300))
    with ix.reader() as reader:
        for fieldname in ("actors", "locations", "article_id", "source"):
            seen = list(field_postings(reader, fieldname))
            assert [t for t, _ in seen] == list(reader.lexicon(fieldname))
            for term, docs in seen:
                assert np.array_equal(docs, leaf_ids(reader, fieldname, term)), term


def test_counts_from_the_table_equal_counts_from_stored_fields(tmp_path):
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    _add(ix, _paragraphs(0, 150))
    _add(ix, _paragraphs(150, 90))
    with ix.searcher() as searcher:
        table = facets.ValueTable.build(searcher, "actors")
        docs = np.arange(0, searcher.doc_count_all(), 3)
        counts = dict(zip(table.names, table.counts(docs).tolist(), strict=True))
        expected: dict[str, int] = {}
        for doc in docs.tolist():
            for name in searcher.stored_fields(doc)["actors"].split(","):
                expected[name] = expected.get(name, 0) + 1
        assert {k: v for k, v in counts.items() if v} == expected
        assert counts["Twice"] == sum(1 for d in docs if d in (0, 1, 150, 151))


def test_a_new_version_reads_only_its_new_segments(tmp_path, monkeypatch):
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    _add(ix, _paragraphs(0, 100))
    with ix.searcher() as searcher:
        facets.ValueTable.build(searcher, "actors")
    _add(ix, _paragraphs(100, 20))
    read = []
    original = facets.SegmentPiece.read.__func__

    def counting(cls, reader, fieldname):
        read.append(reader.segment().segment_id())
        return original(cls, reader, fieldname)

    monkeypatch.setattr(facets.SegmentPiece, "read", classmethod(counting))
    with ix.searcher() as searcher:
        table = facets.ValueTable.build(searcher, "actors")
        assert table.doc_freq[table.names.index("Everyone")] == 120
    assert len(read) == 1
