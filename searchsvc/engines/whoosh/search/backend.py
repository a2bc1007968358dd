"""``WhooshSearchBackend``: the read side of the index for the web app, API and CLI.

One set of searchers is kept per index version (``IndexLocation.version()``); when the
index changes (incremental commit or a full reindex swapping the live generation) the
next request opens the new version and the old searchers are closed once returned.
Searchers are pooled, so concurrent requests never share one.
"""

from __future__ import annotations

import logging
import os
import pickle
import re
import struct
import threading
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import whoosh
from whoosh import query
from whoosh.analysis import STOP_WORDS
from whoosh.index import Index
from whoosh.searching import Searcher
from whoosh.spelling import Corrector

from searchsvc.errors import BadQuery, IndexCorrupt, NotFound, SearchsvcError
from searchsvc.limits import MAX_FILTER_CHARS, SUGGEST_BELOW, valid_article_id
from searchsvc.models import (
    DayCounts,
    Hit,
    IndexStats,
    Paragraph,
    SearchPage,
    SearchRequest,
    ValueCounts,
)
from searchsvc.query import describe
from searchsvc.request import Checked, validate

from ..analysis import text_tokens
from ..schema import stored_to_paragraph
from ..storage import FIX_HINT, IndexLocation
from . import analytics
from .docsets import DocSets, numeric_column
from .facets import ValueTable, fold
from .highlight import highlight, match_spec
from .lexicon import edit_distance, lexicon_for
from .query import DEFAULT_FIELDS, CompiledQuery, QueryBuilder, name_words
from .scoring import FieldLengths, Scorer, Unsupported, top

LOG = logging.getLogger("searchsvc.search")
NOTHING_TO_SEARCH = "nothing to search: give a query (q) or a filter"
POOL_SIZE = 8
PHRASE_WINDOW = 100
SURFACE_DOCS = 20  # paragraphs read to show a corrected stem as a word
SPELL_PREFIX = 2  # suggestions share the first letters of the word (fast, and typical)
SPELL_FIELDS = ("text", "actor_terms", "location_terms", "country_terms", "source_terms")
FACET_FIELDS = {"actors": "actors", "locations": "locations", "sources": "source"}
SUGGEST_FIELDS = {
    "actor": "actors",
    "actors": "actors",
    "location": "locations",
    "locations": "locations",
    "source": "source",
    "sources": "source",
}
# Errors that only come from reading damaged files (Whoosh raises bare Exceptions
# such as "Block tag error" too; searchsvc itself never does).
_READ_ERRORS = (struct.error, zlib.error, EOFError, pickle.UnpicklingError)
# Errors that mean a damaged file when Whoosh raises them, a bug when we do.
_READ_ERRORS_IN_WHOOSH = (
    ValueError,
    OSError,
    IndexError,
    KeyError,
    OverflowError,
    TypeError,
    AttributeError,
)
_WHOOSH_DIR = os.path.dirname(os.path.abspath(whoosh.__file__)) + os.sep


def filter_queries(checked: Checked) -> list[query.Query]:
    """Return the filter clauses of a validated request (actors and locations AND,
    sources OR, date range, one article)."""
    req = checked.request
    clauses: list[query.Query] = [query.Term("actors", a) for a in req.actors if a]
    for name in req.locations:
        if not name:
            continue
        clause: query.Query = query.Term("locations", name)
        words = name_words(name)
        if req.expand_locations and words:
            country = (
                query.Phrase("country_terms", words)
                if len(words) > 1
                else query.Term("country_terms", words[0])
            )
            clause = query.Or([clause, country])
        clauses.append(clause)
    sources = [query.Term("source", s) for s in req.sources if s]
    if sources:
        clauses.append(sources[0] if len(sources) == 1 else query.Or(sources))
    if checked.start or checked.end:
        clauses.append(query.DateRange("date", checked.start, checked.end))
    if req.article_id:
        clauses.append(query.Term("article_id", req.article_id))
    if req.ids:
        clauses.append(query.Or([query.Term("id", i) for i in req.ids]))
    return clauses


