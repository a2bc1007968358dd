"""Copies in the Whoosh engine: the pairs of copies of one index version, the fold of a
result set, and the copies of one paragraph or article.

The Whoosh index keeps signatures, not band-key terms: a unique term costs Whoosh's
writer about as much as a whole paragraph's words (16 band keys per paragraph doubled
the indexing time), so each signature is a fixed-width column (``copy_signature``;
``article_signature`` on an article's first paragraph), read in one piece per segment.
``CopyGraph`` is built once per index version from them, as the facet tables are:
documents grouped by identical signature, and the verified pairs between groups that
share a band key (``searchsvc.copies.similar_pairs``: the same candidates a term query
on band keys finds, and the same verification). A search with ``dedupe`` folds its
matching documents over the pairs whose both sides match (``searchsvc.copies.fold``):
the clusters the OpenSearch engine computes from the signatures of its matches. The
copies of one paragraph or article are its group and its neighbours in the graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from whoosh import query
from whoosh.searching import Searcher

from searchsvc import copies, limits
from searchsvc.arrays import index_dtype
from searchsvc.errors import NEEDS_COPIES, IndexOutdated, NotFound
from searchsvc.models import Copies, Copy, Hit, SearchPage, SearchRequest

from .. import patches
from ..schema import ARTICLE_SIGNATURE, COPY_SIGNATURE, has_copies, stored_to_paragraph
from .docsets import DocSets
from .facets import ValueTable
from .highlight import highlight, match_spec
from .scoring import top

if TYPE_CHECKING:
    from .pool import Generation


SIGNATURE_ROWS_READ = 65536  # rows of a signature column read at a time


def check_copies(searcher: Searcher, meta: dict) -> None:
    """Raise IndexOutdated unless the index holds copy signatures of the current kind."""
    if not current_kind(searcher, meta):
        raise IndexOutdated(NEEDS_COPIES)


def current_kind(searcher: Searcher, meta: dict) -> bool:
    """Return True when the index holds copy signatures made as this code makes them."""
    return has_copies(searcher.schema) and meta.get("copies") == copies.DEFAULT.fingerprint()


def read_signatures(searcher: Searcher, fieldname: str) -> np.ndarray:
    """Return the signature column ``fieldname`` of every document (global docnums;
    rows of zeros where there is none), read from each segment's column in one piece."""
    width = copies.SIGNATURE_BYTES // 2
    out = np.zeros((searcher.doc_count_all(), width), dtype=np.uint16)
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        if fieldname not in reader.schema or not reader.has_column(fieldname):
            continue
        column = reader.column_reader(fieldname, translate=False)
        layout = patches.column_layout(column)
        if layout is None or layout[1] != copies.SIGNATURE_BYTES:
            # another column implementation: one value at a time
            values = np.stack([copies.from_bytes(v) for v in column])
            out[offset : offset + len(values)] = values
            continue
        count = reader.doc_count_all()
        # In pieces: a whole segment's column read at once would be held twice.
        for start in range(0, count, SIGNATURE_ROWS_READ):
            raw = patches.column_rows(column, start, min(SIGNATURE_ROWS_READ, count - start))
            if not raw:  # past the rows written
                break
            rows = len(raw) // copies.SIGNATURE_BYTES
            values = np.frombuffer(raw, dtype="<u2").reshape(rows, width)
            out[offset + start : offset + start + rows] = values
    return out


@dataclass
class ClusterCounts:
    """``(copies, copy_sources)`` of the canonical documents of clusters of several
    (``docs`` sorted)."""

    docs: np.ndarray
    copies: np.ndarray
    sources: np.ndarray

    def get(self, docnum: int, default: tuple[int, int] = (0, 0)) -> tuple[int, int]:
        """Return the counts of ``docnum``, or ``default`` when it has no copies."""
        at = int(np.searchsorted(self.docs, docnum))
        if at < len(self.docs) and self.docs[at] == docnum:
            return int(self.copies[at]), int(self.sources[at])
        return default


