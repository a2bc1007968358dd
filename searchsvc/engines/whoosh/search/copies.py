"""Copies in the Whoosh engine: the pairs of copies of one index version, the fold of a
result set, and the candidates of one paragraph or article by band-key terms.

``CopyGraph`` is built once per index version (like the facet tables): every live
document's signature read from the ``copy_signature`` column (one read per segment),
grouped by identical signature, and the verified pairs between those groups
(``searchsvc.copies.similar_pairs``). A search with ``dedupe`` then folds its matching
documents with ``searchsvc.copies.fold`` over the pairs whose both sides match: the
same clusters the OpenSearch engine computes from the signatures of its matches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from whoosh import query
from whoosh.searching import Searcher

from searchsvc import copies, limits
from searchsvc.errors import NEEDS_COPIES, IndexOutdated, NotFound
from searchsvc.models import Copies, Copy, Hit, SearchPage, SearchRequest

from ..schema import has_copies, stored_to_paragraph
from .docsets import DocSets
from .facets import ValueTable
from .highlight import highlight, match_spec
from .scoring import top

if TYPE_CHECKING:
    from .pool import Generation

SIGNATURE_FIELD = "copy_signature"


def check_copies(searcher: Searcher, meta: dict) -> None:
    """Raise IndexOutdated unless the index holds copy signatures of the current kind."""
    if not has_copies(searcher.schema) or meta.get("copies") != copies.DEFAULT.fingerprint():
        raise IndexOutdated(NEEDS_COPIES)


def read_signatures(searcher: Searcher) -> np.ndarray:
    """Return the stored signature of every document (global docnums; rows of zeros
    where there is none), read from each segment's column in one piece."""
    width = copies.SIGNATURE_BYTES // 2
    out = np.zeros((searcher.doc_count_all(), width), dtype=np.uint16)
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        if SIGNATURE_FIELD not in reader.schema or not reader.has_column(SIGNATURE_FIELD):
            continue
        column = reader.column_reader(SIGNATURE_FIELD, translate=False)
        try:
            count = min(column._count, reader.doc_count_all())
            raw = bytes(column._dbfile.get(column._basepos, count * column._fixedlen))
            values = np.frombuffer(raw, dtype="<u2").reshape(count, width)
        except AttributeError:  # another column implementation: one value at a time
            values = np.stack([copies.from_bytes(v) for v in column])
        out[offset : offset + len(values)] = values
    return out


def signature_of(searcher: Searcher, docnum: int) -> np.ndarray:
    """Return the stored signature of one document."""
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        if offset <= docnum < offset + reader.doc_count_all():
            if not reader.has_column(SIGNATURE_FIELD):
                break
            column = reader.column_reader(SIGNATURE_FIELD, translate=False)
            return copies.from_bytes(column[docnum - offset])
    return copies.from_bytes(None)


@dataclass
class Folded:
    """A result set with copies folded: ``kept`` (sorted docnums, one per cluster),
    ``excluded`` (sorted docnums folded into another) and, for each kept document of a
    cluster of several, ``(copies, copy_sources)``."""

    kept: np.ndarray
    excluded: np.ndarray
    clusters: dict[int, tuple[int, int]] = field(default_factory=dict)


class CopyGraph:
    """The copies of one index version: each document's signature class (-1: none),
    the verified pairs of classes, and each document's canonical rank."""

    def __init__(self, doc_class: np.ndarray, left: np.ndarray, right: np.ndarray, ranks):
        self.doc_class = doc_class
        self.left = left
        self.right = right
        self.ranks = ranks
        classes = int(doc_class.max(initial=-1)) + 1
        sizes = np.bincount(doc_class[doc_class >= 0], minlength=classes)
        involved = sizes >= 2
        involved[left] = True
        involved[right] = True
        self.involved = involved  # classes that can have copies

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
        signatures = read_signatures(searcher)
        signatures[~docsets.live] = 0
        grouped = copies.classes(signatures)
        left, right = copies.similar_pairs(grouped.signatures, limits.COPY_THRESHOLD)
        name_rank = np.empty(len(articles.names), dtype=np.int64)
        name_rank[np.argsort(np.array(articles.names, dtype=object), kind="stable")] = np.arange(
            len(articles.names)
        )
        every = np.arange(len(signatures), dtype=np.int64)
        article = articles.first_value(every)
        article_rank = np.where(article >= 0, name_rank[np.maximum(article, 0)], -1)
        order = np.lexsort((positions, article_rank, dates))
        ranks = np.empty(len(order), dtype=np.int64)
        ranks[order] = np.arange(len(order))
        return cls(grouped.of_row, left, right, ranks)

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
        excluded = subset[result.folded]
        keep = np.ones(len(docs), dtype=bool)
        keep[maybe[result.folded]] = False
        clustered = np.flatnonzero(result.kept & (result.copies > 0))
        clusters = {
            int(subset[i]): (int(result.copies[i]), int(result.copy_sources[i]))
            for i in clustered.tolist()
        }
        return Folded(docs[keep], np.sort(excluded), clusters)


def candidates(
    searcher: Searcher, docsets: DocSets, fieldname: str, keys: list[str]
) -> np.ndarray:
    """Return the live documents holding any of the band ``keys`` in ``fieldname`` (a
    term query)."""
    if not keys or fieldname not in searcher.schema:
        return np.zeros(0, dtype=np.int64)
    return docsets.docs(query.Or([query.Term(fieldname, k) for k in keys]), searcher)


