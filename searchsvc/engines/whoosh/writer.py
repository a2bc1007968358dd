"""Writing the Whoosh index: one-process and multi-process segment writers, and the
``IndexWriter`` of one reindex run (``WhooshWriter``)."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import pickle
import queue
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from whoosh.index import Index
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util import random_name
from whoosh.writing import SegmentWriter

from searchsvc.copies import DEFAULT, sign_paragraphs
from searchsvc.engine import IndexMeta, Rejected, WriteTotals
from searchsvc.models import Paragraph
from searchsvc.workers import die_with_parent, load_prctl

from .schema import COPY_FIELDS, has_copies, paragraph_to_document
from .search import postfile
from .storage import IndexLocation, count_articles, remove_stale_temp, write_error

LOG = logging.getLogger("searchsvc.index")
WRITER_LIMIT_MB = 256
# Whoosh's compound segments (one .seg file) are read by copying each part into memory
# (BytesIO) in every searcher that opens them: ~0.8 GB per searcher at 200k paragraphs,
# times the server's pool of searchers. Plain segment files are read in place.
COMPOUND_SEGMENTS = False
# Documents per pickled batch handed to a writer process.
WRITER_BATCH_DOCS = 500
# Less work than this (fewer files and fewer bytes) is written by one process: forking
# writers and leaving one small segment per process costs more than it saves.
PARALLEL_WRITE_MIN_FILES = 200
PARALLEL_WRITE_MIN_BYTES = 4 * 1024 * 1024


def indexed_sources(ix: Index) -> dict[str, str]:
    """Return {path: source key} for every file that has live documents in the index."""
    found: dict[str, str] = {}
    with ix.searcher() as searcher:
        reader = searcher.reader()
        for term in reader.lexicon("source_key"):
            key = term.decode("utf-8") if isinstance(term, bytes) else term
            if reader.has_deletions() and not any(
                True for _ in reader.postings("source_key", key).all_ids()
            ):
                continue
            path = key.split("\t", 1)[0]
            found[path] = key
    return found


class _SubWriterTask(SubWriterTask):
    """A Whoosh sub-writer process that dies with the reindex process, ignores Ctrl-C
    (the parent handles it) and reports its failure (e.g. disk full) to the parent as
    an ``("error", message, errno)`` result instead of a traceback on stderr."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent_pid = os.getpid()

    def run(self) -> None:
        die_with_parent(self.parent_pid)
        try:
            super().run()
        except BaseException as exc:
            code = exc.errno if isinstance(exc, OSError) and exc.errno else errno.EIO
            text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            with contextlib.suppress(Exception):
                self.resultqueue.put(("error", f"{type(exc).__name__}: {text}", code), timeout=5)
                self.resultqueue.close()
                self.resultqueue.join_thread()
            os._exit(1)