NO_CLUSTERS = ClusterCounts(*(np.zeros(0, dtype=np.int64),) * 3)


@dataclass
class Folded:
    """A result set with copies folded: ``kept`` (sorted docnums, one per cluster),
    ``excluded`` (sorted docnums folded into another) and, for each kept document of a
    cluster of several, ``(copies, copy_sources)``."""

    kept: np.ndarray
    excluded: np.ndarray
    clusters: ClusterCounts = field(default_factory=lambda: NO_CLUSTERS)


class SignatureGraph:
    """The copies among one signature column of an index version: each document's
    class of identical signatures (-1: none), the verified pairs of classes, and the
    signatures of the classes in a pair (the only ones a similarity is asked of)."""

    def __init__(self, grouped: copies.Classes, threshold: float, article: bool = False):
        """Build from the classes of a signature column (``copies.classes``: given
        alone, so that the column itself, larger still, can be freed before)."""
        small = index_dtype(len(grouped.of_row))  # kept per server worker: compact
        self.doc_class = grouped.of_row.astype(small)
        self.left, self.right = copies.similar_pairs(
            grouped.signatures, threshold, article=article
        )
        count = len(grouped.signatures)
        paired = np.zeros(count, dtype=bool)
        paired[self.left] = True
        paired[self.right] = True
        self.signature_row = np.full(count, -1, dtype=small)
        self.signature_row[paired] = np.arange(int(paired.sum()))
        self.signatures = grouped.signatures[paired]
        del grouped
        sizes = np.bincount(self.doc_class[self.doc_class >= 0], minlength=count)
        involved = sizes >= 2
        involved[self.left] = True
        involved[self.right] = True
        self.involved = involved  # classes that can have copies
        # Documents by class, and neighbour classes by class (CSR).
        members = np.flatnonzero(self.doc_class >= 0)
        order = np.argsort(self.doc_class[members], kind="stable")
        self.class_docs = members[order].astype(small)
        self.class_start = np.concatenate(([0], np.cumsum(sizes))).astype(small)
        ends = np.concatenate((self.left, self.right))
        others = np.concatenate((self.right, self.left))
        order = np.argsort(ends, kind="stable")
        self.neighbour = others[order]
        self.neighbour_start = np.concatenate(
            ([0], np.cumsum(np.bincount(ends, minlength=count)))
        ).astype(small)

    def copies_of(self, docnum: int) -> list[tuple[int, float]]:
        """Return (docnum, similarity) of the copies of one document."""
        cls = int(self.doc_class[docnum])
        if cls < 0:
            return []
        found = [
            (int(d), 1.0)
            for d in self.class_docs[self.class_start[cls] : self.class_start[cls + 1]]
            if d != docnum
        ]
        near = self.neighbour[self.neighbour_start[cls] : self.neighbour_start[cls + 1]]
        if len(near):
            rows = self.signature_row
            similar = copies.similarity(
                self.signatures[rows[near]], self.signatures[rows[cls]][None, :]
            )
            for other, value in zip(near.tolist(), similar.tolist(), strict=True):
                members = self.class_docs[self.class_start[other] : self.class_start[other + 1]]
                found.extend((int(d), float(value)) for d in members)
        return found


