"""Source files -> an engine's index. The only module that writes to an index, always
through the engine seam (``searchsvc.engine``: ``Engine.begin`` -> ``IndexWriter``).

``reindex`` is the whole pipeline: find files, decide which changed, parse and chunk
them, extract entities and sign them for copy detection (``searchsvc.copies``; in
worker processes), and write paragraph documents.

Work is shared by articles, not by files: this process reads the files in order and
cuts them into pieces (``searchsvc.parse.pieces``: a page, a JSON record, a JSON Lines
line, streamed with bounded memory), groups the pieces into batches of
``BATCH_ARTICLES`` articles or ``BATCH_BYTES`` bytes across file boundaries, and hands
the batches to the workers, at most ``BATCHES_PER_WORKER`` per worker at a time. The
workers parse, chunk and tag; their outcomes come back and are written in file order,
so the index is the same whatever the number of workers (and ids are given here, by
``parse.FileAssembly``). One huge JSON Lines file and a million small pages keep every
worker busy alike.

Incremental (default): a file whose path, size and mtime match what the index holds is
not read again; a changed file's old paragraphs are replaced; a file that no longer
exists loses its paragraphs. The paragraphs of a file carry its key (path, size, mtime),
which is how the next run knows the file is done, so a commit never falls inside a file:
work is committed after the file that brings the uncommitted total to
``COMMIT_EVERY_FILES`` files or ``COMMIT_EVERY_PARAGRAPHS`` paragraphs. A crash loses at
most the uncommitted files (a big file being written: all of its new version, its old
version staying whole), and a rerun redoes exactly those.

Full (``full=True``, or no index yet): everything is written into a new index beside
the live one, which the engine swaps in atomically only once complete (Whoosh: a new
generation folder and a symlink swap; OpenSearch: a new index and an alias switch); a
crash or Ctrl-C before that leaves the previous index live and untouched.

One reindex at a time: the engine's lock is held throughout.

Actor names are resolved across the whole archive before paragraphs are written
(``searchsvc.entities.registry``, a file the engine keeps with the index): each
article's names are added to the registry as it is written, and the files whose names
later articles changed (a full name seen after its short form was written, a second
person with the same surname...) are written again at the end of the run, with the
names the registry then gives. Files tagged in this run are then parsed and chunked
again but not tagged again: their entities were kept (``searchsvc.entity_spill``).
Full runs with entities keep the articles there instead and write each once, at the
end, when every name of the archive is known.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .chunk import chunk_article
from .copies import sign_articles, sign_stream
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
from .entity_spill import EntitySpill
from .errors import SearchsvcError
from .models import Entity, Paragraph, ReadWarning
from .parse import FileAssembly, Piece, PieceOutcome, iter_pieces, read_piece
from .sources import SourceFile, find_files
from .workers import ordered_map, start_pool

# Incremental runs commit after the file that reaches either count, never inside a file
# (see the module docstring).
COMMIT_EVERY_FILES = 2000
COMMIT_EVERY_PARAGRAPHS = 50_000
# A batch of work for one worker: this many articles or this many bytes, whichever
# comes first (one bigger page or record is a batch of its own).
BATCH_ARTICLES = 64
BATCH_BYTES = 4 * 2**20
# Batches handed to the pool and not yet written, per worker: enough to keep every
# worker busy while the oldest batch is written, few enough to bound memory.
BATCHES_PER_WORKER = 2
# Rounds of writing again the files whose names changed across the archive (one is
# enough when extraction is deterministic; more only guard against it not being).
RENAME_ROUNDS = 3


@dataclass
class _Chunked:
    """One article as a worker returns it: its paragraph documents (ids set later),
    what its source gave but it left out (an unreadable date, a non-http(s) URL) and its
    actor names with their counts, for the name registry."""

    paragraphs: list[Paragraph]
    warnings: list[ReadWarning]
    names: list[NameCount] = field(default_factory=list)


ChunkedOutcome = PieceOutcome[_Chunked]


@dataclass
class Skipped:
    """A file (or a record in one) that was not indexed, and why."""

    path: str
    reason: str


@dataclass
class Plan:
    """The work a reindex found to do: passed once to the ``on_plan`` callback."""

    files: int
    unchanged: int
    removed: int
    bytes: int


@dataclass
class Progress:
    """Where a reindex is: passed to the progress callback after each batch written.

    ``bytes_done`` counts the bytes of the files whose articles are written so far (of
    the file being written, the part read): with ``bytes_total`` it gives the share
    done and the time left."""

    files_total: int
    files_done: int
    articles: int
    paragraphs: int
    bytes_total: int = 0
    bytes_done: int = 0
    # "reading" the files, then (full runs with entities) "writing" the articles kept:
    # ``written`` of ``paragraphs``.
    phase: str = "reading"
    written: int = 0


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
    # Records left out of the files that were indexed (each named in ``warnings``, up
    # to ``limits.MAX_NAMED_PROBLEMS`` per file).
    records_skipped: int = 0
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


@dataclass
class _Batch:
    """Pieces for one worker, and where each belongs: (file number, last piece of its
    file, bytes it stands for). The marks come back with the outcomes."""

    pieces: list[Piece] = field(default_factory=list)
    marks: list[tuple[int, bool, int]] = field(default_factory=list)
    articles: int = 0
    size: int = 0


@dataclass
class _BatchResult:
    marks: list[tuple[int, bool, int]]
    outcomes: list[ChunkedOutcome]


def process_batch(batch: _Batch, with_entities: bool) -> _BatchResult:
    """Return what each piece of the batch holds, its articles chunked into paragraph
    documents (with actors and locations if asked: entity extraction runs over all the
    batch's articles at once) and signed for copy detection. Paragraph ids are set
    later, by the writing process."""
    outcomes: list[ChunkedOutcome] = []
    to_annotate: list[_Chunked] = []
    for piece in batch.pieces:
        read = read_piece(piece)
        chunked = [_Chunked(chunk_article(a), a.warnings) for a in read.articles]
        to_annotate += [c for c in chunked if c.paragraphs]
        outcomes.append(
            PieceOutcome(read.kind, chunked, read.problem, read.error, read.json, read.encoding)
        )
    if with_entities and to_annotate:
        found = _annotate([c.paragraphs for c in to_annotate])
        for article, per_paragraph in zip(to_annotate, found, strict=True):
            article.names = tally([per_paragraph])
    sign_articles([c.paragraphs for c in to_annotate])
    return _BatchResult(batch.marks, outcomes)


def _marked_pieces(todo: list[SourceFile]) -> Iterator[tuple[int, bool, Piece]]:
    """Yield (file number, last piece of its file, piece) for the files, in order."""
    for number, source in enumerate(todo):
        previous: Piece | None = None
        for piece in iter_pieces(source.path):
            if previous is not None:
                yield number, False, previous
            previous = piece
        assert previous is not None, "every file yields at least one piece"
        yield number, True, previous


def _batches(marked: Iterable[tuple[int, bool, Piece]]) -> Iterator[_Batch]:
    """Group pieces into batches of ``BATCH_ARTICLES`` articles or ``BATCH_BYTES``
    bytes, across file boundaries (a thousand small files or one huge one alike)."""
    batch = _Batch()
    for number, last, piece in marked:
        batch.pieces.append(piece)
        batch.marks.append((number, last, piece.size))
        batch.articles += piece.articles
        batch.size += piece.size
        if batch.articles >= BATCH_ARTICLES or batch.size >= BATCH_BYTES:
            yield batch
            batch = _Batch()
    if batch.pieces:
        yield batch


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
    on_plan: Callable[[Plan], None] | None = None,
    on_commit: Callable[[list[str]], None] | None = None,
    shard: Shard | None = None,
    build: str | None = None,
) -> ReindexReport:
    """Bring the index at ``index`` (a location for ``open_engine``, or an engine) up
    to date with the files under ``paths`` and return the summary. With no paths, the
    folders and files indexed before are checked again.

    ``on_plan(Plan)`` is called once the work is known; ``progress(Progress)`` after
    each batch of articles written; ``on_commit(paragraph_ids)`` after each commit that
    made paragraphs searchable, with their ids. ``shard`` (K, N) indexes only the files
    of that part (and removes only its own vanished files); ``build`` fills a prepared
    build (``Engine.prepare_build``) without publishing it. Raises IndexBusy if another
    reindex runs, IndexCorrupt if an incremental update cannot open the live index.
    """
    started = time.monotonic()
    engine = index if not isinstance(index, (str, os.PathLike)) else open_engine(str(index))
    if on_commit is not None:
        engine = _Announcing(engine, on_commit)
    workers = workers or default_workers()
    pool = start_pool(workers)
    finished = False
    try:
        with engine.lock(wait=wait, shard=shard):
            writer = engine.begin(full, workers=workers, build=build, shard=shard)
            try:
                run = _Run(writer, entities, pool, workers, progress, shard)
                report = run.write_all(paths, on_plan)
            except BaseException:
                writer.cancel()
                raise
        report.index_dir = engine.location
        report.elapsed = time.monotonic() - started
        finished = True
        return report
    finally:
        if pool is not None:
            # Always wait for the workers, so that no process outlives the reindex (and
            # their CPU time is accounted to it): after a complete run they are idle;
            # otherwise the batches not started are cancelled and those in progress (one
            # a worker at most) finish. Not killed: on Python 3.11 a worker killed while
            # the pool feeds it can deadlock the pool; shutdown(wait=False) raced with
            # the interpreter's exit ("Exception ignored ... Bad file descriptor").
            pool.shutdown(wait=True, cancel_futures=not finished)


@dataclass
class _OpenFile:
    """The file whose outcomes are being written."""

    number: int
    source: SourceFile
    assembly: FileAssembly[_Chunked]
    # Its names are in the registry in full already (a file written again because its
    # names changed): they are only resolved, not counted again.
    registered: bool = False
    # Its entities come from the run's spill, not from the model.
    from_spill: bool = False
    spill_misses: int = 0  # its paragraphs the spill did not hold
    articles: int = 0
    paragraphs: int = 0
    read: int = 0


class _Run:
    """One reindex run, from the plan to ``publish``: reads the files in order, has the
    pool parse, chunk and annotate them in batches, and writes the outcomes in file
    order (so the index is the same whatever the number of workers).

    A file's old paragraphs are deleted when its first outcome is written; its new ones
    are written as they come, each article's actors resolved by the name registry once
    its names are added to it; incremental runs commit only between files. Then the
    files whose names changed meanwhile are written again."""

    def __init__(
        self,
        writer: IndexWriter,
        entities: bool,
        pool: cf.ProcessPoolExecutor | None,
        workers: int,
        progress: Callable[[Progress], None] | None,
        shard: Shard | None = None,
    ):
        self.writer = writer
        self.shard = shard
        self.entities = entities
        self.pool = pool
        self.workers = workers
        self.progress = progress
        self.incremental = writer.incremental
        self.report = ReindexReport(
            index_dir="", mode="incremental" if self.incremental else "full", entities=entities
        )
        self.names: NameRegistry  # the index's own, opened by ``write_all``
        # Entities tagged in this run, and the key of each file they came from.
        self.spill = EntitySpill() if entities else None
        # Full runs with entities write every article at the end (see the module doc).
        self.deferred = entities and not self.incremental
        self.tagged: dict[str, str] = {}
        self.todo: list[SourceFile] = []
        self.renaming = False
        self.from_spill = False
        self.bytes_total = 0
        self.bytes_done = 0  # of the files finished
        self.files_done = 0
        self.uncommitted_files = 0
        self.uncommitted_paragraphs = 0

    def write_all(
        self, paths: Iterable[str], on_plan: Callable[[Plan], None] | None
    ) -> ReindexReport:
        """Plan, write every file to do and publish; return the report."""
        writer, report = self.writer, self.report
        meta = writer.meta()
        known = writer.source_keys()
        roots = [os.path.abspath(p) for p in paths] or list(meta.roots)
        if not roots:
            raise SearchsvcError(
                "nothing to index: name the files or folders, e.g. `searchsvc reindex articles/`"
            )
        files, problems = find_files(roots)
        if self.shard is not None:
            files = [f for f in files if in_shard(f.path, self.shard)]
            known = {path: key for path, key in known.items() if in_shard(path, self.shard)}
        report.files_seen = len(files)
        report.skipped.extend(Skipped(p.path, p.reason) for p in problems)
        # ``known`` is empty for a full run, except for a shard resuming a prepared build.
        self.todo = [f for f in files if known.get(f.path) != f.key]
        report.files_unchanged = len(files) - len(self.todo)
        gone = [p for p in known if not os.path.exists(p)] if self.incremental else []
        self.bytes_total = sum(f.size for f in self.todo)
        if on_plan:
            on_plan(Plan(len(self.todo), report.files_unchanged, len(gone), self.bytes_total))
        writer.expect(len(self.todo), self.bytes_total)
        self.names = _open_registry(writer, known, self.todo, report)
        try:
            for path in gone:
                writer.delete_path(path)
                self.names.forget(path)
                report.files_removed += 1
            self._write_files(self.todo, self.entities)
            if self.deferred:
                self._write_kept()
            self._write_renamed()
            self.names.commit()  # before the index: a file the index holds is registered
        finally:
            self.names.close()
            if self.spill is not None:
                self.spill.close()
        totals = writer.publish(
            IndexMeta(
                created=meta.created or _now(),
                last_reindex=_now(),
                roots=sorted(set(meta.roots) | set(roots)),
                entities=self.entities,
            )
        )
        _count_rejected(report, writer)
        report.documents = totals.documents
        return report

    def _write_kept(self) -> None:
        """Write the articles kept by a full run, their names resolved now that the
        registry holds the whole archive."""
        assert self.spill is not None
        self.deferred = False
        total, written = self.spill.paragraphs_kept, 0
        for path, key, paragraphs in self.spill.articles():
            self.names.resolve(path, paragraphs)
            self.writer.add(paragraphs, key)
            written += len(paragraphs)
            if self.progress and (written % 2000 < len(paragraphs) or written == total):
                report = self.report
                self.progress(
                    Progress(
                        len(self.todo),
                        self.files_done,
                        report.articles,
                        report.paragraphs,
                        self.bytes_total,
                        self.bytes_total,
                        "writing",
                        written,
                    )
                )

    def _write_renamed(self) -> None:
        """Write again, from their source, the files whose actors' canonical names
        changed because of what this run added or removed."""
        self.renaming = True
        for _ in range(RENAME_ROUNDS):
            stale = self.names.stale_paths()
            if not stale:
                return
            # An engine may delete only what was committed, and this run may have added these.
            self._commit()
            sources, problems = find_files(stale)
            for problem in problems:  # gone or unreadable since the run began
                self.writer.delete_path(problem.path)
                self.names.forget(problem.path)
                self.report.skipped.append(Skipped(problem.path, problem.reason))
            kept = [s for s in sources if self.tagged.get(s.path) == s.key]
            rest = [s for s in sources if self.tagged.get(s.path) != s.key]
            self._write_files(kept, False, from_spill=True)
            self._write_files(rest, self.entities)

    def _commit(self) -> None:
        self.names.commit()
        self.writer.commit()
        _count_rejected(self.report, self.writer)
        self.uncommitted_files = self.uncommitted_paragraphs = 0

    def _write_files(
        self, todo: list[SourceFile], with_entities: bool, from_spill: bool = False
    ) -> None:
        """Write ``todo``'s files, tagged by the model when ``with_entities``, else with
        the entities of the spill when ``from_spill``."""
        self.todo = todo
        self.from_spill = from_spill
        work = functools.partial(process_batch, with_entities=with_entities)
        batches = _batches(_marked_pieces(todo))
        in_flight = self.workers * BATCHES_PER_WORKER
        current: _OpenFile | None = None
        for result in ordered_map(work, batches, self.pool, in_flight):
            for (number, last, size), outcome in zip(result.marks, result.outcomes, strict=True):
                if current is None or current.number != number:
                    current = self._open(number)
                for aid, article in current.assembly.add(outcome):
                    self._add(current, aid, article)
                current.read += size
                if last:
                    self._close(current)
                    current = None
            if self.progress and not self.renaming:
                reading = min(current.read, current.source.size) if current else 0
                self.progress(
                    Progress(
                        len(self.todo),
                        self.files_done,
                        self.report.articles,
                        self.report.paragraphs,
                        self.bytes_total,
                        self.bytes_done + reading,
                    )
                )

    def _open(self, number: int) -> _OpenFile:
        source = self.todo[number]
        if self.incremental or self.renaming:
            self.writer.delete_path(source.path)
        registered = self.renaming and self.names.key_of(source.path) == source.key
        if not registered:
            self.names.forget(source.path)
        if self.spill is not None and not self.from_spill:
            self.tagged[source.path] = source.key
        assembly = FileAssembly(source.path)
        return _OpenFile(number, source, assembly, registered, self.from_spill)

    def _add(self, file: _OpenFile, aid: str, article: _Chunked) -> None:
        paragraphs = article.paragraphs
        if not paragraphs:
            return
        for paragraph in paragraphs:
            paragraph.article_id = aid
            paragraph.id = f"{aid}#{paragraph.position}"
        path, key = file.source.path, file.source.key
        if not file.registered:
            self.names.add(path, key, article.names)
        if self.deferred:
            assert self.spill is not None
            self.spill.put_article(path, key, paragraphs)
        else:
            if file.from_spill:
                file.spill_misses += self._from_spill(paragraphs)
            elif self.spill is not None:
                self.spill.put(paragraphs)
            self.names.resolve(path, paragraphs)
            self.writer.add(paragraphs, key)
        file.articles += 1
        file.paragraphs += len(paragraphs)
        if self.renaming:
            return
        self.report.articles += 1
        self.report.paragraphs += len(paragraphs)
        self.report.add_read_warnings(path, article.warnings)

    def _from_spill(self, paragraphs: list[Paragraph]) -> int:
        """Give the paragraphs the entities the spill kept for them; return how many
        it held none for."""
        assert self.spill is not None
        missing = 0
        for paragraph in paragraphs:
            found = self.spill.get(paragraph.id)
            if found is None:
                missing += 1
            else:
                paragraph.actors, paragraph.locations = found
        return missing

    def _close(self, file: _OpenFile) -> None:
        report, path = self.report, file.source.path
        rest, error = file.assembly.finish()
        for aid, article in rest:
            self._add(file, aid, article)
        if not error and not file.paragraphs:
            error = "no paragraph long enough to index"
        if not file.paragraphs:
            self.names.forget(path)
        if self.renaming:
            report.files_renamed += 1
            if error:
                report.skipped.append(Skipped(path, error))
            if file.spill_misses:
                report.warnings.append(
                    Skipped(
                        path,
                        f"{file.spill_misses:,} paragraph(s) written again without the "
                        "entities tagged earlier in the run (their text changed meanwhile)",
                    )
                )
            return
        if error:
            report.skipped.append(Skipped(path, error))
        if not error or file.assembly.articles:
            report.warnings.extend(Skipped(path, p) for p in file.assembly.problems)
            report.records_skipped += file.assembly.problem_count
        report.files_processed += 1
        self.files_done += 1
        self.bytes_done += file.source.size
        self.uncommitted_files += 1
        self.uncommitted_paragraphs += file.paragraphs
        due = (
            self.uncommitted_files >= COMMIT_EVERY_FILES
            or self.uncommitted_paragraphs >= COMMIT_EVERY_PARAGRAPHS
        )
        if self.incremental and due:
            self._commit()


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

    def __init__(self, writer: IndexWriter, on_commit: Callable[[list[str]], None], announce: bool):
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