def combine(main: query.Query | None, filters: list[query.Query]) -> query.Query | None:
    """Return the query to run: ``main`` and the filters, which restrict without
    changing scores. None when there is nothing."""
    if main is None:
        if not filters:
            return None
        parts = [query.ConstantScoreQuery(f, 1.0) for f in filters]
        return parts[0] if len(parts) == 1 else query.And(parts)
    if not filters:
        return main
    return query.And([main] + [query.ConstantScoreQuery(f, 0.0) for f in filters])


@dataclass
class Match:
    """The documents a request matches, and the queries that matched them."""

    docs: np.ndarray
    main: query.Query | None
    final: query.Query | None
    matched: str


class _Generation:
    """The searchers and facet tables of one index version."""

    def __init__(self, ix: Index, version: Any):
        self.ix = ix
        self.version = version
        self._free: list[Searcher] = []
        self._lock = threading.Lock()
        self._stale = False
        self._tables: dict[str, ValueTable] = {}
        self._docsets: DocSets | None = None
        self._sort_keys: SortKeys | None = None
        self._scorer: Scorer | None = None
        self._table_lock = threading.Lock()

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

    def table(self, fieldname: str, searcher: Searcher) -> ValueTable:
        table = self._tables.get(fieldname)
        if table is None:
            with self._table_lock:
                table = self._tables.get(fieldname)
                if table is None:
                    table = ValueTable.build(searcher, fieldname)
                    self._tables[fieldname] = table
        return table


_UNDATED = np.iinfo(np.int64).max


class SortKeys:
    """Per-document date and position of one index version, for date sorts in numpy
    (Whoosh's sorting collector reads the columns one document at a time)."""

    def __init__(self, dates: np.ndarray, positions: np.ndarray):
        self.dates = dates  # int64; _UNDATED for paragraphs without a date
        self.positions = positions

    @classmethod
    def build(cls, searcher: Searcher, docsets: DocSets | None = None) -> SortKeys:
        """Return the keys read from the ``date`` and ``position`` columns (the dates
        from ``docsets``' per-segment date arrays when given)."""
        size = searcher.doc_count_all()
        dates = np.full(size, _UNDATED, dtype=np.int64)
        positions = np.zeros(size, dtype=np.int64)
        if docsets is not None:
            values, present, _without = docsets.dates(searcher)
            dates = np.where(present, values, _UNDATED)
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            count = reader.doc_count_all()
            if docsets is None and reader.has_column("date"):
                raw = numeric_column(reader, "date")
                missing = raw >= np.uint64(_UNDATED)
                dates[offset : offset + count] = np.where(missing, _UNDATED, raw.astype(np.int64))
            if reader.has_column("position"):
                positions[offset : offset + count] = numeric_column(reader, "position", np.int64)
        return cls(dates, positions)

    def order(self, docs: np.ndarray, newest: bool, n: int) -> np.ndarray:
        """Return the first ``n`` of ``docs`` by date (newest or oldest first; undated
        last), then paragraph position, then document number."""
        dates = self.dates[docs]
        primary = np.where(dates == _UNDATED, _UNDATED, -dates if newest else dates)
        if n < len(docs):
            # Only the n best need a full sort.
            cut = np.argpartition(primary, n - 1)[:n] if n > 0 else np.zeros(0, dtype=np.int64)
            bound = primary[cut].max() if len(cut) else 0
            keep = np.flatnonzero(primary <= bound)
            docs, primary = docs[keep], primary[keep]
        order = np.lexsort((docs, self.positions[docs], primary))
        return docs[order[:n]]