class CopyGraph(SignatureGraph):
    """The paragraph copies of one index version, and each document's canonical rank
    (date, then article id, then position)."""

    def __init__(self, grouped: copies.Classes, ranks: np.ndarray):
        super().__init__(grouped, limits.COPY_THRESHOLD)
        self.ranks = ranks

    @classmethod
    def build(
        cls,
        searcher: Searcher,
        docsets: DocSets,
        dates: np.ndarray,
        positions: np.ndarray,
        articles: ValueTable,
    ) -> CopyGraph:
        """Return the graph of the searcher's index version (``dates``/``positions``:
        per-document sort keys; undated documents carry the largest date)."""
        grouped = _classes_of(searcher, docsets, COPY_SIGNATURE)
        name_rank = np.empty(len(articles.names), dtype=np.int64)
        name_rank[np.argsort(np.array(articles.names, dtype=object), kind="stable")] = np.arange(
            len(articles.names)
        )
        every = np.arange(len(grouped.of_row), dtype=np.int64)
        article = articles.first_value(every)
        article_rank = np.where(article >= 0, name_rank[np.maximum(article, 0)], -1)
        order = np.lexsort((positions, article_rank, dates))
        ranks = np.empty(len(order), dtype=index_dtype(len(order)))
        ranks[order] = np.arange(len(order))
        return cls(grouped, ranks)

    def fold(self, docs: np.ndarray, sources: ValueTable) -> Folded:
        """Return ``docs`` (sorted live docnums) with copies folded."""
        cls = self.doc_class[docs]
        maybe = np.flatnonzero((cls >= 0) & self.involved[np.maximum(cls, 0)])
        if len(maybe) < 2:
            return Folded(docs, np.zeros(0, dtype=np.int64))
        subset = docs[maybe]
        members = copies.Members(
            ranks=self.ranks[subset],
            classes=cls[maybe],
            sources=sources.first_value(subset),
        )
        result = copies.fold(members, self.left, self.right)
        # Positions from flatnonzero are increasing, and so are docs: no sorting.
        folded = result.folded
        keep = np.ones(len(docs), dtype=bool)
        keep[maybe[folded]] = False
        clustered = np.flatnonzero(result.kept & (result.copies > 0))
        clusters = ClusterCounts(
            subset[clustered], result.copies[clustered], result.copy_sources[clustered]
        )
        return Folded(docs[keep], subset[folded], clusters)


def article_graph(searcher: Searcher, docsets: DocSets) -> SignatureGraph:
    """Return the article copies of the searcher's index version (the body signatures
    kept on first paragraphs)."""
    grouped = _classes_of(searcher, docsets, ARTICLE_SIGNATURE)
    return SignatureGraph(grouped, limits.ARTICLE_COPY_THRESHOLD, article=True)


def _classes_of(searcher: Searcher, docsets: DocSets, fieldname: str) -> copies.Classes:
    """Return the classes of identical signatures of the live documents' column
    ``fieldname`` (the column is freed on return)."""
    signatures = read_signatures(searcher, fieldname)
    signatures[~docsets.live] = 0
    return copies.classes(signatures)


# -- the read side's copy answers (``WhooshSearchBackend`` calls these) ----------------


def fold(searcher: Searcher, gen: Generation, docs: np.ndarray) -> Folded:
    """Return the matching ``docs`` with copies folded (raises IndexOutdated for an
    index without copy signatures of the current kind)."""
    check_copies(searcher, gen.meta)
    return gen.copy_graph(searcher).fold(docs, gen.table("source", searcher))


def mark_copies(hit: Hit, docnum: int, folded: Folded) -> None:
    """Set the cluster and copy counts of the hit of document ``docnum`` from the fold."""
    hit.cluster = hit.id
    hit.copies, hit.copy_sources = folded.clusters.get(docnum, (0, 0))


def copies_of_paragraph(searcher: Searcher, gen: Generation, paragraph_id: str) -> Copies:
    """Return the copies of a paragraph (see ``copies.gather``)."""
    check_copies(searcher, gen.meta)
    graph = gen.copy_graph(searcher)

    def direct(pid: str) -> list[Copy]:
        docnum = searcher.document_number(id=pid)
        if docnum is None:
            return []
        return [
            Copy.of(stored_to_paragraph(searcher.stored_fields(d)), sim)
            for d, sim in graph.copies_of(docnum)
        ]

    docnum = searcher.document_number(id=paragraph_id)
    if docnum is None:
        raise NotFound(f"no paragraph {paragraph_id[:100]!r} in the index")
    of = Copy.of(stored_to_paragraph(searcher.stored_fields(docnum)), 1.0)
    return copies.gather("paragraph", of, direct(paragraph_id), direct)


