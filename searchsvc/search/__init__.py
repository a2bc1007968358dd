"""Search over the paragraph index: query language, ranking, facets, highlighting.

``WhooshSearchBackend`` is the entry point (see ``searchsvc.backend``); the query
language is documented in ``searchsvc.search.query``.
"""

from __future__ import annotations

from .backend import (
    MAX_PER_PAGE,
    MAX_RESULT_DEPTH,
    WhooshSearchBackend,
    valid_article_id,
    validate_request,
)
from .query import MAX_QUERY_CHARS, QueryBuilder, clean_query

__all__ = [
    "MAX_PER_PAGE",
    "MAX_QUERY_CHARS",
    "MAX_RESULT_DEPTH",
    "QueryBuilder",
    "WhooshSearchBackend",
    "clean_query",
    "valid_article_id",
    "validate_request",
]
