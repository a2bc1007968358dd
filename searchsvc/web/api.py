"""The JSON blueprint (``/api/...``). Each route is declared with ``endpoint``, which
also lists it, with its parameters, its answer and its errors, in the OpenAPI document
(``/api/openapi.json``): a view returns a ``searchsvc.models`` dataclass and is sent as
its JSON (``api_dict``), so the document describes what is sent.

To add an endpoint: declare its parameters in ``params`` (with a builder that reads
them), its answer as a dataclass in ``searchsvc.models`` (fields ``described``), and a
view here under ``@endpoint(...)``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from flask import Blueprint, Response, jsonify, request

from .. import export as exports
from .. import timeline as timelines
from ..errors import IndexMissing
from ..models import (
    ArticleView,
    Copies,
    Health,
    Related,
    SearchPage,
    Suggestions,
    Timeline,
    TimelineComparison,
    api_dict,
)
from ..related import related
from . import downloads
from .auth import open_access
from .backend import article_copies_known, get_backend
from .openapi import ENDPOINTS, NO_INDEX, Endpoint, openapi_path, openapi_spec
from .params import (
    ARTICLE_ID,
    COMPARE,
    EXPORT,
    PARAGRAPH_ID,
    RELATED,
    SEARCH,
    SIMILAR,
    SIMILAR_PAGE,
    SIMILAR_PER_PAGE,
    SUGGEST,
    TIMELINE,
    Param,
    build_export,
    build_related,
    build_request,
    build_suggest,
    build_timeline,
)

NO_COPIES = "The index has no copy signatures: run searchsvc reindex --full."

api = Blueprint("api", __name__, url_prefix="/api")

View = TypeVar("View", bound=Callable[..., Any])


def endpoint(
    rule: str,
    answer: type | None,
    summary: str,
    answer_doc: str,
    *,
    params: Sequence[Param] = (),
    errors: Mapping[int, str] | None = None,
    method: str = "GET",
    description: str = "",
    open: bool = False,
    media: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Callable[[View], View]:
    """Return a decorator serving its view at ``<method> /api<rule>``, as the JSON of
    the ``answer`` dataclass the view returns, and registering the operation
    (``summary``, ``description``, ``params``, ``errors``: status -> meaning, ``open``:
    answered without the access token) for the OpenAPI document. A view may also
    return a ready Response of one of the ``media`` types (media type -> what it
    holds), which then always has the ``headers`` (name -> meaning)."""
    path = openapi_path(f"{api.url_prefix}{rule}")
    in_path = set(re.findall(r"{([^{}]+)}", path))
    declared = {p.name for p in params if p.where == "path"}
    if in_path != declared:
        raise ValueError(f"{path}: path parameters {sorted(in_path)} declared {sorted(declared)}")

    def register(view: View) -> View:
        @functools.wraps(view)
        def respond(**kwargs: Any) -> Any:
            result = view(**kwargs)
            if isinstance(result, Response) and result.mimetype in (media or {}):
                return result
            if answer is None or not isinstance(result, answer):
                raise TypeError(f"{view.__name__} returned {type(result).__name__}")
            return jsonify(api_dict(result))

        if open:
            open_access(respond)
        api.add_url_rule(rule, view_func=respond, methods=[method])
        ENDPOINTS.append(
            Endpoint(
                path=path,
                operation_id=view.__name__,
                summary=summary,
                answer=answer,
                answer_doc=answer_doc,
                params=tuple(params),
                errors=dict(errors or {}),
                method=method.lower(),
                description=description,
                open=open,
                media=dict(media or {}),
                headers=dict(headers or {}),
            )
        )
        return respond  # type: ignore[return-value]

    return register


@endpoint(
    "/search",
    SearchPage,
    "Search paragraphs",
    "One page of results.",
    params=SEARCH,
    errors={400: "Invalid parameter or query.", 409: NO_COPIES, 503: NO_INDEX},
)
def api_search() -> SearchPage:
    """Return one page of results for the query string's search."""
    return get_backend().search(build_request(request.args))


@endpoint(
    "/articles/<path:id>",
    ArticleView,
    "One article, all paragraphs in order",
    "The article.",
    params=(ARTICLE_ID,),
    errors={404: "No such article.", 503: NO_INDEX},
)
def api_article(id: str) -> ArticleView:  # "id": the parameter's public name
    """Return the article ``id`` with all its paragraphs and its other copies."""
    paragraphs = get_backend().article(id)
    return ArticleView.from_paragraphs(paragraphs, article_copies_known(id))


@endpoint(
    "/copies/<path:id>",
    Copies,
    "The copies of a paragraph",
    "Paragraphs whose text is nearly the same (syndicated, republished), earliest first.",
    params=(PARAGRAPH_ID,),
    errors={
        400: "Not a paragraph id.",
        404: "No such paragraph.",
        409: NO_COPIES,
        503: NO_INDEX,
    },
)
def api_copies(id: str) -> Copies:
    """Return the copies of the paragraph ``id``."""
    return get_backend().copies(PARAGRAPH_ID.check(id))