class _Ranking:
    """The order of the matching documents: BM25F relevance (numpy over whole posting
    lists; Whoosh's own top-k for queries with phrases) or a date sort. For relevance,
    paragraphs containing the query as an exact phrase move up within the first
    ``PHRASE_WINDOW`` results (a fixed window, so that pages stay consistent)."""

    def __init__(
        self,
        searcher: Searcher,
        final: query.Query,
        docs: np.ndarray,
        parsed: CompiledQuery,
        req: SearchRequest,
        keys: SortKeys | None = None,
        scorer: Scorer | None = None,
    ):
        self.searcher = searcher
        self.final = final
        self.docs = docs
        self.sort = req.sort
        self.keys = keys
        self.scorer = scorer
        self.sortedby = None
        words = parsed.words or []
        self.phrase = words if req.sort == "relevance" and len(words) >= 2 else None
        # Whoosh's AndNot matcher can let through documents the numpy evaluation
        # excludes; restrict to the authoritative set when the query negates anything.
        self.allow = set(docs.tolist()) if _has_negation(final) else None
        self._cache: list[tuple[int, float]] = []
        self._complete = False

    def top(self, n: int) -> list[tuple[int, float]]:
        """Return the first ``n`` (docnum, score) pairs in ranking order."""
        if self.sort != "relevance" and self.keys is not None:
            ordered = self.keys.order(self.docs, self.sort == "newest", n)
            return [(int(d), 0.0) for d in ordered]
        want = max(n, PHRASE_WINDOW) if self.phrase else n
        if len(self._cache) >= want or self._complete:
            return self._cache[:n]
        ranked = None
        if self.scorer is not None:
            try:
                docs, scores = self.scorer.score(self.final, self.searcher)
                ranked = top(docs, scores, want)
            except Unsupported:  # phrases: let Whoosh rank
                self.scorer = None
        if ranked is None:
            results = self.searcher.search(
                self.final, limit=want, sortedby=self.sortedby, filter=self.allow
            )
            ranked = [
                (results.docnum(i), _score(results, i, self.sortedby))
                for i in range(results.scored_length())
            ]
        self._complete = len(ranked) < want
        if self.phrase:
            window = ranked[:PHRASE_WINDOW]
            with_phrase = _phrase_in_stored(self.searcher, self.phrase, [d for d, _ in window])
            boosted = [r for r in window if r[0] in with_phrase]
            rest = [r for r in window if r[0] not in with_phrase]
            ranked = boosted + rest + ranked[PHRASE_WINDOW:]
        self._cache = ranked
        return ranked[:n]


def _has_negation(q: query.Query) -> bool:
    if isinstance(q, query.AndNot | query.Not):
        return True
    return any(_has_negation(c) for c in q.children()) if not q.is_leaf() else False


def _phrase_in_stored(searcher: Searcher, words: list[str], candidates: list[int]) -> set[int]:
    """Return the candidates whose stored headline or text holds ``words`` (stems) as a
    phrase, judged by a regular expression on the accent-folded text: each word starts
    like its stem and only stop words (dropped at indexing) may come between. Close
    to the indexed phrase semantics, and cheap for a hundred candidates, which is all
    a ranking boost needs."""
    pattern = _loose_phrase(words)
    found: set[int] = set()
    for docnum in candidates:
        fields = searcher.stored_fields(docnum)
        if any(pattern.search(fold(fields.get(name) or "")) for name in ("title", "text")):
            found.add(docnum)
    return found


_STOPS = "|".join(sorted(STOP_WORDS, key=len, reverse=True))


def _loose_phrase(words: list[str]) -> re.Pattern[str]:
    """Return the pattern for ``_phrase_in_stored``."""
    parts = [re.escape(w[: max(3, len(w) - 1)]) + r"\w*" for w in words]
    gap = rf"(?:[\W_]+(?:{_STOPS})\b)*[\W_]+"
    return re.compile(r"\b" + gap.join(parts) + r"\b", re.IGNORECASE)


