"""The read side of the OpenSearch engine (``searchsvc.engine.SearchEngine``).

One search is one ``_search`` request: the translated query (``translate.py``), a sort
with a unique tie-break (pages never overlap), from/size within
``limits.MAX_RESULT_DEPTH`` (the cluster's ``max_result_window``), collapse on
``article_id`` with the count of each article's matching paragraphs, and aggregations
for the facets (over the whole result set) and the number of matching articles. When
no paragraph holds all the words, a second request runs the "any word" form. Fewer
than ``limits.SUGGEST_BELOW`` matches ask the term suggester for a correction, kept
only if it finds more. Highlights are made here (``highlight.py``), in the shape the
Whoosh engine gives.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from opensearchpy.exceptions import NotFoundError, RequestError, TransportError

from searchsvc.text import fold

from ... import copies, limits
from ...errors import NEEDS_COPIES, BadQuery, IndexOutdated, NotFound
from ...marks import MAX_FULL_CHARS
from ...models import (
    Copies,
    Copy,
    DayCounts,
    ExportInfo,
    FacetValue,
    Hit,
    IndexStats,
    Paragraph,
    SearchPage,
    SearchRequest,
    ValueCounts,
)
from ...query import ParsedQuery
from ...query.nodes import DEFAULT_FIELDS, Fuzzy, Node, Or, Phrase, Term
from ...request import Checked, check_similar_page, validate
from . import copies as fold_copies
from .analysis import WORD, Words, index_text
from .client import Cluster
from .documents import SOURCE_FIELDS, source_hit, source_paragraph
from .highlight import Stemmer, highlight_texts
from .mapping import FACET_FIELDS, QUERY_FIELDS, SUGGEST_FIELD
from .translate import Query, combine, filters, sort_clause
from .write import Store

ARTICLE_PRECISION = 40_000  # cardinality is exact below this many articles
COMPOSITE_PAGE = 1000
EXPORT_PAGE = 1000
PIT_KEEP = "5m"
NOTHING_TO_SEARCH = "nothing to search: give a query (q) or a filter"
FACET_SHARD_FACTOR = 5
MAX_ARTICLE_PARAGRAPHS = 10_000
SUGGEST_FIELDS = {
    "title": SUGGEST_FIELD,
    "text": SUGGEST_FIELD,
    "actor": "actor_words",
    "location": "location_words",
    "country": "country_words",
    "source": "source_words",
}


def _parse(text: str, expand_locations: bool) -> ParsedQuery:
    if not (text or "").strip():
        return ParsedQuery("")
    from ...query import parse_query  # the parser module; see searchsvc.query

    return parse_query(text, expand_locations)


def _describe(node: Node) -> str:
    try:
        from ...query import describe
    except ImportError:  # the parser has not landed: nothing to show yet
        return ""
    return describe(node)


class OpenSearchReader:
    """Searches one alias (thread-safe: one per process is enough)."""

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.store = Store(cluster)
        self.alias = cluster.config.name
        self.stemmer = Stemmer(cluster, self.alias)
        self._copies_ready: dict[str, bool] = {}  # live build -> has current signatures

    # -- SearchEngine ------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchPage:
        """Return one page of ranked, highlighted hits with facet counts. Raises BadQuery
        for invalid requests, IndexMissing when there is no index, EngineUnavailable when
        the cluster cannot answer."""
        checked = validate(request)
        parsed = _parse(request.q, request.expand_locations)
        return self.run(checked, parsed)

    def run(self, checked: Checked, parsed: ParsedQuery) -> SearchPage:
        """Return the page of a validated request whose query is already parsed."""
        started = time.perf_counter()
        req = checked.request
        clauses = filters(checked)
        page = SearchPage.begin(req, parsed.text)
        if parsed.empty and not clauses:
            if parsed.text:
                page.suggestion = self._correction(parsed, clauses, 0, req)
            page.took_ms = _ms(started)
            return page
        main = None if parsed.empty else parsed.all_words
        folding = None
        if req.dedupe:
            # The fold needs the matching set first: all words, or else any of them.
            if main is not None and parsed.any_words is not None and not self._count(
                main, clauses
            ):
                main = parsed.any_words
                page.matched = "any"
            folding = self._fold(combine(main, (), clauses))
            page.counted = "stories"
            page.folded = len(folding.excluded)
            answer = self._search(self._body(main, parsed.words, clauses, req, folding))
        else:
            answer = self._search(self._body(main, parsed.words, clauses, req))
            if _total(answer) == 0 and parsed.any_words is not None:
                main = parsed.any_words
                answer = self._search(self._body(main, parsed.words, clauses, req))
                page.matched = "any"
        page.parsed = _describe(main) if main is not None else ""
        page.total_paragraphs = _total(answer)
        aggs = answer.get("aggregations", {})
        page.articles = int(aggs.get("articles", {}).get("value", 0))
        page.total = page.articles if req.collapse else page.total_paragraphs
        page.facets = _facets(aggs, req)
        if parsed.text and page.total_paragraphs < limits.SUGGEST_BELOW:
            page.suggestion = self._correction(parsed, clauses, page.total_paragraphs, req)
        page.hits = self._hits(answer, main, req)
        if folding is not None:
            _mark_copies(page.hits, folding)
        page.took_ms = _ms(started)
        return page

    def copies(self, paragraph_id: str) -> Copies:
        """Return the copies of a paragraph, earliest first (raises NotFound,
        IndexOutdated for a build without copy signatures)."""
        self._check_copies()
        source = self._paragraph(paragraph_id, ["copy_signature"])
        of = Copy.of(source_paragraph(source), 1.0)
        return copies.gather("paragraph", of, self._direct(source, False), self._copies_of)

    def article_copies(self, article_id: str) -> Copies:
        """Return the other copies of an article, earliest first (raises NotFound,
        IndexOutdated)."""
        if not limits.valid_article_id(article_id):
            raise NotFound(f"no article {article_id[:100]!r}: not an article id")
        self._check_copies()
        source = self._first_paragraph(article_id)
        if source is None:
            raise NotFound(f"no article {article_id!r} in the index")
        of = Copy.of(source_paragraph(source), 1.0, article=True)
        return copies.gather("article", of, self._direct(source, True), self._articles_of)

    def _copies_of(self, paragraph_id: str) -> list[Copy]:
        try:
            return self._direct(self._paragraph(paragraph_id, ["copy_signature"]), False)
        except NotFound:
            return []

    def _articles_of(self, article_id: str) -> list[Copy]:
        source = self._first_paragraph(article_id)
        return self._direct(source, True) if source is not None else []

    def _first_paragraph(self, article_id: str) -> dict[str, Any] | None:
        answer = self._search(
            {
                "size": 1,
                "query": {
                    "bool": {
                        "filter": [{"term": {"article_id": article_id}}, {"term": {"position": 1}}]
                    }
                },
                "_source": [*SOURCE_FIELDS, "article_signature"],
            },
            routing=article_id,
        )
        hits = answer["hits"]["hits"]
        return hits[0]["_source"] if hits else None

    def _direct(self, source: dict[str, Any], article: bool) -> list[Copy]:
        """Return the verified copies of the paragraph (``article``: of the article)
        whose ``_source`` is given."""
        own: Query = (
            {"term": {"article_id": source.get("article_id", "")}}
            if article
            else {"ids": {"values": [source["id"]]}}
        )
        found = fold_copies.verified(self._search, source, article, own, SOURCE_FIELDS)
        return [Copy.of(source_paragraph(s), sim, article) for s, sim in found]

    def similar(
        self, paragraph_id: str, page: int = 1, per_page: int = limits.DEFAULT_SIMILAR
    ) -> SearchPage:
        """Return paragraphs of other articles about the same thing as ``paragraph_id``
        (``more_like_this`` on the prepared body), its article's paragraphs and their
        copies left out and copies among them folded; at most ``limits.MAX_SIMILAR``."""
        started = time.perf_counter()
        check_similar_page(page, per_page)
        source = self._paragraph(paragraph_id, [])
        request = SearchRequest(page=page, per_page=per_page, dedupe=True)
        result = SearchPage.begin(request, "")
        result.counted = "stories"
        unwanted: list[Query] = [{"term": {"article_id": source.get("article_id", "")}}]
        with_copies = self._has_copies()
        own_copies = 0
        if with_copies:
            own = self.article(source.get("article_id", ""))
            found_copies = {p.id: self._copies_of(p.id) for p in own}
            own_copies = len(found_copies.get(paragraph_id, []))
            copied = [c.id for listed in found_copies.values() for c in listed]
            if copied:
                unwanted.append({"ids": {"values": copied}})
        like = {
            "more_like_this": {
                "fields": ["body"],
                "like": index_text(source.get("text", "")),
                "max_query_terms": limits.SIMILAR_TERMS,
                "min_term_freq": 1,
                # A word used by the paragraph and its copies alone finds nothing else.
                "min_doc_freq": own_copies + 2,
            }
        }
        answer = self._search(
            {
                "size": 2 * limits.MAX_SIMILAR,
                "query": {"bool": {"must": [like], "must_not": unwanted}},
                "_source": [*SOURCE_FIELDS, "copy_signature"],
            }
        )
        found = answer["hits"]["hits"]
        clusters: dict[str, tuple[int, int]] = {}
        if with_copies and found:
            kept, clusters = _fold_hits(found)
            found = [h for h in found if h["_source"]["id"] in kept]
        found = found[: limits.MAX_SIMILAR]
        result.total = result.total_paragraphs = len(found)
        shown = found[(page - 1) * per_page : page * per_page]
        texts = [h["_source"].get("text", "") for h in shown]
        words = list(dict.fromkeys(w for w in Words.of(source.get("text", "")).words
                                   if not w.isdigit()))[: 2 * limits.SIMILAR_TERMS]
        node = Or(tuple(Term(w) for w in words)) if words else None
        marks = highlight_texts(self.stemmer, node, texts, max_chars=MAX_FULL_CHARS)
        for hit, marked in zip(shown, marks, strict=True):
            item = source_hit(hit["_source"], marked, hit.get("_score") or 0.0, 0)
            item.cluster = item.id
            item.copies, item.copy_sources = clusters.get(item.id, (0, 0))
            result.hits.append(item)
        result.query = " ".join(words)
        result.took_ms = _ms(started)
        return result

    def article(self, article_id: str) -> list[Paragraph]:
        """Return an article's paragraphs in order; raises NotFound (also for ids that
        are not article ids)."""
        if not limits.valid_article_id(article_id):
            raise NotFound(f"no article {article_id[:100]!r}: not an article id")
        answer = self._search(
            {
                "size": MAX_ARTICLE_PARAGRAPHS,
                "query": {"term": {"article_id": article_id}},
                "sort": [{"position": "asc"}, {"id": "asc"}],
                "_source": SOURCE_FIELDS,
            },
            routing=article_id,
        )
        paragraphs = [source_paragraph(h["_source"]) for h in answer["hits"]["hits"]]
        if not paragraphs:
            raise NotFound(f"no article {article_id!r} in the index")
        return paragraphs

    def suggest(
        self, field: str, prefix: str, limit: int = limits.DEFAULT_SUGGEST_LIMIT
    ) -> list[str]:
        """Return up to ``limit`` actor/location/source names whose folded text, or one
        of whose words, starts with the folded ``prefix``; most frequent first. Raises
        BadQuery for an unknown field."""
        name = limits.SUGGEST_FIELDS.get(field)
        if name is None:
            raise BadQuery("field must be actor, location or source")
        limit = max(1, min(int(limit), limits.MAX_SUGGEST_LIMIT))
        wanted = " ".join(fold(prefix or "").split())
        if not wanted or len(prefix) > limits.MAX_FILTER_CHARS:
            return []
        keyword = FACET_FIELDS[name]
        pattern = _folded_prefix_pattern(wanted)
        answer = self._search(
            {
                "size": 0,
                "aggs": {
                    "names": {
                        "terms": {
                            "field": keyword,
                            "include": f"({pattern}|.* {pattern}).*",
                            "size": limit * 2,
                            "order": [{"_count": "desc"}, {"_key": "asc"}],
                        }
                    }
                },
            }
        )
        names = [b["key"] for b in answer["aggregations"]["names"]["buckets"]]
        # The pattern is a superset for letters that fold to two (ß -> ss): check.
        kept = [
            n
            for n in names
            if fold(n).startswith(wanted) or any(w.startswith(wanted) for w in fold(n).split())
        ]
        return kept[:limit]

    def highlight(self, q: str, texts: list[str], expand_locations: bool = False) -> list[str]:
        """Return each text HTML-escaped with the matches of ``q`` marked (whole texts,
        never cut). Raises BadQuery for an invalid query."""
        parsed = _parse(q, expand_locations)
        node = None if parsed.empty else parsed.all_words
        if parsed.any_words is not None:
            node = parsed.any_words  # marks the words of either form
        return highlight_texts(self.stemmer, node, texts, max_chars=None)

    def stats(self) -> IndexStats:
        """Return what is in the index (``exists=False`` when there is no alias)."""
        build = self.store.live_build()
        if build is None:
            return IndexStats(exists=False, path=self.cluster.config.display)
        totals = self.store.totals(self.alias)
        meta = self.store.meta(build)
        return IndexStats(
            exists=True,
            path=self.cluster.config.display,
            documents=totals.documents,
            articles=totals.articles,
            last_reindex=meta.get("last_reindex"),
            generation=build,
        )

    def day_counts(self, request: SearchRequest | None) -> DayCounts:
        """Return the matching paragraphs and distinct articles per day (UTC) over the
        whole result set of ``request`` (whole index for None). Raises BadQuery when
        the request has nothing to search."""
        query = self._view_query(request)
        answer = self._search(
            {
                "size": 0,
                "track_total_hits": True,
                "query": query,
                "aggs": {
                    "days": {
                        "date_histogram": {
                            "field": "date",
                            "calendar_interval": "day",
                            "min_doc_count": 1,
                            "format": "yyyy-MM-dd",
                            "time_zone": "UTC",
                        },
                        "aggs": {"articles": _cardinality()},
                    },
                    "undated": {"missing": {"field": "date"}},
                },
            }
        )
        aggs = answer["aggregations"]
        days = {
            b["key_as_string"]: (int(b["doc_count"]), int(b["articles"]["value"]))
            for b in aggs["days"]["buckets"]
            if b["doc_count"]
        }
        return DayCounts(
            days=days, undated=int(aggs["undated"]["doc_count"]), matched=_total(answer)
        )

    def value_counts(
        self,
        request: SearchRequest | None,
        field: str,
        limit: int | None = None,
        values: Sequence[str] | None = None,
    ) -> ValueCounts:
        """Return how many matching paragraphs (whole index for None) carry each value
        of ``field`` (``actors``, ``locations``, ``sources``): the ``limit`` most
        frequent (ties by name), all of them for None, or exactly ``values``."""
        keyword = FACET_FIELDS.get(field)
        if keyword is None:
            raise BadQuery(f"field must be one of {', '.join(FACET_FIELDS)}")
        query = self._view_query(request)
        if values is not None:
            wanted = [v for v in values if v]
            aggs = {"terms": {"field": keyword, "include": wanted, "size": max(1, len(wanted))}}
            answer = self._search(
                {"size": 0, "track_total_hits": True, "query": query, "aggs": {"v": aggs}}
            )
            found = {b["key"]: int(b["doc_count"]) for b in answer["aggregations"]["v"]["buckets"]}
            counts = {v: found.get(v, 0) for v in values}
            return ValueCounts(field=field, matched=_total(answer), counts=counts)
        counts: dict[str, int] = {}
        after: dict[str, Any] | None = None
        matched = 0
        while True:
            composite: dict[str, Any] = {
                "size": COMPOSITE_PAGE,
                "sources": [{"value": {"terms": {"field": keyword}}}],
            }
            if after is not None:
                composite["after"] = after
            answer = self._search(
                {
                    "size": 0,
                    "track_total_hits": True,
                    "query": query,
                    "aggs": {"v": {"composite": composite}},
                }
            )
            matched = _total(answer)
            page = answer["aggregations"]["v"]
            for bucket in page["buckets"]:
                counts[bucket["key"]["value"]] = int(bucket["doc_count"])
            after = page.get("after_key")
            if not page["buckets"] or after is None:
                break
        order = sorted(counts, key=lambda v: (-counts[v], v))
        if limit is not None:
            order = order[:limit]
        return ValueCounts(field=field, matched=matched, counts={v: counts[v] for v in order})

    @contextmanager
    def export(self, request: SearchRequest) -> Iterator[OpenSearchExport]:
        """Hold one index version (a point in time) and give every hit of ``request``
        in its sort order (one per article with ``collapse``), without a cap;
        highlights are empty. Raises BadQuery when there is nothing to search."""
        query, folding = self._view(request)
        build = self.store.live_build()
        if build is None:
            raise self.cluster.missing()
        client = self.cluster.client
        pit = self.cluster.call(
            "open a point in time",
            client.create_pit,
            index=self.alias,
            params={"keep_alive": PIT_KEEP},
        )["pit_id"]
        try:
            count_aggs = {"articles": _cardinality()} if request.collapse else {}
            first = self.cluster.call(
                "count the export",
                client.search,
                body={
                    "size": 0,
                    "track_total_hits": True,
                    "query": query,
                    "pit": {"id": pit, "keep_alive": PIT_KEEP},
                    "aggs": count_aggs,
                },
            )
            total = (
                int(first["aggregations"]["articles"]["value"])
                if request.collapse
                else _total(first)
            )
            counted = "stories" if folding is not None else "paragraphs"
            info = ExportInfo(version=build, total=total, counted=counted)
            yield OpenSearchExport(self, pit, query, request, info, folding)
        finally:
            with contextlib.suppress(Exception):  # the point in time expires by itself
                client.delete_pit(body={"pit_id": [pit]})

    def warm(self) -> None:
        """Check the cluster and the alias and load the facet tables (global ordinals)
        now rather than during the first searches."""
        self._search(
            {
                "size": 0,
                "query": {"match_all": {}},
                "aggs": {n: {"terms": {"field": f, "size": 1}} for n, f in FACET_FIELDS.items()},
            }
        )

    def close(self) -> None:
        """Close the connections to the cluster."""
        self.cluster.close()

    # -- helpers -----------------------------------------------------------------------

    def _search(self, body: dict[str, Any], routing: str | None = None) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"index": self.alias, "body": body}
        if routing is not None:
            kwargs["routing"] = routing
        try:
            return self.cluster.call("search", self.cluster.client.search, **kwargs)
        except NotFoundError:
            raise self.cluster.missing() from None
        except RequestError as exc:
            raise BadQuery(f"the cluster could not run this query ({_reason(exc)})") from exc

    def _body(
        self,
        main: Node | None,
        words: tuple[str, ...],
        clauses: list[Query],
        req: SearchRequest,
        folding: fold_copies.Folding | None = None,
    ) -> dict[str, Any]:
        query = combine(main, words, clauses)
        body: dict[str, Any] = {
            "query": folding.restrict(query) if folding is not None else query,
            "from": (req.page - 1) * req.per_page,
            "size": req.per_page,
            "sort": sort_clause(req.sort),
            "track_total_hits": True,
            "_source": SOURCE_FIELDS,
            "aggs": _facet_aggs(req),
        }
        if req.sort != "relevance":
            body["track_scores"] = False
        if req.collapse:
            body["collapse"] = {
                "field": "article_id",
                "inner_hits": {"name": "article", "size": 0, "track_scores": False},
            }
        return body

    def _hits(self, answer: dict[str, Any], main: Node | None, req: SearchRequest) -> list:
        found = answer["hits"]["hits"]
        if not found:
            return []
        texts = [h["_source"].get("text", "") for h in found]
        marked = highlight_texts(self.stemmer, main, texts, max_chars=MAX_FULL_CHARS)
        hits = []
        for hit, highlight in zip(found, marked, strict=True):
            more = 0
            if req.collapse:
                inner = hit.get("inner_hits", {}).get("article", {}).get("hits", {})
                more = max(0, int(inner.get("total", {}).get("value", 1)) - 1)
            score = hit.get("_score") if req.sort == "relevance" else 0.0
            hits.append(source_hit(hit["_source"], highlight, score or 0.0, more))
        return hits

    def _has_copies(self) -> bool:
        """Return True when the live build holds copy signatures of the current kind."""
        build = self.store.live_build()
        if build is None:
            raise self.cluster.missing()
        known = self._copies_ready.get(build)
        if known is None:
            try:
                fold_copies.check(self.store.meta(build), self.store.has_copies(build))
                known = True
            except IndexOutdated:
                known = False
            self._copies_ready[build] = known
        return known

    def _check_copies(self) -> None:
        if not self._has_copies():
            raise IndexOutdated(NEEDS_COPIES)

    def _fold(self, query: Query) -> fold_copies.Folding:
        """Return the fold of the documents matching ``query`` (raises IndexOutdated)."""
        self._check_copies()
        return fold_copies.fold(self._search, query)

    def _paragraph(self, paragraph_id: str, extra: list[str]) -> dict[str, Any]:
        """Return the ``_source`` of one paragraph (raises NotFound)."""
        answer = self._search(
            {
                "size": 1,
                "query": {"ids": {"values": [paragraph_id]}},
                "_source": [*SOURCE_FIELDS, *extra],
            }
        )
        hits = answer["hits"]["hits"]
        if not hits:
            raise NotFound(f"no paragraph {paragraph_id[:100]!r} in the index")
        return hits[0]["_source"]

    def _view_query(self, request: SearchRequest | None) -> Query:
        """Return the query of an analyst view (``_view``) without copy counts."""
        return self._view(request)[0]

    def _view(
        self, request: SearchRequest | None
    ) -> tuple[Query, fold_copies.Folding | None]:
        """Return the query of an analyst view and, with ``dedupe``, its fold (the
        query then leaves the folded copies out)."""
        query = self._plain_view_query(request)
        if request is None or not request.dedupe:
            return query, None
        folding = self._fold(query)
        return folding.restrict(query), folding

    def _plain_view_query(self, request: SearchRequest | None) -> Query:
        """Return the query of an analyst view: every paragraph for None; else the
        request's words and filters, all words required or, when that finds nothing,
        any of them (without the phrase boost: counts only)."""
        if request is None:
            return {"match_all": {}}
        checked = validate(request)
        parsed = _parse(request.q, request.expand_locations)
        clauses = filters(checked)
        if parsed.empty and not clauses:
            if parsed.text:  # only stop words: nothing matches, as in ``search``
                return {"match_none": {}}
            raise BadQuery(NOTHING_TO_SEARCH)
        if parsed.empty:
            return combine(None, (), clauses)
        if parsed.any_words is not None and self._count(parsed.all_words, clauses) == 0:
            return combine(parsed.any_words, (), clauses)
        return combine(parsed.all_words, (), clauses)

    def _count(self, main: Node, clauses: list[Query]) -> int:
        answer = self._search(
            {"size": 0, "track_total_hits": True, "query": combine(main, (), clauses)}
        )
        return _total(answer)

    def _correction(
        self, parsed: ParsedQuery, clauses: list[Query], found: int, req: SearchRequest
    ) -> str | None:
        """Return a corrected query text that finds more than ``found`` paragraphs: each
        word the index does not hold (its stem, for body words) is replaced by the
        closest indexed word sharing its first two letters (within two edits), and the
        corrected query must find more."""
        try:
            words = _spelled_words(parsed.all_words)
            if not words:
                return None
            answer = self._search(
                {"size": 0, "query": {"match_none": {}}, "suggest": _suggesters(words)}
            )
            fixes = _fixes(answer.get("suggest", {}), words)
            if not fixes:
                return None
            text = _replace_words(parsed.text, fixes)
            if not text or text.strip().lower() == parsed.text.strip().lower():
                return None
            count = self._count(_fixed(parsed.all_words, fixes), clauses)
            if count == 0 and parsed.any_words is not None:
                count = self._count(_fixed(parsed.any_words, fixes), clauses)
            return text if count > found else None
        except (BadQuery, TransportError):  # a suggestion is optional
            return None


def _mark_copies(hits: list[Hit], folding: fold_copies.Folding) -> None:
    """Set each hit's cluster and copy counts from the fold."""
    for hit in hits:
        hit.cluster = hit.id
        hit.copies, hit.copy_sources = folding.clusters.get(hit.id, (0, 0))


