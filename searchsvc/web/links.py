"""The URLs the pages link to, built from a ``SearchRequest``: the search with a change
applied (``search_href``), with a facet value added or removed (``toggle_href``), an
article opened from the results (``article_href``). Every link is read back by
``params.build_request`` into the request it was built from."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlencode

from ..limits import FACETS
from ..models import SearchRequest
from . import params


def request_params(req: SearchRequest) -> list[tuple[str, str]]:
    """Return the query-string pairs that reproduce ``req`` (defaults left out)."""
    pairs: list[tuple[str, str]] = []
    if req.q:
        pairs.append((params.Q.name, req.q))
    pairs += [(params.ACTOR.name, v) for v in req.actors]
    pairs += [(params.LOCATION.name, v) for v in req.locations]
    pairs += [(params.SOURCE.name, v) for v in req.sources]
    if req.date_from:
        pairs.append((params.DATE_FROM.name, req.date_from))
    if req.date_to:
        pairs.append((params.DATE_TO.name, req.date_to))
    if req.sort != params.SORT.default:
        pairs.append((params.SORT.name, req.sort))
    if req.per_page != params.PER_PAGE.default:
        pairs.append((params.PER_PAGE.name, str(req.per_page)))
    if req.collapse:
        pairs.append((params.COLLAPSE.name, "1"))
    if req.expand_locations:
        pairs.append((params.EXPAND.name, "1"))
    if req.article_id:
        pairs.append((params.ARTICLE.name, req.article_id))
    if req.dedupe:
        pairs.append((params.DEDUPE.name, "1"))
    if req.facet_limit != params.FACETS.default:
        pairs.append((params.FACETS.name, str(req.facet_limit)))
    if req.page != params.PAGE.default:
        pairs.append((params.PAGE.name, str(req.page)))
    return pairs


def article_href(req: SearchRequest, article_id: str, position: int) -> str:
    """Return the URL of an article page opened from the results of ``req``, scrolled
    to paragraph ``position`` (the search is carried along for highlighting and the
    way back)."""
    pairs = request_params(req)
    query = "?" + urlencode(pairs) if pairs else ""
    return f"/article/{article_id}{query}#p{position}"


def search_href(req: SearchRequest, **changes: Any) -> str:
    """Return the URL of the search page for ``req`` with ``changes`` applied (any
    SearchRequest field; the page goes back to 1 unless ``page`` is given)."""
    changes.setdefault("page", 1)
    pairs = request_params(dataclasses.replace(req, **changes))
    return "/?" + urlencode(pairs) if pairs else "/"


def toggle_href(req: SearchRequest, facet: str, value: str) -> str:
    """Return the search URL with the value of ``facet`` (``actors``, ``locations``,
    ``sources``: the SearchRequest field of the same name) added as a filter, or removed
    when it is already active."""
    if facet not in FACETS:
        raise ValueError(f"no facet {facet!r}: one of {', '.join(FACETS)}")
    current = list(getattr(req, facet))
    if value in current:
        current.remove(value)
    else:
        current.append(value)
    return search_href(req, **{facet: current})


def copies_href(paragraph_id: str) -> str:
    """Return the URL of the page listing the copies of a paragraph."""
    return f"/copies/{quote(paragraph_id, safe='')}"


def similar_href(paragraph_id: str) -> str:
    """Return the URL of the page of paragraphs similar to one ("more like this")."""
    return f"/similar/{quote(paragraph_id, safe='')}"


# -- the search page's chart and downloads --------------------------------------------


def view_params(view: params.ChartView) -> list[tuple[str, str]]:
    """Return the query-string pairs of the page's chart options (defaults left out)."""
    pairs = [(params.VS.name, v) for v in view.vs]
    if view.measure != params.CHART.default:
        pairs.append((params.CHART.name, view.measure))
    return pairs


def view_pairs(req: SearchRequest, view: params.ChartView, **changes: Any) -> list[tuple[str, str]]:
    """Return the query-string pairs of the search page for ``req`` with ``changes``
    applied (as ``search_href``), keeping the chart options ``view``."""
    changes.setdefault("page", 1)
    return request_params(dataclasses.replace(req, **changes)) + view_params(view)


def view_href(req: SearchRequest, view: params.ChartView, **changes: Any) -> str:
    """Return the search page URL of ``view_pairs``."""
    pairs = view_pairs(req, view, **changes)
    return "/?" + urlencode(pairs) if pairs else "/"


def filter_params(req: SearchRequest) -> list[tuple[str, str]]:
    """Return the query-string pairs of the query and filters of ``req`` only (what the
    analyst views take): order, page, collapse and the rest left out."""
    shown = {"sort": params.SORT.default, "collapse": False, "page": params.PAGE.default}
    shown |= {"per_page": params.PER_PAGE.default, "facet_limit": params.FACETS.default}
    return request_params(dataclasses.replace(req, **shown))


def timeline_csv_href(req: SearchRequest, vs: Sequence[str], interval: str) -> str:
    """Return the URL of the CSV of the timeline of ``req`` (compared with the queries
    ``vs``, when any) by ``interval``."""
    pairs = filter_params(req)
    if not vs:
        path = "/api/timeline"
    else:
        path = "/api/timeline/compare"
        pairs = [p for p in pairs if p[0] != params.Q.name]
        pairs = [(params.COMPARE_Q.name, q) for q in (req.q, *vs)] + pairs
    pairs += [(params.INTERVAL.name, interval), (params.TIMELINE_FORMAT.name, "csv")]
    return f"{path}?{urlencode(pairs)}"


def export_href(req: SearchRequest, fmt: str = "csv") -> str:
    """Return the URL of the export of every hit of ``req`` (its order and collapse
    kept) in format ``fmt``."""
    pairs = filter_params(req)
    if req.sort != params.SORT.default:
        pairs.append((params.SORT.name, req.sort))
    if req.collapse:
        pairs.append((params.COLLAPSE.name, "1"))
    pairs.append((params.EXPORT_FORMAT.name, fmt))
    return f"/api/export?{urlencode(pairs)}"
