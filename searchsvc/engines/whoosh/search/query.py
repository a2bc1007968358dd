"""A user query as the Whoosh engine runs it: ``searchsvc.query.parse_query`` reads the
text (the query language is documented there), ``engines.whoosh.translate`` makes the
tree Whoosh queries.
"""

from __future__ import annotations

from dataclasses import dataclass

from whoosh import query

from searchsvc.limits import MAX_QUERY_CHARS
from searchsvc.query import ParsedQuery, clean_query, parse_query

from ..schema import name_analyzer
from ..translate import LexiconFuzzyTerm, analysed, index_field, translate

__all__ = [
    "MAX_QUERY_CHARS",
    "CompiledQuery",
    "LexiconFuzzyTerm",
    "QueryBuilder",
    "SpellingTerm",
    "clean_query",
    "name_words",
    "plain_words",
]

DEFAULT_FIELDS = ("title", "text")
_NAMES = name_analyzer()


@dataclass(frozen=True)
class SpellingTerm:
    """One typed word as an index term, for "did you mean": ``text[start:end]`` of the
    query is where it was typed."""

    fieldname: str
    term: str
    start: int
    end: int


@dataclass
class CompiledQuery:
    """A parsed query and its Whoosh queries: ``all_words`` and ``any_words`` (None when
    the same) as in ``ParsedQuery``; ``words`` are the index terms (stems) of a query
    made only of plain words, for the phrase boost."""

    parsed: ParsedQuery
    all_words: query.Query
    any_words: query.Query | None = None
    words: list[str] | None = None

    @property
    def text(self) -> str:
        """Return the cleaned query text."""
        return self.parsed.text

    @property
    def empty(self) -> bool:
        """Return True when the query has nothing to search for."""
        return self.parsed.empty


class QueryBuilder:
    """Parses user query text into Whoosh queries (thread-safe)."""

    def parse(self, text: str | None, expand_locations: bool = False) -> CompiledQuery:
        """Return the CompiledQuery of ``text``. Raises BadQuery for over-long queries,
        unreadable dates and too many terms."""
        parsed = parse_query(text, expand_locations)
        all_words = translate(parsed.all_words)
        any_words = translate(parsed.any_words) if parsed.any_words is not None else None
        if any_words == all_words:
            any_words = None
        return CompiledQuery(parsed, all_words, any_words, plain_words(all_words))

    def spelling_terms(self, parsed: ParsedQuery) -> list[SpellingTerm]:
        """Return the words of the query's terms and phrases as index terms (unfielded
        words as body-text terms), each with where it was typed."""
        out = []
        for span in parsed.spans:
            fieldname = index_field(span.field)
            for term in analysed(fieldname, span.word, whole=True):
                out.append(SpellingTerm(fieldname, term, span.start, span.end))
        return out


def plain_words(q: query.Query) -> list[str]:
    """Return the analysed words of a query made only of plain words searched in the
    default fields (e.g. ``humanitarian pause``), in order; else an empty list."""
    children = q.subqueries if isinstance(q, query.And) else [q]
    words: list[str] = []
    for child in children:
        if not isinstance(child, query.Or) or len(child.subqueries) != len(DEFAULT_FIELDS):
            return []
        texts = set()
        for leaf in child.subqueries:
            if type(leaf) is not query.Term or leaf.fieldname not in DEFAULT_FIELDS:
                return []
            texts.add(leaf.text)
        if len(texts) != 1:
            return []
        words.append(texts.pop())
    return words


def name_words(name: str) -> list[str]:
    """Return the folded words of a name (as indexed in the ``*_terms`` fields)."""
    return [t.text for t in _NAMES(name)]