def _fold_hits(found: list[dict[str, Any]]) -> tuple[set[str], dict[str, tuple[int, int]]]:
    """Return the ids kept and the copy counts when the hits ``found`` (with their
    signatures) are folded among themselves."""
    sources = [h["_source"] for h in found]
    folding = fold_copies.fold_sources(sources)
    kept = {s["id"] for s in sources} - set(folding.excluded)
    return kept, folding.clusters


def _suggesters(words: list[tuple[str, str]]) -> dict[str, Any]:
    """Return the term suggesters of a correction: per word, whether the index lacks it
    (``missing`` mode on the field searched, stemmed for body words) and, for body
    words, the closest unstemmed indexed words to show."""
    common = {"prefix_length": 2, "max_edits": 2, "min_word_length": 3, "sort": "score"}
    suggest: dict[str, Any] = {}
    for i, (word, field) in enumerate(words):
        indexed = QUERY_FIELDS["text" if field in DEFAULT_FIELDS else field]
        suggest[f"missing{i}"] = {
            "text": word,
            "term": {"field": indexed, "suggest_mode": "missing", "size": 1, **common},
        }
        if field in DEFAULT_FIELDS:
            suggest[f"shown{i}"] = {
                "text": word,
                "term": {"field": SUGGEST_FIELD, "suggest_mode": "always", "size": 1, **common},
            }
    return suggest