class _ParallelWriter(MpWriter):
    """Whoosh's multi-process writer in multi-segment mode: each of ``procs`` child
    processes analyses its share of the documents and writes its own segment; the
    parent only pickles documents and commits the table of contents.

    Unlike Whoosh's own, it never blocks forever on a dead child and never commits
    without a child's segment: a failed child raises ``OSError`` in the parent (with
    the child's errno, e.g. ENOSPC). Children are terminated when it is cancelled."""

    def _new_task(self) -> SubWriterTask:
        task = _SubWriterTask(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
        )
        self.tasks.append(task)
        task.start()
        return task

    def _failure(self) -> OSError:
        """Return the error reported by a failed child (or a generic one)."""
        while True:
            try:
                item = self.resultqueue.get(timeout=0.5)
            except queue.Empty:
                break
            if item and item[0] == "error":
                return OSError(item[2], item[1])
        codes = [t.exitcode for t in self.tasks if t.exitcode not in (None, 0)]
        return OSError(errno.EIO, f"an index writer process died (exit code {codes})")

    def _check_tasks(self) -> None:
        if any(task.exitcode not in (None, 0) for task in self.tasks):
            raise self._failure()

    def _put(self, item: Any) -> None:
        while True:
            try:
                self.jobqueue.put(item, timeout=0.5)
                return
            except queue.Full:
                self._check_tasks()

    def _enqueue(self) -> None:
        docbuffer = self.docbuffer
        filename = f"{random_name()}.doclist"
        with self.temp_storage().create_file(filename).raw_file() as f:
            for item in docbuffer:
                pickle.dump(item, f, 2)
        if len(self.tasks) < self.procs:
            self._new_task()
        self._put((filename, len(docbuffer)))
        self.docbuffer = []

    def _commit(self, mergetype, optimize, merge) -> None:
        if self.docbuffer:
            self._enqueue()
        for _task in self.tasks:
            self._put(None)
        finalsegments = self._merge_segments(mergetype, optimize, merge)
        results = []
        while len(results) < len(self.tasks):
            try:
                item = self.resultqueue.get(timeout=0.5)
            except queue.Empty:
                self._check_tasks()
                if all(task.exitcode is not None for task in self.tasks):
                    raise self._failure() from None
                continue
            if item and item[0] == "error":
                raise OSError(item[2], item[1])
            results.append(item)
        for task in self.tasks:
            task.join()
        self._check_tasks()
        finalsegments += [segment for _, _, segment in results]
        if self._added:
            finalsegments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(finalsegments)
        self._finish()

    def cancel(self) -> None:
        try:
            for task in self.tasks:
                if task.is_alive():
                    task.terminate()
                task.join(timeout=5)
        finally:
            SegmentWriter.cancel(self)


def cancel_writer(writer: SegmentWriter) -> None:
    """Cancel ``writer`` without raising (it must not hide the failure being handled),
    and release Whoosh's write lock even when cancelling fails half-way (e.g. on a full
    disk), so that a later writer in this process is not locked out."""
    with contextlib.suppress(Exception):
        writer.cancel()
    lock = getattr(writer, "writelock", None)
    if lock is not None and not getattr(writer, "is_closed", True):
        with contextlib.suppress(Exception):
            lock.release()
        writer.is_closed = True


def open_writer(ix: Index, procs: int = 1, limitmb: int = WRITER_LIMIT_MB) -> SegmentWriter:
    """Return a Whoosh writer on ``ix``: a plain one-process writer for ``procs <= 1``,
    else a multi-segment writer with ``procs`` writer processes, each with a
    ``limitmb`` posting buffer."""
    if procs <= 1:
        return SegmentWriter(ix, limitmb=limitmb, compound=COMPOUND_SEGMENTS)
    load_prctl()
    return _ParallelWriter(
        ix,
        procs=procs,
        multisegment=True,
        batchsize=WRITER_BATCH_DOCS,
        limitmb=limitmb,
        compound=COMPOUND_SEGMENTS,
    )