def copies_of_article(searcher: Searcher, gen: Generation, article_id: str) -> Copies:
    """Return the copies of an article (see ``copies.gather``)."""
    check_copies(searcher, gen.meta)
    graph = gen.memo("article_copies", lambda: article_graph(searcher, gen.docsets(searcher)))

    def direct(aid: str) -> list[Copy]:
        first = searcher.document_number(article_id=aid, position=1)
        if first is None:
            return []
        return [
            Copy.of(stored_to_paragraph(searcher.stored_fields(d)), sim, article=True)
            for d, sim in graph.copies_of(first)
        ]

    first = searcher.document_number(article_id=article_id, position=1)
    if first is None:
        raise NotFound(f"no article {article_id!r} in the index")
    of = Copy.of(stored_to_paragraph(searcher.stored_fields(first)), 1.0, article=True)
    return copies.gather("article", of, direct(article_id), direct)


def similar(
    searcher: Searcher, gen: Generation, paragraph_id: str, page: int, per_page: int
) -> SearchPage:
    """Return the "more like this" page of a paragraph: its key terms (Whoosh's Bo1
    model) that some paragraph outside its article and their copies uses, ranked by
    BM25F; the article's paragraphs and their copies left out, copies among the best
    ``2 * MAX_SIMILAR`` folded, at most ``MAX_SIMILAR`` kept."""
    docnum = searcher.document_number(id=paragraph_id)
    if docnum is None:
        raise NotFound(f"no paragraph {paragraph_id[:100]!r} in the index")
    fields = searcher.stored_fields(docnum)
    docsets = gen.docsets(searcher)
    unwanted = docsets.docs(query.Term("article_id", fields.get("article_id", "")), searcher)
    with_copies = current_kind(searcher, gen.meta)
    if with_copies:
        graph = gen.copy_graph(searcher)
        copied = [d for own in unwanted.tolist() for d, _ in graph.copies_of(own)]
        unwanted = np.union1d(unwanted, np.array(copied, dtype=np.int64))
    candidates_found = searcher.key_terms_from_text(
        "text", fields.get("text") or "", numterms=4 * limits.SIMILAR_TERMS
    )
    terms = [
        (term, weight)
        for term, weight in candidates_found
        if not term.isdigit()
        and not np.isin(docsets.term("text", term.encode(), searcher), unwanted).all()
    ][: limits.SIMILAR_TERMS]
    request = SearchRequest(page=page, per_page=per_page, dedupe=True)
    result = SearchPage.begin(request, " ".join(t for t, _ in terms))
    result.counted = "stories"
    if not terms:
        return result
    q = query.Or([query.Term("text", t, boost=float(w)) for t, w in terms])
    docs, scores = gen.scorer(searcher).score(q, searcher)
    keep = ~np.isin(docs, unwanted)
    ranked = top(docs[keep], scores[keep], 2 * limits.MAX_SIMILAR)
    chosen = [d for d, _ in ranked]
    score_of = dict(ranked)
    clusters: ClusterCounts = NO_CLUSTERS
    if with_copies and chosen:
        folded = gen.copy_graph(searcher).fold(
            np.sort(np.array(chosen, dtype=np.int64)), gen.table("source", searcher)
        )
        kept = set(folded.kept.tolist())
        chosen = [d for d in chosen if d in kept]
        clusters = folded.clusters
    chosen = chosen[: limits.MAX_SIMILAR]
    result.total = result.total_paragraphs = len(chosen)
    spec = match_spec(q)
    for d in chosen[(page - 1) * per_page : page * per_page]:
        paragraph = stored_to_paragraph(searcher.stored_fields(d))
        hit = Hit.of(paragraph, highlight(paragraph.text, spec), score_of[d])
        hit.cluster = hit.id
        hit.copies, hit.copy_sources = clusters.get(d, (0, 0))
        result.hits.append(hit)
    return result
