"""Source files -> the Whoosh index. The only module that writes to an index.

``reindex`` is the whole pipeline: find files, decide which changed, parse and chunk
them and extract entities (in worker processes), and write paragraph documents.

Incremental (default): a file whose path, size and mtime match what the index holds is
not read again; a changed file's old paragraphs are replaced; a file that no longer
exists loses its paragraphs. Work is committed every ``COMMIT_EVERY_FILES`` files, so a
crash loses at most the uncommitted batch, and a rerun redoes exactly that.

Full (``full=True``, or no index yet): everything is written into a new generation
beside the live one, which is published by an atomic symlink swap only once complete;
a crash or Ctrl-C before that leaves the previous index live and untouched.

One reindex at a time: the index folder's lock (see ``storage``) is held throughout.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import errno
import multiprocessing
import os
import pickle
import queue
import shutil
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh.index import Index
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util import random_name
from whoosh.writing import SegmentWriter

from .chunk import chunk_article
from .errors import ParseError, SearchsvcError
from .models import Paragraph
from .parse import parse_file
from .schema import paragraph_to_document
from .sources import SourceFile, find_files
from .storage import IndexLocation, count_articles, remove_stale_temp, write_error

COMMIT_EVERY_FILES = 2000
BATCH_FILES = 16
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


@dataclass
class Skipped:
    """A file (or a record in one) that was not indexed, and why."""

    path: str
    reason: str


@dataclass
class FileResult:
    """What processing one file produced, ready to be written."""

    path: str
    key: str
    paragraphs: list[Paragraph] = field(default_factory=list)
    articles: int = 0
    error: str | None = None
    problems: list[str] = field(default_factory=list)


@dataclass
class Progress:
    """Where a reindex is: passed to the progress callback after each file."""

    files_total: int
    files_done: int
    articles: int
    paragraphs: int


@dataclass
class ReindexReport:
    """The summary of a reindex run."""

    index_dir: str
    mode: str
    files_seen: int = 0
    files_processed: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    articles: int = 0
    paragraphs: int = 0
    documents: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[Skipped] = field(default_factory=list)
    elapsed: float = 0.0
    entities: bool = True

    @property
    def failed(self) -> bool:
        """Return True when files were to be indexed and none could be."""
        nothing_found = self.files_seen == 0 and bool(self.skipped)
        all_failed = self.files_processed > 0 and self.articles == 0
        return nothing_found or all_failed

    def to_dict(self) -> dict:
        """Return the report as a JSON-ready dict."""
        from dataclasses import asdict

        return asdict(self)


def _annotate(paragraph_lists: list[list[Paragraph]]) -> None:
    """Fill actors and locations of each article's paragraphs, batched over articles."""
    from . import entities

    articles = [[p.text for p in paragraphs] for paragraphs in paragraph_lists]
    annotated = entities.annotate_articles(articles)
    for paragraphs, per_paragraph in zip(paragraph_lists, annotated, strict=True):
        for paragraph, found in zip(paragraphs, per_paragraph, strict=True):
            paragraph.actors, paragraph.locations = entities.paragraph_fields(found)


def process_files(sources: list[SourceFile], with_entities: bool) -> list[FileResult]:
    """Return, for each source file, its paragraph documents (parsed, chunked and,
    if asked, with entities) or the reason it was skipped."""
    results: list[FileResult] = []
    article_paragraphs: list[list[Paragraph]] = []
    for source in sources:
        result = FileResult(path=source.path, key=source.key)
        try:
            parsed = parse_file(source.path)
        except ParseError as exc:
            result.error = str(exc)
        except Exception as exc:  # a parser bug must not stop the whole run
            result.error = f"unexpected error while parsing ({type(exc).__name__}: {exc})"
        else:
            result.problems = parsed.problems
            for article in parsed.articles:
                paragraphs = chunk_article(article)
                if paragraphs:
                    result.articles += 1
                    result.paragraphs.extend(paragraphs)
                    article_paragraphs.append(paragraphs)
            if not result.paragraphs:
                result.error = "no paragraph long enough to index"
        results.append(result)
    if with_entities and article_paragraphs:
        _annotate(article_paragraphs)
    return results


