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

from flask import Blueprint, jsonify, request

from ..errors import IndexMissing
from ..models import ArticleView, Copies, Health, SearchPage, Suggestions, api_dict
from .backend import article_copies_known, get_backend
from .openapi import ENDPOINTS, NO_INDEX, Endpoint, openapi_path, openapi_spec
from .params import (
    ARTICLE_ID,
    PARAGRAPH_ID,
    SEARCH,
    SIMILAR,
    SIMILAR_PAGE,
    SIMILAR_PER_PAGE,
    SUGGEST,
    Param,
    build_request,
    build_suggest,
)

NO_COPIES = "The index has no copy signatures: run searchsvc reindex --full."

api = Blueprint("api", __name__, url_prefix="/api")

View = TypeVar("View", bound=Callable[..., Any])


def endpoint(
    rule: str,
    answer: type,
    summary: str,
    answer_doc: str,
    *,
    params: Sequence[Param] = (),
    errors: Mapping[int, str] | None = None,
) -> Callable[[View], View]:
    """Return a decorator serving its view at ``GET /api<rule>``, as the JSON of the
    ``answer`` dataclass the view returns, and registering the operation (``summary``,
    ``params``, ``errors``: status -> meaning) for the OpenAPI document."""
    path = openapi_path(f"{api.url_prefix}{rule}")
    in_path = set(re.findall(r"{([^{}]+)}", path))
    declared = {p.name for p in params if p.where == "path"}
    if in_path != declared:
        raise ValueError(f"{path}: path parameters {sorted(in_path)} declared {sorted(declared)}")

    def register(view: View) -> View:
        @functools.wraps(view)
        def respond(**kwargs: Any) -> Any:
            result = view(**kwargs)
            if not isinstance(result, answer):
                raise TypeError(f"{view.__name__} returned {type(result).__name__}")
            return jsonify(api_dict(result))

        api.add_url_rule(rule, view_func=respond, methods=["GET"])
        ENDPOINTS.append(
            Endpoint(
                path=path,
                operation_id=view.__name__,
                summary=summary,
                answer=answer,
                answer_doc=answer_doc,
                params=tuple(params),
                errors=dict(errors or {}),
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
    errors={404: "No such paragraph.", 409: NO_COPIES, 503: NO_INDEX},
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


@endpoint("/health", Health, "Index status", "The index is present.", errors={503: NO_INDEX})
def api_health() -> Health:
    """Return the index's size and last reindex time (503 when there is no index)."""
    stats = get_backend().stats()
    if not stats.exists:
        raise IndexMissing(f"no index at {stats.path}")
    return Health(status="ok", index=stats)


@api.get("/openapi.json")
def api_openapi() -> Any:
    """Return the OpenAPI 3 description of the API."""
    return jsonify(openapi_spec())
