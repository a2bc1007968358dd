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
import multiprocessing
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from whoosh.index import Index

from .chunk import chunk_article
from .errors import ParseError, SearchsvcError
from .models import Paragraph
from .parse import parse_file
from .schema import paragraph_to_document
from .sources import SourceFile, find_files
from .storage import IndexLocation, count_articles

COMMIT_EVERY_FILES = 2000
BATCH_FILES = 16
WRITER_LIMIT_MB = 256


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


def _die_with_parent() -> None:
    """Worker initializer: ask Linux to kill this worker when the reindex process dies,
    so no orphan keeps working (or holds files open) after a crash."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _noop() -> None:
    return None


def start_pool(workers: int) -> cf.ProcessPoolExecutor | None:
    """Return a started pool of ``workers`` processes (None for one worker).

    Workers are forked at once, before the caller takes any lock or opens a writer,
    so they inherit neither."""
    if workers <= 1:
        return None
    context = multiprocessing.get_context("fork")
    pool = cf.ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_die_with_parent
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


class _Writer:
    """A Whoosh writer that commits in batches and can be reopened."""

    def __init__(self, ix: Index):
        self.ix = ix
        self.writer = ix.writer(limitmb=WRITER_LIMIT_MB)
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
            self.writer = self.ix.writer(limitmb=WRITER_LIMIT_MB)

    def cancel(self) -> None:
        with contextlib.suppress(Exception):  # must not hide the failure being handled
            self.writer.cancel()


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

        writer = _Writer(ix)
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


def write_paragraphs(index_dir: str | os.PathLike[str], paragraphs: Iterable[Paragraph]) -> int:
    """Build a new index at ``index_dir`` holding exactly ``paragraphs`` (entities as
    given) and publish it; return the document count. For tests and tools that make
    paragraphs themselves."""
    location = IndexLocation(index_dir)
    with location.lock():
        gen_dir = location.new_generation()
        ix = IndexLocation.open_generation(gen_dir)
        writer = ix.writer(limitmb=WRITER_LIMIT_MB)
        count = 0
        for paragraph in paragraphs:
            key = f"{paragraph.path or paragraph.article_id}\t0\t0"
            writer.add_document(**paragraph_to_document(paragraph, key))
            count += 1
        writer.commit(optimize=True)
        ix.close()
        IndexLocation.write_meta(gen_dir, {"created": _now(), "last_reindex": _now()})
        location.publish(gen_dir)
    return count


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
