"""The engine seam: the only way the web app, the API, the CLI and the indexer reach an
index.

An engine is chosen by the index location (``open_engine``): a folder path is the
embedded Whoosh engine (``searchsvc.engines.whoosh``); ``opensearch://HOST:PORT/NAME``,
``http://HOST:PORT/NAME`` or ``https://…`` is the OpenSearch engine
(``searchsvc.engines.opensearch``), ``NAME`` being the alias searched.

Everything here is engine-neutral: requests and answers are ``searchsvc.models``
dataclasses, errors are ``searchsvc.errors``, limits are ``searchsvc.limits``, queries are
the tree of ``searchsvc.query.nodes``. A feature that needs the engine adds a method here
and to every engine, never a ``getattr``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from . import limits
from .models import (
    Copies,
    DayCounts,
    ExportInfo,
    Hit,
    IndexStats,
    Paragraph,
    SearchPage,
    SearchRequest,
    ValueCounts,
)


class SearchEngine(Protocol):
    """Read side: what the web app, the API and the CLI may ask of an index."""

    def search(self, request: SearchRequest) -> SearchPage:
        """Return one page of ranked, highlighted hits with facet counts. Raises BadQuery
        for invalid requests, IndexMissing / IndexCorrupt / EngineUnavailable when the
        index cannot be read."""
        ...

    def article(self, article_id: str) -> list[Paragraph]:
        """Return an article's paragraphs in order (raises NotFound)."""
        ...

    def suggest(self, field: str, prefix: str, limit: int = 10) -> list[str]:
        """Return up to ``limit`` values of ``actor``/``location``/``source`` starting
        with ``prefix`` (or with a word starting with it), folded, most frequent first."""
        ...

    def highlight(self, q: str, texts: list[str], expand_locations: bool = False) -> list[str]:
        """Return each text HTML-escaped with the matches of query ``q`` marked with
        ``<mark>`` (whole texts, never cut). Raises BadQuery for an invalid query."""
        ...

    def stats(self) -> IndexStats:
        """Return what is in the index (``exists=False`` when there is none)."""
        ...

    def day_counts(self, request: SearchRequest | None) -> DayCounts:
        """Return the matching paragraphs and articles per day over the whole result
        set of ``request`` (its page, sort and collapse ignored; with ``dedupe``, one per
        cluster of copies, counted on its canonical copy's day), or over the whole
        index for None. Raises BadQuery when the request has nothing to search."""
        ...

    def value_counts(
        self,
        request: SearchRequest | None,
        field: str,
        limit: int | None = None,
        values: Sequence[str] | None = None,
    ) -> ValueCounts:
        """Return how many matching paragraphs (whole index for None; with ``dedupe``,
        canonical copies only) carry each value of ``field`` (``actors``,
        ``locations``, ``sources``): the ``limit`` most frequent, or exactly ``values``
        when given."""
        ...

    def export(self, request: SearchRequest) -> AbstractContextManager[Export]:
        """Return a context holding one index version, giving every hit of
        ``request`` in its sort order (one per article with ``collapse``, one per
        cluster of copies with ``dedupe``, each with its copy counts), without a cap;
        highlights are empty. Raises BadQuery when there is nothing to search."""
        ...

    def copies(self, paragraph_id: str) -> Copies:
        """Return the copies of a paragraph (texts nearly the same, found by band-key
        terms and verified by signature), earliest first. Raises NotFound, and
        IndexOutdated for an index without copy signatures of the current kind."""
        ...

    def article_copies(self, article_id: str) -> Copies:
        """Return the other copies of an article (bodies nearly the same), earliest
        first. Raises NotFound, IndexOutdated."""
        ...

    def similar(
        self, paragraph_id: str, page: int = 1, per_page: int = limits.DEFAULT_SIMILAR
    ) -> SearchPage:
        """Return paragraphs of other articles about the same thing as ``paragraph_id``
        ("more like this", ranked by the engine from the paragraph's key terms), its
        copies left out and copies among them folded; at most ``limits.MAX_SIMILAR``.
        Raises NotFound, BadQuery for a page beyond that."""
        ...

    def warm(self) -> None:
        """Prepare what searches share (caches, tables) now rather than during the
        first searches; raises like ``search`` when the index cannot be read."""
        ...

    def close(self) -> None:
        """Release what the engine holds open (searchers, connections)."""
        ...


class Export(Protocol):
    """An export in progress (see ``SearchEngine.export``)."""

    info: ExportInfo

    def hits(self) -> Iterator[Hit]:
        """Yield the hits in order, reading only the version ``info.version``."""
        ...


@dataclass(frozen=True)
class Rejected:
    """A paragraph the engine refused for good (after retries): its file and why."""

    path: str
    id: str
    reason: str


Shard = tuple[int, int]  # (K, N): the K-th of N parts of the files, K from 1


@dataclass
class WriteTotals:
    """What an index holds after a writer published: for the reindex summary."""

    documents: int
    articles: int


@dataclass
class IndexMeta:
    """What an index remembers about how it was built (kept by the engine)."""

    created: str | None = None
    last_reindex: str | None = None
    roots: list[str] = field(default_factory=list)
    entities: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


