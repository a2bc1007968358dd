"""The embedded Whoosh engine: an index folder on disk (the default engine).

The one door is ``open_whoosh(folder)``; everything that imports ``whoosh`` lives in
this package: the schema and analysis, the fixes to Whoosh's internals and their
start-up check (``patches``, applied where an index is opened or created), the posting
pool, storage (generations, atomic swap, lock), the writer and the searcher.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from pathlib import Path

from searchsvc.engine import Engine, IndexMeta, IndexWriter, SearchEngine, Shard, WriteTotals
from searchsvc.errors import SearchsvcError

from .search import WhooshSearchBackend
from .storage import IndexLocation
from .writer import WhooshWriter


class WhooshEngine:
    """``Engine`` over the Whoosh index folder ``root``."""

    def __init__(self, root: str | os.PathLike[str]):
        self.storage = IndexLocation(root)
        self.location = str(Path(root))

    def exists(self) -> bool:
        """Return True when the folder holds a live index."""
        return self.storage.exists()

    def reader(self) -> SearchEngine:
        """Return a searcher that follows the live index version."""
        return WhooshSearchBackend(self.storage)

    def lock(
        self, wait: float = 0.0, *, shard: Shard | None = None
    ) -> AbstractContextManager[None]:
        """Return the folder's reindex lock (a kernel record lock: a dead holder never
        blocks)."""
        _one_machine(shard=shard)
        return self.storage.lock(wait=wait)

    def begin(
        self,
        full: bool,
        *,
        workers: int = 1,
        build: str | None = None,
        shard: Shard | None = None,
    ) -> IndexWriter:
        """Return the writer of one reindex run (see ``WhooshWriter``)."""
        _one_machine(build=build, shard=shard)
        return WhooshWriter(self.storage, full, workers)

    def prepare_build(self, meta: IndexMeta | None = None) -> str:
        """Refuse: a folder index is rebuilt by one machine (``reindex --full``)."""
        _one_machine(build="?")
        raise AssertionError("unreachable")

    def publish_build(self, build: str, meta: IndexMeta) -> WriteTotals:
        """Refuse: a folder index has no prepared builds."""
        _one_machine(build=build)
        raise AssertionError("unreachable")

    def drop_build(self, build: str) -> None:
        """Refuse: a folder index has no prepared builds."""
        _one_machine(build=build)


def _one_machine(**split: object) -> None:
    """Raise when asked to split work that a folder index does on one machine."""
    asked = [f"--{name}" for name, value in split.items() if value is not None]
    if asked:
        raise SearchsvcError(
            f"{' and '.join(asked)} split a rebuild over machines writing to one OpenSearch "
            "cluster; a folder index is written by one machine: leave them out"
        )


def open_whoosh(root: str | os.PathLike[str]) -> Engine:
    """Return the engine of the Whoosh index folder ``root`` (it need not exist yet)."""
    return WhooshEngine(root)
