"""A posting pool for Whoosh's segment writer that groups postings by term as they
arrive, and writes each term's postings block by block when the segment is flushed.

Whoosh's own ``PostingPool`` keeps one tuple per posting (about 150 bytes), sorts them
all at the end, spills sorted runs to disk with one pickle call per posting whenever
its memory limit is reached, and then hands the writer one posting at a time. Because
documents are added in increasing document number, a term's postings arrive already in
order; only the terms need sorting. ``TermPool`` keeps per term a compact array of
document numbers, one of weights and a list of encoded values (about 20 bytes a
posting), spills whole terms when over its limit, and ``write_term_groups`` fills the
postings writer's blocks directly instead of calling it once per posting.

The files written are byte-for-byte those Whoosh writes; after a spill, pickled blocks
may share repeated values differently (pickle's memo), with the same content read back
(``tests/test_termpool.py``).
"""

from __future__ import annotations

import contextlib
import heapq
import pickle
from array import array
from collections.abc import Iterable, Iterator
from typing import Any

from whoosh.codec import whoosh3
from whoosh.util import random_name
from whoosh.util.numeric import byte_to_length

# (fieldname, term bytes, document numbers, weights, encoded values)
Group = tuple[str, bytes, array, array, list]

_EMPTY = b""
# Estimated bytes held per posting (plus its encoded value) and per term, for the
# memory limit.
_POSTING_BYTES = 24
_TERM_BYTES = 260


class TermPool:
    """Drop-in for ``whoosh.writing.PostingPool`` (``add``, ``iter_postings``,
    ``cleanup``, ``fieldnames``) that groups postings by term."""

    def __init__(self, tempstore, segment, limitmb: int = 128, **_ignored: Any):
        self.tempstore = tempstore
        self.segment = segment
        self.limit = limitmb * 1024 * 1024
        self.fieldnames: set[str] = set()
        self._fields: dict[str, dict[bytes, list]] = {}
        self._size = 0
        self._runs: list[str] = []
        self._unordered = False

    def add(self, item: tuple) -> None:
        """Add one ``(fieldname, term bytes, docnum, weight, value bytes)`` posting."""
        fieldname, tbytes, docnum, weight, vbytes = item
        self.add_field(fieldname, docnum, ((tbytes, 1, weight, vbytes),), 1.0)

    def add_field(self, fieldname: str, docnum: int, items: Iterable[tuple], boost: float) -> int:
        """Add the ``(term bytes, frequency, weight, value bytes)`` postings of one field
        of document ``docnum`` (weights times ``boost``); return the frequencies' sum."""
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        total = 0
        added = 0
        for tbytes, freq, weight, vbytes in items:
            group = terms.get(tbytes)
            if group is None:
                terms[tbytes] = group = [array("I"), array("d"), []]
                self._size += _TERM_BYTES + len(tbytes)
            else:
                ids = group[0]
                if ids and docnum <= ids[-1]:
                    self._unordered = True
            group[0].append(docnum)
            group[1].append(weight * boost)
            group[2].append(vbytes)
            total += freq
            added += _POSTING_BYTES + len(vbytes or _EMPTY)
        self._size += added
        if self._size > self.limit:
            self._spill()
        return total

    def save(self) -> None:
        """Refuse Whoosh's run-merging writers (``MpWriter(multisegment=False)``,
        ``SerialMpWriter``), which read the pool's runs posting by posting: searchsvc
        writes one segment per process (``multisegment=True``)."""
        raise NotImplementedError(
            "searchsvc's posting pool writes whole segments; "
            "use a SegmentWriter or MpWriter(multisegment=True)"
        )

    def _spill(self) -> None:
        """Write the groups held in memory to a run file (sorted by field and term)."""
        name = f"{random_name()}.terms"
        with self.tempstore.create_file(name).raw_file() as f:
            for group in self._memory_groups():
                pickle.dump(group, f, pickle.HIGHEST_PROTOCOL)
        self._runs.append(name)
        self._fields = {}
        self._size = 0

    def _memory_groups(self) -> Iterator[Group]:
        for fieldname in sorted(self._fields):
            terms = self._fields[fieldname]
            for tbytes in sorted(terms):
                ids, weights, values = terms[tbytes]
                if self._unordered:
                    ids, weights, values = _in_doc_order(ids, weights, values)
                yield fieldname, tbytes, ids, weights, values

    def _read_run(self, name: str) -> Iterator[Group]:
        with self.tempstore.open_file(name).raw_file() as f:
            while True:
                try:
                    yield pickle.load(f)
                except EOFError:
                    return

    def iter_groups(self) -> Iterator[Group]:
        """Return the pooled postings as one group per (field, term), in field and term
        order, each group's postings in document order."""
        if not self._runs:
            yield from self._memory_groups()
            return
        sources = [self._read_run(name) for name in self._runs] + [self._memory_groups()]
        merged = heapq.merge(*sources, key=lambda g: (g[0], g[1]))
        pending: Group | None = None
        for group in merged:
            if pending is not None and (group[0], group[1]) == (pending[0], pending[1]):
                pending[2].extend(group[2])
                pending[3].extend(group[3])
                pending[4].extend(group[4])
                continue
            if pending is not None:
                yield _ordered(pending)
            pending = group
        if pending is not None:
            yield _ordered(pending)

    def iter_postings(self) -> Iterator[tuple]:
        """Return the pooled postings one by one as Whoosh's pool would, sorted."""
        for fieldname, tbytes, ids, weights, values in self.iter_groups():
            for docnum, weight, vbytes in zip(ids, weights, values, strict=True):
                yield fieldname, tbytes, docnum, weight, vbytes

    def cleanup(self) -> None:
        """Remove the run files."""
        for name in self._runs:
            with contextlib.suppress(OSError):
                self.tempstore.delete_file(name)
        self._runs = []


