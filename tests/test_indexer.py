"""Reindexing: counts, incremental updates, atomic full rebuilds, locking, crashes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from whoosh.query import Term

from searchsvc.engines.whoosh.storage import IndexLocation
from searchsvc.errors import IndexBusy, IndexMissing, SearchsvcError
from searchsvc.indexer import reindex

from .conftest import hold_index_lock


def _texts_matching(index_dir: Path, word: str) -> list[str]:
    ix = IndexLocation(index_dir).open()
    with ix.searcher() as searcher:
        return [hit["text"] for hit in searcher.search(Term("text", word), limit=None)]


def _doc_count(index_dir: Path) -> int:
    ix = IndexLocation(index_dir).open()
    with ix.searcher() as searcher:
        return searcher.doc_count()


def _bump_mtime(path: Path, seconds: int = 10) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 1_000_000_000))


def test_full_reindex_counts_articles_paragraphs_and_skips_nothing(article_dir, tmp_path):
    report = reindex([article_dir], tmp_path / "ix", entities=False, workers=1)
    assert report.mode == "full"
    assert report.files_seen == 5 and report.files_processed == 5
    assert report.articles == 6
    assert report.skipped == []
    assert report.documents == report.paragraphs == _doc_count(tmp_path / "ix")
    assert not report.failed


def test_second_run_reprocesses_nothing(article_dir, tmp_path):
    reindex([article_dir], tmp_path / "ix", entities=False, workers=1)
    again = reindex([article_dir], tmp_path / "ix", entities=False, workers=1)
    assert again.mode == "incremental"
    assert again.files_processed == 0 and again.files_unchanged == 5
    assert again.documents == _doc_count(tmp_path / "ix")


def test_touching_one_file_reprocesses_exactly_that_file(article_dir, tmp_path):
    first = reindex([article_dir], tmp_path / "ix", entities=False, workers=1)
    _bump_mtime(article_dir / "opec.txt")
    again = reindex([article_dir], tmp_path / "ix", entities=False, workers=1)
    assert again.files_processed == 1 and again.files_unchanged == 4
    assert again.documents == first.documents


def test_changed_file_replaces_its_old_paragraphs(article_dir, tmp_path):
    reindex([article_dir], tmp_path / "ix", entities=False, workers=1)
    assert _texts_matching(tmp_path / "ix", "opec")
    (article_dir / "opec.txt").write_text(
        "Wheat prices fall\n\nWheat prices fell in Chicago as harvests in Brazil beat forecasts.\n"
    )
    _bump_mtime(article_dir / "opec.txt")
    reindex([article_dir], tmp_path / "ix", entities=False, workers=1)
    assert _texts_matching(tmp_path / "ix", "opec") == []
    assert len(_texts_matching(tmp_path / "ix", "wheat")) == 1


def test_deleted_file_loses_its_paragraphs(article_dir, tmp_path):
    first = reindex([article_dir], tmp_path / "ix", entities=False, workers=1)
    (article_dir / "feed.jsonl").unlink()
    again = reindex([article_dir], tmp_path / "ix", entities=False, workers=1)
    assert again.files_removed == 1
    assert again.documents == first.documents - 2
    assert _texts_matching(tmp_path / "ix", "valencia") == []
    assert IndexLocation(tmp_path / "ix").stats().articles == 4


def test_reindex_without_paths_rechecks_the_paths_indexed_before(article_dir, tmp_path):
    reindex([article_dir], tmp_path / "ix", entities=False, workers=1)
    (article_dir / "new.txt").write_text(
        "New headline\n\nA brand new article about Lagos markets.\n"
    )
    again = reindex([], tmp_path / "ix", entities=False, workers=1)
    assert again.files_processed == 1
    assert _texts_matching(tmp_path / "ix", "lago")


def test_bad_files_are_skipped_with_reasons_and_the_rest_indexed(article_dir, tmp_path):
    (article_dir / "empty.txt").write_bytes(b"")
    (article_dir / "blob.html").write_bytes(bytes(range(256)) * 50)
    (article_dir / "broken.json").write_text("{not json")
    report = reindex(
        [article_dir, tmp_path / "missing"], tmp_path / "ix", entities=False, workers=1
    )
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["blob.html"]
    assert "malformed JSON" in reasons["broken.json"]
    assert "no such file" in reasons["missing"]
    assert report.articles == 6 and not report.failed


def test_run_where_nothing_can_be_indexed_is_a_failure(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    assert reindex([folder], tmp_path / "ix", entities=False, workers=1).failed
    assert reindex([tmp_path / "nowhere"], tmp_path / "ix2", entities=False, workers=1).failed


def test_nothing_to_index_is_a_clear_error(tmp_path):
    with pytest.raises(SearchsvcError, match="nothing to index"):
        reindex([], tmp_path / "ix", entities=False)


def test_full_rebuild_swaps_generations_and_keeps_only_the_previous(article_dir, tmp_path):
    location = IndexLocation(tmp_path / "ix")
    gens = []
    for _ in range(3):
        reindex([article_dir], location.root, full=True, entities=False, workers=1)
        gens.append(location.generation())
    assert len(set(gens)) == 3
    on_disk = sorted(p.name for p in location.root.iterdir() if p.name.startswith("gen-"))
    assert on_disk == sorted(gens[1:])


def test_two_workers_give_the_same_index_as_one(article_dir, tmp_path):
    one = reindex([article_dir], tmp_path / "a", entities=False, workers=1)
    two = reindex([article_dir], tmp_path / "b", entities=False, workers=2)
    assert (one.articles, one.paragraphs) == (two.articles, two.paragraphs)


def test_second_reindex_while_one_runs_fails_with_a_clear_message(article_dir, tmp_path):
    index_dir = tmp_path / "ix"
    with hold_index_lock(index_dir) as holder:
        with pytest.raises(IndexBusy, match=f"another reindex \\(pid {holder.pid}\\)"):
            reindex([article_dir], index_dir, entities=False, workers=1)
        with pytest.raises(IndexBusy):
            reindex([article_dir], index_dir, entities=False, workers=1, wait=0.5)
    assert reindex([article_dir], index_dir, entities=False, workers=1).articles == 6


def test_second_reindex_in_the_same_process_is_refused(article_dir, tmp_path):
    location = IndexLocation(tmp_path / "ix")
    with location.lock(), pytest.raises(IndexBusy, match="in this process"):
        reindex([article_dir], location.root, entities=False, workers=1)


def test_lock_held_by_a_dead_process_does_not_block(article_dir, tmp_path):
    index_dir = tmp_path / "ix"
    code = (
        "import os, sys\n"
        "from searchsvc.engines.whoosh.storage import IndexLocation\n"
        f"with IndexLocation({str(index_dir)!r}).lock():\n"
        "    os.kill(os.getpid(), 9)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=False)
    assert (index_dir / ".reindex.lock").exists()
    assert reindex([article_dir], index_dir, entities=False, workers=1).articles == 6


def test_missing_index_gives_a_clear_message(tmp_path):
    with pytest.raises(IndexMissing, match="no index at .*searchsvc reindex"):
        IndexLocation(tmp_path / "none").open()


def _make_corpus(folder: Path, files: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(files):
        body = "\n\n".join(
            f"Paragraph {k} of report {n} says the harbour committee met on a windy Tuesday."
            for k in range(12)
        )
        (folder / f"r{n:04d}.txt").write_text(f"Report number {n}\n\n{body}\n")


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _run_and_kill(args: list[str], index_dir: Path, wait_for, sig=signal.SIGKILL) -> int:
    proc = subprocess.Popen(
        [sys.executable, "-m", "searchsvc.cli", *args, "--index", str(index_dir), "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # A shell's background job (as CI may run us) ignores SIGINT, and the child
        # would inherit that: give it the default, as in a terminal.
        preexec_fn=_default_sigint,
    )
    deadline = time.monotonic() + 60
    while not wait_for() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(sig)
    return proc.wait(timeout=60)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_killed_full_rebuild_leaves_the_previous_index_searchable(tmp_path, article_dir, sig):
    index_dir = tmp_path / "ix"
    before = reindex([article_dir], index_dir, entities=False, workers=1)
    location = IndexLocation(index_dir)
    live = location.generation()
    big = tmp_path / "big"
    _make_corpus(big, 1500)

    def building() -> bool:
        # The new generation folder exists from the start of the rebuild; its segment
        # files only appear when the writers flush, moments before it is published,
        # so waiting for them could miss the build altogether.
        return any(p.name.startswith("gen-") and p.name != live for p in index_dir.iterdir())

    _run_and_kill(["reindex", "--full", "--no-entities", str(big)], index_dir, building, sig)
    assert location.generation() == live
    assert _doc_count(index_dir) == before.documents
    assert _texts_matching(index_dir, "valencia")
    again = reindex([big], index_dir, full=True, entities=False, workers=1)
    assert again.articles == 1500
    assert sorted(p.name for p in index_dir.iterdir() if p.name.startswith("gen-")) == sorted(
        [live, location.generation()]
    )


@pytest.mark.slow
def test_killed_incremental_update_keeps_committed_work_and_reruns(
    tmp_path, article_dir, monkeypatch
):
    index_dir = tmp_path / "ix"
    before = reindex([article_dir], index_dir, entities=False, workers=1)
    big = tmp_path / "big"
    _make_corpus(big, 600)
    started = time.monotonic()
    _run_and_kill(
        ["reindex", "--no-entities", str(big)],
        index_dir,
        lambda: time.monotonic() - started > 1.5,
    )
    assert _doc_count(index_dir) >= before.documents
    assert _texts_matching(index_dir, "valencia")
    again = reindex([article_dir, big], index_dir, entities=False, workers=1)
    assert _doc_count(index_dir) == before.documents + 600 * 12
    assert again.files_unchanged >= 5


def test_few_large_files_are_written_by_parallel_writers(tmp_path, monkeypatch):
    """A handful of big JSON Lines files is as much work as thousands of small ones:
    the writer count follows the bytes to index, not only the number of files."""
    from searchsvc.engines.whoosh import writer as indexer_module
    from searchsvc.engines.whoosh.storage import IndexLocation

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(3):
        records = [
            json.dumps(
                {"title": f"Story {n}-{k}", "text": f"Harbour pilots in file {n} report {k}."}
            )
            for k in range(400)
        ]
        (corpus / f"part-{n}.jsonl").write_text("\n".join(records) + "\n", "utf-8")

    def segments(index_dir):
        ix = IndexLocation(index_dir).open()
        try:
            return len(ix._segments())
        finally:
            ix.close()

    monkeypatch.setattr(indexer_module, "PARALLEL_WRITE_MIN_BYTES", 10**9)
    reindex([str(corpus)], tmp_path / "one", entities=False, workers=2)
    monkeypatch.setattr(indexer_module, "PARALLEL_WRITE_MIN_BYTES", 1000)
    report = reindex([str(corpus)], tmp_path / "two", entities=False, workers=2)
    assert report.paragraphs == 1200
    assert segments(tmp_path / "one") == 1
    assert segments(tmp_path / "two") == 2
