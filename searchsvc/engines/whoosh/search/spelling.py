"""Did you mean: the typed words the index lacks, corrected to the closest index words,
kept only when the corrected query finds more."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh import query
from whoosh.searching import Searcher
from whoosh.spelling import Corrector

from searchsvc.models import SearchRequest

from ..analysis import text_tokens
from .docsets import DocSets
from .filters import combine
from .lexicon import edit_distance, lexicon_for
from .query import CompiledQuery, QueryBuilder

SURFACE_DOCS = 20  # paragraphs read to show a corrected stem as a word
SPELL_PREFIX = 2  # suggestions share the first letters of the word (fast, and typical)
SPELL_FIELDS = ("text", "actor_terms", "location_terms", "country_terms", "source_terms")


def correction(
    queries: QueryBuilder,
    docsets: DocSets,
    searcher: Searcher,
    parsed: CompiledQuery,
    filters: list[query.Query],
    found: int,
    req: SearchRequest,
) -> str | None:
    """Return a corrected query string that finds more than ``found`` paragraphs:
    each typed word of a term or phrase that the index lacks replaced by the
    closest index word."""
    try:
        text = parsed.text
        reader = searcher.reader()
        terms = [
            t
            for t in queries.spelling_terms(parsed.parsed)
            if t.fieldname in SPELL_FIELDS and (t.fieldname, t.term) not in reader
        ]
        if not terms:
            return None
        # The words as typed, by their analysed form, to show corrections that
        # look like what the user meant ("university", not "universe").
        typed = {t.term: text[t.start : t.end].lower() for t in terms}
        correctors = {f: NearWords(reader, f, typed) for f in SPELL_FIELDS}
        pieces, cursor = [], 0
        for t in sorted(terms, key=lambda t: t.start):
            words = correctors[t.fieldname].suggest(
                t.term, limit=1, maxdist=2, prefix=SPELL_PREFIX
            )
            if words and t.start >= cursor:
                pieces += [text[cursor : t.start], words[0]]
                cursor = t.end
        corrected = "".join(pieces) + text[cursor:]
        if corrected.strip().lower() == text.strip().lower():
            return None
        fixed = queries.parse(corrected, req.expand_locations)
        if fixed.empty:
            return None
        count = len(docsets.docs(combine(fixed.all_words, filters), searcher))
        if count == 0 and fixed.any_words is not None:
            count = len(docsets.docs(combine(fixed.any_words, filters), searcher))
        return corrected if count > found else None
    except Exception:  # a suggestion is optional: odd input simply gets none
        return None


class NearWords(Corrector):
    """Suggests index words within a few edits (insertions, deletions, substitutions and
    transpositions of neighbours), closest first, then most frequent, from the field's
    cached ``Lexicon``.

    A stemmed field is corrected stem to stem ("ecomoni" -> "economi"), and the
    suggestion is then shown as a word an indexed paragraph really uses ("economy")."""

    def __init__(self, reader: Any, fieldname: str, typed: dict[str, str] | None = None):
        self.reader = reader
        self.fieldname = fieldname
        self.typed = typed or {}
        self.analyzer = reader.schema[fieldname].analyzer
        self.stemmed = bool(self.analyzer and self.analyzer.has_morph())

    def suggest(self, text: str, limit: int = 5, maxdist: int = 2, prefix: int = 0) -> list[str]:
        """Return up to ``limit`` words close to ``text``, best first."""
        found = super().suggest(text, limit=limit, maxdist=maxdist, prefix=prefix)
        if not self.stemmed:
            return found
        typed = self.typed.get(text, text)
        return [self._surface(term, typed) for term in found]

    def _suggestions(self, text: str, maxdist: int, prefix: int) -> Iterator[tuple[float, str]]:
        reader = self.reader
        for word in lexicon_for(reader, self.fieldname).within(text, maxdist, prefix):
            if word == text:
                continue
            dist = edit_distance(text, word, maxdist)
            freq = reader.doc_frequency(self.fieldname, word) or 1
            yield (-dist + min(freq, 10**6) / 10**7, word)

    def _surface(self, term: str, typed: str) -> str:
        """Return the word, among those the first ``SURFACE_DOCS`` paragraphs holding
        ``term`` write for it, closest to what was ``typed`` (then the most used);
        the term itself when no stored text shows one."""
        seen: dict[str, int] = {}
        try:
            matcher = self.reader.postings(self.fieldname, term)
            docs = 0
            while matcher.is_active() and docs < SURFACE_DOCS:
                stored = self.reader.stored_fields(matcher.id()).get(self.fieldname) or ""
                for word, _pos, start, end in text_tokens(stored):
                    if word == term:
                        surface = stored[start:end].lower()
                        seen[surface] = seen.get(surface, 0) + 1
                docs += 1
                matcher.next()
        except Exception:  # a damaged or missing posting: fall back to the term
            pass
        if not seen:
            return term
        return min(seen, key=lambda w: (edit_distance(typed, w, len(typed) + len(w)), -seen[w], w))