def _batches(items: list[SourceFile], size: int) -> Iterator[list[SourceFile]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_PRCTL: Callable[..., int] | None = None


def _load_prctl() -> Callable[..., int] | None:
    """Return libc's ``prctl`` (loaded once, in the parent, so that a freshly forked
    child can call it at once), or None where there is none."""
    global _PRCTL
    if _PRCTL is None:
        try:
            import ctypes

            _PRCTL = ctypes.CDLL("libc.so.6", use_errno=True).prctl
        except (OSError, AttributeError):
            return None
    return _PRCTL


def _die_with_parent(parent_pid: int | None = None) -> None:
    """Worker initializer: ask Linux to kill this worker when the reindex process dies,
    so no orphan keeps working (or holds files open) after a crash. If the parent
    ``parent_pid`` already died between the fork and this call (the request would then
    never fire), exit at once."""
    prctl = _load_prctl()
    if prctl is not None:
        prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)


def _noop() -> None:
    return None


def start_pool(workers: int) -> cf.ProcessPoolExecutor | None:
    """Return a started pool of ``workers`` processes (None for one worker).

    Workers are forked at once, before the caller takes any lock or opens a writer,
    so they inherit neither."""
    if workers <= 1:
        return None
    context = multiprocessing.get_context("fork")
    _load_prctl()
    pool = cf.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    )
    for future in [pool.submit(_noop) for _ in range(workers)]:
        future.result()
    return pool


def _process_all(
    sources: list[SourceFile],
    with_entities: bool,
    pool: cf.ProcessPoolExecutor | None,
    workers: int,
) -> Iterator[FileResult]:
    """Yield FileResults in order, processed by the pool when there is enough work."""
    if pool is None or len(sources) <= BATCH_FILES:
        for batch in _batches(sources, BATCH_FILES):
            yield from process_files(batch, with_entities)
        return
    pending: list[cf.Future[list[FileResult]]] = []
    try:
        for batch in _batches(sources, BATCH_FILES):
            pending.append(pool.submit(process_files, batch, with_entities))
            if len(pending) >= workers * 3:
                yield from pending.pop(0).result()
        while pending:
            yield from pending.pop(0).result()
    finally:
        for future in pending:
            future.cancel()


