"""Search over the Whoosh paragraph index: query building, ranking, facets,
highlighting. ``WhooshSearchBackend`` is the engine's read side."""

from __future__ import annotations

from .backend import WhooshSearchBackend
from .query import QueryBuilder, clean_query

__all__ = ["QueryBuilder", "WhooshSearchBackend", "clean_query"]