def _fixes(answer: dict[str, Any], words: list[tuple[str, str]]) -> dict[str, str]:
    """Return ``{word: correction}`` from the suggesters' answer."""
    fixes: dict[str, str] = {}

    def first(name: str) -> str | None:
        for entry in answer.get(name, []):
            options = entry.get("options") or []
            if options:
                return str(options[0]["text"])
        return None

    for i, (word, field) in enumerate(words):
        stem_fix = first(f"missing{i}")
        if stem_fix is None:
            continue  # the index holds the word (or nothing near it)
        shown = first(f"shown{i}") if field in DEFAULT_FIELDS else stem_fix
        if shown and shown != word:
            fixes[word] = shown
    return fixes


def _fixed(node: Node, fixes: dict[str, str]) -> Node:
    """Return the query tree with the words of ``fixes`` corrected."""
    if isinstance(node, Term | Fuzzy):
        return replace(node, word=fixes.get(node.word, node.word))
    if isinstance(node, Phrase):
        return replace(node, words=tuple(fixes.get(w, w) for w in node.words))
    children = getattr(node, "children", None)
    if children is not None:
        return replace(node, children=tuple(_fixed(c, fixes) for c in children))
    child = getattr(node, "child", None)
    if child is not None:
        return replace(node, child=_fixed(child, fixes))
    return node


