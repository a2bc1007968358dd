"""Crash safety, randomized: SIGKILL ``searchsvc reindex`` at random moments, over and
over, in incremental and full mode, and check after every kill that

- the index opens and answers searches;
- nothing committed before the crash is lost: every file indexed before the run is
  still there, whole, as its old or its new version (never partly, never twice);
- no process of the killed reindex survives it (workers and writer processes die too);
- the lock left by the dead process does not block the rerun, and the rerun brings the
  index exactly in line with the files.

The killed runs commit every ``COMMIT_FILES`` files so that kills land between, inside
and after incremental commits. Kept to ~1-2 minutes.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from whoosh.query import Term

from searchsvc.engines.whoosh.storage import IndexLocation
from searchsvc.indexer import reindex

KILLS = 24
FILES = 160
PARAGRAPHS_PER_FILE = 3
COMMIT_FILES = 25
SEED = int(os.environ.get("CRASH_SEED", "20261126"))

_RUNNER = (
    "import sys\n"
    "from searchsvc import cli, indexer\n"
    f"indexer.COMMIT_EVERY_FILES = {COMMIT_FILES}\n"
    "sys.argv = ['searchsvc', *sys.argv[1:]]\n"
    "cli.main()\n"
)


def _write_file(folder: Path, n: int, version: int) -> None:
    body = "\n\n".join(
        f"Harbour report {n} version {version} paragraph {k}: the committee in "
        f"Port Alden met again and agreed tag{n}v{version} measures for the quay."
        for k in range(PARAGRAPHS_PER_FILE)
    )
    path = folder / f"f{n:04d}.txt"
    path.write_text(f"Report {n} version {version}\n\n{body}\n", "utf-8")
    st = path.stat()  # a new version must also look changed to the size/mtime check
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + version * 1_000_000_000))


def _index_state(index_dir: Path) -> dict[str, Counter]:
    """Return {path: Counter(version -> paragraphs)} of the live index."""
    ix = IndexLocation(index_dir).open()
    try:
        state: dict[str, Counter] = {}
        with ix.searcher() as searcher:
            assert searcher.search(Term("text", "harbour"), limit=5).scored_length() > 0
            ids = []
            for fields in searcher.all_stored_fields():
                ids.append(fields["id"])
                version = int(fields["text"].split(" version ")[1].split(" ")[0])
                state.setdefault(fields["path"], Counter())[version] += 1
        assert len(ids) == len(set(ids)), "a paragraph is indexed twice"
        return state
    finally:
        ix.close()


def _survivors(pgid: int, timeout: float = 10.0) -> list[str]:
    """Return the processes of group ``pgid`` still alive after ``timeout`` seconds
    (pid, state, parent, command), killing them so the test run stays clean."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return []
        time.sleep(0.05)
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")
                found.append(f"{entry} {fields[0]} ppid={fields[1]} {cmd[:120]!r}")
        except (OSError, IndexError, ValueError):
            continue
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    return found


