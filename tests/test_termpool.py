"""Segments written through ``TermPool`` are byte-for-byte what Whoosh's own pool writes."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh import writing

from searchsvc.engines.whoosh import patches, termpool
from searchsvc.engines.whoosh.schema import build_schema, paragraph_to_document
from searchsvc.models import Paragraph, Place


@pytest.fixture(autouse=True)
def _whoosh_fixed():
    """These tests write segments with Whoosh directly, so they apply the fixes that
    opening an index through searchsvc applies."""
    patches.apply()


WORDS = [
    "ceasefire",
    "talks",
    "Erdogan",
    "Ankara",
    "minister",
    "said",
    "the",
    "of",
    "and",
    "humanitarian",
    "pause",
    "Gaza",
    "aid",
    "Sweden",
    "NATO",
    "membership",
    "vote",
    "parliament",
    "economy",
    "growth",
    "oil",
    "prices",
    "rose",
    "fell",
    "week",
]


def make_paragraphs(count: int, seed: int = 7) -> list[Paragraph]:
    rng = random.Random(seed)
    paragraphs = []
    for n in range(count):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 40)))
        paragraphs.append(
            Paragraph(
                id=f"a{n // 3}#{n % 3}",
                article_id=f"a{n // 3}",
                position=n % 3,
                count=3,
                text=text,
                title=" ".join(rng.choice(WORDS) for _ in range(4)),
                date=f"20{10 + n % 14}-0{1 + n % 9}-1{n % 10}" if n % 5 else None,
                source=rng.choice(["BBC", "Reuters", None]),
                actors=rng.sample(["Erdogan", "NATO", "Hamas"], rng.randint(0, 2)),
                locations=[
                    Place(name=p) for p in rng.sample(["Ankara", "Gaza"], rng.randint(0, 2))
                ],
                path=f"/corpus/{n // 3}.txt",
            )
        )
    return paragraphs


def build(folder: Path, paragraphs: list[Paragraph], *, limit: int | None, batches: int) -> None:
    ix = whoosh_index.create_in(str(folder), build_schema())
    step = max(1, len(paragraphs) // batches)
    for start in range(0, len(paragraphs), step):
        writer = writing.SegmentWriter(ix, compound=False)
        if limit is not None:
            writer.pool.limit = limit
        for p in paragraphs[start : start + step]:
            writer.add_document(**paragraph_to_document(p, p.path))
        writer.commit(merge=False)
    writer = writing.SegmentWriter(ix, compound=False)
    writer.commit(optimize=True)  # merges every segment: postings read back and re-pooled


def segment_bytes(folder: Path) -> dict[str, bytes]:
    """Return {file name without the segment id: contents} of the one segment left."""
    ix = whoosh_index.open_dir(str(folder))
    (segment,) = ix._segments()
    ix.close()
    segid = segment.segment_id()
    return {f.name.replace(segid, ""): f.read_bytes() for f in folder.iterdir() if segid in f.name}


def index_content(folder: Path) -> list:
    """Return every term's statistics and postings (document, weight, value), and every
    stored document, as read back through Whoosh."""
    ix = whoosh_index.open_dir(str(folder))
    out: list = []
    with ix.reader() as reader:
        for fieldname, text in reader.all_terms():
            info = reader.term_info(fieldname, text)
            out.append(
                (
                    fieldname,
                    text,
                    info.weight(),
                    info.doc_frequency(),
                    info.min_length(),
                    info.max_length(),
                    info.max_weight(),
                )
            )
            matcher = reader.postings(fieldname, text)
            while matcher.is_active():
                out.append(
                    (matcher.id(), matcher.weight(), matcher.value(), matcher.block_max_weight())
                )
                matcher.next()
        out.extend(reader.all_stored_fields())
    ix.close()
    return out


def build_both(tmp_path: Path, monkeypatch, count: int, limit: int | None, batches: int):
    paragraphs = make_paragraphs(count)
    (tmp_path / "ours").mkdir()
    (tmp_path / "whoosh").mkdir()
    build(tmp_path / "ours", paragraphs, limit=limit, batches=batches)
    with monkeypatch.context() as m:
        m.setattr(writing, "PostingPool", termpool.WHOOSH_POOL)
        m.setattr(writing.SegmentWriter, "_flush_segment", termpool.whoosh_flush)
        m.setattr(writing.SegmentWriter, "add_document", termpool.WHOOSH_ADD)
        build(tmp_path / "whoosh", paragraphs, limit=None, batches=batches)
    return tmp_path / "ours", tmp_path / "whoosh"


@pytest.mark.parametrize(
    "count,batches",
    [(40, 1), (700, 1), (700, 3)],
    ids=["small", "long-posting-lists", "merged-segments"],
)
def test_segment_files_written_through_termpool_equal_whoosh_own(
    tmp_path, monkeypatch, count, batches
):
    ours, theirs = build_both(tmp_path, monkeypatch, count, None, batches)
    ours_files, theirs_files = segment_bytes(ours), segment_bytes(theirs)
    assert ours_files.keys() == theirs_files.keys()
    assert any(name.endswith(".pst") for name in ours_files)
    for name in ours_files:
        assert ours_files[name] == theirs_files[name], f"{name} differs"


@pytest.mark.parametrize(
    "count,limit,batches",
    [(700, 20_000, 1), (1500, 5_000, 4)],
    ids=["spilled-runs", "many-runs-and-merges"],
)
def test_spilled_pool_writes_the_same_index_content_as_whoosh(
    tmp_path, monkeypatch, count, limit, batches
):
    # Spilling may change which equal values the pickled blocks share (pickle memo),
    # so the bytes can differ; what Whoosh reads back may not.
    ours, theirs = build_both(tmp_path, monkeypatch, count, limit, batches)
    content = index_content(ours)
    assert len(content) > count
    assert content == index_content(theirs)


def test_spilled_pool_leaves_no_run_files(tmp_path):
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    writer = writing.SegmentWriter(ix, compound=False)
    writer.pool.limit = 2_000
    for p in make_paragraphs(200):
        writer.add_document(**paragraph_to_document(p, p.path))
    assert writer.pool._runs, "the limit should have forced spills"
    writer.commit()
    with ix.searcher() as searcher:
        assert searcher.doc_count() == 200
    assert not list(tmp_path.rglob("*.terms"))


def test_postings_added_out_of_document_order_come_out_in_order(tmp_path):
    pool = termpool.TermPool(None, None)
    for docnum in (5, 2, 9, 2):
        pool.add(("text", b"oil", docnum, 1.0, b""))
    pool.add(("text", b"gas", 1, 2.0, b"x"))
    assert list(pool.iter_postings()) == [
        ("text", b"gas", 1, 2.0, b"x"),
        ("text", b"oil", 2, 1.0, b""),
        ("text", b"oil", 2, 1.0, b""),
        ("text", b"oil", 5, 1.0, b""),
        ("text", b"oil", 9, 1.0, b""),
    ]


def test_schema_with_spelling_words_falls_back_to_whoosh_own_add_document(tmp_path):
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, TEXT, Schema

    schema = Schema(id=ID(stored=True), text=TEXT(analyzer=StemmingAnalyzer(), spelling=True))
    ix = whoosh_index.create_in(str(tmp_path), schema)
    writer = writing.SegmentWriter(ix)
    writer.add_document(id="1", text="ceasefire talks resumed")
    writer.add_document(id="2", text="talking about talks")
    writer.commit()
    with ix.searcher() as searcher:
        assert searcher.doc_frequency("text", "talk") == 2
        assert [w.decode() for w in searcher.reader().lexicon("spell_text")] == [
            "about",
            "ceasefire",
            "resumed",
            "talking",
            "talks",
        ]


def test_whoosh_run_merging_writers_are_refused_clearly(tmp_path):
    pool = termpool.TermPool(None, None)
    with pytest.raises(NotImplementedError, match="multisegment=True"):
        pool.save()


def test_raw_column_reads_equal_whoosh_column_readers(tmp_path):
    # Field lengths, sort keys and signatures are read raw through patches.column_rows
    # and segment_lengths: the same values as Whoosh's public readers give one by one.
    from whoosh.util.numeric import length_to_byte

    from searchsvc.engines.whoosh.schema import COPY_SIGNATURE
    from searchsvc.engines.whoosh.search.copies import read_signatures
    from searchsvc.engines.whoosh.storage import IndexLocation
    from searchsvc.indexer import write_paragraphs
    from tests.fixtures_search import sample_paragraphs

    write_paragraphs(tmp_path, sample_paragraphs())
    ix = IndexLocation(tmp_path).open()
    with ix.searcher() as searcher:
        (sub, _offset), *_ = searcher.leaf_searchers()
        reader = sub.reader()
        count = reader.doc_count_all()
        lengths = patches.segment_lengths(reader, "text")
        assert len(lengths) == count and any(lengths)
        assert list(lengths) == [
            length_to_byte(reader.doc_field_length(d, "text", 0) or 0) for d in range(count)
        ]
        column = reader.column_reader(COPY_SIGNATURE, translate=False)
        assert patches.column_rows(column, 1, 2) == b"".join(column[d] for d in (1, 2))
        assert patches.column_rows(column, count, 5) == b""
        signatures = read_signatures(searcher, COPY_SIGNATURE)
        assert signatures.tobytes() == b"".join(column[d] for d in range(count))
        assert patches.segment_lengths(object(), "text") is None  # not a Whoosh segment
    ix.close()