@endpoint(
    "/similar/<path:id>",
    SearchPage,
    "More like this: paragraphs about the same thing in other articles",
    "Hits in the shape of /api/search (its copies left out, copies among them folded).",
    params=SIMILAR,
    errors={400: "Invalid parameter.", 404: "No such paragraph.", 503: NO_INDEX},
)
def api_similar(id: str) -> SearchPage:
    """Return the paragraphs similar to the paragraph ``id``."""
    args = request.args
    return get_backend().similar(
        PARAGRAPH_ID.check(id), SIMILAR_PAGE.read(args), SIMILAR_PER_PAGE.read(args)
    )


@endpoint(
    "/suggest",
    Suggestions,
    "Complete actor, location or source names",
    "Matching names, most frequent first.",
    params=SUGGEST,
    errors={400: "Invalid parameter.", 503: NO_INDEX},
)
def api_suggest() -> Suggestions:
    """Return the names of a field starting with a prefix (or with a word starting
    with it)."""
    ask = build_suggest(request.args)
    values = get_backend().suggest(ask.field, ask.prefix, ask.limit)
    return Suggestions(field=ask.field, q=ask.prefix, values=values)


@endpoint(
    "/health", Health, "Index status", "The index is present.", errors={503: NO_INDEX}, open=True
)
def api_health() -> Health:
    """Return the index's size and last reindex time (503 when there is no index)."""
    stats = get_backend().stats()
    if not stats.exists:
        raise IndexMissing(f"no index at {stats.path}")
    return Health(status="ok", index=stats)


@endpoint(
    "/timeline",
    Timeline,
    "Matching paragraphs per day, week, month or year",
    "The timeline; with format=csv, its CSV.",
    params=TIMELINE,
    errors={
        400: "Invalid parameter or query, or too many buckets.",
        409: NO_COPIES,
        503: NO_INDEX,
    },
    media={downloads.CSV: "One row per bucket: its start, count, articles, total, share."},
)
def api_timeline() -> Timeline | Response:
    """Return the search's matching paragraphs and articles per period, beside the
    paragraphs indexed in each (or that as CSV)."""
    ask = build_timeline(request.args)
    [one] = ask.requests
    found = timelines.timeline(get_backend(), one, ask.interval)
    if ask.fmt == "csv":
        return downloads.timeline_csv(found.interval, [found], one)
    return found


@endpoint(
    "/timeline/compare",
    TimelineComparison,
    "Timelines of several queries over the same periods",
    "One timeline per query; with format=csv, their CSV.",
    params=COMPARE,
    errors={
        400: "Invalid parameter or query, not 2 to 5 queries, or too many buckets.",
        409: NO_COPIES,
        503: NO_INDEX,
    },
    media={downloads.CSV: "One row per bucket: its start, then the count of each query."},
)
def api_timeline_compare() -> TimelineComparison | Response:
    """Return the timelines of two to five queries sharing the filters, over one span
    of buckets (or their CSV)."""
    ask = build_timeline(request.args, compare=True)
    interval, series = timelines.compare(get_backend(), ask.requests, ask.interval)
    if ask.fmt == "csv":
        return downloads.timeline_csv(interval, series, ask.requests[0])
    return TimelineComparison(interval=interval, series=series)


@endpoint(
    "/related",
    Related,
    "Actors or places named with the hits",
    "The values most named in the matching paragraphs, with their lift.",
    params=RELATED,
    errors={400: "Invalid parameter or query.", 409: NO_COPIES, 503: NO_INDEX},
)
def api_related() -> Related:
    """Return the values of a field named in the search's hits, each with its count,
    share of the hits and lift against the whole index."""
    ask = build_related(request.args)
    return related(
        get_backend(),
        ask.request,
        ask.field,
        sort=ask.sort,
        min_count=ask.min_count,
        limit=ask.limit,
    )


@endpoint(
    "/export",
    None,
    "Every matching paragraph, as CSV or NDJSON",
    "Every hit in the order asked (one per article with collapse=1, one per story with "
    "dedupe=1), streamed from one index version; what it is of is in the headers.",
    params=EXPORT,
    errors={
        400: "Invalid parameter or query, or nothing to search.",
        409: NO_COPIES,
        503: NO_INDEX,
    },
    media={
        downloads.CSV: f"A header line ({', '.join(exports.COLUMNS)}; with dedupe=1 also "
        f"{', '.join(exports.COPY_COLUMNS)}), then one line per hit.",
        downloads.NDJSON: "One JSON object per hit and line, with the same keys.",
    },
    headers=downloads.EXPORT_HEADERS,
)
def api_export() -> Response:
    """Return every hit of the search, streamed as CSV or NDJSON."""
    req, fmt = build_export(request.args)
    return downloads.export_response(get_backend(), req, fmt)


@api.get("/openapi.json")
def api_openapi() -> Any:
    """Return the OpenAPI 3 description of the API."""
    return jsonify(openapi_spec())