@pytest.mark.slow
def test_random_sigkills_never_lose_or_corrupt_the_index(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    index_dir = tmp_path / "ix"
    versions = {n: 1 for n in range(FILES)}
    for n in versions:
        _write_file(corpus, n, 1)
    reindex([corpus], index_dir, entities=False, workers=2)
    started = time.monotonic()
    # seconds a run takes here, per mode: learnt from runs that finish before the kill
    duration = {True: 3.0, False: 2.0}
    modes: Counter = Counter()
    kill = -1
    while modes["killed mid-run"] < KILLS and kill < 2 * KILLS:
        kill += 1
        full = kill % 2 == 1
        modes["full" if full else "incremental"] += 1
        before = _index_state(index_dir)
        old_versions = dict(versions)
        # change some files, add a few: the run has real work for every kind of kill
        for n in rng.sample(sorted(versions), 40):
            versions[n] += 1
            _write_file(corpus, n, versions[n])
        for n in range(len(versions), len(versions) + 8):
            versions[n] = 1
            _write_file(corpus, n, 1)

        args = [
            "reindex",
            "--no-entities",
            "--quiet",
            "--workers",
            "2",
            "--index",
            str(index_dir),
            str(corpus),
        ]
        if full:
            args.insert(1, "--full")
        proc = subprocess.Popen(
            [sys.executable, "-c", _RUNNER, *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        delay = rng.uniform(0.15, 0.95) * duration[full]
        t0 = time.monotonic()
        try:
            proc.wait(timeout=delay)
            modes["finished before the kill"] += 1
            duration[full] = time.monotonic() - t0
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            modes["killed mid-run"] += 1
        left = _survivors(proc.pid)
        assert not left, f"kill {kill}: processes of the killed reindex survived: {left}"

        # the index opens and searches; nothing committed before is lost or torn
        after = _index_state(index_dir)
        if after != before:
            modes["killed after some work was committed"] += 1
        for path in before:
            assert path in after, f"kill {kill}: {path} was lost"
            n = int(Path(path).stem[1:])
            allowed = {old_versions[n], versions[n]}
            got = after[path]
            assert len(got) == 1, f"kill {kill}: {path} holds two versions {dict(got)}"
            ((version, paragraphs),) = got.items()
            assert version in allowed and paragraphs == PARAGRAPHS_PER_FILE, (
                f"kill {kill}: {path} holds {dict(got)}, expected one of {allowed}"
            )
        for path, got in after.items():
            assert list(got.values()) == [PARAGRAPHS_PER_FILE], f"{path} torn: {dict(got)}"

        # the dead process's lock does not block; the rerun completes and is exact
        reindex([corpus], index_dir, entities=False, workers=2)
        final = _index_state(index_dir)
        assert len(final) == len(versions)
        for path, got in final.items():
            n = int(Path(path).stem[1:])
            assert dict(got) == {versions[n]: PARAGRAPHS_PER_FILE}, f"{path}: {dict(got)}"
    assert modes["full"] >= 10 and modes["incremental"] >= 10
    assert modes["killed mid-run"] >= KILLS, dict(modes)
    # abandoned partial generations are cleaned by the next published full rebuild
    reindex([corpus], index_dir, full=True, entities=False, workers=2)
    gens = [p for p in index_dir.iterdir() if p.name.startswith("gen-")]
    assert len(gens) <= 2, sorted(p.name for p in gens)
    print(f"{kill + 1} runs in {time.monotonic() - started:.0f} s: {dict(modes)}")


BIG_RECORDS = 3000
_MID_FILE_RUNNER = (
    "import sys, time\n"
    "from searchsvc import indexer\n"
    "indexer.COMMIT_EVERY_FILES = 1\n"
    "indexer.COMMIT_EVERY_PARAGRAPHS = 1\n"
    "indexer.BATCH_ARTICLES = 16\n"
    "status = open(sys.argv[1], 'w')\n"
    "def progress(p):\n"
    "    status.write(f'{p.files_done} {p.paragraphs}\\n')\n"
    "    status.flush()\n"
    "    time.sleep(0.02)\n"
    "indexer.reindex([sys.argv[2]], sys.argv[3], entities=False, workers=2,\n"
    "                progress=progress)\n"
)


def _write_big(corpus: Path, version: int) -> None:
    lines = [
        f'{{"title": "Dispatch {n}", "text": "Harbour dispatch {n} version {version} '
        f'paragraph: the pilots of Port Alden asked again for tag{n} at the quay."}}'
        for n in range(BIG_RECORDS)
    ]
    path = corpus / "m-big.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + version * 1_000_000_000))


@pytest.mark.slow
def test_kill_in_the_middle_of_a_big_file_keeps_its_old_version_whole(tmp_path: Path) -> None:
    """An incremental run commits after every file here, and the big file is written in
    many batches: killed half-way through it, the index must hold the big file's old
    version whole (a mid-file commit would leave part of the new version under a key
    saying "done", which the rerun would then skip) and the rerun must finish it."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    index_dir = tmp_path / "ix"
    small = list(range(5))  # f0000..f0004 sort before m-big.jsonl
    for n in small:
        _write_file(corpus, n, 1)
    _write_big(corpus, 1)
    reindex([corpus], index_dir, entities=False, workers=2)
    for n in small:
        _write_file(corpus, n, 2)
    _write_big(corpus, 2)

    status = tmp_path / "status"
    status.write_text("")
    proc = subprocess.Popen(
        [sys.executable, "-c", _MID_FILE_RUNNER, str(status), str(corpus), str(index_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    mid_file = len(small) * PARAGRAPHS_PER_FILE + BIG_RECORDS // 3
    deadline = time.monotonic() + 120
    last = ""
    while time.monotonic() < deadline and proc.poll() is None:
        lines = status.read_text().split("\n")
        last = lines[-2] if len(lines) > 1 else ""
        if last and int(last.split()[1]) >= mid_file:
            break
        time.sleep(0.01)
    assert proc.poll() is None, f"the run ended before the kill (last progress: {last!r})"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not _survivors(proc.pid)
    files_done, paragraphs = map(int, last.split())
    assert files_done == len(small) and mid_file <= paragraphs < mid_file + 200

    after = _index_state(index_dir)
    for n in small:  # committed one by one before the big file began
        assert after[str(corpus / f"f{n:04d}.txt")] == {2: PARAGRAPHS_PER_FILE}
    assert after[str(corpus / "m-big.jsonl")] == {1: BIG_RECORDS}

    again = reindex([corpus], index_dir, entities=False, workers=2)
    assert again.files_processed == 1 and again.files_unchanged == len(small)
    assert _index_state(index_dir)[str(corpus / "m-big.jsonl")] == {2: BIG_RECORDS}
