"""Posting files (decoded postings beside each segment) and the caches that outlive an
index version: what is written, that it equals Whoosh's own postings, and that a
commit, a full swap and a segment merged away each leave searches right."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from whoosh import query

from searchsvc.engines.whoosh.schema import paragraph_to_document
from searchsvc.engines.whoosh.search import WhooshSearchBackend, postfile, postings
from searchsvc.engines.whoosh.search.docsets import DocSets, leaf_positions, leaf_postings
from searchsvc.engines.whoosh.search.read_errors import is_read_error
from searchsvc.engines.whoosh.storage import IndexLocation
from searchsvc.engines.whoosh.writer import open_writer
from searchsvc.indexer import write_paragraphs
from searchsvc.models import Paragraph, SearchRequest
from tests.fixtures_search import sample_paragraphs


def _para(n: int, text: str, article: str | None = None) -> Paragraph:
    article = article or f"{n:016x}"
    return Paragraph(
        id=f"{article}#1",
        article_id=article,
        position=1,
        count=1,
        text=text,
        title=f"Item {n}",
        date="2024-01-01",
        source="wire",
        actors=["Antony Blinken"] if n % 2 else [],
    )


def _spk_files(folder) -> list:
    return sorted(p.name for p in IndexLocation(folder).current_dir().glob("*.spk"))


def _search(backend, q, **kw):
    kw.setdefault("per_page", 100)
    return backend.search(SearchRequest(q=q, **kw))


@contextmanager
def _sample_segment(folder) -> Iterator:
    """Yield the first segment reader of an index of the sample paragraphs."""
    write_paragraphs(folder, sample_paragraphs())
    ix = IndexLocation(folder).open()
    try:
        with ix.reader() as reader:
            (sub, _offset), *_ = reader.leaf_readers()
            yield sub
    finally:
        ix.close()


def _commonest(sub, fieldname: str) -> bytes:
    return max(sub.lexicon(fieldname), key=lambda t: sub.doc_frequency(fieldname, t))


@pytest.fixture(autouse=True)
def _fresh_caches():
    postings.FILES.forget()
    postings.TERMS.clear()
    yield
    postings.FILES.forget()
    postings.TERMS.clear()


def test_publishing_writes_a_posting_file_per_searched_field(tmp_path):
    write_paragraphs(tmp_path, sample_paragraphs())
    names = _spk_files(tmp_path)
    fields = {name.split(".")[1] for name in names}
    assert {"text", "title", "actor_terms", "actors", "article_id"} <= fields
    assert all(name.startswith("MAIN_") and name.endswith(".spk") for name in names)


def test_posting_files_hold_exactly_whoosh_postings(tmp_path):
    write_paragraphs(tmp_path, sample_paragraphs())
    ix = IndexLocation(tmp_path).open()
    with ix.reader() as reader:
        (sub, _offset), *_ = reader.leaf_readers()
        for fieldname in ("text", "title", "actor_terms", "actors", "source"):
            found = postfile.PostFile(postfile.postfile_path(sub, fieldname))
            terms = [t for t in sub.lexicon(fieldname)]
            assert found.terms() == terms
            for btext in terms:
                i = found.find(btext)
                ids, weights = leaf_postings(sub, fieldname, btext)
                assert found.ids_of(i).tolist() == ids.tolist()
                assert np.allclose(found.weights_of(i), weights)
                if found.has_positions:
                    _ids, _w, counts, flat = leaf_positions(sub, fieldname, btext)
                    docs, positions = found.positions_of(i, ids)
                    assert positions.tolist() == flat.tolist()
                    assert docs.tolist() == np.repeat(ids, counts).tolist()
            assert found.find(b"no such term") == -1
    ix.close()


def test_positions_are_read_for_the_given_documents_only(tmp_path):
    with _sample_segment(tmp_path) as sub:
        found = postfile.PostFile(postfile.postfile_path(sub, "text"))
        btext = _commonest(sub, "text")
        ids, _w, counts, flat = leaf_positions(sub, "text", btext)
        wanted = ids[::2]
        docs, positions = found.positions_of(found.find(btext), np.append(wanted, 10**6))
        keep = np.isin(np.repeat(ids, counts), wanted)
        assert positions.tolist() == flat[keep].tolist()
        assert set(docs.tolist()) == set(wanted.tolist())


def test_prefix_ranges_of_a_posting_file(tmp_path):
    texts = ["research results", "rescue reserve", "resin", "rest", "other words"]
    write_paragraphs(tmp_path, [_para(n, t) for n, t in enumerate(texts)])
    ix = IndexLocation(tmp_path).open()
    with ix.reader() as reader:
        (sub, _offset), *_ = reader.leaf_readers()
        found = postfile.PostFile(postfile.postfile_path(sub, "text"))
        lo, hi = found.prefix_range(b"res")
        expected = [t for t in sub.lexicon("text") if t.startswith(b"res")]
        assert found.terms()[lo:hi] == expected and len(expected) >= 4
        assert found.prefix_range(b"zzz")[0] == found.prefix_range(b"zzz")[1]
    ix.close()


def test_a_damaged_posting_file_is_not_used_and_searches_stay_right(tmp_path, caplog):
    write_paragraphs(tmp_path, sample_paragraphs())
    expected = {
        q: _search(WhooshSearchBackend(str(tmp_path)), q).total
        for q in ("humanitarian", '"humanitarian pause"', "humanit*")
    }
    postings.FILES.forget()
    text_file = next(IndexLocation(tmp_path).current_dir().glob("*.text.spk"))
    raw = bytearray(text_file.read_bytes())
    header_end = len(postfile.MAGIC) + 4
    raw[header_end + 200 :] = bytes(len(raw) - header_end - 200)  # arrays zeroed
    text_file.write_bytes(bytes(raw[: len(raw) // 2]))  # and cut short
    b = WhooshSearchBackend(str(tmp_path))
    with caplog.at_level("WARNING", logger="searchsvc.search"):
        got = {q: _search(b, q).total for q in expected}
    assert got == expected
    assert "not used" in caplog.text
    b.close()


def test_a_posting_file_is_read_not_mapped_and_its_arrays_outlive_it(tmp_path):
    with _sample_segment(tmp_path) as sub:
        path = postfile.postfile_path(sub, "text")
        found = postfile.PostFile(path)
        btext = _commonest(sub, "text")
        ids = found.ids_of(found.find(btext))
        with open("/proc/self/maps") as fh:
            assert str(path) not in fh.read()
        found.close()
        assert ids.tolist() == leaf_postings(sub, "text", btext)[0].tolist()


def test_a_posting_file_reads_the_same_where_the_system_lacks_preadv(tmp_path, monkeypatch):
    with _sample_segment(tmp_path) as sub:
        found = postfile.PostFile(postfile.postfile_path(sub, "text"))
        term = found.find(_commonest(sub, "text"))
        expected = found.ids_of(term).tolist(), found.weights_of(term).tolist()
        monkeypatch.delattr(postfile.os, "preadv")
        assert (found.ids_of(term).tolist(), found.weights_of(term).tolist()) == expected
        found.close()


def test_a_posting_file_cut_short_after_opening_is_an_error_not_wrong_postings(tmp_path):
    with _sample_segment(tmp_path) as sub:
        path = postfile.postfile_path(sub, "text")
        found = postfile.PostFile(path)
        with open(path, "r+b") as fh:
            fh.truncate(found.ids.offset + 4)
        with pytest.raises(postfile.PostFileError, match="shorter") as raised:
            found.ids_of(found.terms_count - 1)
        assert is_read_error(raised.value)  # a search reports the index as damaged
        found.close()


def test_a_posting_file_of_another_segment_is_refused(tmp_path):
    write_paragraphs(tmp_path / "a", sample_paragraphs())
    write_paragraphs(tmp_path / "b", sample_paragraphs()[:5])
    ix = IndexLocation(tmp_path / "b").open()
    with ix.reader() as reader:
        (sub, _offset), *_ = reader.leaf_readers()
        other = next(IndexLocation(tmp_path / "a").current_dir().glob("*.text.spk"))
        with pytest.raises(postfile.PostFileError, match="another segment"):
            postfile.PostFile(other, postfile.segment_identity(sub))
    ix.close()


def test_searches_agree_with_and_without_posting_files(tmp_path, monkeypatch):
    write_paragraphs(tmp_path, sample_paragraphs())
    queries = [
        "humanitarian",
        "humanitarian pause",
        '"humanitarian pause"',
        '"pause humanitarian"~3',
        "humanit* talk",
        "doha OR ankara",
        "actor:erdogan ceasefire",
        "market -day",
        "ceasfire~",
    ]

    def run():
        b = WhooshSearchBackend(str(tmp_path))
        pages = {}
        for q in queries:
            page = _search(b, q, facet_limit=50)
            pages[q] = (page.total, [(h.id, round(h.score, 6)) for h in page.hits], page.facets)
        b.close()
        return pages

    with_files = run()
    postings.FILES.forget()
    postings.TERMS.clear()
    monkeypatch.setenv(postings.ENV_POSTFILES, "0")
    assert run() == with_files


# -- caches across index versions -----------------------------------------------------


def _commit(folder, paragraphs, delete_ids=(), *, build=True, optimize=False) -> None:
    """An incremental commit as ``reindex`` makes one (posting files built after it
    unless ``build`` is False)."""
    ix = IndexLocation(folder).open()
    writer = open_writer(ix)  # plain segment files, as searchsvc writes them
    for doc_id in delete_ids:
        writer.delete_by_term("id", doc_id)
    for paragraph in paragraphs:
        writer.add_document(**paragraph_to_document(paragraph, "x\t0\t0"))
    writer.commit(merge=False, optimize=optimize)
    ix.close()
    if build:
        postfile.build_missing(IndexLocation(folder).current_dir())


def test_an_incremental_commit_keeps_what_was_decoded_for_unchanged_segments(tmp_path, monkeypatch):
    monkeypatch.setenv(postings.ENV_POSTFILES, "0")  # Whoosh's blocks, decoded and cached
    write_paragraphs(tmp_path, [_para(n, f"budget talks item{n}") for n in range(20)])
    b = WhooshSearchBackend(str(tmp_path))
    assert _search(b, "budget").total == 20
    with b._searcher() as (searcher, _gen):
        ((sub, _offset),) = searcher.leaf_searchers()
        key = (*postings.segment_key(sub.reader()), "text", b"budget")
        decoded = postings.TERMS.get(key)
    assert decoded is not None
    _commit(tmp_path, [_para(99, "budget talks again")], delete_ids=[f"{3:016x}#1"])
    assert _search(b, "budget").total == 20  # one deleted, one added
    found = {h.id for h in _search(b, "budget").hits}
    assert f"{99:016x}#1" in found and f"{3:016x}#1" not in found
    assert postings.TERMS.get(key)[0] is decoded[0]  # the same arrays, not decoded again
    b.close()


def test_a_commit_is_searchable_through_its_segment_without_a_posting_file(tmp_path):
    write_paragraphs(tmp_path, [_para(n, f"budget talks item{n}") for n in range(20)])
    b = WhooshSearchBackend(str(tmp_path))
    assert _search(b, '"budget talks"').total == 20
    _commit(tmp_path, [_para(99, "budget talks again")], build=False)
    assert _search(b, '"budget talks"').total == 21
    assert _search(b, "again").total == 1
    postfile.build_missing(IndexLocation(tmp_path).current_dir())
    time.sleep(postings.RECHECK_SECONDS + 0.1)  # the file is looked for again
    _commit(tmp_path, [_para(100, "budget talks twice")], build=False)
    with b._searcher() as (searcher, _gen):
        readers = [sub.reader() for sub, _ in searcher.leaf_searchers()]
        have = [postings.FILES.get(r, "text") is not None for r in readers]
    assert have == [True, True, False]
    assert _search(b, '"budget talks"').total == 22
    b.close()


def test_a_full_swap_reads_the_new_generations_files(tmp_path):
    write_paragraphs(tmp_path, [_para(n, f"budget talks item{n}") for n in range(20)])
    b = WhooshSearchBackend(str(tmp_path))
    assert _search(b, "budget").total == 20
    before = set(_spk_files(tmp_path))
    write_paragraphs(tmp_path, [_para(n, f"market prices item{n}") for n in range(7)])
    after = set(_spk_files(tmp_path))
    assert after and not before & after  # new segments, new files
    assert _search(b, "budget").total == 0
    assert _search(b, "market").total == 7
    assert _search(b, '"market prices"').total == 7
    b.close()


def test_a_segment_merged_away_takes_its_posting_files_with_it(tmp_path):
    write_paragraphs(tmp_path, [_para(n, f"budget talks item{n}") for n in range(20)])
    b = WhooshSearchBackend(str(tmp_path))
    _commit(tmp_path, [_para(99, "budget talks again")])
    assert _search(b, '"budget talks"').total == 21
    first = set(_spk_files(tmp_path))
    # Merging rewrites the segments into one; the files of the merged segments go
    # with them (Whoosh keeps the previous commit's files one commit longer).
    _commit(tmp_path, [_para(100, "budget talks twice")], optimize=True)
    _commit(tmp_path, [_para(101, "budget talks thrice")])
    remaining = set(_spk_files(tmp_path))
    assert not first & remaining
    assert _search(b, '"budget talks"').total == 23
    with b._searcher() as (searcher, _gen):
        readers = [sub.reader() for sub, _ in searcher.leaf_searchers()]
        assert all(postings.FILES.get(r, "text") is not None for r in readers)
    b.close()


def test_phrases_checked_within_a_set_match_the_whole_answer(tmp_path):
    rng = random.Random(5)
    words = ["budget", "talks", "market", "prices", "rise", "fall"]
    paragraphs = [_para(n, " ".join(rng.choice(words) for _ in range(12))) for n in range(80)]
    write_paragraphs(tmp_path, paragraphs)
    b = WhooshSearchBackend(str(tmp_path))
    with b._searcher() as (searcher, _gen):
        sets = DocSets(searcher)
        within = np.array(sorted(rng.sample(range(80), 30)), dtype=np.int64)
        for q in (
            query.Phrase("text", ["budget", "talk"]),
            query.Phrase("text", ["market", "price", "rise"]),
            query.And([query.Term("text", "fall"), query.Phrase("text", ["price", "rise"])]),
        ):
            whole = sets.docs(q, searcher)
            assert whole.tolist() == sorted(q.docs(searcher))
            assert sets.docs(q, searcher, within).tolist() == sorted(
                set(whole.tolist()) & set(within.tolist())
            )
    b.close()


def test_the_background_builder_writes_what_an_old_index_lacks(tmp_path):
    write_paragraphs(tmp_path, sample_paragraphs())
    folder = IndexLocation(tmp_path).current_dir()
    for path in folder.glob("*.spk"):
        path.unlink()
    assert postfile.build_in_background(folder)
    deadline = time.monotonic() + 60
    ix = IndexLocation(tmp_path).open()
    try:
        while postfile.missing(ix) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert postfile.missing(ix) == 0
    finally:
        ix.close()


def test_the_cache_budget_is_configurable(monkeypatch):
    monkeypatch.setenv(postings.ENV_CACHE, "48")
    assert postings.cache_budget() == 48 * 1024 * 1024
    monkeypatch.delenv(postings.ENV_CACHE)
    default = postings.cache_budget()
    assert postings.MIN_CACHE_MB << 20 <= default <= postings.MAX_CACHE_MB << 20


def test_the_byte_cache_evicts_the_least_recently_used():
    cache = postings.ByteLRU(limit=3000)
    arrays = [np.zeros(100, dtype=np.int64) for _ in range(4)]  # 800 bytes each
    for i, a in enumerate(arrays[:3]):
        cache.put((i,), (a,))
    assert cache.get((0,)) is not None  # now the most recent
    cache.put((3,), (arrays[3],))
    assert cache.get((1,)) is None and cache.get((0,)) is not None
    assert cache.bytes <= 3000
    cache.put(("big",), (np.zeros(1000, dtype=np.int64),))  # larger than the limit
    assert cache.get(("big",)) is None
