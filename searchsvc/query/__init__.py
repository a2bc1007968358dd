"""The query language, engine-neutral: text -> ``ParsedQuery`` (a tree of
``searchsvc.query.nodes``), which every engine translates or evaluates.

``parse_query`` reads the text (syntax: ``searchsvc.query.parser``); ``describe`` shows
a tree as the ``parsed`` text of the API.
"""

from __future__ import annotations

from .parser import ParsedQuery, WordSpan, clean_query, describe, parse_query

__all__ = ["ParsedQuery", "WordSpan", "clean_query", "describe", "parse_query"]
