"""The searchers of one index version, pooled, with what searches of that version
share: document sets, facet tables, sort keys, the scorer and the pairs of copies."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
from whoosh.index import Index
from whoosh.searching import Searcher

from searchsvc.text import fold_table

from . import postfile
from .copies import CopyGraph
from .docsets import DocSets
from .facets import ValueTable
from .postings import FILES, postfiles_enabled
from .ranking import SortKeys
from .scoring import FieldLengths, Scorer

POOL_SIZE = 8


class Generation:
    """The searchers and facet tables of one index version."""

    def __init__(self, ix: Index, version: Any, meta: dict[str, Any] | None = None):
        self.ix = ix
        self.version = version
        self.meta = meta or {}  # the index's searchsvc.json
        self._free: list[Searcher] = []
        self._lock = threading.Lock()
        self._stale = False
        self._tables: dict[str, ValueTable] = {}
        self._docsets: DocSets | None = None
        self._sort_keys: SortKeys | None = None
        self._scorer: Scorer | None = None
        self._copies: CopyGraph | None = None
        self._table_lock = threading.Lock()
        self._memo: dict[str, Any] = {}
        self._memo_lock = threading.Lock()  # apart: what a memo builds takes the others

    def acquire(self) -> Searcher:
        with self._lock:
            if self._free:
                return self._free.pop()
        return self.ix.searcher()

    def release(self, searcher: Searcher) -> None:
        with self._lock:
            if not self._stale and len(self._free) < POOL_SIZE:
                self._free.append(searcher)
                return
        searcher.close()

    def retire(self) -> None:
        with self._lock:
            self._stale = True
            free, self._free = self._free, []
        for searcher in free:
            searcher.close()

    def build_postfiles(self) -> bool:
        """Start writing, in a background process, the posting files this version's
        segments lack (an index written before they existed); return True if started."""
        folder = getattr(self.ix.storage, "folder", None)
        if folder is None or not postfiles_enabled() or not postfile.missing(self.ix):
            return False
        return postfile.build_in_background(folder)

    def prepare(self, searcher: Searcher, fields: tuple[str, ...] = ("title", "text")) -> None:
        """Build now what the first searches of this version would otherwise build:
        the derived arrays of the facet tables built so far, the field lengths of
        ``fields``, the text fold's table (for words that are not ASCII), and open
        the posting files of ``fields`` (each is checked whole at opening: 0.1-0.2 s
        for the text field of a million paragraphs)."""
        fold_table()
        for sub, _offset in searcher.leaf_searchers():
            for fieldname in fields:
                FILES.get(sub.reader(), fieldname)
        none = np.zeros(0, dtype=np.int64)
        for table in list(self._tables.values()):
            table.owners()
            table.first_value(none)
        lengths = self.scorer(searcher).lengths
        for fieldname in fields:
            if fieldname in searcher.schema.names():
                lengths.of(searcher, fieldname, none)

    def docsets(self, searcher: Searcher) -> DocSets:
        if self._docsets is None:
            with self._table_lock:
                if self._docsets is None:
                    self._docsets = DocSets(searcher)
        return self._docsets

    def scorer(self, searcher: Searcher) -> Scorer:
        if self._scorer is None:
            self._scorer = Scorer(self.docsets(searcher), FieldLengths())
        return self._scorer

    def sort_keys(self, searcher: Searcher) -> SortKeys:
        if self._sort_keys is None:
            self.docsets(searcher)
            with self._table_lock:
                if self._sort_keys is None:
                    self._sort_keys = SortKeys.build(searcher, self._docsets)
        return self._sort_keys

    def copy_graph(self, searcher: Searcher) -> CopyGraph:
        if self._copies is None:
            keys = self.sort_keys(searcher)
            articles = self.table("article_id", searcher)
            docsets = self.docsets(searcher)
            with self._table_lock:
                if self._copies is None:
                    self._copies = CopyGraph.build(
                        searcher, docsets, keys.dates, keys.positions, articles
                    )
        return self._copies

    def table(self, fieldname: str, searcher: Searcher) -> ValueTable:
        table = self._tables.get(fieldname)
        if table is None:
            with self._table_lock:
                table = self._tables.get(fieldname)
                if table is None:
                    table = ValueTable.build(searcher, fieldname)
                    self._tables[fieldname] = table
        return table

    def memo(self, key: str, build: Callable[[], Any]) -> Any:
        """Return what ``build`` returns, computed once for this index version (for
        answers about the whole index, which only a new version changes)."""
        if key not in self._memo:
            with self._memo_lock:
                if key not in self._memo:
                    self._memo[key] = build()
        return self._memo[key]
