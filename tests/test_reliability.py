"""Failures users meet, through the CLI: disk full, read-only index folder, missing or
damaged index files, stale and live locks; and search that keeps answering while the
index is rebuilt. Every failure must be one clear line naming the problem and the fix,
with exit code 1 and never a traceback.

Disk-full and read-only cases run twice where possible: on a real tiny tmpfs (needs
root and ``mount``; skipped otherwise) and with Whoosh's file writes patched to raise
ENOSPC (runs everywhere).
"""

from __future__ import annotations

import contextlib
import errno
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchsvc.cli import main
from searchsvc.engines.whoosh.storage import IndexLocation

from .conftest import hold_index_lock

SEARCHSVC = [sys.executable, "-m", "searchsvc.cli"]


def _corpus(folder: Path, files: int, paragraphs: int = 6, tag: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(files):
        body = "\n\n".join(
            f"Dispatch {tag}{n}-{k}: the river authority in Marlow said on Tuesday that "
            f"flood barriers{tag} number {n * 31 + k} would be inspected before winter storms."
            for k in range(paragraphs)
        )
        (folder / f"d{tag}{n:04d}.txt").write_text(f"Dispatch {tag}{n}\n\n{body}\n", "utf-8")
    return folder


def _cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*SEARCHSVC, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def _reindex_in_process(runner: CliRunner, index_dir: Path, *paths: Path, full: bool = False):
    """Return the click Result of `searchsvc reindex --no-entities -q` run in-process."""
    args = ["reindex", *(["--full"] if full else []), "--no-entities", "-q"]
    return runner.invoke(main, [*args, "--index", str(index_dir), *map(str, paths)])


def _assert_clean_failure(result: subprocess.CompletedProcess, *needles: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output, output
    for needle in needles:
        assert needle in output, f"{needle!r} not in {output!r}"


def _index(index_dir: Path, *paths: Path) -> int:
    args = ["reindex", "--no-entities", "-q", "--index", str(index_dir), *map(str, paths)]
    return _cli(*args).returncode


def _hits(index_dir: Path, word: str) -> int:
    result = _cli("search", "--index", str(index_dir), "--json", word)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["total"]


# --- a tiny real file system ----------------------------------------------------------


@contextlib.contextmanager
def tiny_tmpfs(path: Path, size: str) -> Iterator[Path]:
    """Mount a tmpfs of ``size`` at ``path`` for the block (skip the test if impossible)."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.mark.slow
def test_disk_full_on_a_real_tiny_file_system(tmp_path: Path) -> None:
    small = _corpus(tmp_path / "small", 5)
    big = _corpus(tmp_path / "big", 600, tag="b")
    with tiny_tmpfs(tmp_path / "fs", "2m") as fs:
        index_dir = fs / "ix"
        assert _index(index_dir, small) == 0
        before = _hits(index_dir, "marlow")
        live = IndexLocation(index_dir).generation()

        full = _cli(
            "reindex",
            "--full",
            "--no-entities",
            "-q",
            "--workers",
            "2",
            "--index",
            str(index_dir),
            str(small),
            str(big),
        )
        _assert_clean_failure(full, "disk full", "previous index is unchanged")
        assert IndexLocation(index_dir).generation() == live
        assert _hits(index_dir, "marlow") == before
        leftovers = [p.name for p in index_dir.iterdir() if p.name.startswith("gen-")]
        assert leftovers == [live], "the failed build was not cleaned up"

        incremental = _cli(
            "reindex",
            "--no-entities",
            "-q",
            "--workers",
            "2",
            "--index",
            str(index_dir),
            str(small),
            str(big),
        )
        _assert_clean_failure(incremental, "disk full", "rerun continues")
        assert _hits(index_dir, "marlow") >= before  # opens, searches, nothing lost


def test_disk_full_simulated_gives_a_clear_message(tmp_path: Path, monkeypatch) -> None:
    from whoosh.filedb import structfile

    corpus = _corpus(tmp_path / "c", 40)
    index_dir = tmp_path / "ix"
    runner = CliRunner()
    ok = _reindex_in_process(runner, index_dir, corpus)
    assert ok.exit_code == 0, ok.output
    more = _corpus(tmp_path / "more", 40, tag="m")
    written = {"bytes": 0}
    real_write = structfile.StructFile.write

    def write(self, data):
        written["bytes"] += len(data)
        if written["bytes"] > 50_000:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(self, data)

    monkeypatch.setattr(structfile.StructFile, "write", write)
    for extra in ([], ["--full"]):
        written["bytes"] = 0
        result = runner.invoke(
            main,
            [
                "reindex",
                *extra,
                "--no-entities",
                "-q",
                "--workers",
                "1",
                "--index",
                str(index_dir),
                str(corpus),
                str(more),
            ],
        )
        assert result.exit_code == 1, result.output
        assert isinstance(result.exception, SystemExit), result.exception
        assert "disk full" in result.output and "Traceback" not in result.output
    monkeypatch.setattr(structfile.StructFile, "write", real_write)
    result = _reindex_in_process(runner, index_dir, corpus, more)
    assert result.exit_code == 0, result.output
    assert _hits(index_dir, "barriersm") == 40 * 6


def test_disk_full_in_a_writer_process_is_reported_not_lost(tmp_path: Path, monkeypatch) -> None:
    """With two writer processes a child's ENOSPC must fail the run; Whoosh's own
    multi-process writer would commit without the child's segment."""
    from whoosh.filedb import structfile

    from searchsvc.engines.whoosh import writer as indexer

    monkeypatch.setattr(indexer, "PARALLEL_WRITE_MIN_FILES", 1)
    corpus = _corpus(tmp_path / "c", 30)
    index_dir = tmp_path / "ix"
    real_write = structfile.StructFile.write
    parent = os.getpid()

    def write(self, data):
        if os.getpid() != parent:  # only the forked writer processes run out of space
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(self, data)

    monkeypatch.setattr(structfile.StructFile, "write", write)
    result = CliRunner().invoke(
        main,
        [
            "reindex",
            "--no-entities",
            "-q",
            "--workers",
            "2",
            "--index",
            str(index_dir),
            str(corpus),
        ],
    )
    assert result.exit_code == 1, result.output
    assert "disk full" in result.output, result.output
    assert not IndexLocation(index_dir).exists()


@pytest.mark.slow
def test_read_only_index_still_searches_and_reindex_says_why(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "c", 5)
    with tiny_tmpfs(tmp_path / "fs", "16m") as fs:
        index_dir = fs / "ix"
        assert _index(index_dir, corpus) == 0
        done = subprocess.run(["mount", "-o", "remount,ro", str(fs)], check=False)
        if done.returncode != 0:
            pytest.skip("cannot remount read-only")
        assert _hits(index_dir, "marlow") == 30
        assert _cli("status", "--index", str(index_dir)).returncode == 0
        for extra in ([], ["--full"]):
            result = _cli(
                "reindex", *extra, "--no-entities", "-q", "--index", str(index_dir), str(corpus)
            )
            _assert_clean_failure(result, "not writable", "--index")


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_unwritable_index_folder_by_permissions(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "c", 3)
    index_dir = tmp_path / "ix"
    assert _index(index_dir, corpus) == 0
    index_dir.chmod(0o555)
    try:
        _assert_clean_failure(
            _cli("reindex", "--no-entities", "-q", "--index", str(index_dir), str(corpus)),
            "not writable",
        )
        assert _hits(index_dir, "marlow") == 18
    finally:
        index_dir.chmod(0o755)


# --- missing and damaged files ----------------------------------------------------------


def _segment_file(gen: Path) -> Path:
    """Return the terms file of a segment (or its compound file)."""
    return next(p for p in sorted(gen.iterdir()) if p.suffix in (".seg", ".trm"))


def _damage_truncate_segment(gen: Path) -> None:
    with open(_segment_file(gen), "r+b") as fh:
        fh.truncate(100)


def _damage_delete_segment(gen: Path) -> None:
    _segment_file(gen).unlink()


def _latest_toc(gen: Path) -> Path:
    return max(gen.glob("_MAIN_*.toc"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))


def _damage_garbage_toc(gen: Path) -> None:
    _latest_toc(gen).write_bytes(b"garbage")


def _damage_delete_toc(gen: Path) -> None:
    for toc in gen.glob("_MAIN_*.toc"):
        toc.unlink()


def _damage_empty_generation(gen: Path) -> None:
    for child in gen.iterdir():
        child.unlink()


def _damage_delete_generation(gen: Path) -> None:
    shutil.rmtree(gen)


DAMAGE = {
    "truncated segment": (_damage_truncate_segment, "reindex --full"),
    "missing segment": (_damage_delete_segment, "reindex --full"),
    "garbage table of contents": (_damage_garbage_toc, "reindex --full"),
    "missing table of contents": (_damage_delete_toc, "reindex --full"),
    "empty generation folder": (_damage_empty_generation, "reindex --full"),
    "missing generation folder": (_damage_delete_generation, "searchsvc reindex"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_index_gives_a_clear_message_and_full_rebuild_fixes_it(
    tmp_path: Path, damage: str
) -> None:
    corpus = _corpus(tmp_path / "c", 6)
    index_dir = tmp_path / "ix"
    runner = CliRunner()
    assert _reindex_in_process(runner, index_dir, corpus).exit_code == 0
    gen = IndexLocation(index_dir).current_dir()
    assert gen is not None
    hurt, fix = DAMAGE[damage]
    hurt(gen)
    for args in (["search", "marlow"], ["status"]):
        result = runner.invoke(main, [*args, "--index", str(index_dir)])
        assert result.exit_code == 1, (args, result.output)
        assert isinstance(result.exception, SystemExit), (args, repr(result.exception))
        assert fix in result.output, (args, result.output)
    # an update either refuses with the same advice, or rebuilds what it cannot read
    update = _reindex_in_process(runner, index_dir, corpus)
    if update.exit_code == 0:
        assert _hits(index_dir, "marlow") == 36
    else:
        assert isinstance(update.exception, SystemExit), repr(update.exception)
        assert "reindex --full" in update.output, update.output
    rebuilt = _reindex_in_process(runner, index_dir, corpus, full=True)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert _hits(index_dir, "marlow") == 36


def test_garbage_inside_a_segment_is_reported_by_search(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "c", 30)
    index_dir = tmp_path / "ix"
    runner = CliRunner()
    assert _reindex_in_process(runner, index_dir, corpus).exit_code == 0
    gen = IndexLocation(index_dir).current_dir()
    seg = next(p for p in sorted(gen.iterdir()) if p.suffix in (".seg", ".pst"))
    size = seg.stat().st_size
    for fraction in (0.3, 0.5, 0.7, 0.9):
        with open(seg, "r+b") as fh:
            fh.seek(int(size * fraction))
            fh.write(b"\xff" * 2000)
    for word in ("marlow", "river", "barriers", "winter", "dispatch"):
        result = runner.invoke(main, ["search", word, "--index", str(index_dir)])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            word,
            repr(result.exception),
        )


# --- locks ------------------------------------------------------------------------------


def test_live_lock_is_respected_and_stale_lock_is_cleared(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "c", 3)
    index_dir = tmp_path / "ix"
    with hold_index_lock(index_dir) as holder:
        busy = _cli("reindex", "--no-entities", "-q", "--index", str(index_dir), str(corpus))
        _assert_clean_failure(busy, f"another reindex (pid {holder.pid})", "--wait")
    # the holder died holding the lock: its lock file is still there, and ignored
    assert (index_dir / ".reindex.lock").read_text().strip() == str(holder.pid)
    again = _cli("reindex", "--no-entities", "-q", "--index", str(index_dir), str(corpus))
    assert again.returncode == 0, again.stderr


# --- search during reindex ----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_search_keeps_answering_during_reindex_and_sees_the_new_index(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "c", 150)
    index_dir = tmp_path / "ix"
    assert _index(index_dir, corpus) == 0
    port = _free_port()
    log = tmp_path / "server.log"
    server = subprocess.Popen(
        [*SEARCHSVC, "serve", "--index", str(index_dir), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    errors: list[str] = []
    answered = [0]
    stop = threading.Event()

    def get(path: str) -> dict:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}: {body[:200]!r}")
            return json.loads(body)
        finally:
            conn.close()

    def client() -> None:
        words = ["marlow", "river", "barriers", "winter", "flood", "storms"]
        i = 0
        while not stop.is_set():
            try:
                page = get(f"/api/search?q={words[i % len(words)]}&page={1 + i % 3}")
                if page["total"] <= 0:
                    errors.append(f"no hits for {words[i % len(words)]}")
                answered[0] += 1
            except Exception as exc:  # every failure is a test failure
                errors.append(f"{type(exc).__name__}: {exc}")
            i += 1

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get("/api/health")
                break
            except (OSError, RuntimeError):
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        threads = [threading.Thread(target=client) for _ in range(3)]
        for thread in threads:
            thread.start()
        new = _corpus(tmp_path / "new", 40, tag="fresh")
        for args in (["--full"], [], ["--full"]):
            result = _cli(
                "reindex",
                *args,
                "--no-entities",
                "-q",
                "--workers",
                "2",
                "--index",
                str(index_dir),
                str(corpus),
                str(new),
            )
            assert result.returncode == 0, result.stderr
            _corpus(new, 40 + len(args), tag="fresh")  # changed files for the next run
        time.sleep(1.5)
        stop.set()
        for thread in threads:
            thread.join()
        # the running server serves the newest index without a restart
        assert get("/api/search?q=barriersfresh")["total"] == 41 * 6
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=10)
    assert not errors, (errors[:3], log.read_text()[-3000:])
    assert answered[0] > 20
