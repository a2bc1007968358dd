"""The query tree: what a user's query means, independent of any engine.

The parser (``searchsvc.query.parser``) turns query text into a tree of the node types
below; each engine translates (OpenSearch: query DSL) or evaluates (Whoosh: matching,
scoring, highlighting) every node type in ``NODE_TYPES``. A test fails when a node type
is added without every consumer handling it.

Words in the tree are *folded* (``searchsvc.text.fold``: case and accents); stop
words are already removed from words searched in ``title``/``text`` (names keep every
word); they are not stemmed: stemming is each engine's analysis. Prefixes, wildcard
patterns and typo-tolerant words are folded as typed, never split into words.

``fields`` name what users search, never an engine's internal field names:
``title`` and ``text`` (a paragraph's headline and body; plain words search both),
``actor``, ``location``, ``country``, ``source`` (names, matched word by word).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Field = Literal["title", "text", "actor", "location", "country", "source"]
DEFAULT_FIELDS: tuple[Field, ...] = ("title", "text")
NAME_FIELDS: tuple[Field, ...] = ("actor", "location", "country", "source")
ALL_FIELDS: tuple[Field, ...] = DEFAULT_FIELDS + NAME_FIELDS


@dataclass(frozen=True)
class Term:
    """One word, found in any of ``fields``."""

    word: str
    fields: tuple[Field, ...] = DEFAULT_FIELDS
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    """Words in this order (``slop`` 0), or within ``slop`` moves of it, in any order
    Lucene's slop allows (``"a b"~5``), in one of ``fields``."""

    words: tuple[str, ...]
    fields: tuple[Field, ...] = DEFAULT_FIELDS
    slop: int = 0
    boost: float = 1.0


@dataclass(frozen=True)
class Prefix:
    """Any word starting with ``text`` (``word*``), in any of ``fields``."""

    text: str
    fields: tuple[Field, ...] = DEFAULT_FIELDS
    boost: float = 1.0


@dataclass(frozen=True)
class Wildcard:
    """Any word matching ``pattern`` (``*`` any run of letters, ``?`` one letter; the
    pattern never starts with either), in any of ``fields``."""

    pattern: str
    fields: tuple[Field, ...] = DEFAULT_FIELDS
    boost: float = 1.0


@dataclass(frozen=True)
class Fuzzy:
    """Any word within ``edits`` edits of ``word`` (1 or 2; the first letter must
    match), in any of ``fields`` (``word~``, ``word~2``)."""

    word: str
    fields: tuple[Field, ...] = DEFAULT_FIELDS
    edits: int = 1
    boost: float = 1.0


@dataclass(frozen=True)
class DateRange:
    """Paragraphs dated from ``start`` to ``end`` inclusive (UTC; either may be None
    for an open end)."""

    start: datetime | None
    end: datetime | None


@dataclass(frozen=True)
class And:
    """Every child matches (``a b`` when all words are required, ``a AND b``); each of
    ``optional`` adds to the score where it matches without being required (``+a b``
    when any word may match: ``b``; ``a ANDMAYBE b``)."""

    children: tuple[Node, ...]
    optional: tuple[Node, ...] = ()


@dataclass(frozen=True)
class Or:
    """At least one child matches (``a OR b``)."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """The paragraphs ``child`` does not match (``NOT word``): inside an ``And`` it
    removes ``child``'s matches from the others' (``a -b``, ``a NOT b``)."""

    child: Node


@dataclass(frozen=True)
class Nothing:
    """Matches nothing (a query with nothing searchable left)."""


@dataclass(frozen=True)
class Everything:
    """Matches every paragraph (``*``)."""


Node = Term | Phrase | Prefix | Wildcard | Fuzzy | DateRange | And | Or | Not | Nothing | Everything

NODE_TYPES: tuple[type, ...] = (
    Term,
    Phrase,
    Prefix,
    Wildcard,
    Fuzzy,
    DateRange,
    And,
    Or,
    Not,
    Nothing,
    Everything,
)