def signatures_of(searcher: Searcher, docnums: np.ndarray) -> np.ndarray:
    """Return the stored signatures of ``docnums`` (rows of zeros where none)."""
    width = copies.SIGNATURE_BYTES // 2
    out = np.zeros((len(docnums), width), dtype=np.uint16)
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        inside = np.flatnonzero((docnums >= offset) & (docnums < offset + reader.doc_count_all()))
        if not len(inside) or not reader.has_column(SIGNATURE_FIELD):
            continue
        column = reader.column_reader(SIGNATURE_FIELD, translate=False)
        for i in inside.tolist():
            out[i] = copies.from_bytes(column[int(docnums[i]) - offset])
    return out


def paragraph_copies(
    searcher: Searcher, docsets: DocSets, docnum: int
) -> list[tuple[int, float]]:
    """Return (docnum, similarity) of the copies of one paragraph: the documents that
    share a band key with it (term query) and whose signature is similar enough."""
    signature = signature_of(searcher, docnum)
    keys = copies.band_keys(signature[None, :])[0]
    found = candidates(searcher, docsets, "copy_bands", keys)
    found = found[found != docnum]
    if not len(found):
        return []
    similar = copies.similarity(signatures_of(searcher, found), signature[None, :])
    keep = similar >= limits.COPY_THRESHOLD
    return list(zip(found[keep].tolist(), similar[keep].tolist(), strict=True))


def article_copies(
    searcher: Searcher, docsets: DocSets, first: int
) -> list[tuple[int, float]]:
    """Return (docnum of its first paragraph, similarity) of the copies of the article
    whose first paragraph is ``first``: articles sharing a band key of the body
    (term query) whose body signature is similar enough."""
    signature = copies.from_bytes(searcher.stored_fields(first).get("article_signature"))
    keys = copies.band_keys(signature[None, :], article=True)[0]
    found = candidates(searcher, docsets, "article_bands", keys)
    out = []
    for docnum in found.tolist():
        if docnum == first:
            continue
        other = copies.from_bytes(searcher.stored_fields(docnum).get("article_signature"))
        value = float(copies.similarity(other, signature)[0])
        if value >= limits.ARTICLE_COPY_THRESHOLD:
            out.append((docnum, value))
    return out


# -- the read side's copy answers (``WhooshSearchBackend`` calls these) ----------------


def fold(searcher: Searcher, gen: Generation, docs: np.ndarray) -> Folded:
    """Return the matching ``docs`` with copies folded (raises IndexOutdated for an
    index without copy signatures of the current kind)."""
    check_copies(searcher, gen.meta)
    return gen.copy_graph(searcher).fold(docs, gen.table("source", searcher))


def mark_copies(hits: list[Hit], searcher: Searcher, folded: Folded) -> None:
    """Set each hit's cluster and copy counts from the fold."""
    for hit in hits:
        docnum = searcher.document_number(id=hit.id)
        hit.cluster = hit.id
        hit.copies, hit.copy_sources = folded.clusters.get(docnum, (0, 0))


def _current_kind(searcher: Searcher, gen: Generation) -> bool:
    return has_copies(searcher.schema) and gen.meta.get("copies") == copies.DEFAULT.fingerprint()


def copies_of_paragraph(searcher: Searcher, gen: Generation, paragraph_id: str) -> Copies:
    """Return the copies of a paragraph (see ``copies.gather``)."""
    check_copies(searcher, gen.meta)
    docsets = gen.docsets(searcher)

    def direct(pid: str) -> list[Copy]:
        docnum = searcher.document_number(id=pid)
        if docnum is None:
            return []
        return [
            copies.paragraph_copy(stored_to_paragraph(searcher.stored_fields(d)), sim)
            for d, sim in paragraph_copies(searcher, docsets, docnum)
        ]

    docnum = searcher.document_number(id=paragraph_id)
    if docnum is None:
        raise NotFound(f"no paragraph {paragraph_id[:100]!r} in the index")
    of = copies.paragraph_copy(stored_to_paragraph(searcher.stored_fields(docnum)), 1.0)
    return copies.gather("paragraph", of, direct(paragraph_id), direct)


def copies_of_article(searcher: Searcher, gen: Generation, article_id: str) -> Copies:
    """Return the copies of an article (see ``copies.gather``)."""
    check_copies(searcher, gen.meta)
    docsets = gen.docsets(searcher)

    def direct(aid: str) -> list[Copy]:
        first = searcher.document_number(article_id=aid, position=1)
        if first is None:
            return []
        return [
            copies.article_copy(stored_to_paragraph(searcher.stored_fields(d)), sim)
            for d, sim in article_copies(searcher, docsets, first)
        ]

    first = searcher.document_number(article_id=article_id, position=1)
    if first is None:
        raise NotFound(f"no article {article_id!r} in the index")
    of = copies.article_copy(stored_to_paragraph(searcher.stored_fields(first)), 1.0)
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
    with_copies = _current_kind(searcher, gen)
    if with_copies:
        copied = [
            d for own in unwanted.tolist() for d, _ in paragraph_copies(searcher, docsets, own)
        ]
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
    result = SearchPage(
        query=" ".join(t for t, _ in terms),
        request=SearchRequest(page=page, per_page=per_page, dedupe=True),
        total=0,
        page=page,
        per_page=per_page,
        hits=[],
        facets={"actors": [], "locations": [], "sources": []},
        suggestion=None,
        took_ms=0.0,
        counted="stories",
    )
    if not terms:
        return result
    q = query.Or([query.Term("text", t, boost=float(w)) for t, w in terms])
    docs, scores = gen.scorer(searcher).score(q, searcher)
    keep = ~np.isin(docs, unwanted)
    ranked = top(docs[keep], scores[keep], 2 * limits.MAX_SIMILAR)
    chosen = [d for d, _ in ranked]
    score_of = dict(ranked)
    clusters: dict[int, tuple[int, int]] = {}
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
