"""A term's postings in one segment, read the cheapest way there is.

From the segment's posting file (``postfile``) when it has one: numpy arrays read by
range, nothing decoded. Otherwise from Whoosh's blocks, decoded once per segment (not per index
version: an incremental commit keeps every segment it did not touch, and with them
what was decoded) into ``TERMS``, a process-wide cache sized in bytes.

The byte budget of a process (``cache_budget``) is ``SEARCHSVC_CACHE_MB`` when set, else
an eighth of the memory available at start shared among the cores (each server worker
is one process), capped at ``MAX_CACHE_MB``: half goes to decoded segment postings, half
to each index version's assembled posting lists (``DocSets``).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np

from . import postfile
from .postfile import PostFile, PostFileError

LOG = logging.getLogger("searchsvc.search")
MAX_CACHE_MB = 128
MIN_CACHE_MB = 16
RECHECK_SECONDS = 2.0  # how long "this segment has no posting file" is believed
MAX_OPEN_FILES = 256  # each holds a file descriptor
ENV_CACHE = "SEARCHSVC_CACHE_MB"
ENV_POSTFILES = "SEARCHSVC_POSTING_FILES"  # "0": never read posting files (comparisons)

EMPTY_IDS = np.zeros(0, dtype=np.int64)
EMPTY_WEIGHTS = np.zeros(0, dtype=np.float64)


def _available_bytes() -> int:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    except (ValueError, OSError):
        return 1 << 30


def cache_budget() -> int:
    """Return this process's cache budget in bytes (see the module doc)."""
    configured = os.environ.get(ENV_CACHE, "").strip()
    if configured:
        try:
            return max(0, int(float(configured) * 1024 * 1024))
        except ValueError:
            LOG.warning("%s=%r is not a number of megabytes: ignored", ENV_CACHE, configured)
    share = _available_bytes() // 8 // max(1, os.cpu_count() or 1)
    return int(min(MAX_CACHE_MB << 20, max(MIN_CACHE_MB << 20, share)))


def postfiles_enabled() -> bool:
    """Return False when posting files are switched off (``SEARCHSVC_POSTING_FILES=0``)."""
    return os.environ.get(ENV_POSTFILES, "1").strip() not in ("0", "no", "false")