def _in_doc_order(ids: array, weights: array, values: list) -> tuple[array, array, list]:
    order = sorted(range(len(ids)), key=ids.__getitem__)
    return (
        array("I", (ids[i] for i in order)),
        array("d", (weights[i] for i in order)),
        [values[i] for i in order],
    )


def _ordered(group: Group) -> Group:
    ids = group[2]
    if all(a < b for a, b in zip(ids, ids[1:], strict=False)):
        return group
    return (group[0], group[1], *_in_doc_order(group[2], group[3], group[4]))


def write_term_groups(fieldwriter: Any, schema: Any, lengths: Any, groups: Iterable[Group]) -> None:
    """Write pooled term groups through a ``W3FieldWriter``, filling each block of its
    postings writer at once: the same calls and bytes as Whoosh's per-posting
    ``FieldWriter.add_postings``."""
    lastfield = None
    for fieldname, tbytes, ids, weights, values in groups:
        if fieldname != lastfield:
            if lastfield is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(fieldname, schema[fieldname])
            lastfield = fieldname
            table = _length_table(lengths, fieldname)
        fieldwriter.start_term(tbytes)
        postwriter = fieldwriter._postwriter
        limit = postwriter._blocklimit
        for start in range(0, len(ids), limit):
            if start:
                postwriter._write_block()
            _fill_block(postwriter, ids, weights, values, start, start + limit, table)
        fieldwriter.finish_term()
    if lastfield is not None:
        fieldwriter.finish_field()


def _length_table(lengths: Any, fieldname: str) -> tuple[bytes, list[int]] | None:
    """Return (the field's one-byte length per document, byte -> length), or None when
    the field keeps no lengths."""
    if lengths is None:
        return None
    from .patches import lengths_bytes

    data = lengths_bytes(lengths, fieldname)
    if data is None:
        return None
    return data, [byte_to_length(b) for b in range(256)]