class IndexWriter(Protocol):
    """Write side of one reindex run, from ``Engine.begin`` to ``publish`` or ``cancel``.

    Full runs write into a new, unpublished index that replaces the live one atomically
    at ``publish``; incremental runs change the live index at each ``commit``.
    """

    incremental: bool

    def meta(self) -> IndexMeta:
        """Return the metadata of the index being updated (empty for a full run)."""
        ...

    def source_keys(self) -> dict[str, str]:
        """Return ``{path: source_key}`` of every file the index holds (change
        detection; empty for a full run)."""
        ...

    def expect(self, files: int, size: int) -> None:
        """Say how much is about to be written (``files`` files of ``size`` bytes in
        all), before the first ``add``: the engine may choose parallel writers."""
        ...

    def add(self, paragraphs: Sequence[Paragraph], source_key: str) -> int:
        """Queue paragraph documents of one file (whose change-detection key is
        ``source_key``); return how many were queued."""
        ...

    def delete_path(self, path: str) -> None:
        """Queue the removal of every paragraph that came from the file ``path``."""
        ...

    def commit(self) -> None:
        """Make everything queued so far durable (and, for incremental runs, visible)."""
        ...

    def rejected(self) -> list[Rejected]:
        """Return (and forget) the paragraphs refused for good since the last call; their
        files keep their old state, so the next run tries them again."""
        ...

    def state_file(self, name: str) -> Path | None:
        """Return a local file named ``name`` that belongs to the index being written
        (published with it, removed with it), where the indexer keeps its own state
        (the name registry); None when the engine has no such place."""
        ...

    def publish(self, meta: IndexMeta) -> WriteTotals:
        """Commit what is left, store ``meta``, make the index live (full runs: swap it
        in atomically) and return its totals. The writer is finished afterwards."""
        ...

    def cancel(self) -> None:
        """Abandon the run: a full run's new index is removed, the live one untouched;
        an incremental run keeps what it committed. Never raises."""
        ...


class Engine(Protocol):
    """One index location: opens readers and writers, holds the reindex lock."""

    location: str  # for messages: never holds credentials

    def exists(self) -> bool:
        """Return True when there is a live index at the location."""
        ...

    def reader(self) -> SearchEngine:
        """Return the read side (one per process is enough; it is thread-safe)."""
        ...

    def lock(
        self, wait: float = 0.0, *, shard: Shard | None = None
    ) -> AbstractContextManager[None]:
        """Return a context that holds the one-reindex-at-a-time lock (of one shard of
        a split run, when given), waiting up to ``wait`` seconds; raises IndexBusy
        naming the holder."""
        ...

    def begin(
        self,
        full: bool,
        *,
        workers: int = 1,
        build: str | None = None,
        shard: Shard | None = None,
    ) -> IndexWriter:
        """Start writing: ``full`` rebuilds into a new index; else the live index is
        updated (a new one is built when there is none). With ``build``, fill that
        prepared build (``prepare_build``) without publishing it. Up to ``workers``
        processes may write (see ``IndexWriter.expect``). Raises IndexCorrupt when the
        live index cannot be opened for an incremental update, and SearchsvcError when
        the engine cannot split work (``build``/``shard`` on a folder)."""
        ...

    def prepare_build(self, meta: IndexMeta | None = None) -> str:
        """Create a new, unpublished index for a rebuild split over machines; return
        its name."""
        ...

    def publish_build(self, build: str, meta: IndexMeta) -> WriteTotals:
        """Make a prepared build live atomically; return its totals."""
        ...

    def drop_build(self, build: str) -> None:
        """Delete an unpublished build (a split rebuild given up)."""
        ...


def in_shard(path: str, shard: Shard | None) -> bool:
    """Return True when the file ``path`` belongs to ``shard`` (K of N; every file does
    for None). The split is by a hash of the path, the same on every machine."""
    if shard is None:
        return True
    k, n = shard
    digest = hashlib.blake2b(path.encode("utf-8", "surrogateescape"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % n == k - 1


def parse_shard(text: str) -> Shard:
    """Return ``(K, N)`` for ``"K/N"`` (1 <= K <= N <= 1024); raise ValueError."""
    try:
        k_text, n_text = text.split("/")
        k, n = int(k_text), int(n_text)
    except ValueError:
        raise ValueError(f"a shard is written K/N, e.g. 1/4, not {text!r}") from None
    if not 1 <= k <= n <= 1024:
        raise ValueError(f"a shard K/N needs 1 <= K <= N <= 1024, not {text!r}")
    return k, n


def open_engine(location: str) -> Engine:
    """Return the engine for ``location``: a URL (``opensearch://``, ``http://``,
    ``https://``) is OpenSearch, anything else a Whoosh index folder."""
    if is_cluster_location(location):
        from .engines.opensearch import open_opensearch

        return open_opensearch(location)
    from .engines.whoosh import open_whoosh

    return open_whoosh(location)


def is_cluster_location(location: str) -> bool:
    """Return True when ``location`` names an OpenSearch cluster rather than a folder."""
    head = str(location).split("://", 1)[0].lower() if "://" in str(location) else ""
    return head in ("opensearch", "http", "https")

