"""The query language, engine-neutral: text -> ``ParsedQuery`` (a tree of
``searchsvc.query.nodes``), which every engine translates or evaluates.

(The parser itself is being written: see ``searchsvc.query.parser``.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .nodes import Node, Nothing


@dataclass(frozen=True)
class ParsedQuery:
    """A user query parsed once, in the forms a search needs.

    ``all_words`` requires every plain word; ``any_words`` is the fallback where plain
    words are optional (None when it is the same); ``words`` are the plain words of a
    query made only of them (for the phrase boost), in order. ``empty`` is True when
    nothing searchable remains.
    """

    text: str
    all_words: Node = field(default_factory=Nothing)
    any_words: Node | None = None
    words: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Return True when the query has nothing to search for."""
        return isinstance(self.all_words, Nothing)