def is_read_error(exc: BaseException) -> bool:
    """Return True when ``exc`` reports an unreadable index: a decoding error
    (struct, zlib, pickle, end of file), Whoosh's bare ``Exception`` (e.g. "Block tag
    error") or one of its own exception classes, or a ValueError, OSError, TypeError
    (...) raised inside Whoosh's code. The same errors raised by searchsvc's code are
    bugs, not damage, and are not reported as IndexCorrupt."""
    if isinstance(exc, _READ_ERRORS) or type(exc) is Exception:
        return True
    if type(exc).__module__.split(".")[0] == "whoosh":
        return True
    if not isinstance(exc, _READ_ERRORS_IN_WHOOSH):
        return False
    return _raised_in_whoosh(exc)


def _raised_in_whoosh(exc: BaseException) -> bool:
    """Return True when the innermost Python frame of the traceback that is not the
    standard library's (pickle, struct, ...) belongs to Whoosh."""
    tb = exc.__traceback__
    last = None
    stdlib = os.path.dirname(os.__file__) + os.sep
    while tb is not None:
        filename = os.path.abspath(tb.tb_frame.f_code.co_filename)
        if not filename.startswith(stdlib) or "site-packages" in filename:
            last = filename
        tb = tb.tb_next
    return last is not None and last.startswith(_WHOOSH_DIR)


