"""Every use of Whoosh's private parts, in one place: the fixes below, applied
explicitly by ``apply()`` where an index is opened or created (``storage``), and the
start-up check (``check()``) of every private attribute the Whoosh engine relies on
(here, in ``termpool`` and in ``search/``, whose posting files read a segment's term
table and blocks and live beside its files), so that a Whoosh that differs fails at
once with a message naming the attribute, not with an AttributeError mid-search.
Columns (field lengths, sort keys, signatures) are read raw only through
``column_rows``, ``column_layout`` and ``segment_lengths`` here.

Each fix keeps Whoosh's results byte-for-byte identical; only the cost changes.

1. ``W3PerDocReader._cached_reader`` asks the file system whether a lengths column
   exists every time it is called for a field that has none (ID and KEYWORD fields),
   i.e. one ``stat`` per posting while a segment is written or merged. We remember the
   negative answer too. A segment's files never change after it is written, so the
   cache cannot go stale. (Measured: indexing the BBC corpus spent ~40% of its time in
   those ``stat`` calls.)
2. ``W3PerDocReader.doc_field_length`` unpacks one byte through three layers of Python
   calls per posting (when a segment is flushed, and per scored document at search
   time). We read a field's whole lengths column once (one byte per document, a single
   slice of the memory-mapped file) and index into it. (~1 M calls on BBC: 6.6 s of a
   71 s profile.)
3. ``StemFilter`` memoises the stemmer with Whoosh's pure-Python LFU cache, which
   updates a ``Counter`` on every call. We use ``functools.lru_cache`` (C) of the same
   size. (~0.5 M calls on BBC: 2.2 s of a 71 s profile.)
4. ``index.clean_files``, run by every commit, deletes the previous commit's table of
   contents and every segment it no longer lists. A searcher that has just read that
   table of contents and is opening its segments (the server reopening after an
   incremental commit) then fails with FileNotFoundError. We keep the previous commit's
   files too (deleted by the commit after next): readers of either of the two latest
   commits can always open them. Costs the disk space of one merge's inputs.
5. Segment writers pool postings by term and write them block by block
   (``searchsvc/termpool.py``): ~8x less memory per posting, no per-posting pickling
   when the pool spills, no per-posting calls when the segment is flushed.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from typing import Any

import whoosh
from whoosh import index as whoosh_index
from whoosh import writing
from whoosh.analysis import morph
from whoosh.codec import whoosh3
from whoosh.filedb.filestore import RamStorage
from whoosh.util.numeric import byte_to_length

from searchsvc.errors import IndexCorrupt

from . import termpool

_MISSING = object()
_LENGTHS_ATTR = "_searchsvc_lengths"


def _cached_reader(self, fieldname, column):
    reader = self._readers.get(fieldname, _MISSING)
    if reader is _MISSING:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
    return reader


def lengths_bytes(self, fieldname):
    """Return the lengths column of ``fieldname`` as bytes (one per document), or None
    when the field has no lengths."""
    cache = self.__dict__.get(_LENGTHS_ATTR)
    if cache is None:
        cache = self.__dict__[_LENGTHS_ATTR] = {}
    found = cache.get(fieldname, _MISSING)
    if found is not _MISSING:
        return found
    reader = self._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
    if reader is None:
        data = None
    else:
        data = column_rows(reader)
        if data is None:  # not the fixed-width column this fix knows
            data = bytes(reader[n] for n in range(self._doccount))
    cache[fieldname] = data
    return data


def segment_lengths(reader, fieldname: str) -> bytes | None:
    """Return one segment reader's lengths column of ``fieldname`` (one byte per
    document written), b"" when the field has none, or None when the reader is not the
    codec this knows."""
    try:
        column = reader._perdoc._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
    except AttributeError:
        return None
    if column is None:
        return b""
    return column_rows(column)


def column_layout(column) -> tuple[str, int, Any] | None:
    """Return (struct typecode, bytes per row, default) of a fixed-width column reader,
    or None for another kind of column."""
    try:
        return column._typecode, column._fixedlen, column._default
    except AttributeError:
        return None


def column_rows(column, start: int = 0, rows: int | None = None) -> bytes | None:
    """Return rows ``start`` .. ``start + rows`` (every row from ``start`` when
    ``rows`` is None; clipped to those written) of a fixed-width column reader, raw,
    read in one piece from its file; None for another kind of column."""
    try:
        width, count = column._fixedlen, column._count
        dbfile, base = column._dbfile, column._basepos
    except AttributeError:
        return None
    rows = max(0, count - start if rows is None else min(rows, count - start))
    return bytes(dbfile.get(base + start * width, rows * width)) if rows else b""


def _doc_field_length(self, docnum, fieldname, default=0):
    if docnum > self._doccount:
        raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
    data = lengths_bytes(self, fieldname)
    if data is None:
        return default
    lbyte = data[docnum] if docnum < len(data) else 0
    if lbyte:
        return byte_to_length(lbyte)
    return None  # what Whoosh returns for a zero byte


def _stem_clear(self):
    stemfn = self.stemfn
    if self.lang:
        from whoosh.lang import stemmer_for_language

        stemfn = stemmer_for_language(self.lang)
    size = self.cachesize
    if isinstance(size, int) and size != 0:
        self._stem = functools.lru_cache(maxsize=None if size < 0 else size)(stemfn)
    else:
        self._stem = stemfn


def _clean_files_keep_previous(storage, indexname, gen, segments):
    keep = list(segments)
    # no previous commit, or unreadable: nothing more to keep
    with contextlib.suppress(Exception):
        keep += list(whoosh_index.TOC.read(storage, indexname, gen - 1).segments)
    names = {s.segment_id() for s in keep}
    tocs = whoosh_index.TOC._pattern(indexname)
    segs = whoosh_index.TOC._segment_pattern(indexname)
    for filename in list(storage):
        if filename.startswith("."):
            continue
        toc = tocs.match(filename)
        seg = segs.match(filename)
        old_toc = toc is not None and int(toc.group(1)) not in (gen, gen - 1)
        if old_toc or (seg is not None and seg.group(1) not in names):
            with contextlib.suppress(OSError):
                storage.delete_file(filename)


_applied = False
_lock = threading.Lock()

# Private class attributes the fixes, the posting pool and the readers in search/ use.
CLASS_ATTRIBUTES: tuple[tuple[Any, str], ...] = (
    (whoosh3.W3PerDocReader, "_cached_reader"),
    (whoosh3.W3PerDocReader, "doc_field_length"),
    (whoosh3.W3LeafMatcher, "_read_data"),
    (whoosh3.W3LeafMatcher, "_goto"),
    (morph.StemFilter, "clear"),
    (whoosh_index, "clean_files"),
    (whoosh_index.TOC, "_pattern"),
    (whoosh_index.TOC, "_segment_pattern"),
    (whoosh3, "_lenfield"),
    (whoosh3, "LENGTHS_COLUMN"),
    (writing, "PostingPool"),
    (writing.SegmentWriter, "_flush_segment"),
    (writing.SegmentWriter, "_check_state"),
    (writing.SegmentWriter, "_doc_boost"),
    (writing.SegmentWriter, "_check_fields"),
    (writing.SegmentWriter, "_field_boost"),
    (writing.SegmentWriter, "add_document"),
)
# Private attributes of objects a reader hands out, checked on a small index in memory.
READER_ATTRIBUTES = ("_terms", "_perdoc", "_segment", "_storage")
TERMS_ATTRIBUTES = ("_codec", "_postfile")
MATCHER_ATTRIBUTES = ("_data", "_byteids", "_lastblock", "_nextoffset", "_maxid", "_fixedsize")
COLUMN_ATTRIBUTES = ("_typecode", "_fixedlen", "_count", "_dbfile", "_basepos", "_default")


def apply() -> None:
    """Check what the engine relies on (``check``), then install the fixes; once per
    process (later calls return at once). Raises IndexCorrupt naming a missing
    attribute."""
    global _applied
    if _applied:
        return
    with _lock:
        if _applied:
            return
        check()
        whoosh3.W3PerDocReader._cached_reader = _cached_reader
        whoosh3.W3PerDocReader.doc_field_length = _doc_field_length
        morph.StemFilter.clear = _stem_clear
        whoosh_index.clean_files = _clean_files_keep_previous
        termpool.install(writing)
        _applied = True


class _MemoryOnly(RamStorage):
    """A RamStorage whose writers' temporary files stay in memory too: RamStorage keeps
    them in the one folder ``<tmp>/MAIN.tmp``, shared by every process checking at the
    same time (the workers of ``serve``), which then delete each other's files."""

    def temp_storage(self, name: str | None = None) -> RamStorage:
        """Return a new, private in-memory storage."""
        return RamStorage()