def _total(answer: dict[str, Any]) -> int:
    total = answer.get("hits", {}).get("total", 0)
    return int(total.get("value", 0) if isinstance(total, dict) else total)


def _facet_aggs(req: SearchRequest) -> dict[str, Any]:
    aggs: dict[str, Any] = {
        "articles": {
            "cardinality": {"field": "article_id", "precision_threshold": ARTICLE_PRECISION}
        }
    }
    actives = {"actors": req.actors, "locations": req.locations, "sources": req.sources}
    for name, field in FACET_FIELDS.items():
        aggs[name] = {
            "terms": {
                "field": field,
                "size": req.facet_limit,
                "shard_size": max(req.facet_limit * FACET_SHARD_FACTOR, 50),
                "order": [{"_count": "desc"}, {"_key": "asc"}],
            }
        }
        active = [v for v in actives[name] if v]
        if active:
            aggs[f"{name}_active"] = {
                "terms": {"field": field, "include": active, "size": len(active)}
            }
    return aggs


def _facets(aggs: dict[str, Any], req: SearchRequest) -> dict[str, list[FacetValue]]:
    """Return the facet lists: the top values (ties by name), then any active value not
    among them, each marked active or not (as the Whoosh engine does)."""
    actives = {"actors": req.actors, "locations": req.locations, "sources": req.sources}
    facets: dict[str, list[FacetValue]] = {}
    for name in FACET_FIELDS:
        active = [v for v in actives[name] if v]
        chosen = set(active)
        values = [
            FacetValue(b["key"], int(b["doc_count"]), b["key"] in chosen)
            for b in aggs.get(name, {}).get("buckets", [])
        ]
        counts = {
            b["key"]: int(b["doc_count"]) for b in aggs.get(f"{name}_active", {}).get("buckets", [])
        }
        shown = {v.value for v in values}
        for value in active:
            if value not in shown:
                values.append(FacetValue(value, counts.get(value, 0), True))
                shown.add(value)
        facets[name] = values
    return facets


