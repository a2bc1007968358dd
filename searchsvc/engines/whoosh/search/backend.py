"""``WhooshSearchBackend``: the read side of the index for the web app, API and CLI.

One set of searchers is kept per index version (``IndexLocation.version()``); when the
index changes (incremental commit or a full reindex swapping the live generation) the
next request opens the new version and the old searchers are closed once returned.
Searchers are pooled, so concurrent requests never share one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from whoosh import query
from whoosh.searching import Searcher

from searchsvc.errors import BadQuery, IndexCorrupt, NotFound, SearchsvcError
from searchsvc.limits import DEFAULT_SIMILAR, MAX_FILTER_CHARS, SUGGEST_BELOW, valid_article_id
from searchsvc.models import (
    Copies,
    DayCounts,
    Hit,
    IndexStats,
    Paragraph,
    SearchPage,
    SearchRequest,
    ValueCounts,
)
from searchsvc.query import describe
from searchsvc.request import check_similar_page, validate

from ..schema import stored_to_paragraph
from ..storage import FIX_HINT, IndexLocation
from . import analytics
from . import copies as copy_search
from .filters import combine, filter_queries
from .highlight import highlight, match_spec
from .lexicon import lexicon_for
from .pool import Generation
from .query import DEFAULT_FIELDS, CompiledQuery, QueryBuilder
from .ranking import Ranking, scores_of
from .read_errors import is_read_error
from .spelling import correction

LOG = logging.getLogger("searchsvc.search")
NOTHING_TO_SEARCH = "nothing to search: give a query (q) or a filter"
FACET_FIELDS = {"actors": "actors", "locations": "locations", "sources": "source"}
SUGGEST_FIELDS = {
    "actor": "actors",
    "actors": "actors",
    "location": "locations",
    "locations": "locations",
    "source": "source",
    "sources": "source",
}


@dataclass
class Match:
    """The documents a request matches, and the queries that matched them."""

    docs: np.ndarray
    main: query.Query | None
    final: query.Query | None
    matched: str


def _check_searchable(parsed: CompiledQuery, filters: list[query.Query]) -> None:
    """Raise BadQuery when a request gives neither a query nor a filter (a query of
    stop words only is a query: it finds nothing)."""
    if parsed.empty and not filters and not parsed.text:
        raise BadQuery(NOTHING_TO_SEARCH)


class WhooshSearchBackend:
    """SearchBackend over the Whoosh index in ``index_dir`` (see ``searchsvc.backend``)."""

    def __init__(self, index: IndexLocation | str):
        self.location = index if isinstance(index, IndexLocation) else IndexLocation(index)
        self.queries = QueryBuilder()
        self._lock = threading.Lock()
        self._generation: Generation | None = None

    # -- searchers -------------------------------------------------------------------

    def _current(self) -> Generation:
        version = self.location.version()
        gen = self._generation
        if gen is not None and gen.version == version:
            return gen
        with self._lock:
            gen = self._generation
            if gen is None or gen.version != version:
                fresh = Generation(self.location.open(), version, self.location.read_meta())
                old, self._generation, gen = gen, fresh, fresh
                if old is not None:
                    old.retire()
        return gen

    @contextmanager
    def _searcher(self) -> Iterator[tuple[Searcher, Generation]]:
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
    def _open_searcher(self) -> Iterator[tuple[Searcher, Generation]]:
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
        pairs of copies, the word lists of typo-tolerant terms) now rather than during
        the first searches; posting files the index lacks are written in the background."""
        with self._searcher() as (searcher, gen):
            gen.build_postfiles()
            for fieldname in (*FACET_FIELDS.values(), "article_id"):
                gen.table(fieldname, searcher)
            gen.sort_keys(searcher)
            if copy_search.current_kind(searcher, gen.meta):
                gen.copy_graph(searcher)
            gen.prepare(searcher, DEFAULT_FIELDS)
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
        page = SearchPage.begin(request, parsed.text)
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
            folded = copy_search.fold(searcher, gen, docs) if request.dedupe else None
            if folded is not None:
                docs = folded.kept
                page.counted = "stories"
                page.folded = int(len(folded.excluded))
            tree = parsed.parsed
            node = tree.any_words if match.matched == "any" else tree.all_words
            page.parsed = describe(node, gen.docsets(searcher).broad_expansions(node, searcher))
            page.total_paragraphs = len(docs)
            articles = gen.table("article_id", searcher)
            doc_articles = articles.first_value(docs)
            page.articles = articles.count_distinct(doc_articles)
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
                excluded = folded.excluded if folded is not None else None
                ranking = Ranking(
                    searcher, final, docs, parsed, request, keys, gen.scorer(searcher), excluded
                )
                page.hits = self._hits(
                    searcher, gen, ranking, main, request, doc_articles, folded
                )
        page.took_ms = _ms(started)
        return page

    def _match(
        self,
        searcher: Searcher,
        gen: Generation,
        parsed: CompiledQuery,
        filters: list[query.Query],
    ) -> Match:
        """Return the live documents matching the query and filters: every plain word
        required, or, when that finds nothing, any of them; none when nothing is
        searchable (a query of stop words only, no filter), as in ``search``."""
        if parsed.empty and not filters:
            return Match(np.empty(0, np.int64), None, None, "all")
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

    def copies(self, paragraph_id: str) -> Copies:
        """Return the copies of a paragraph in the index, earliest first (raises
        NotFound, IndexOutdated for an index without copy signatures)."""
        with self._searcher() as (searcher, gen):
            return copy_search.copies_of_paragraph(searcher, gen, paragraph_id)

    def article_copies(self, article_id: str) -> Copies:
        """Return the other copies of an article (its body nearly the same), earliest
        first (raises NotFound, IndexOutdated)."""
        if not valid_article_id(article_id):
            raise NotFound(f"no article {article_id[:100]!r}: not an article id")
        with self._searcher() as (searcher, gen):
            return copy_search.copies_of_article(searcher, gen, article_id)

    def similar(
        self, paragraph_id: str, page: int = 1, per_page: int = DEFAULT_SIMILAR
    ) -> SearchPage:
        """Return paragraphs about the same thing as ``paragraph_id`` in other articles
        (its key terms, ranked by BM25F), its copies left out and copies among them
        folded; at most ``limits.MAX_SIMILAR`` in all."""
        started = time.perf_counter()
        check_similar_page(page, per_page)
        with self._searcher() as (searcher, gen):
            found = copy_search.similar(searcher, gen, paragraph_id, page, per_page)
        found.took_ms = _ms(started)
        return found

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

            def count() -> DayCounts:
                docs = self._request_docs(searcher, gen, request)
                dates = gen.sort_keys(searcher).dates
                return analytics.day_counts(docs, dates, gen.table("article_id", searcher))

            return gen.memo("day_counts", count) if request is None else count()

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
        _check_searchable(parsed, filters)
        with self._searcher() as (searcher, gen):
            match = self._match(searcher, gen, parsed, filters)
            docs, final = match.docs, match.final
            folded = copy_search.fold(searcher, gen, docs) if request.dedupe else None
            if folded is not None:
                docs = folded.kept
            scores = None
            if len(docs) and final is not None and request.sort != "relevance":
                ordered = gen.sort_keys(searcher).order(docs, request.sort == "newest", len(docs))
                scores = scores_of(ordered, gen.scorer(searcher), final, searcher)
            elif len(docs) and final is not None:
                scorer = gen.scorer(searcher)
                excluded = folded.excluded if folded is not None else None
                ranking = Ranking(searcher, final, docs, parsed, request, None, scorer, excluded)
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
            clusters = folded.clusters if folded is not None else None
            yield analytics.WhooshExport(searcher, ordered, scores, version, clusters)

    def _request_docs(
        self, searcher: Searcher, gen: Generation, request: SearchRequest | None
    ) -> np.ndarray:
        """Return the documents ``request`` matches (every live one for None)."""
        if request is None:
            return gen.docsets(searcher).all_live
        checked = validate(request)
        parsed = self.queries.parse(request.q, request.expand_locations)
        filters = filter_queries(checked)
        _check_searchable(parsed, filters)
        docs = self._match(searcher, gen, parsed, filters).docs
        return copy_search.fold(searcher, gen, docs).kept if request.dedupe else docs

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

    def _correction(
        self,
        searcher: Searcher,
        parsed: CompiledQuery,
        filters: list[query.Query],
        found: int,
        req: SearchRequest,
    ) -> str | None:
        """Return a corrected query that finds more than ``found`` paragraphs, or None."""
        docsets = self._current().docsets(searcher)
        return correction(self.queries, docsets, searcher, parsed, filters, found, req)

    def _hits(
        self,
        searcher: Searcher,
        gen: Generation,
        ranking: Ranking,
        used: query.Query | None,
        req: SearchRequest,
        doc_articles: np.ndarray,
        folded: copy_search.Folded | None = None,
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
            hit = Hit.of(paragraph, highlight(paragraph.text, spec), score, more)
            if folded is not None:
                copy_search.mark_copies(hit, docnum, folded)
            hits.append(hit)
        return hits


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000.0, 2)
