"""The OpenSearch engine: an alias of an OpenSearch cluster as a searchsvc index.

The only package that imports the client ``opensearch-py`` (``pip install
'searchsvc[opensearch]'``). ``open_opensearch(location)`` returns the ``Engine`` of a
location (``opensearch://HOST:PORT/NAME``, ``https://…/NAME``, ``http://…/NAME``); the
modules: ``config`` (location, environment), ``client`` (requests, errors),
``mapping`` (settings and mappings), ``analysis`` and ``documents`` (what is indexed),
``translate`` (query tree -> DSL), ``search`` (read side), ``highlight``, ``write``
(builds, bulk, alias switch, file state), ``lock`` (one reindex at a time).

A full rebuild split over several machines (each runs ``--shard K/N``)::

    build = engine.prepare_build()                  # once: a new, unpublished index
    engine.begin(full=True, build=build)            # on each machine, for its files
    engine.publish_build(build, meta)               # once, when every shard is done
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from ...engine import IndexMeta, WriteTotals
from ...errors import SearchsvcError
from .config import ClusterConfig, LocationError, parse_location

INSTALL_HINT = "pip install 'searchsvc[opensearch]'"


class ClientMissing(SearchsvcError):
    """The OpenSearch client library is not installed."""

    code = "engine_unavailable"
    http_status = 503


def open_opensearch(location: str) -> OpenSearchEngine:
    """Return the engine of an OpenSearch location. Raises LocationError for a location
    that cannot be used and ClientMissing (naming the install command) without the
    client. Nothing is requested from the cluster yet."""
    config = parse_location(location)
    try:
        import opensearchpy  # noqa: F401
    except ImportError:
        raise ClientMissing(
            f"{config.display} is an OpenSearch location, and the OpenSearch client is not "
            f"installed: run {INSTALL_HINT}"
        ) from None
    return OpenSearchEngine(config)


class OpenSearchEngine:
    """One alias of one cluster (``searchsvc.engine.Engine``)."""

    def __init__(self, config: ClusterConfig):
        from .client import Cluster
        from .write import Store

        self.config = config
        self.location = config.display
        self.cluster = Cluster(config)
        self.store = Store(self.cluster)
        self._reader = None

    def exists(self) -> bool:
        """Return True when the alias points at a live index."""
        return self.store.live_build() is not None

    def reader(self):
        """Return the read side (one per engine; thread-safe)."""
        if self._reader is None:
            from .search import OpenSearchReader

            self._reader = OpenSearchReader(self.cluster)
        return self._reader

    def lock(
        self, wait: float = 0.0, *, shard: tuple[int, int] | None = None
    ) -> AbstractContextManager[None]:
        """Return a context holding the reindex lock of the alias (or of one shard of a
        split run), waiting up to ``wait`` seconds; raises IndexBusy naming the holder."""
        from .lock import ReindexLock

        return ReindexLock(self.cluster, self.store.names.lock).hold(wait, shard)

    def begin(
        self,
        full: bool,
        *,
        workers: int = 1,
        build: str | None = None,
        shard: tuple[int, int] | None = None,
    ):
        """Start writing. ``full``: a new build, made live at ``publish``; with
        ``build``, fill that prepared build (``prepare_build``) without publishing it.
        Else the live index is updated (a new build when there is none)."""
        from .write import OpenSearchWriter

        del workers  # the cluster spreads bulk writes over its nodes itself
        if build is not None:
            self.store.check_build(build)
            return OpenSearchWriter(
                self.store, build, incremental=False, owns_build=False, publishes=False, shard=shard
            )
        live = None if full else self.store.live_build()
        if live is None:
            new = self.store.create_build()
            return OpenSearchWriter(
                self.store, new, incremental=False, owns_build=True, publishes=True, shard=shard
            )
        return OpenSearchWriter(
            self.store, live, incremental=True, owns_build=False, publishes=False, shard=shard
        )

    def prepare_build(self, meta: IndexMeta | None = None) -> str:
        """Create a new, unpublished build for a split full rebuild; return its name."""
        from .write import meta_values

        return self.store.create_build(meta_values(meta) if meta else None)

    def publish_build(self, build: str, meta: IndexMeta) -> WriteTotals:
        """Make a prepared build live (the alias switch); return its totals."""
        self.store.check_build(build)
        stored = self.store.meta(build)
        meta.created = meta.created or stored.get("created")
        return self.store.publish(build, meta)

    def drop_build(self, build: str) -> None:
        """Delete an unpublished build (a split rebuild given up)."""
        self.store.check_build(build)
        self.store.drop_build(build)


__all__ = ["ClientMissing", "LocationError", "OpenSearchEngine", "open_opensearch"]