def check() -> None:
    """Verify every private Whoosh attribute searchsvc uses, on Whoosh's classes and on
    the objects of a one-document index in memory; raise IndexCorrupt naming the first
    one missing."""
    for owner, name in CLASS_ATTRIBUTES:
        if not hasattr(owner, name):
            _missing(f"{getattr(owner, '__name__', owner)}.{name}")
    from .schema import build_schema

    ix = _MemoryOnly().create_index(build_schema())
    with ix.writer() as w:
        w.add_document(id="0#1", article_id="0", text="checking checked words", position=1)
    with ix.reader() as reader:
        sub = reader.leaf_readers()[0][0] if hasattr(reader, "leaf_readers") else reader
        _require(sub, READER_ATTRIBUTES, "SegmentReader")
        _require(sub._terms, TERMS_ATTRIBUTES, "W3TermsReader")
        matcher = sub.postings("text", "check")
        _require(matcher, MATCHER_ATTRIBUTES, "W3LeafMatcher")
        column = sub._perdoc._cached_reader(whoosh3._lenfield("text"), whoosh3.LENGTHS_COLUMN)
        _require(column, COLUMN_ATTRIBUTES, "a lengths column")


def _require(obj: Any, names: tuple[str, ...], what: str) -> None:
    for name in names:
        if not hasattr(obj, name):
            _missing(f"{what}.{name}")


def _missing(what: str) -> None:
    raise IndexCorrupt(
        f"this Whoosh ({whoosh.versionstring()}) lacks {what}, which searchsvc relies on: "
        "install whoosh>=2.7.4,<2.8"
    )