def _spelled_words(node: Node) -> list[tuple[str, str]]:
    """Return ``(word, field)`` for the words of a tree that spelling can correct: terms
    and phrase words in the body or a name field (first field of each)."""
    found: list[tuple[str, str]] = []
    seen: set[str] = set()

    def visit(n: Node) -> None:
        children = getattr(n, "children", None)
        if children is not None:
            for child in children:
                visit(child)
            return
        if isinstance(n, Term | Fuzzy | Phrase):
            words = n.words if isinstance(n, Phrase) else (n.word,)
            field = "text" if any(f in DEFAULT_FIELDS for f in n.fields) else n.fields[0]
            if field not in QUERY_FIELDS or isinstance(n, Fuzzy):
                return
            for word in words:
                if word not in seen:
                    seen.add(word)
                    found.append((word, field))

    visit(node)
    return found


def _replace_words(text: str, fixes: dict[str, str]) -> str:
    """Return ``text`` with each word whose folded form has a fix replaced by it."""
    out: list[str] = []
    cursor = 0
    for match in WORD.finditer(text):
        fix = fixes.get(fold(match.group()))
        if fix is None:
            continue
        out.append(text[cursor : match.start()])
        out.append(fix)
        cursor = match.end()
    out.append(text[cursor:])
    return "".join(out)


