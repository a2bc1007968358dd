"""Source files -> an engine's index. The only module that writes to an index, always
through the engine seam (``searchsvc.engine``: ``Engine.begin`` -> ``IndexWriter``).

``reindex`` is the whole pipeline: find files, decide which changed, parse and chunk
them, extract entities and sign them for copy detection (``searchsvc.copies``; in
worker processes), and write paragraph documents.

Incremental (default): a file whose path, size and mtime match what the index holds is
not read again; a changed file's old paragraphs are replaced; a file that no longer
exists loses its paragraphs. Work is committed every ``COMMIT_EVERY_FILES`` files, so a
crash loses at most the uncommitted batch, and a rerun redoes exactly that.

Full (``full=True``, or no index yet): everything is written into a new index beside
the live one, which the engine swaps in atomically only once complete (Whoosh: a new
generation folder and a symlink swap; OpenSearch: a new index and an alias switch); a
crash or Ctrl-C before that leaves the previous index live and untouched.

One reindex at a time: the engine's lock is held throughout.

Actor names are resolved across the whole archive before paragraphs are written
(``searchsvc.entities.registry``, a file the engine keeps with the index): files whose
names a later file changed are written again at the end of the run.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .chunk import chunk_article
from .copies import sign_paragraphs, sign_stream
from .engine import (
    Engine,
    IndexMeta,
    IndexWriter,
    Rejected,
    SearchEngine,
    Shard,
    WriteTotals,
    in_shard,
    open_engine,
)
from .entities.names import NameCount, tally
from .entities.registry import REGISTRY_FILE, NameRegistry
from .errors import ParseError, SearchsvcError
from .models import Entity, Paragraph, ReadWarning
from .parse import parse_file
from .sources import SourceFile, find_files
from .workers import die_with_parent, load_prctl

COMMIT_EVERY_FILES = 2000
BATCH_FILES = 16
# Rounds of writing again the files whose names changed across the archive (one is
# enough when extraction is deterministic; more only guard against it not being).
RENAME_ROUNDS = 3


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
    read_warnings: list[ReadWarning] = field(default_factory=list)
    names: list[NameCount] = field(default_factory=list)  # actor names, for the registry


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
    files_renamed: int = 0  # files written again: their actors' canonical names changed
    articles: int = 0
    paragraphs: int = 0
    documents: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[Skipped] = field(default_factory=list)
    elapsed: float = 0.0
    entities: bool = True
    # Articles indexed without the date or the URL their source gave (each one named in
    # ``warnings``): a date that could not be read, a URL that is not http(s).
    dates_unreadable: int = 0
    urls_dropped: int = 0
    notes: list[str] = field(default_factory=list)

    def add_read_warnings(self, path: str, found: list[ReadWarning]) -> None:
        """Count and name the dates and URLs a file's articles left out."""
        for warning in found:
            if warning.kind == "date_unreadable":
                self.dates_unreadable += 1
            else:
                self.urls_dropped += 1
            self.warnings.append(Skipped(path, warning.message()))

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


def _annotate(paragraph_lists: list[list[Paragraph]]) -> list[list[list[Entity]]]:
    """Fill actors and locations of each article's paragraphs, batched over articles;
    return each article's per-paragraph entities."""
    from . import entities

    articles = [[p.text for p in paragraphs] for paragraphs in paragraph_lists]
    annotated = list(entities.annotate_articles(articles))
    for paragraphs, per_paragraph in zip(paragraph_lists, annotated, strict=True):
        for paragraph, found in zip(paragraphs, per_paragraph, strict=True):
            paragraph.actors, paragraph.locations = entities.paragraph_fields(found)
    return annotated


def process_files(sources: list[SourceFile], with_entities: bool) -> list[FileResult]:
    """Return, for each source file, its paragraph documents (parsed, chunked and,
    if asked, with entities) or the reason it was skipped."""
    results: list[FileResult] = []
    article_paragraphs: list[list[Paragraph]] = []
    owners: list[FileResult] = []
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
                    result.read_warnings.extend(article.warnings)
                    article_paragraphs.append(paragraphs)
                    owners.append(result)
            if not result.paragraphs:
                result.error = "no paragraph long enough to index"
        results.append(result)
    if with_entities and article_paragraphs:
        found: dict[int, list[list[list[Entity]]]] = {}
        for owner, per_paragraph in zip(owners, _annotate(article_paragraphs), strict=True):
            found.setdefault(id(owner), []).append(per_paragraph)
        for result in results:
            result.names = tally(found.get(id(result), []))
    sign_paragraphs([p for paragraphs in article_paragraphs for p in paragraphs])
    return results