class WhooshSearchBackend:
    """SearchBackend over the Whoosh index in ``index_dir`` (see ``searchsvc.backend``)."""

    def __init__(self, index: IndexLocation | str):
        self.location = index if isinstance(index, IndexLocation) else IndexLocation(index)
        self.queries = QueryBuilder()
        self._lock = threading.Lock()
        self._generation: _Generation | None = None

    # -- searchers -------------------------------------------------------------------

    def _current(self) -> _Generation:
        version = self.location.version()
        gen = self._generation
        if gen is not None and gen.version == version:
            return gen
        with self._lock:
            gen = self._generation
            if gen is None or gen.version != version:
                fresh = _Generation(self.location.open(), version)
                old, self._generation, gen = gen, fresh, fresh
                if old is not None:
                    old.retire()
        return gen

    @contextmanager
    def _searcher(self) -> Iterator[tuple[Searcher, _Generation]]:
        try:
            with self._open_searcher() as pair:
                yield pair
        except SearchsvcError:
            raise
        except Exception as exc:
            # Whoosh reports damaged files with bare Exceptions, struct/zlib/pickle
            # errors and the like: those become IndexCorrupt (HTTP 503) with the cause,
            # and the traceback goes to the log. Errors raised by our own code are bugs
            # and propagate unchanged.
            if not is_read_error(exc):
                raise
            LOG.exception("error while reading the index at %s", self.location.root)
            raise IndexCorrupt(
                f"could not read the index at {self.location.root} "
                f"({type(exc).__name__}: {str(exc)[:200]}): {FIX_HINT}"
            ) from exc

    @contextmanager
    def _open_searcher(self) -> Iterator[tuple[Searcher, _Generation]]:
        gen = self._current()
        try:
            searcher = gen.acquire()
        except Exception:
            # The generation was replaced (and its files removed) between the version
            # check and opening a searcher: take the live one.
            gen = self._current()
            searcher = gen.acquire()
        try:
            yield searcher, gen
        finally:
            gen.release(searcher)

    def close(self) -> None:
        """Close every pooled searcher."""
        with self._lock:
            gen, self._generation = self._generation, None
        if gen is not None:
            gen.retire()

    def warm(self) -> None:
        """Open the index and build what searches share (facet tables, sort keys, the
        word lists of typo-tolerant terms) now rather than during the first searches."""
        with self._searcher() as (searcher, gen):
            for fieldname in (*FACET_FIELDS.values(), "article_id"):
                gen.table(fieldname, searcher)
            gen.sort_keys(searcher)
            for fieldname in DEFAULT_FIELDS:
                lexicon_for(searcher.reader(), fieldname)

    # -- SearchBackend -----------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchPage:
        """Return one page of ranked, highlighted hits with facet counts (see
        ``SearchPage``). Raises BadQuery for invalid requests and IndexMissing /
        IndexCorrupt when the index cannot be read."""
        started = time.perf_counter()
        checked = validate(request)
        parsed = self.queries.parse(request.q, request.expand_locations)
        filters = filter_queries(checked)
        page = SearchPage(
            query=parsed.text,
            request=request,
            total=0,
            page=request.page,
            per_page=request.per_page,
            hits=[],
            facets={name: [] for name in FACET_FIELDS},
            suggestion=None,
            took_ms=0.0,
        )
        with self._searcher() as (searcher, gen):
            if parsed.empty and not filters:
                # Nothing searchable (empty, or only stop words / operators).
                if parsed.text:
                    page.suggestion = self._correction(searcher, parsed, filters, 0, request)
                page.took_ms = _ms(started)
                return page
            match = self._match(searcher, gen, parsed, filters)
            docs, main, final = match.docs, match.main, match.final
            page.matched = match.matched
            tree = parsed.parsed
            page.parsed = describe(tree.any_words if match.matched == "any" else tree.all_words)
            page.total_paragraphs = len(docs)
            doc_articles = gen.table("article_id", searcher).first_value(docs)
            page.articles = int(len(np.unique(doc_articles)))
            page.total = page.articles if request.collapse else len(docs)
            actives = {
                "actors": request.actors,
                "locations": request.locations,
                "sources": request.sources,
            }
            for name, fieldname in FACET_FIELDS.items():
                page.facets[name] = gen.table(fieldname, searcher).top(
                    docs, request.facet_limit, actives[name]
                )
            if parsed.text and len(docs) < SUGGEST_BELOW:
                page.suggestion = self._correction(searcher, parsed, filters, len(docs), request)
            if len(docs) and final is not None:
                keys = gen.sort_keys(searcher) if request.sort != "relevance" else None
                ranking = _Ranking(
                    searcher, final, docs, parsed, request, keys, gen.scorer(searcher)
                )
                page.hits = self._hits(searcher, gen, ranking, main, request, doc_articles)
        page.took_ms = _ms(started)
        return page

    def _match(
        self,
        searcher: Searcher,
        gen: _Generation,
        parsed: CompiledQuery,
        filters: list[query.Query],
    ) -> Match:
        """Return the live documents matching the query and filters: every plain word
        required, or, when that finds nothing, any of them."""
        docsets = gen.docsets(searcher)
        main = None if parsed.empty else parsed.all_words
        final = combine(main, filters)
        docs = docsets.docs(final, searcher)
        matched = "all"
        if not len(docs) and parsed.any_words is not None:
            main = parsed.any_words
            final = combine(main, filters)
            docs = docsets.docs(final, searcher)
            matched = "any"
        return Match(docs, main, final, matched)

    def article(self, article_id: str) -> list[Paragraph]:
        """Return an article's paragraphs in order; raises NotFound (also for ids that
        are not article ids)."""
        if not valid_article_id(article_id):
            raise NotFound(f"no article {article_id[:100]!r}: not an article id")
        with self._searcher() as (searcher, _gen):
            docnums = list(searcher.document_numbers(article_id=article_id))
            paragraphs = [stored_to_paragraph(searcher.stored_fields(d)) for d in docnums]
        if not paragraphs:
            raise NotFound(f"no article {article_id!r} in the index")
        paragraphs.sort(key=lambda p: p.position)
        return paragraphs

    def suggest(self, field: str, prefix: str, limit: int = 10) -> list[str]:
        """Return up to ``limit`` actor/location/source names starting with ``prefix``
        (or with a word starting with it), case- and accent-insensitive, most frequent
        first. Raises BadQuery for an unknown field."""
        fieldname = SUGGEST_FIELDS.get(field)
        if fieldname is None:
            raise BadQuery("field must be actor, location or source")
        limit = max(1, min(int(limit), 50))
        if not prefix or len(prefix) > MAX_FILTER_CHARS:
            return []
        with self._searcher() as (searcher, gen):
            return gen.table(fieldname, searcher).suggest(prefix, limit)

    def stats(self) -> IndexStats:
        """Return what is in the index (``exists=False`` when there is none; raises
        IndexCorrupt for a live generation that cannot be read)."""
        return self.location.stats()

    def day_counts(self, request: SearchRequest | None) -> DayCounts:
        """Return matching paragraphs and articles per day (whole index for None)."""
        with self._searcher() as (searcher, gen):
            docs = self._request_docs(searcher, gen, request)
            dates = gen.sort_keys(searcher).dates
            return analytics.day_counts(docs, dates, gen.table("article_id", searcher))

    def value_counts(
        self,
        request: SearchRequest | None,
        field: str,
        limit: int | None = None,
        values: Sequence[str] | None = None,
    ) -> ValueCounts:
        """Return how many matching paragraphs carry each value of ``field``."""
        fieldname = FACET_FIELDS.get(field)
        if fieldname is None:
            raise BadQuery(f"field must be one of {', '.join(FACET_FIELDS)}")
        with self._searcher() as (searcher, gen):
            docs = self._request_docs(searcher, gen, request)
            table = gen.table(fieldname, searcher)
            return analytics.value_counts(docs, table, field, limit, values)

    @contextmanager
    def export(self, request: SearchRequest) -> Iterator[analytics.WhooshExport]:
        """Hold one index version and give every hit of ``request`` in order."""
        checked = validate(request)
        parsed = self.queries.parse(request.q, request.expand_locations)
        filters = filter_queries(checked)
        if parsed.empty and not filters:
            raise BadQuery(NOTHING_TO_SEARCH)
        with self._searcher() as (searcher, gen):
            match = self._match(searcher, gen, parsed, filters)
            docs, final = match.docs, match.final
            scores = None
            if len(docs) and final is not None and request.sort != "relevance":
                ordered = gen.sort_keys(searcher).order(docs, request.sort == "newest", len(docs))
                scores = _scores_of(ordered, gen.scorer(searcher), final, searcher)
            elif len(docs) and final is not None:
                scorer = gen.scorer(searcher)
                ranking = _Ranking(searcher, final, docs, parsed, request, None, scorer)
                ranked = ranking.top(len(docs))
                ordered = np.fromiter((d for d, _ in ranked), dtype=np.int64, count=len(ranked))
                scores = np.fromiter((sc for _, sc in ranked), dtype=np.float64, count=len(ranked))
            else:
                ordered = docs
            if request.collapse and len(ordered):
                keep = analytics.first_per_article(ordered, gen.table("article_id", searcher))
                ordered = ordered[keep]
                scores = scores[keep] if scores is not None else None
            version = "-".join(str(part) for part in gen.version)
            yield analytics.WhooshExport(searcher, ordered, scores, version)

    def _request_docs(
        self, searcher: Searcher, gen: _Generation, request: SearchRequest | None
    ) -> np.ndarray:
        """Return the documents ``request`` matches (every live one for None)."""
        if request is None:
            return gen.docsets(searcher).all_live
        checked = validate(request)
        parsed = self.queries.parse(request.q, request.expand_locations)
        filters = filter_queries(checked)
        if parsed.empty and not filters:
            raise BadQuery(NOTHING_TO_SEARCH)
        return self._match(searcher, gen, parsed, filters).docs

    def highlight(self, q: str, texts: list[str], expand_locations: bool = False) -> list[str]:
        """Return each text HTML-escaped with the matches of query ``q`` marked (whole
        texts, never cut). Raises BadQuery for an invalid query."""
        parsed = self.queries.parse(q, expand_locations)
        spec = match_spec(None if parsed.empty else parsed.all_words)
        if parsed.any_words is not None:
            extra = match_spec(parsed.any_words)
            spec.terms |= extra.terms
        return [highlight(t, spec, max_chars=None) for t in texts]

    # -- helpers -----------------------------------------------------------------------

    def _hits(
        self,
        searcher: Searcher,
        gen: _Generation,
        ranking: _Ranking,
        used: query.Query | None,
        req: SearchRequest,
        doc_articles: np.ndarray,
    ) -> list[Hit]:
        start = (req.page - 1) * req.per_page
        end = start + req.per_page
        chosen: list[tuple[int, float, int]] = []  # (docnum, score, more_in_article)
        if not req.collapse:
            chosen = [(d, sc, 0) for d, sc in ranking.top(end)[start:end]]
        else:
            valid = doc_articles[doc_articles >= 0]
            per_article = np.bincount(valid) if len(valid) else np.zeros(0, dtype=np.int64)
            articles = gen.table("article_id", searcher)
            limit = max(end * 3, 50)
            while True:
                ranked = ranking.top(limit)
                nums = np.array([d for d, _ in ranked], dtype=np.int64)
                arts = articles.first_value(nums)
                seen: set[int] = set()
                picked: list[tuple[int, float, int]] = []
                for (docnum, score), art in zip(ranked, arts.tolist(), strict=True):
                    if art in seen:
                        continue
                    seen.add(art)
                    more = int(per_article[art]) - 1 if 0 <= art < len(per_article) else 0
                    picked.append((docnum, score, more))
                    if len(picked) >= end:
                        break
                if len(picked) >= end or len(ranked) < limit:
                    chosen = picked[start:end]
                    break
                limit *= 4
        spec = match_spec(used)
        hits = []
        for docnum, score, more in chosen:
            paragraph = stored_to_paragraph(searcher.stored_fields(docnum))
            hits.append(Hit.of(paragraph, highlight(paragraph.text, spec), score, more))
        return hits

    def _correction(
        self,
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
                for t in self.queries.spelling_terms(parsed.parsed)
                if t.fieldname in SPELL_FIELDS and (t.fieldname, t.term) not in reader
            ]
            if not terms:
                return None
            # The words as typed, by their analysed form, to show corrections that
            # look like what the user meant ("university", not "universe").
            typed = {t.term: text[t.start : t.end].lower() for t in terms}
            correctors = {f: _NearWords(reader, f, typed) for f in SPELL_FIELDS}
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
            fixed = self.queries.parse(corrected, req.expand_locations)
            if fixed.empty:
                return None
            docsets = self._current().docsets(searcher)
            count = len(docsets.docs(combine(fixed.all_words, filters), searcher))
            if count == 0 and fixed.any_words is not None:
                count = len(docsets.docs(combine(fixed.any_words, filters), searcher))
            return corrected if count > found else None
        except Exception:  # a suggestion is optional: odd input simply gets none
            return None


class _NearWords(Corrector):
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


def _scores_of(
    ordered: np.ndarray, scorer: Scorer, final: query.Query, searcher: Searcher
) -> np.ndarray | None:
    """Return the relevance score of each of ``ordered`` (None where the numpy scorer
    cannot score the query, e.g. phrases)."""
    try:
        docs, scores = scorer.score(final, searcher)
    except Unsupported:
        return None
    at = np.searchsorted(docs, ordered)
    at = np.clip(at, 0, max(len(docs) - 1, 0))
    found = (docs[at] == ordered) if len(docs) else np.zeros(len(ordered), dtype=bool)
    return np.where(found, scores[at] if len(docs) else 0.0, 0.0)


def _score(results: Any, i: int, sortedby: Any) -> float:
    """Return the relevance score of result ``i`` (0.0 when sorted by date)."""
    if sortedby is not None:
        return 0.0
    return float(results.score(i) or 0.0)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000.0, 2)