def _fill_block(postwriter, ids, weights, values, start, stop, table) -> None:
    """Set the postings writer's current block to postings ``start:stop`` with the
    statistics ``add_posting`` would have gathered."""
    block_ids = ids[start:stop]
    postwriter._ids = array("I", block_ids)
    block_weights = weights[start:stop]
    postwriter._weights = array("f", block_weights)
    postwriter._values = [v for v in values[start:stop] if v]
    postwriter._maxweight = max(0, max(block_weights))
    if table is None:
        return
    data, byte_lengths = table
    size = len(data)
    found = [byte_lengths[data[d]] for d in block_ids if d < size and data[d]]
    if found:
        postwriter._minlength = min(found)
        postwriter._maxlength = max(found)


def flush_segment(writer: Any) -> None:
    """``SegmentWriter._flush_segment`` using ``write_term_groups`` when the writer has
    a ``TermPool`` and Whoosh's W3 codec (else Whoosh's own path)."""
    pool = writer.pool
    fieldwriter = writer.fieldwriter
    if not isinstance(pool, TermPool) or type(fieldwriter) is not whoosh3.W3FieldWriter:
        return _WHOOSH_FLUSH(writer)
    writer.perdocwriter.close()
    pdr = writer.per_document_reader() if writer.codec.length_stats else None
    write_term_groups(fieldwriter, writer.schema, pdr, pool.iter_groups())
    fieldwriter.close()
    if pdr:
        pdr.close()
    return None


def add_document(writer: Any, **fields: Any) -> None:
    """``SegmentWriter.add_document`` handing each field's postings to the ``TermPool``
    in one call (Whoosh's own is used for schemas with spelling or vector fields)."""
    pool = writer.pool
    schema = writer.schema
    if not isinstance(pool, TermPool) or not _plain_schema(writer):
        return WHOOSH_ADD(writer, **fields)
    writer._check_state()
    perdocwriter = writer.perdocwriter
    docnum = writer.docnum
    docboost = writer._doc_boost(fields)
    fieldnames = sorted(name for name in fields if not name.startswith("_"))
    writer._check_fields(schema, fieldnames)
    perdocwriter.start_doc(docnum)
    for fieldname in fieldnames:
        value = fields[fieldname]
        if value is None:
            continue
        field = schema[fieldname]
        length = 0
        if field.indexed:
            boost = writer._field_boost(fields, fieldname, docboost)
            total = pool.add_field(fieldname, docnum, field.index(value), boost)
            if field.scorable:
                length = total
        stored = fields.get(f"_stored_{fieldname}", value)
        perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
        column = field.column_type
        if column and stored is not None:
            perdocwriter.add_column_value(fieldname, column, field.to_column_value(stored))
    perdocwriter.finish_doc()
    writer._added = True
    writer.docnum += 1
    return None


def _plain_schema(writer: Any) -> bool:
    """Return whether no field of the writer's schema has separate spelling words or
    vectors (remembered on the writer)."""
    plain = writer.__dict__.get("_searchsvc_plain")
    if plain is None:
        fields = writer.schema.items()
        plain = writer.__dict__["_searchsvc_plain"] = not any(
            f.separate_spelling() or f.vector for _, f in fields
        )
    return plain


# Whoosh's own pool class and writer methods, kept for comparison (tests) and fallback.
WHOOSH_POOL: Any = None
_WHOOSH_FLUSH: Any = None
WHOOSH_ADD: Any = None


def install(writing_module: Any) -> None:
    """Make Whoosh's segment writers use ``TermPool`` and ``flush_segment``."""
    global WHOOSH_POOL, _WHOOSH_FLUSH, WHOOSH_ADD
    if WHOOSH_POOL is None:
        WHOOSH_POOL = writing_module.PostingPool
        _WHOOSH_FLUSH = writing_module.SegmentWriter._flush_segment
        WHOOSH_ADD = writing_module.SegmentWriter.add_document
    writing_module.PostingPool = TermPool
    writing_module.SegmentWriter._flush_segment = flush_segment
    writing_module.SegmentWriter.add_document = add_document


def whoosh_flush(writer: Any) -> None:
    """Whoosh's own ``SegmentWriter._flush_segment``."""
    _WHOOSH_FLUSH(writer)