def _batches(items: list[SourceFile], size: int) -> Iterator[list[SourceFile]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _noop() -> None:
    return None


def start_pool(workers: int) -> cf.ProcessPoolExecutor | None:
    """Return a started pool of ``workers`` processes (None for one worker).

    Workers are forked at once, before the caller takes any lock or opens a writer,
    so they inherit neither."""
    if workers <= 1:
        return None
    context = multiprocessing.get_context("fork")
    load_prctl()
    pool = cf.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=die_with_parent,
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


def reindex(
    paths: Iterable[str],
    index: str | os.PathLike[str] | Engine,
    *,
    full: bool = False,
    entities: bool = True,
    workers: int | None = None,
    wait: float = 0.0,
    progress: Callable[[Progress], None] | None = None,
    on_plan: Callable[[int, int], None] | None = None,
    on_commit: Callable[[list[str]], None] | None = None,
    shard: Shard | None = None,
    build: str | None = None,
) -> ReindexReport:
    """Bring the index at ``index`` (a location for ``open_engine``, or an engine) up
    to date with the files under ``paths`` and return the summary. With no paths, the
    folders and files indexed before are checked again.

    ``on_plan(files_to_process, files_unchanged)`` is called once the work is known;
    ``progress`` after each processed file; ``on_commit(paragraph_ids)`` after each
    commit that made paragraphs searchable, with their ids. ``shard`` (K, N) indexes
    only the files of that part (and removes only its own vanished files); ``build``
    fills a prepared build (``Engine.prepare_build``) without publishing it. Raises
    IndexBusy if another reindex runs, IndexCorrupt if an incremental update cannot open
    the live index.
    """
    started = time.monotonic()
    engine = index if not isinstance(index, (str, os.PathLike)) else open_engine(str(index))
    if on_commit is not None:
        engine = _Announcing(engine, on_commit)
    workers = workers or default_workers()
    pool = start_pool(workers)
    try:
        with engine.lock(wait=wait, shard=shard):
            return _reindex_locked(
                paths, engine, full, entities, workers, pool, progress, on_plan, started,
                shard, build,
            )
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def _reindex_locked(
    paths: Iterable[str],
    engine: Engine,
    full: bool,
    entities: bool,
    workers: int,
    pool: cf.ProcessPoolExecutor | None,
    progress: Callable[[Progress], None] | None,
    on_plan: Callable[[int, int], None] | None,
    started: float,
    shard: Shard | None = None,
    build: str | None = None,
) -> ReindexReport:
    writer = engine.begin(full, workers=workers, build=build, shard=shard)
    try:
        report = _write_all(paths, writer, entities, workers, pool, progress, on_plan, shard)
    except BaseException:
        writer.cancel()
        raise
    report.index_dir = engine.location
    report.elapsed = time.monotonic() - started
    return report


def _write_all(
    paths: Iterable[str],
    writer: IndexWriter,
    entities: bool,
    workers: int,
    pool: cf.ProcessPoolExecutor | None,
    progress: Callable[[Progress], None] | None,
    on_plan: Callable[[int, int], None] | None,
    shard: Shard | None = None,
) -> ReindexReport:
    incremental = writer.incremental
    report = ReindexReport(
        index_dir="", mode="incremental" if incremental else "full", entities=entities
    )
    meta = writer.meta()
    known = writer.source_keys()
    roots = [os.path.abspath(p) for p in paths] or list(meta.roots)
    if not roots:
        raise SearchsvcError(
            "nothing to index: name the files or folders, e.g. `searchsvc reindex articles/`"
        )
    files, problems = find_files(roots)
    if shard is not None:
        files = [f for f in files if in_shard(f.path, shard)]
        known = {path: key for path, key in known.items() if in_shard(path, shard)}
    report.files_seen = len(files)
    report.skipped.extend(Skipped(p.path, p.reason) for p in problems)
    # ``known`` is empty for a full run, except for a shard resuming a prepared build.
    todo = [f for f in files if known.get(f.path) != f.key]
    report.files_unchanged = len(files) - len(todo)
    gone = [p for p in known if not os.path.exists(p)] if incremental else []
    if on_plan:
        on_plan(len(todo), report.files_unchanged)
    names = _open_registry(writer, known, todo, report)
    try:
        _write_files(writer, names, todo, gone, report, entities, pool, workers, progress)
        names.commit()  # before the index: a file the index holds is always registered
    finally:
        names.close()
    totals = writer.publish(
        IndexMeta(
            created=meta.created or _now(),
            last_reindex=_now(),
            roots=sorted(set(meta.roots) | set(roots)),
            entities=entities,
        )
    )
    _count_rejected(report, writer)
    report.documents = totals.documents
    return report


def _write_files(
    writer: IndexWriter,
    names: NameRegistry,
    todo: list[SourceFile],
    gone: list[str],
    report: ReindexReport,
    entities: bool,
    pool: cf.ProcessPoolExecutor | None,
    workers: int,
    progress: Callable[[Progress], None] | None,
) -> None:
    """Remove the ``gone`` files, write the ``todo`` ones, then write again the files
    whose actors' canonical names changed meanwhile."""
    incremental = writer.incremental
    writer.expect(len(todo), sum(f.size for f in todo))
    for path in gone:
        writer.delete_path(path)
        names.forget(path)
        report.files_removed += 1
    since_commit = 0
    for done, result in enumerate(_process_all(todo, entities, pool, workers), 1):
        report.files_processed += 1
        if _write_result(result, writer, names, report, replace=incremental):
            report.articles += result.articles
            report.paragraphs += len(result.paragraphs)
            report.add_read_warnings(result.path, result.read_warnings)
        report.warnings.extend(Skipped(result.path, p) for p in result.problems)
        since_commit += 1
        if incremental and since_commit >= COMMIT_EVERY_FILES:
            names.commit()
            writer.commit()
            _count_rejected(report, writer)
            since_commit = 0
        if progress:
            progress(Progress(len(todo), done, report.articles, report.paragraphs))
    _write_renamed(names, writer, report, entities, pool, workers)


def _open_registry(
    writer: IndexWriter, known: dict[str, str], todo: list[SourceFile], report: ReindexReport
) -> NameRegistry:
    """Return the name registry of the index being written, without the files it holds
    that the index does not (a run that failed between the two commits) and is not
    about to. Notes in ``report`` when an existing index had none (built before it
    existed), and when the engine keeps none (names are then resolved per run)."""
    path = writer.state_file(REGISTRY_FILE)
    if path is None:
        report.notes.append(
            "this engine keeps no name registry: actor names are resolved across the "
            "files of this run only"
        )
    names = NameRegistry(path)
    coming = {f.path for f in todo}
    for stray in names.keys().keys() - known.keys() - coming:
        names.forget(stray)
    if known and path is not None and not names.existed:
        report.notes.append(
            "names across the archive are resolved for files indexed from now on; "
            "`searchsvc reindex --full` resolves them in every file"
        )
    return names


def _write_result(
    result: FileResult,
    writer: IndexWriter,
    names: NameRegistry,
    report: ReindexReport,
    *,
    replace: bool,
) -> bool:
    """Write one processed file's paragraphs, with their actors resolved across the
    archive, replacing what the index held for it when ``replace``; return False (and
    note why in ``report``) when it could not be indexed."""
    if replace:
        writer.delete_path(result.path)
    if result.error:
        names.forget(result.path)
        report.skipped.append(Skipped(result.path, result.error))
        return False
    names.record(result.path, result.key, result.names)
    names.resolve(result.path, result.paragraphs)
    writer.add(result.paragraphs, result.key)
    return True


def _write_renamed(
    names: NameRegistry,
    writer: IndexWriter,
    report: ReindexReport,
    entities: bool,
    pool: cf.ProcessPoolExecutor | None,
    workers: int,
) -> None:
    """Write again, from their source, the files whose actors' canonical names changed
    because of what this run added or removed (a full name seen after its short form
    was written, a second person with the same surname...)."""
    for _ in range(RENAME_ROUNDS):
        stale = names.stale_paths()
        if not stale:
            return
        # An engine may delete only what was committed, and this run may have added these.
        names.commit()
        writer.commit()
        _count_rejected(report, writer)
        sources, problems = find_files(stale)
        for problem in problems:  # gone or unreadable since the run began
            writer.delete_path(problem.path)
            names.forget(problem.path)
            report.skipped.append(Skipped(problem.path, problem.reason))
        for result in _process_all(sources, entities, pool, workers):
            report.files_renamed += 1
            _write_result(result, writer, names, report, replace=True)


def _count_rejected(report: ReindexReport, writer: IndexWriter) -> None:
    """Name the paragraphs the engine refused for good in the summary, by file, and take
    them out of the paragraphs counted as indexed."""
    by_path: dict[str, list[str]] = {}
    for item in writer.rejected():
        by_path.setdefault(item.path, []).append(item.reason)
        if item.id:
            report.paragraphs -= 1
    for path, reasons in by_path.items():
        report.skipped.append(
            Skipped(path, f"{len(reasons)} paragraph(s) refused by the index: {reasons[0]}")
        )


def write_paragraphs(
    index: str | os.PathLike[str] | Engine,
    paragraphs: Iterable[Paragraph],
    *,
    procs: int = 1,
) -> int:
    """Build a new index at ``index`` holding exactly ``paragraphs`` (entities as
    given) and publish it; return the document count. For tests and tools that make
    paragraphs themselves. ``procs > 1`` asks for that many writer processes."""
    engine = index if not isinstance(index, (str, os.PathLike)) else open_engine(str(index))
    with engine.lock():
        writer = engine.begin(True, workers=procs)
        try:
            for paragraph in sign_stream(paragraphs):
                writer.add([paragraph], f"{paragraph.path or paragraph.article_id}\t0\t0")
            now = _now()
            totals = writer.publish(IndexMeta(created=now, last_reindex=now))
        except BaseException:
            writer.cancel()
            raise
    return totals.documents


class _Announcing:
    """An engine whose writers report the ids of the paragraphs each commit (or the
    final publish) made searchable."""

    def __init__(self, engine: Engine, on_commit: Callable[[list[str]], None]):
        self.engine = engine
        self.location = engine.location
        self.on_commit = on_commit

    def exists(self) -> bool:
        return self.engine.exists()

    def reader(self) -> SearchEngine:
        return self.engine.reader()

    def lock(
        self, wait: float = 0.0, *, shard: Shard | None = None
    ) -> AbstractContextManager[None]:
        return self.engine.lock(wait, shard=shard)

    def begin(
        self,
        full: bool,
        *,
        workers: int = 1,
        build: str | None = None,
        shard: Shard | None = None,
    ) -> IndexWriter:
        writer = self.engine.begin(full, workers=workers, build=build, shard=shard)
        return _AnnouncingWriter(writer, self.on_commit, announce=build is None)

    def prepare_build(self, meta: IndexMeta | None = None) -> str:
        return self.engine.prepare_build(meta)

    def publish_build(self, build: str, meta: IndexMeta) -> WriteTotals:
        return self.engine.publish_build(build, meta)

    def drop_build(self, build: str) -> None:
        self.engine.drop_build(build)


class _AnnouncingWriter:
    """An IndexWriter that remembers the ids it adds and reports them once visible
    (incremental runs: at each commit; full runs: at publish)."""

    def __init__(
        self, writer: IndexWriter, on_commit: Callable[[list[str]], None], announce: bool
    ):
        self.writer = writer
        self.incremental = writer.incremental
        self.on_commit = on_commit
        self.announce = announce  # a shard of a prepared build is not live at its end
        self.pending: list[str] = []

    def meta(self) -> IndexMeta:
        return self.writer.meta()

    def source_keys(self) -> dict[str, str]:
        return self.writer.source_keys()

    def state_file(self, name: str) -> Path | None:
        return self.writer.state_file(name)

    def expect(self, files: int, size: int) -> None:
        self.writer.expect(files, size)

    def add(self, paragraphs: Sequence[Paragraph], source_key: str) -> int:
        self.pending.extend(p.id for p in paragraphs)
        return self.writer.add(paragraphs, source_key)

    def delete_path(self, path: str) -> None:
        self.writer.delete_path(path)

    def commit(self) -> None:
        self.writer.commit()
        if self.incremental:
            self._announce()

    def publish(self, meta: IndexMeta) -> WriteTotals:
        totals = self.writer.publish(meta)
        self._announce()
        return totals

    def rejected(self) -> list[Rejected]:
        found = self.writer.rejected()
        refused = {r.id for r in found}
        self.pending = [i for i in self.pending if i not in refused]
        return found

    def cancel(self) -> None:
        self.writer.cancel()

    def _announce(self) -> None:
        ids, self.pending = self.pending, []
        if ids and self.announce:
            self.on_commit(ids)


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
