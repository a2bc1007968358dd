"""Decoded postings of one field of one segment, in a file numpy reads in place.

Whoosh keeps a term's postings in compressed, pickled blocks that must be decoded (in
Python) each time a query reads them. A *posting file* holds the same postings decoded
once: for every term of the field, in term order, its segment-local document numbers
(``uint32``), its weights (unless they are its occurrence counts times one field
boost, or constant), and for fields with positions the occurrence count of each
posting and every position. Searches read a term's range of the arrays as numpy arrays
(``pread``, no decoding, nothing unpickled); the file's pages sit in the page cache,
once for every server process, rather than mapped into each process, so a process
holds only the ranges its searches use.

The file sits beside the segment's own files and is named like them
(``MAIN_<segment id>.<field>.spk``), so Whoosh's clean-up deletes it with its segment;
segments never change, so a file once written stays true (deleted documents are left
out by the readers' live mask, as for Whoosh's postings). It is written atomically
(a temporary name, then a rename), by the indexer after each commit or, for an index
written before, by ``build_missing`` at first use.

Layout: ``MAGIC``, a little-endian ``uint32`` header length, the header (JSON: the
field, the segment, the weight rule and each array's offset, dtype and length), then
the arrays, each starting on a 64-byte boundary.
"""

from __future__ import annotations

import bisect
import contextlib
import fcntl
import functools
import json
import os
import struct
import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate, chain
from pathlib import Path
from pickle import UnpicklingError, loads
from typing import Any, BinaryIO

import numpy as np
from whoosh.formats import Positions

MAGIC = b"SSVCPOST"
VERSION = 1
SUFFIX = ".spk"
ALIGN = 64
# The fields searches read postings of: searched words, names, filters, facet values.
FIELDS = (
    "text",
    "title",
    "actor_terms",
    "location_terms",
    "country_terms",
    "source_terms",
    "actors",
    "locations",
    "countries",
    "source",
    "article_id",
)
_CHUNK_POSTINGS = 1 << 20  # postings buffered before they are appended to a part file
_PENDING_POSTINGS = 1 << 16  # postings and positions read before they are checked and buffered
_CHECK_ELEMENTS = 1 << 21  # postings read at a time when a file is checked at opening


class PostFileError(Exception):
    """A posting file that cannot be used (damaged, another version, another segment)."""


def postfile_path(reader, fieldname: str) -> Path | None:
    """Return where the posting file of ``fieldname`` of one segment reader lives, or
    None when the reader is not a segment of a folder on disk."""
    try:
        segment = reader._segment
        folder = reader._storage.folder
    except AttributeError:
        return None
    return Path(folder) / segment.make_filename(f".{fieldname}{SUFFIX}")


def segment_identity(reader) -> dict[str, Any]:
    """Return what names one segment: its id and document count."""
    segment = reader._segment
    return {"segment": segment.segment_id(), "doc_count": segment.doc_count_all()}


# --- reading ------------------------------------------------------------------------


class OnDisk:
    """One large array of a posting file, left on disk and read by range (``pread``):
    its pages stay in the page cache, once for every process, and a process holds only
    the ranges it read, for as long as it uses them (a memory map would keep every page
    it ever touched in each process)."""

    __slots__ = ("fd", "offset", "dtype", "count", "name")

    def __init__(self, fd: int, offset: int, dtype: np.dtype, count: int, name: str):
        self.fd, self.offset, self.dtype, self.count, self.name = fd, offset, dtype, count, name

    def __len__(self) -> int:
        return self.count

    def read(self, lo: int, hi: int) -> np.ndarray:
        """Return elements lo..hi (clipped to the array) as a new array."""
        lo, hi = max(0, int(lo)), min(self.count, int(hi))
        out = np.empty(max(0, hi - lo), dtype=self.dtype)
        view = memoryview(out).cast("B")
        at, done = self.offset + lo * self.dtype.itemsize, 0
        while done < len(view):
            try:
                got = _read_into(self.fd, view[done:], at + done)
            except OSError as exc:
                raise PostFileError(f"{self.name}: {exc}") from exc
            if got <= 0:
                raise PostFileError(f"{self.name}: shorter than its header says")
            done += got
        return out

    def take(self, index: np.ndarray) -> np.ndarray:
        """Return the elements at ``index`` (reading only the span they lie in)."""
        if not len(index):
            return np.zeros(0, dtype=self.dtype)
        lo, hi = int(index.min()), int(index.max()) + 1
        if lo < 0 or hi > self.count:
            raise PostFileError(f"{self.name}: an offset past its arrays")
        return self.read(lo, hi)[index - lo]

    def pieces(self, size: int = _CHECK_ELEMENTS) -> Iterator[np.ndarray]:
        """Yield the whole array in consecutive pieces of at most ``size`` elements."""
        for lo in range(0, self.count, size):
            yield self.read(lo, lo + size)