_FOLDS: dict[str, str] | None = None


def _letter_classes() -> dict[str, str]:
    """Return, for each ASCII letter and digit, every Latin character that folds to it."""
    global _FOLDS
    if _FOLDS is None:
        classes: dict[str, set[str]] = {}
        for code in (
            list(range(0x30, 0x7B)) + list(range(0xC0, 0x250)) + list(range(0x1E00, 0x1F00))
        ):
            char = chr(code)
            folded = fold(char)
            if len(folded) == 1 and folded.isalnum() and folded.isascii():
                classes.setdefault(folded, set()).add(char)
        _FOLDS = {k: "".join(sorted(v)) for k, v in classes.items()}
    return _FOLDS


_REGEX_SPECIAL = set('.?+*|{}[]()"\\#@&<>~')


def _folded_prefix_pattern(wanted: str) -> str:
    """Return a Lucene regular expression matching any text that folds to ``wanted``."""
    classes = _letter_classes()
    parts = []
    for char in wanted:
        chars = classes.get(char)
        if chars:
            parts.append(
                "["
                + "".join("\\" + c if c in _REGEX_SPECIAL or c in "^-" else c for c in chars)
                + "]"
            )
        elif char in _REGEX_SPECIAL:
            parts.append("\\" + char)
        else:
            parts.append(char)
    return "".join(parts)


