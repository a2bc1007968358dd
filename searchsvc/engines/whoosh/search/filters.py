"""The filter clauses of a validated request and how they join the query: filters
restrict without changing scores."""

from __future__ import annotations

from whoosh import query

from searchsvc.request import Checked

from .query import name_words


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