class PostFile:
    """One posting file: its term tables in memory, its postings and positions read
    from disk by range (``OnDisk``); thread-safe, every array handed out is the
    caller's own."""

    def __init__(self, path: Path, expect: dict[str, Any] | None = None):
        self.path = path
        self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        self._closer = weakref.finalize(self, os.close, self._fd)
        try:
            self._open(expect)
        except BaseException:
            self.close()
            raise
        self._lock = threading.Lock()
        self._terms: list[bytes] | None = None

    def _open(self, expect: dict[str, Any] | None) -> None:
        header = self._header(os.fstat(self._fd).st_size)
        if expect is not None and any(header.get(k) != v for k, v in expect.items()):
            raise PostFileError(f"{self.path.name}: written for another segment")
        self.fieldname: str = header["field"]
        self.doc_count: int = header["doc_count"]
        self.weight_rule: str = header["weights"]
        self.boost: float = float(header.get("boost", 1.0))
        try:
            stored = {
                name: OnDisk(self._fd, offset, np.dtype(dtype), count, self.path.name)
                for name, (offset, dtype, count) in header["arrays"].items()
            }
            for required in ("term_bytes", "term_starts", "post_starts", "ids"):
                if required not in stored:
                    raise PostFileError(f"{self.path.name}: no {required}")
        except (TypeError, ValueError, KeyError) as exc:
            raise PostFileError(f"{self.path.name}: unreadable arrays ({exc})") from exc
        # The term tables are read whole (each search looks terms up in them).
        self.term_bytes = _whole(stored["term_bytes"])
        self.term_starts = _whole(stored["term_starts"])
        self.post_starts = _whole(stored["post_starts"])
        self.pos_starts = _whole(stored["pos_starts"]) if "pos_starts" in stored else None
        self.ids = stored["ids"]
        self.weights = stored.get("weights")
        self.counts = stored.get("counts")
        self.positions = stored.get("positions")
        self.terms_count = len(self.term_starts) - 1
        self._validate()

    def _header(self, size: int) -> dict[str, Any]:
        if size < len(MAGIC) + 4:
            raise PostFileError(f"{self.path.name}: too short")
        head = os.pread(self._fd, len(MAGIC) + 4, 0)
        if head[: len(MAGIC)] != MAGIC:
            raise PostFileError(f"{self.path.name}: not a posting file")
        (length,) = struct.unpack_from("<I", head, len(MAGIC))
        try:
            header = json.loads(os.pread(self._fd, length, len(MAGIC) + 4))
        except ValueError as exc:
            raise PostFileError(f"{self.path.name}: unreadable header") from exc
        if header.get("version") != VERSION:
            raise PostFileError(f"{self.path.name}: version {header.get('version')}")
        for offset, dtype, count in header["arrays"].values():
            if offset + np.dtype(dtype).itemsize * count > size:
                raise PostFileError(f"{self.path.name}: truncated")
        return header

    def _validate(self) -> None:
        """Check that the arrays agree with each other and with the segment (raise
        PostFileError): a damaged file is never read past its arrays. The postings
        are read once, in pieces, for it."""
        name = self.path.name
        if len(self.post_starts) != self.terms_count + 1 or self.terms_count < 0:
            raise PostFileError(f"{name}: term tables disagree")
        if self.term_starts[-1] != len(self.term_bytes) or self.post_starts[-1] != len(self.ids):
            raise PostFileError(f"{name}: sizes disagree")
        if np.any(np.diff(self.post_starts) < 0) or np.any(np.diff(self.term_starts) < 0):
            raise PostFileError(f"{name}: offsets out of order")
        if any(int(piece.max()) >= self.doc_count for piece in self.ids.pieces()):
            raise PostFileError(f"{name}: a document number past the segment")
        if self.weight_rule not in ("array", "counts", "const"):
            raise PostFileError(f"{name}: unknown weights {self.weight_rule!r}")
        if self.weight_rule == "array" and (
            self.weights is None or len(self.weights) != len(self.ids)
        ):
            raise PostFileError(f"{name}: weights missing")
        if self.positions is not None:
            if self.counts is None or self.pos_starts is None or len(self.counts) != len(self.ids):
                raise PostFileError(f"{name}: counts missing")
            if len(self.pos_starts) != self.terms_count + 1:
                raise PostFileError(f"{name}: position table disagrees")
            if self.pos_starts[-1] != len(self.positions) or np.any(np.diff(self.pos_starts) < 0):
                raise PostFileError(f"{name}: position offsets disagree")
            occurrences = sum(int(p.sum(dtype=np.int64)) for p in self.counts.pieces())
            if occurrences != len(self.positions):
                raise PostFileError(f"{name}: occurrence counts disagree")
        elif self.weight_rule == "counts":
            raise PostFileError(f"{name}: counts missing")

    @property
    def has_positions(self) -> bool:
        """True when the file holds positions (a field indexed with them)."""
        return self.positions is not None

    def terms(self) -> list[bytes]:
        """Return every term of the field, sorted (built at first use)."""
        if self._terms is None:
            with self._lock:
                if self._terms is None:
                    raw = self.term_bytes.tobytes()
                    starts = self.term_starts.tolist()
                    self._terms = [raw[a:b] for a, b in zip(starts, starts[1:], strict=False)]
        return self._terms

    def find(self, btext: bytes) -> int:
        """Return the number of term ``btext``, or -1 when the field lacks it (a binary
        search of the sorted terms: a dictionary of them would cost every server
        process as much memory again as the list)."""
        terms = self.terms()
        at = bisect.bisect_left(terms, btext)
        return at if at < len(terms) and terms[at] == btext else -1

    def prefix_range(self, prefix: bytes) -> tuple[int, int]:
        """Return the numbers [lo, hi) of the terms starting with ``prefix`` (they are
        contiguous in term order)."""
        terms = self.terms()
        lo = bisect.bisect_left(terms, prefix)
        after = _after(prefix)
        hi = len(terms) if after is None else bisect.bisect_left(terms, after, lo)
        return lo, hi

    def doc_frequencies(self, lo: int = 0, hi: int | None = None) -> np.ndarray:
        """Return the postings of each term lo..hi (deleted documents included)."""
        return np.diff(self.post_starts[lo : (self.terms_count if hi is None else hi) + 1])

    def _span(self, term: int) -> tuple[int, int]:
        return int(self.post_starts[term]), int(self.post_starts[term + 1])

    def ids_of(self, term: int) -> np.ndarray:
        """Return the sorted segment-local document numbers of a term (uint32)."""
        return self.ids.read(*self._span(term))

    def ids_of_range(self, lo: int, hi: int) -> np.ndarray:
        """Return the document numbers of terms lo..hi, term after term (not sorted)."""
        return self.ids.read(int(self.post_starts[lo]), int(self.post_starts[hi]))

    def weights_of(self, term: int) -> np.ndarray:
        """Return the weight of each posting of a term (float32 or float64)."""
        start, end = self._span(term)
        if self.weight_rule == "array":
            return self.weights.read(start, end)
        if self.weight_rule == "counts":
            return self.counts.read(start, end) * np.float32(self.boost)
        return np.full(end - start, self.boost, dtype=np.float32)

    def positions_of(self, term: int, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Return (document, position) of every occurrence of a term in the sorted
        segment-local ``docs`` that hold it, in document then position order; None
        when the file has no positions. Only the span of positions those documents'
        occurrences lie in is read."""
        if self.positions is None or self.counts is None or self.pos_starts is None:
            return None
        start, end = self._span(term)
        if start == end or not len(docs):
            return _NO_DOCS, _NO_DOCS
        ids = self.ids.read(start, end)
        at = np.searchsorted(ids, docs)
        at[at >= len(ids)] = 0
        hit = ids[at] == docs
        at = at[hit]
        counts = self.counts.read(start, end).astype(np.int64)
        firsts = np.cumsum(counts) - counts
        picked = counts[at]
        total = int(picked.sum())
        if not total:
            return _NO_DOCS, _NO_DOCS
        ends = np.cumsum(picked)
        index = np.repeat(firsts[at] - (ends - picked), picked) + np.arange(total)
        positions = self.positions.take(int(self.pos_starts[term]) + index).astype(np.int64)
        return np.repeat(docs[hit].astype(np.int64), picked), positions

    def close(self) -> None:
        """Close the file (the arrays handed out stay valid: they are copies)."""
        self._closer()


def _read_into(fd: int, view: memoryview, offset: int) -> int:
    """Read from ``offset`` into ``view``; return the bytes read (``preadv`` where the
    system has it: no intermediate copy)."""
    if hasattr(os, "preadv"):
        return os.preadv(fd, [view], offset)
    data = os.pread(fd, len(view), offset)
    view[: len(data)] = data
    return len(data)


def _whole(array: OnDisk) -> np.ndarray:
    """Return a whole (small) array of a posting file, read into memory."""
    return array.read(0, len(array))


_NO_DOCS = np.zeros(0, dtype=np.int64)


def _after(prefix: bytes) -> bytes | None:
    """Return the smallest bytes greater than every bytes starting with ``prefix``
    (None when there is none: empty, or all 0xff)."""
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes([stripped[-1] + 1])


# --- writing ------------------------------------------------------------------------


@dataclass
class TermPostings:
    """One term's postings as read from the segment."""

    btext: bytes
    ids: np.ndarray  # int64
    weights: np.ndarray  # float64
    values: list[bytes] | None  # encoded positions, for fields with positions


def block_postings(matcher, values: list | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return a W3 block matcher's document numbers and weights, adding the encoded
    value of each posting to ``values`` when given (AttributeError for another kind
    of matcher)."""
    ids, weights = [], []
    while True:
        if matcher._data is None:
            matcher._read_data()
        raw = np.asarray(matcher._data[0], dtype=np.int64)
        ids.append(raw if matcher._byteids else np.cumsum(raw))
        w = matcher._data[1]
        if w is None or isinstance(w, float):
            weights.append(np.full(len(raw), 1.0 if w is None else w))
        else:
            weights.append(np.asarray(w, dtype=np.float64))
        if values is not None:
            values.extend(matcher._data[2])
        if matcher._lastblock:
            break
        matcher._goto(matcher._nextoffset)
    if len(ids) == 1:
        return ids[0], weights[0]
    return np.concatenate(ids), np.concatenate(weights)


def iter_field(reader, fieldname: str) -> Iterator[TermPostings]:
    """Return every term of ``fieldname`` in one segment reader with its postings, in
    term order, read a block at a time (inlined postings through the matcher API)."""
    terms = reader._terms
    fmt = reader.schema[fieldname].format
    with_values = type(fmt) is Positions
    postings_reader = terms._codec.postings_reader
    postfile = terms._postfile
    for (name, btext), info in terms.items_from(fieldname, b""):
        if name != fieldname:
            return
        matcher = postings_reader(postfile, info, fmt)
        values: list[bytes] | None = [] if with_values else None
        try:
            ids, weights = block_postings(matcher, values)
        except AttributeError:  # inlined in the term table: a list matcher
            ids_list, weights_list, values = [], [], [] if with_values else None
            while matcher.is_active():
                ids_list.append(matcher.id())
                weights_list.append(matcher.weight())
                if values is not None:
                    values.append(matcher.value())
                matcher.next()
            ids = np.array(ids_list, dtype=np.int64)
            weights = np.array(weights_list, dtype=np.float64)
        yield TermPostings(btext, ids, weights, values)


@functools.lru_cache(maxsize=1 << 16)
def decode_positions(value: bytes) -> tuple[int, ...]:
    """Decode a ``Positions`` posting value (whoosh.formats): a 4-byte count, then the
    pickled position deltas. Undecodable bytes raise UnpicklingError (reported as a
    damaged index). Memoised: most values are one of a few thousand (a word used once,
    at position p)."""
    try:
        return tuple(accumulate(loads(value[4:] + b".")))
    except Exception as exc:  # damaged bytes can fail in many ways inside pickle
        raise UnpicklingError(f"damaged positions in a posting: {exc}") from exc


class _Part:
    """One array being written, appended in chunks to a temporary file."""

    def __init__(self, path: Path, dtype: str):
        self.path = path
        self.dtype = np.dtype(dtype)
        self.count = 0
        self.max = 0
        self._fh: BinaryIO = open(path, "wb")  # noqa: SIM115 (closed by finish)
        self._chunks: list[np.ndarray] = []
        self._buffered = 0

    def add(self, values: np.ndarray) -> None:
        if not len(values):
            return
        self._chunks.append(np.ascontiguousarray(values, dtype=self.dtype))
        self._buffered += len(values)
        self.count += len(values)
        if self.dtype.kind in "ui":
            self.max = max(self.max, int(values.max()))
        if self._buffered >= _CHUNK_POSTINGS:
            self.flush()

    def flush(self) -> None:
        for chunk in self._chunks:
            self._fh.write(chunk.tobytes())
        self._chunks, self._buffered = [], 0

    def finish(self) -> None:
        self.flush()
        self._fh.close()


def _narrow(part: _Part) -> str:
    """Return the smallest unsigned dtype holding every value written to ``part``."""
    for dtype in ("<u2", "<u4"):
        if part.max <= np.iinfo(np.dtype(dtype)).max:
            return dtype
    return "<u8"


@dataclass
class _WeightRules:
    """What the weights of a field's postings turned out to be so far: all one value
    (``const``), or each posting's occurrences times one boost (``counts``)."""

    const: bool = True
    counts: bool = True
    const_weight: float | None = None
    boost: float | None = None

    def check(self, weights: np.ndarray, counts: np.ndarray | None) -> None:
        """Take in more postings' weights (and occurrence counts, aligned)."""
        if not len(weights):
            return
        if self.const_weight is None:
            self.const_weight = float(weights[0])
        self.const = self.const and bool(np.all(weights == self.const_weight))
        if self.counts and counts is not None:
            if self.boost is None:
                self.boost = float(weights[0] / max(int(counts[0]), 1))
            self.counts = bool(np.all(weights == counts * self.boost))


@dataclass
class _Pending:
    """Terms' postings read but not yet written: appended to the part files a chunk at
    a time (most terms have a posting or two, and numpy calls per term cost more than
    the postings)."""

    terms: list[bytes] = field(default_factory=list)
    ids: list[np.ndarray] = field(default_factory=list)
    weights: list[np.ndarray] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    postings: int = 0

    def flush(self, parts: dict[str, _Part], rules: _WeightRules, has_positions: bool) -> None:
        """Append what is pending to ``parts`` and check it against ``rules``."""
        if self.terms:
            parts["term_bytes"].add(np.frombuffer(b"".join(self.terms), dtype=np.uint8))
        ids = _joined(self.ids, np.int64)
        weights = _joined(self.weights, np.float64)
        parts["ids"].add(ids)
        parts["weights"].add(weights)
        counts = np.array(self.counts, dtype=np.int64) if has_positions else None
        rules.check(weights, counts if rules.counts else None)
        if counts is not None:
            parts["counts"].add(counts)
            parts["positions"].add(np.array(self.positions, dtype=np.int64))
        self.terms, self.ids, self.weights, self.counts, self.positions = [], [], [], [], []
        self.postings = 0


def _joined(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
    if not arrays:
        return np.zeros(0, dtype=dtype)
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


def write_postfile(reader, fieldname: str, path: Path) -> int:
    """Write the posting file of ``fieldname`` of one segment reader at ``path``
    (atomically: a temporary file renamed); return the number of postings."""
    tmp_dir = path.parent
    stem = f".{path.name}.{os.getpid()}.{threading.get_ident()}"
    names = ("term_bytes", "ids", "weights", "counts", "positions")
    dtypes = ("u1", "<u4", "<f4", "<u4", "<u4")
    parts = {n: _Part(tmp_dir / f"{stem}.{n}", d) for n, d in zip(names, dtypes, strict=True)}
    term_starts, post_starts, pos_starts = [0], [0], [0]
    rules = _WeightRules()
    pending = _Pending()
    has_positions = type(reader.schema[fieldname].format) is Positions
    try:
        for term in iter_field(reader, fieldname):
            pending.terms.append(term.btext)
            term_starts.append(term_starts[-1] + len(term.btext))
            pending.ids.append(term.ids)
            pending.weights.append(term.weights)
            post_starts.append(post_starts[-1] + len(term.ids))
            if has_positions and term.values is not None:
                decoded = [decode_positions(v) for v in term.values]
                before = len(pending.positions)
                pending.counts.extend(map(len, decoded))
                pending.positions.extend(chain.from_iterable(decoded))
                pos_starts.append(pos_starts[-1] + len(pending.positions) - before)
            else:
                rules.counts = False
            pending.postings += len(term.ids)
            if pending.postings + len(pending.positions) >= _PENDING_POSTINGS:
                pending.flush(parts, rules, has_positions)
        pending.flush(parts, rules, has_positions)
        rule_counts, rule_const = rules.counts, rules.const
        const_weight, boost = rules.const_weight, rules.boost
        for part in parts.values():
            part.finish()
        if has_positions and rule_counts:
            rule = "counts"
        elif rule_const:
            rule = "const"
        else:
            rule = "array"
        layout: list[tuple[str, str, Path | np.ndarray, int]] = [
            ("term_bytes", "u1", parts["term_bytes"].path, parts["term_bytes"].count),
            ("term_starts", "<i8", np.asarray(term_starts, dtype="<i8"), len(term_starts)),
            ("post_starts", "<i8", np.asarray(post_starts, dtype="<i8"), len(post_starts)),
            ("ids", "<u4", parts["ids"].path, parts["ids"].count),
        ]
        if rule == "array":
            layout.append(("weights", "<f4", parts["weights"].path, parts["weights"].count))
        if has_positions:
            layout += [
                ("counts", _narrow(parts["counts"]), parts["counts"].path, parts["counts"].count),
                ("pos_starts", "<i8", np.asarray(pos_starts, dtype="<i8"), len(pos_starts)),
                (
                    "positions",
                    _narrow(parts["positions"]),
                    parts["positions"].path,
                    parts["positions"].count,
                ),
            ]
        header = {
            "version": VERSION,
            "field": fieldname,
            **segment_identity(reader),
            "weights": rule,
            "boost": (boost if rule == "counts" else const_weight) or 1.0,
            "arrays": {},
        }
        _assemble(path, tmp_dir / f"{stem}.out", header, layout)
    finally:
        for part in parts.values():
            with contextlib.suppress(OSError):
                part._fh.close()
                part.path.unlink()
    return post_starts[-1]


def _assemble(
    path: Path,
    tmp: Path,
    header: dict[str, Any],
    layout: list[tuple[str, str, Path | np.ndarray, int]],
) -> None:
    """Write the header and the arrays (from part files or in memory) to ``tmp``, then
    rename it to ``path``."""
    # Offsets depend on the header's length, which depends on the offsets: reserve a
    # generous header size first.
    reserve = ALIGN * (8 + 2 * len(layout))
    offset = _align(len(MAGIC) + 4 + reserve)
    for name, dtype, _source, count in layout:
        header["arrays"][name] = [offset, dtype, count]
        offset = _align(offset + np.dtype(dtype).itemsize * count)
    blob = json.dumps(header, sort_keys=True).encode("utf-8")
    if len(blob) > reserve:
        raise PostFileError("header too long")
    try:
        with open(tmp, "wb") as out:
            out.write(MAGIC + struct.pack("<I", len(blob)) + blob)
            for name, dtype, source, _count in layout:
                out.write(b"\0" * (header["arrays"][name][0] - out.tell()))
                if isinstance(source, np.ndarray):
                    out.write(source.astype(dtype).tobytes())
                else:
                    _copy_as(source, out, dtype)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _copy_as(source: Path, out: BinaryIO, dtype: str) -> None:
    """Append the ``uint32``/``float32``/bytes part file ``source`` to ``out``,
    converted to ``dtype`` chunk by chunk."""
    stored = {"u1": "u1", "<f4": "<f4"}.get(dtype, "<u4")
    size = np.dtype(stored).itemsize
    with open(source, "rb") as fh:
        while True:
            chunk = fh.read(size * _CHUNK_POSTINGS)
            if not chunk:
                break
            values = np.frombuffer(chunk, dtype=stored)
            out.write(values.astype(dtype).tobytes() if stored != dtype else chunk)


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


# --- building the missing files -----------------------------------------------------

# Segments holding fewer documents than this (all together) are done in one process.
PARALLEL_MIN_DOCS = 4_000
INDEX_LOCK = ".postfiles.lock"


def _jobs(ix, fields: tuple[str, ...]) -> list[tuple[str, str, int]]:
    """Return (segment id, field, documents) of every posting file ``ix`` lacks."""
    jobs = []
    with ix.reader() as reader:
        leaves = reader.leaf_readers() if hasattr(reader, "leaf_readers") else [(reader, 0)]
        for sub, _offset in leaves:
            for fieldname in fields:
                if fieldname not in sub.schema or fieldname not in sub.indexed_field_names():
                    continue
                path = postfile_path(sub, fieldname)
                if path is not None and not path.exists():
                    jobs.append((sub._segment.segment_id(), fieldname, sub.doc_count_all()))
    return jobs


def missing(ix, fields: tuple[str, ...] = FIELDS) -> int:
    """Return how many posting files the segments of ``ix`` lack."""
    return len(_jobs(ix, fields))


def _build_jobs(folder: str, jobs: list[tuple[str, str, int]]) -> int:
    """Write the posting files ``jobs`` names in the index in ``folder`` (a lock file
    per posting file keeps two processes from writing the same one); return how many
    were written."""
    from whoosh import index as whoosh_index

    from .. import patches
    from ..storage import INDEX_NAME

    patches.apply()
    ix = whoosh_index.open_dir(folder, indexname=INDEX_NAME)
    written = 0
    try:
        with ix.reader() as reader:
            leaves = reader.leaf_readers() if hasattr(reader, "leaf_readers") else [(reader, 0)]
            by_id = {sub._segment.segment_id(): sub for sub, _offset in leaves}
            for segment_id, fieldname, _docs in jobs:
                sub = by_id.get(segment_id)
                path = postfile_path(sub, fieldname) if sub is not None else None
                if path is None or path.exists():
                    continue
                with _build_lock(path) as mine:
                    if mine and not path.exists():
                        write_postfile(sub, fieldname, path)
                        written += 1
    finally:
        ix.close()
    return written


def build_missing(folder: str | os.PathLike[str], procs: int = 1, fields=FIELDS) -> int:
    """Write the posting files the segments of the index in ``folder`` lack, with up to
    ``procs`` processes when there is enough to do (one per segment at most); return
    how many were written."""
    from whoosh import index as whoosh_index

    from .. import patches
    from ..storage import INDEX_NAME

    patches.apply()
    ix = whoosh_index.open_dir(str(folder), indexname=INDEX_NAME)
    try:
        jobs = _jobs(ix, fields)
    finally:
        ix.close()
    if not jobs:
        return 0
    segments: dict[str, list[tuple[str, str, int]]] = {}
    for job in jobs:
        segments.setdefault(job[0], []).append(job)
    docs = sum(max(j[2] for j in group) for group in segments.values())
    if procs <= 1 or len(segments) == 1 or docs < PARALLEL_MIN_DOCS:
        return _build_jobs(str(folder), jobs)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Biggest segments first, spread over the processes.
    groups = sorted(segments.values(), key=lambda g: -g[0][2])
    shares: list[list[tuple[str, str, int]]] = [[] for _ in range(min(procs, len(groups)))]
    loads = [0] * len(shares)
    for group in groups:
        i = loads.index(min(loads))
        shares[i] += group
        loads[i] += group[0][2]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=len(shares), mp_context=context) as pool:
        return sum(pool.map(_build_jobs, [str(folder)] * len(shares), shares))


@contextlib.contextmanager
def _build_lock(path: Path) -> Iterator[bool]:
    """Hold an exclusive lock on the lock file of ``path`` (blocking); yield False when
    the folder cannot be written (nothing to build then)."""
    lock = path.parent / f".{path.name}.lock"
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError:
        yield False
        return
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX)
        yield True
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            lock.unlink()


def build_in_background(folder: str | os.PathLike[str]) -> bool:
    """Start a low-priority process writing the posting files the index in ``folder``
    lacks (at most one per index folder at a time); return True when one was started.
    Searches meanwhile read Whoosh's blocks."""
    import subprocess
    import sys

    lock = Path(folder) / INDEX_LOCK
    if not os.access(folder, os.W_OK):
        return False
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # another process is building them
        os.close(fd)
        return False
    os.close(fd)  # the builder takes the lock itself
    builder = subprocess.Popen(
        [sys.executable, "-m", __name__, str(folder)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    # Reaped when it ends (no zombie while this process lives).
    threading.Thread(target=builder.wait, name="searchsvc-postfiles", daemon=True).start()
    return True


def main(argv: list[str] | None = None) -> int:
    """Build the missing posting files of one index folder (the background builder)."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m searchsvc.engines.whoosh.search.postfile INDEX_FOLDER")
        return 2
    folder = Path(args[0])
    with contextlib.suppress(OSError):
        os.nice(10)
    fd = os.open(folder / INDEX_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return 0  # another builder is at work
        build_missing(folder, procs=1)
    finally:
        os.close(fd)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