class WhooshWriter:
    """``IndexWriter`` of one reindex run on a Whoosh index folder.

    Full runs write into a new generation folder, published by an atomic symlink swap
    at ``publish``; incremental runs write to the live generation, visible at each
    ``commit``. OS failures (disk full, read-only) become a SearchsvcError that says
    what was kept.
    """

    def __init__(
        self,
        storage: IndexLocation,
        full: bool,
        workers: int = 1,
    ):
        self.storage = storage
        self.incremental = not full and storage.exists()
        with self._writing():
            if self.incremental:
                self.ix = storage.open()
                gen_dir = storage.current_dir()
                assert gen_dir is not None
                remove_stale_temp(gen_dir)
                self._meta = storage.read_meta()
            else:
                gen_dir = storage.new_generation()
                self.ix = IndexLocation.open_generation(gen_dir)
                self._meta = {}
            self.gen_dir = Path(gen_dir)
        self.copies = has_copies(self.ix.schema)
        self.workers = workers
        self.procs = workers
        self._writer: SegmentWriter | None = None

    @property
    def writer(self) -> SegmentWriter:
        """The Whoosh writer, opened at the first write (after ``expect``)."""
        if self._writer is None:
            self._writer = open_writer(self.ix, self.procs)
        return self._writer

    def expect(self, files: int, size: int) -> None:
        """Use writer processes only when ``files`` files of ``size`` bytes pay for
        them (forking writers and leaving one small segment each costs more)."""
        big = files >= PARALLEL_WRITE_MIN_FILES or size >= PARALLEL_WRITE_MIN_BYTES
        self.procs = self.workers if big else 1

    def meta(self) -> IndexMeta:
        """Return the live index's metadata (empty for a full run)."""
        m = self._meta
        return IndexMeta(
            created=m.get("created"),
            last_reindex=m.get("last_reindex"),
            roots=list(m.get("roots", [])),
            entities=bool(m.get("entities", True)),
        )

    def source_keys(self) -> dict[str, str]:
        """Return ``{path: source_key}`` of the files in the live index."""
        if not self.incremental:
            return {}
        with self._writing():
            return indexed_sources(self.ix)

    def add(self, paragraphs: Sequence[Paragraph], source_key: str) -> int:
        """Queue the paragraphs of one file; return how many."""
        if self.copies:
            sign_paragraphs(paragraphs)
        with self._writing():
            for paragraph in paragraphs:
                doc = paragraph_to_document(paragraph, source_key)
                if not self.copies:  # an index built before copies: its schema lacks them
                    for name in COPY_FIELDS:
                        doc.pop(name, None)
                self.writer.add_document(**doc)
        return len(paragraphs)

    def delete_path(self, path: str) -> None:
        """Queue the removal of the paragraphs of the file ``path``."""
        with self._writing():
            self.writer.delete_by_term("path", path)

    def commit(self) -> None:
        """Commit what is queued (visible to searchers of an incremental run), then
        write the new segments' posting files."""
        with self._writing():
            if self._writer is not None:
                self._writer.commit()
                self._writer = None
                if self.incremental:
                    self._posting_files()

    def rejected(self) -> list[Rejected]:
        """Return nothing: Whoosh never refuses a paragraph it was given."""
        return []

    def state_file(self, name: str) -> Path:
        """Return ``name`` in the generation folder being written."""
        return self.gen_dir / name

    def publish(self, meta: IndexMeta) -> WriteTotals:
        """Commit the rest (merging segments after a full run), store ``meta`` and, for
        a full run, swap the new generation in; return the index's totals."""
        with self._writing():
            self.writer.commit(optimize=not self.incremental)
            with self.ix.searcher() as searcher:
                totals = WriteTotals(searcher.doc_count(), count_articles(searcher))
            self.ix.close()
            self._posting_files()
            IndexLocation.write_meta(
                self.gen_dir,
                {
                    "created": meta.created,
                    "last_reindex": meta.last_reindex,
                    "roots": meta.roots,
                    "documents": totals.documents,
                    "articles": totals.articles,
                    "entities": meta.entities,
                    **meta.extra,
                    **self._copies_meta(),
                },
            )
            if not self.incremental:
                self.storage.publish(self.gen_dir)
        return totals

    def _copies_meta(self) -> dict[str, str]:
        """Return how the index's copy signatures were made: this code's settings for a
        new index; an updated one keeps what it had (signatures of other settings
        would not compare: dedupe then asks for ``reindex --full``)."""
        if not self.copies:
            return {}
        made = self._meta.get("copies") if self.incremental else DEFAULT.fingerprint()
        return {"copies": made} if made else {}

    def _posting_files(self) -> None:
        """Write the posting files of the segments that lack them (``postfile``): a
        full run's before it is published. A failure only costs speed (searches then
        read Whoosh's blocks), so it is logged, never raised."""
        try:
            postfile.build_missing(self.gen_dir, procs=self.workers)
        except Exception as exc:  # noqa: BLE001 (the index itself is written and fine)
            LOG.warning("posting files not written in %s: %s", self.gen_dir, exc)

    def cancel(self) -> None:
        """Abandon the run: a full run's new generation is removed; never raises."""
        if self._writer is not None:
            cancel_writer(self._writer)
        with contextlib.suppress(Exception):
            self.ix.close()
        if not self.incremental:
            shutil.rmtree(self.gen_dir, ignore_errors=True)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            kept = (
                "batches committed before the failure are kept and a rerun continues from there"
                if getattr(self, "incremental", False)
                else "the previous index is unchanged"
            )
            raise write_error(exc, self.storage.root, kept) from None