def _reason(exc: TransportError) -> str:
    info = exc.info if isinstance(exc.info, dict) else {}
    error = info.get("error")
    if isinstance(error, dict):
        cause = (error.get("root_cause") or [error])[0]
        return f"{cause.get('type')}: {str(cause.get('reason'))[:200]}"
    return str(exc.error)[:200]


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000.0, 2)


def _cardinality() -> dict[str, Any]:
    return {"cardinality": {"field": "article_id", "precision_threshold": ARTICLE_PRECISION}}


class OpenSearchExport:
    """Every hit of one request from one point in time, in order (``search_after``)."""

    def __init__(
        self,
        reader: OpenSearchReader,
        pit: str,
        query: Query,
        request: SearchRequest,
        info: ExportInfo,
        folding: fold_copies.Folding | None = None,
    ):
        self.reader = reader
        self.pit = pit
        self.query = query
        self.request = request
        self.info = info
        self.folding = folding

    def hits(self) -> Iterator[Hit]:
        """Yield the hits a page of ``EXPORT_PAGE`` at a time; with collapse, the first
        (best) paragraph of each article."""
        cluster = self.reader.cluster
        seen: set[str] = set()
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {
                "size": EXPORT_PAGE,
                "query": self.query,
                "sort": sort_clause(self.request.sort),
                "_source": SOURCE_FIELDS,
                "pit": {"id": self.pit, "keep_alive": PIT_KEEP},
                "track_total_hits": False,
            }
            if after is not None:
                body["search_after"] = after
            page = cluster.call("export hits", cluster.client.search, body=body)
            found = page["hits"]["hits"]
            for hit in found:
                source = hit["_source"]
                if self.request.collapse:
                    if source.get("article_id") in seen:
                        continue
                    seen.add(source.get("article_id"))
                score = hit.get("_score") if self.request.sort == "relevance" else 0.0
                row = source_hit(source, "", score or 0.0, 0)
                if self.folding is not None:
                    _mark_copies([row], self.folding)
                yield row
            if len(found) < EXPORT_PAGE:
                return
            after = found[-1]["sort"]