def default_workers() -> int:
    """Return the number of worker processes to use: one per core, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


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
        _die_with_parent(self.parent_pid)
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
    _load_prctl()
    return _ParallelWriter(
        ix,
        procs=procs,
        multisegment=True,
        batchsize=WRITER_BATCH_DOCS,
        limitmb=limitmb,
        compound=COMPOUND_SEGMENTS,
    )


class _Writer:
    """A Whoosh writer that commits in batches and can be reopened."""

    def __init__(self, ix: Index, procs: int = 1):
        self.ix = ix
        self.procs = procs
        self.writer = open_writer(ix, procs)
        self.dirty = False

    def delete_path(self, path: str) -> None:
        self.writer.delete_by_term("path", path)
        self.dirty = True

    def add(self, result: FileResult) -> None:
        for paragraph in result.paragraphs:
            self.writer.add_document(**paragraph_to_document(paragraph, result.key))
        self.dirty = True

    def commit(self, *, merge: bool = False, reopen: bool = True) -> None:
        self.writer.commit(optimize=merge)
        self.dirty = False
        if reopen:
            self.writer = open_writer(self.ix, self.procs)

    def cancel(self) -> None:
        cancel_writer(self.writer)


def reindex(
    paths: Iterable[str],
    index_dir: str | os.PathLike[str],
    *,
    full: bool = False,
    entities: bool = True,
    workers: int | None = None,
    wait: float = 0.0,
    progress: Callable[[Progress], None] | None = None,
    on_plan: Callable[[int, int], None] | None = None,
) -> ReindexReport:
    """Bring the index at ``index_dir`` up to date with the files under ``paths`` and
    return the summary. With no paths, the folders and files indexed before are
    checked again.

    ``on_plan(files_to_process, files_unchanged)`` is called once the work is known;
    ``progress`` after each processed file. Raises IndexBusy if another reindex runs,
    IndexCorrupt if an incremental update cannot open the live index.
    """
    started = time.monotonic()
    location = IndexLocation(index_dir)
    workers = workers or default_workers()
    pool = start_pool(workers)
    try:
        return _reindex_locked(
            paths, location, full, entities, workers, pool, wait, progress, on_plan, started
        )
    except OSError as exc:
        kept = (
            "the previous index is unchanged"
            if full or not location.exists()
            else "batches committed before the failure are kept and a rerun continues from there"
        )
        raise write_error(exc, location.root, kept) from None
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def _reindex_locked(
    paths: Iterable[str],
    location: IndexLocation,
    full: bool,
    entities: bool,
    workers: int,
    pool: cf.ProcessPoolExecutor | None,
    wait: float,
    progress: Callable[[Progress], None] | None,
    on_plan: Callable[[int, int], None] | None,
    started: float,
) -> ReindexReport:
    with location.lock(wait=wait):
        incremental = not full and location.exists()
        meta = location.read_meta() if incremental else {}
        roots = [os.path.abspath(p) for p in paths] or list(meta.get("roots", []))
        report = ReindexReport(
            index_dir=str(location.root),
            mode="incremental" if incremental else "full",
            entities=entities,
        )
        if not roots:
            raise SearchsvcError(
                "nothing to index: name the files or folders, e.g. `searchsvc reindex articles/`"
            )
        files, problems = find_files(roots)
        report.files_seen = len(files)
        report.skipped.extend(Skipped(p.path, p.reason) for p in problems)

        if incremental:
            ix = location.open()
            gen_dir = location.current_dir()
            assert gen_dir is not None
            remove_stale_temp(gen_dir)
            known = indexed_sources(ix)
            todo = [f for f in files if known.get(f.path) != f.key]
            report.files_unchanged = len(files) - len(todo)
            gone = [p for p in known if not os.path.exists(p)]
        else:
            gen_dir = location.new_generation()
            ix = IndexLocation.open_generation(gen_dir)
            todo, gone = files, []
        assert gen_dir is not None
        if on_plan:
            on_plan(len(todo), report.files_unchanged)

        big = (
            len(todo) >= PARALLEL_WRITE_MIN_FILES
            or sum(f.size for f in todo) >= PARALLEL_WRITE_MIN_BYTES
        )
        procs = workers if big else 1
        writer = _Writer(ix, procs)
        try:
            for path in gone:
                writer.delete_path(path)
                report.files_removed += 1
            since_commit = 0
            for done, result in enumerate(_process_all(todo, entities, pool, workers), 1):
                report.files_processed += 1
                if incremental:
                    writer.delete_path(result.path)
                if result.error:
                    report.skipped.append(Skipped(result.path, result.error))
                else:
                    writer.add(result)
                    report.articles += result.articles
                    report.paragraphs += len(result.paragraphs)
                report.warnings.extend(Skipped(result.path, p) for p in result.problems)
                since_commit += 1
                if incremental and since_commit >= COMMIT_EVERY_FILES:
                    writer.commit()
                    since_commit = 0
                if progress:
                    progress(Progress(len(todo), done, report.articles, report.paragraphs))
            writer.commit(merge=not incremental, reopen=False)
        except BaseException:
            writer.cancel()
            ix.close()
            if not incremental:
                shutil.rmtree(gen_dir, ignore_errors=True)
            raise

        with ix.searcher() as searcher:
            report.documents = searcher.doc_count()
            articles_total = count_articles(searcher)
        ix.close()
        known_roots = sorted(set(meta.get("roots", [])) | set(roots))
        new_meta = {
            "created": meta.get("created") or _now(),
            "last_reindex": _now(),
            "roots": known_roots,
            "documents": report.documents,
            "articles": articles_total,
            "entities": entities,
        }
        IndexLocation.write_meta(Path(gen_dir), new_meta)
        if not incremental:
            location.publish(Path(gen_dir))
    report.elapsed = time.monotonic() - started
    return report


def write_paragraphs(
    index_dir: str | os.PathLike[str],
    paragraphs: Iterable[Paragraph],
    *,
    procs: int = 1,
) -> int:
    """Build a new index at ``index_dir`` holding exactly ``paragraphs`` (entities as
    given) and publish it; return the document count. For tests and tools that make
    paragraphs themselves. ``procs > 1`` writes with that many writer processes (one
    segment each)."""
    location = IndexLocation(index_dir)
    try:
        return _write_paragraphs(location, paragraphs, procs)
    except OSError as exc:
        raise write_error(exc, location.root, "the previous index is unchanged") from None


def _write_paragraphs(location: IndexLocation, paragraphs: Iterable[Paragraph], procs: int) -> int:
    with location.lock():
        gen_dir = location.new_generation()
        ix = IndexLocation.open_generation(gen_dir)
        writer = open_writer(ix, procs)
        count = 0
        try:
            for paragraph in paragraphs:
                key = f"{paragraph.path or paragraph.article_id}\t0\t0"
                writer.add_document(**paragraph_to_document(paragraph, key))
                count += 1
            writer.commit(optimize=procs <= 1)
        except BaseException:
            cancel_writer(writer)
            ix.close()
            shutil.rmtree(gen_dir, ignore_errors=True)
            raise
        ix.close()
        IndexLocation.write_meta(gen_dir, {"created": _now(), "last_reindex": _now()})
        location.publish(gen_dir)
    return count


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
