"""Where an index lives on disk, how it is opened, locked and swapped.

Layout of an index folder (``index/`` by default)::

    index/
      current -> gen-20261126T140301-8f3a   (symlink: the live generation)
      gen-20261126T140301-8f3a/             (a Whoosh index + searchsvc.json)
      .reindex.lock                         (lockf held by the running reindex)

Incremental reindexes write into the live generation: each Whoosh commit is atomic (a
new table of contents is renamed into place), so readers see the old or the new state,
never half of one. A full rebuild writes a new generation beside the live one and
publishes it by atomically replacing the ``current`` symlink; the previous generation is
kept until the next publish so that searchers still holding it can finish.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh.index import TOC

from searchsvc.errors import IndexBusy, IndexCorrupt, IndexMissing, SearchsvcError
from searchsvc.models import IndexStats

from . import patches
from .schema import build_schema

CURRENT = "current"
LOCK_FILE = ".reindex.lock"
META_FILE = "searchsvc.json"
GEN_PREFIX = "gen-"
INDEX_NAME = "MAIN"
_THREAD_LOCKS: dict[str, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()
FIX_HINT = "run `searchsvc reindex --full PATHS` to rebuild it"


def _utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class IndexLocation:
    """An index folder: the live generation, its metadata and the reindex lock."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"IndexLocation({str(self.root)!r})"

    @property
    def current_link(self) -> Path:
        """Return the path of the ``current`` symlink."""
        return self.root / CURRENT

    def current_dir(self) -> Path | None:
        """Return the live generation's folder, or None when there is none."""
        link = self.current_link
        if not link.is_symlink() and not link.is_dir():
            return None
        target = link.resolve()
        return target if target.is_dir() else None

    def generation(self) -> str | None:
        """Return the live generation's name, or None."""
        try:
            return os.readlink(self.current_link)
        except OSError:
            return None

    def version(self) -> tuple[str | None, int]:
        """Return (generation name, Whoosh commit number): it changes whenever a
        searcher should be reopened."""
        gen = self.generation()
        current = self.current_dir()
        if current is None:
            return gen, -1
        try:
            from whoosh.filedb.filestore import FileStorage

            return gen, TOC._latest_generation(FileStorage(str(current)), INDEX_NAME)
        except OSError:
            return gen, -1

    def exists(self) -> bool:
        """Return True when a live generation with a committed Whoosh index exists."""
        current = self.current_dir()
        if current is None:
            return False
        try:
            return whoosh_index.exists_in(str(current), INDEX_NAME)
        except Exception:  # files there but unreadable: ``open`` says what and how to fix
            return True

    def open(self) -> whoosh_index.Index:
        """Return the live Whoosh index.

        Raises IndexMissing when there is none, IndexCorrupt when it cannot be opened.
        """
        current = self.current_dir()
        if current is None:
            if self.root.exists() and not self.root.is_dir():
                raise IndexMissing(f"{self.root} is a file, not an index folder")
            raise IndexMissing(f"no index at {self.root}: build one with `searchsvc reindex PATHS`")
        patches.apply()
        try:
            if not whoosh_index.exists_in(str(current), INDEX_NAME):
                raise IndexCorrupt(f"the index at {current} has no committed data: {FIX_HINT}")
            ix = whoosh_index.open_dir(str(current), indexname=INDEX_NAME)
            ix.doc_count()
            return ix
        except SearchsvcError:
            raise
        except PermissionError as exc:
            raise IndexCorrupt(f"cannot read the index at {current}: {exc.strerror}") from exc
        except Exception as exc:  # any Whoosh or OS failure means the files are damaged
            raise IndexCorrupt(
                f"the index at {current} is damaged ({type(exc).__name__}: {exc}): {FIX_HINT}"
            ) from exc

    def read_meta(self) -> dict[str, Any]:
        """Return the live generation's metadata (empty when missing or unreadable)."""
        current = self.current_dir()
        if current is None:
            return {}
        try:
            return json.loads((current / META_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return {}

    @staticmethod
    def write_meta(gen_dir: Path, meta: dict[str, Any]) -> None:
        """Write a generation's metadata atomically."""
        tmp = gen_dir / f".{META_FILE}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(meta, indent=2, sort_keys=True), "utf-8")
        os.replace(tmp, gen_dir / META_FILE)

    def ensure_root(self) -> None:
        """Create the index folder, with a clear error when that is impossible."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SearchsvcError(
                f"cannot create the index folder {self.root}: {exc.strerror}; "
                "pass a writable folder with --index"
            ) from None
        if not os.access(self.root, os.W_OK):
            raise SearchsvcError(
                f"the index folder {self.root} is not writable (read-only file system or "
                "permissions): make it writable or pass another folder with --index"
            )

    def new_generation(self) -> Path:
        """Create an empty Whoosh index in a new generation folder and return its path.
        It is not live until ``publish`` is called."""
        self.ensure_root()
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        gen_dir = self.root / f"{GEN_PREFIX}{stamp}-{uuid.uuid4().hex[:6]}"
        gen_dir.mkdir()
        patches.apply()
        whoosh_index.create_in(str(gen_dir), build_schema(), indexname=INDEX_NAME)
        self.write_meta(gen_dir, {"created": _utc_now()})
        return gen_dir

    @staticmethod
    def open_generation(gen_dir: Path) -> whoosh_index.Index:
        """Return the Whoosh index in a generation folder (live or not yet published)."""
        patches.apply()
        return whoosh_index.open_dir(str(gen_dir), indexname=INDEX_NAME)

    def publish(self, gen_dir: Path) -> None:
        """Make ``gen_dir`` the live generation (atomic symlink swap), then remove
        generations older than the one it replaced and abandoned partial builds."""
        previous = self.generation()
        tmp_link = self.root / f".{CURRENT}.{os.getpid()}.{uuid.uuid4().hex[:6]}"
        os.symlink(gen_dir.name, tmp_link)
        os.replace(tmp_link, self.current_link)
        _fsync_dir(self.root)
        keep = {gen_dir.name, previous}
        for child in self.root.iterdir():
            if child.name.startswith(GEN_PREFIX) and child.name not in keep:
                shutil.rmtree(child, ignore_errors=True)
            elif child.name.startswith(f".{CURRENT}.") and child.is_symlink():
                child.unlink(missing_ok=True)

    @contextmanager
    def lock(self, wait: float = 0.0) -> Iterator[None]:
        """Hold the reindex lock for the duration of the block.

        The lock is a POSIX record lock (``lockf``) on ``.reindex.lock``: the kernel
        releases it when its process dies, so a lock left by a killed reindex never
        blocks the next one, and forked worker processes do not inherit it.
        Waits up to ``wait`` seconds, then raises IndexBusy naming the holder's pid.
        """
        self.ensure_root()
        path = self.root / LOCK_FILE
        deadline = time.monotonic() + max(0.0, wait)
        # POSIX locks do not exclude threads of one process: a per-process lock does.
        with _THREAD_LOCKS_GUARD:
            thread_lock = _THREAD_LOCKS.setdefault(str(path.resolve()), threading.Lock())
        acquired = thread_lock.acquire(timeout=wait) if wait > 0 else thread_lock.acquire(False)
        if not acquired:
            raise IndexBusy(
                f"another reindex in this process is writing to {self.root}; wait for it "
                "to finish or pass --wait SECONDS"
            )
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            while True:
                try:
                    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() >= deadline:
                        holder = _read_pid(path)
                        who = f" (pid {holder})" if holder else ""
                        raise IndexBusy(
                            f"another reindex{who} is writing to {self.root}; wait for it "
                            "to finish or pass --wait SECONDS"
                        ) from None
                    time.sleep(0.2)
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
            yield
        finally:
            os.close(fd)
            thread_lock.release()

    def stats(self) -> IndexStats:
        """Return what is in the live index, or ``exists=False``."""
        if not self.exists():
            if self.current_dir() is not None:
                self.open()  # a live generation without a readable index: IndexCorrupt
            return IndexStats(exists=False, path=str(self.root))
        ix = self.open()
        try:
            with ix.searcher() as searcher:
                documents = searcher.doc_count()
                articles = count_articles(searcher)
        finally:
            ix.close()
        meta = self.read_meta()
        return IndexStats(
            exists=True,
            path=str(self.root),
            documents=documents,
            articles=articles,
            last_reindex=meta.get("last_reindex"),
            generation=self.generation(),
        )


def count_articles(searcher) -> int:
    """Return the number of distinct articles with at least one live paragraph (each
    segment's article ids read once, in numpy, with its deleted paragraphs left out)."""
    from .search.docsets import segment_live
    from .search.facets import SEGMENT_VALUES

    names: set[str] = set()
    for sub, _offset in searcher.leaf_searchers():
        leaf = sub.reader()
        if "article_id" not in leaf.schema:
            continue
        piece = SEGMENT_VALUES.get(leaf, "article_id")
        if leaf.has_deletions():
            kept = piece.values[segment_live(leaf)[piece.docs]]
        else:
            kept = piece.values
        present = np.zeros(len(piece.names), dtype=bool)
        present[kept] = True
        names.update(piece.names[i] for i in np.flatnonzero(present).tolist())
    return len(names)


def write_error(exc: OSError, root: str | os.PathLike[str], kept: str) -> SearchsvcError:
    """Return the user-facing error for an OS failure while writing the index at
    ``root``: what went wrong, what state the index is in (``kept``) and the fix."""
    where = f"the index at {root}"
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        return SearchsvcError(
            f"disk full while writing {where}: {kept}. Free some space (a full rebuild "
            "needs room for a second copy of the index plus temporary files, about 3x "
            "its size) and run the reindex again"
        )
    if code in (errno.EROFS, errno.EACCES, errno.EPERM):
        return SearchsvcError(
            f"cannot write to {where}: {exc.strerror or exc} (read-only or not yours). "
            f"{kept}. Make the folder writable or pass another one with --index"
        )
    if code == errno.EFBIG:
        return SearchsvcError(
            f"file size limit reached while writing {where}: {kept}. Raise the limit "
            "(ulimit -f) and run the reindex again"
        )
    return SearchsvcError(
        f"cannot write {where} ({exc.strerror or exc}): {kept}. If it happens again, "
        f"rebuild it with `searchsvc reindex --full PATHS`"
    )


def remove_stale_temp(gen_dir: Path) -> None:
    """Remove the temporary files a killed writer left in a generation folder (call
    only while holding the reindex lock: no other writer can be using them)."""
    shutil.rmtree(gen_dir / f"{INDEX_NAME}.tmp", ignore_errors=True)
    for child in gen_dir.glob(f".{META_FILE}.*.tmp"):
        child.unlink(missing_ok=True)


def _read_pid(path: Path) -> str | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return text if text.isascii() and text.isdigit() else None


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
