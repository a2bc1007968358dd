"""The seam between the service (web, API, CLI) and a search engine.

The web app, the JSON API and the CLI talk only to a ``SearchBackend``; the indexer
writes only through an ``IndexBackend``. Whoosh implements both today
(``searchsvc.search.WhooshSearchBackend`` and ``searchsvc.indexer``); another engine
(OpenSearch, see docs/scaling.md) would implement the same two small interfaces.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from .models import IndexStats, Paragraph, SearchPage, SearchRequest


class SearchBackend(Protocol):
    """Read side: what the web app, the API and the CLI may ask of an index."""

    def search(self, request: SearchRequest) -> SearchPage:
        """Return one page of ranked, highlighted hits with facet counts."""
        ...

    def article(self, article_id: str) -> list[Paragraph]:
        """Return an article's paragraphs in order (raises NotFound)."""
        ...

    def suggest(self, field: str, prefix: str, limit: int = 10) -> list[str]:
        """Return up to ``limit`` values of ``actors``/``locations``/``sources``
        starting with ``prefix`` (case- and accent-insensitive), most frequent first."""
        ...

    def stats(self) -> IndexStats:
        """Return what is in the index."""
        ...


class IndexBackend(Protocol):
    """Write side: what the indexer needs from an engine."""

    def add(self, paragraphs: Iterable[Paragraph], source_key: str) -> int:
        """Add paragraph documents; return how many were added."""
        ...

    def delete_path(self, path: str) -> int:
        """Delete every paragraph that came from the file ``path``; return the count."""
        ...

    def commit(self) -> None:
        """Make everything added and deleted so far visible to searchers, atomically."""
        ...


def open_search_backend(index_dir: str) -> SearchBackend:
    """Return the search backend for the index folder ``index_dir`` (Whoosh today)."""
    from .search import WhooshSearchBackend

    return WhooshSearchBackend(index_dir)