class ByteLRU:
    """A least-recently-used map of numpy arrays, bounded by their total bytes."""

    def __init__(self, limit: int):
        self.limit = limit
        self.bytes = 0
        self._items: OrderedDict[tuple, tuple[np.ndarray, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple[np.ndarray, ...] | None:
        """Return the arrays under ``key`` (now most recently used), or None."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple, arrays: tuple[np.ndarray, ...]) -> None:
        """Keep ``arrays`` under ``key``, evicting the least recently used past the
        limit (arrays larger than the whole limit are not kept)."""
        size = sum(a.nbytes for a in arrays)
        if size > self.limit:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = arrays
            self.bytes += size
            while self.bytes > self.limit and self._items:
                _old, dropped = self._items.popitem(last=False)
                self.bytes -= sum(a.nbytes for a in dropped)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._items.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._items)


class PostFiles:
    """The posting files opened by this process, by path (a segment never changes, so
    an opened file stays valid while it exists). A missing file is looked for again
    after ``RECHECK_SECONDS`` (another process may be writing it)."""

    def __init__(self) -> None:
        self._open: OrderedDict[Path, PostFile] = OrderedDict()
        self._by_segment: dict[tuple[str, str, str], PostFile] = {}
        self._absent: dict[Path, float] = {}
        self._lock = threading.Lock()

    def get(self, reader, fieldname: str) -> PostFile | None:
        """Return the posting file of ``fieldname`` in one segment reader, or None."""
        if not postfiles_enabled():
            return None
        try:  # the cheap key of a segment in a folder (a Path costs more than a lookup)
            quick = (reader._storage.folder, reader._segment.segment_id(), fieldname)
        except AttributeError:
            return None
        found = self._by_segment.get(quick)
        if found is not None:
            return found
        path = postfile.postfile_path(reader, fieldname)
        if path is None:
            return None
        with self._lock:
            found = self._open.get(path)
            if found is not None:
                self._open.move_to_end(path)
                self._by_segment[quick] = found
                return found
            checked = self._absent.get(path)
        now = time.monotonic()
        if checked is not None and now - checked < RECHECK_SECONDS:
            return None
        try:
            opened = PostFile(path, postfile.segment_identity(reader))
        except FileNotFoundError:
            with self._lock:
                self._absent[path] = now
            return None
        except (OSError, PostFileError, ValueError, KeyError) as exc:
            LOG.warning("posting file %s not used: %s", path, exc)
            with self._lock:
                self._absent[path] = now + 3600  # not retried for an hour
            return None
        with self._lock:
            self._absent.pop(path, None)
            self._open[path] = opened
            self._by_segment[quick] = opened
            self._prune()
        return opened

    def _prune(self) -> None:
        """Drop files that were deleted (their segment is gone) and the least recently
        used past ``MAX_OPEN_FILES`` (each closes its file once nothing refers to it)."""
        if len(self._open) % 16 == 0:
            for path in [p for p in self._open if not p.exists()]:
                del self._open[path]
        while len(self._open) > MAX_OPEN_FILES:
            self._open.popitem(last=False)
        kept = {id(f) for f in self._open.values()}
        self._by_segment = {k: f for k, f in self._by_segment.items() if id(f) in kept}
        if len(self._absent) > 4 * MAX_OPEN_FILES:
            self._absent.clear()

    def forget(self) -> None:
        """Close (drop) every opened file and forget every absence."""
        with self._lock:
            self._open.clear()
            self._by_segment = {}
            self._absent.clear()


FILES = PostFiles()
_budget = cache_budget()
TERMS = ByteLRU(_budget // 2)  # decoded Whoosh blocks, per segment
ASSEMBLED_BYTES = _budget - _budget // 2  # per index version (DocSets), at most


def segment_key(reader) -> tuple | None:
    """Return the key of one segment (its id and document count), or None."""
    try:
        segment = reader.segment()
        return (segment.segment_id(), segment.doc_count_all())
    except Exception:  # not a standard segment reader: nothing is shared
        return None


def term_postings(reader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Return the segment-local document numbers (sorted, deleted ones included) and
    weights of one term of one segment reader."""
    found = FILES.get(reader, fieldname)
    if found is not None:
        term = found.find(btext)
        if term < 0:
            return EMPTY_IDS, EMPTY_WEIGHTS
        return found.ids_of(term), found.weights_of(term)
    from .docsets import leaf_postings

    key = segment_key(reader)
    if key is None:
        return leaf_postings(reader, fieldname, btext)
    key = (*key, fieldname, btext)
    cached = TERMS.get(key)
    if cached is not None:
        return cached[0], cached[1]
    if fieldname not in reader.schema or (fieldname, btext) not in reader:
        return EMPTY_IDS, EMPTY_WEIGHTS
    ids, weights = leaf_postings(reader, fieldname, btext)
    # Kept compact: document numbers of a segment fit 32 bits, weights 32-bit floats.
    ids32, weights32 = ids.astype(np.uint32), weights.astype(np.float32)
    TERMS.put(key, (ids32, weights32))
    return ids32, weights32


def term_positions(
    reader, fieldname: str, btext: bytes, docs: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Return (document, position) of each occurrence of a term in the sorted
    segment-local ``docs`` from the segment's posting file; None when it has no
    posting file with positions (the caller reads Whoosh's blocks)."""
    found = FILES.get(reader, fieldname)
    if found is None or not found.has_positions:
        return None
    term = found.find(btext)
    if term < 0:
        return EMPTY_IDS, EMPTY_IDS
    return found.positions_of(term, docs)


def prefix_terms(reader, fieldname: str, prefix: bytes) -> list[tuple[bytes, int]] | None:
    """Return (term, documents) of every term of one segment starting with ``prefix``,
    in term order, from its posting file; None when it has none."""
    found = FILES.get(reader, fieldname)
    if found is None:
        return None
    lo, hi = found.prefix_range(prefix)
    dfs = found.doc_frequencies(lo, hi).tolist()
    return list(zip(found.terms()[lo:hi], dfs, strict=True))


def prefix_ids(reader, fieldname: str, prefix: bytes) -> np.ndarray | None:
    """Return the segment-local documents holding any term starting with ``prefix``
    (sorted, unique, deleted ones included) from its posting file; None without one."""
    found = FILES.get(reader, fieldname)
    if found is None:
        return None
    lo, hi = found.prefix_range(prefix)
    if lo == hi:
        return EMPTY_IDS
    ids = found.ids_of_range(lo, hi)
    if hi - lo == 1:
        return ids.astype(np.int64)
    mask = np.zeros(found.doc_count, dtype=bool)
    mask[ids] = True
    return np.flatnonzero(mask).astype(np.int64)
