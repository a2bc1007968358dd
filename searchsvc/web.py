"""The web search page and the JSON API (the only module that imports Flask).

``create_app(config)`` builds the app. Configuration keys:

- ``INDEX_DIR``: the index location, a folder or a cluster URL (default: env
  ``SEARCHSVC_INDEX`` or ``index``).
- ``SEARCH_BACKEND``: a ready ``SearchEngine`` (tests); default opens ``INDEX_DIR``.
- ``CORS_ORIGINS``: origins allowed to call ``/api/*`` from a browser (list, or a
  comma-separated string; ``"*"`` for any). Empty (default): no CORS headers.
- ``MAX_CONTENT_LENGTH``: request body limit in bytes (default 64 KiB; GET-only app).

The HTML page (``/``) and the API (``/api/search``) render the same call:
``run_search(args)`` builds one ``SearchRequest`` from the query string and asks the
backend once.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, abort, current_app, jsonify, render_template, request
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

import searchsvc

from .engine import SearchEngine, open_engine
from .errors import BadQuery, SearchsvcError
from .limits import MAX_PER_PAGE, MAX_QUERY_CHARS, MAX_RESULT_DEPTH, valid_article_id
from .models import SearchPage, SearchRequest
from .urls import http_url

DEFAULT_PER_PAGE = 10
MAX_PARAM_CHARS = MAX_QUERY_CHARS
MAX_BODY_BYTES = 64 * 1024
SORT_LABELS = {"relevance": "Relevance", "newest": "Newest first", "oldest": "Oldest first"}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
BACKEND_KEY = "searchsvc.backend"

pages = Blueprint("pages", __name__)
api = Blueprint("api", __name__, url_prefix="/api")


def _template_folder() -> str:
    """Return the templates folder: inside the installed package, else the repo's."""
    packaged = Path(searchsvc.__file__).parent / "templates"
    if packaged.is_dir() and any(packaged.glob("*.html")):
        return str(packaged)
    return str(Path(__file__).resolve().parent.parent / "templates")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Return the Flask app serving the search page, article pages and the JSON API."""
    app = Flask(
        __name__,
        template_folder=_template_folder(),
        static_folder=str(Path(__file__).parent / "static"),
        static_url_path="/static",
    )
    app.config.update(
        INDEX_DIR=os.environ.get("SEARCHSVC_INDEX", "index"),
        CORS_ORIGINS=[],
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        JSON_SORT_KEYS=False,
    )
    if config:
        app.config.update(dict(config))
    origins = app.config["CORS_ORIGINS"]
    if isinstance(origins, str):
        origins = [o.strip() for o in origins.split(",") if o.strip()]
    app.config["CORS_ORIGINS"] = list(origins)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    backend = (
        app.config.get("SEARCH_BACKEND") or open_engine(str(app.config["INDEX_DIR"])).reader()
    )
    app.extensions[BACKEND_KEY] = backend
    app.register_blueprint(pages)
    app.register_blueprint(api)
    app.register_error_handler(SearchsvcError, _searchsvc_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.before_request(_limit_body)
    app.after_request(_security_headers)
    app.jinja_env.filters["http_url"] = http_url  # links only ever to http(s)
    app.jinja_env.globals.update(
        search_href=search_href,
        article_href=article_href,
        toggle_href=toggle_href,
        sort_labels=SORT_LABELS,
        max_query_chars=MAX_QUERY_CHARS,
    )
    return app


def get_backend() -> SearchEngine:
    """Return the app's search backend."""
    return current_app.extensions[BACKEND_KEY]


# -- one request builder for the page, the API and anything else ---------------------


def _one(args: MultiDict, name: str, default: str | None = None) -> str | None:
    value = args.get(name, default)
    if value is not None and len(value) > MAX_PARAM_CHARS:
        raise BadQuery(f"the parameter {name!r} is longer than {MAX_PARAM_CHARS} characters")
    return value


def _many(args: MultiDict, name: str) -> list[str]:
    values = [v.strip() for v in args.getlist(name) if v and v.strip()]
    for value in values:
        if len(value) > MAX_PARAM_CHARS:
            raise BadQuery(f"the parameter {name!r} is longer than {MAX_PARAM_CHARS} characters")
    return list(dict.fromkeys(values))


def _int(args: MultiDict, name: str, default: int) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise BadQuery(f"{name} must be a positive whole number")
    return int(raw)


def _flag(args: MultiDict, name: str) -> bool:
    return (args.get(name) or "").strip().lower() in {"1", "true", "yes", "on"}


def build_request(args: MultiDict) -> SearchRequest:
    """Return the SearchRequest described by query-string ``args`` (``q``, repeatable
    ``actor``/``location``/``source``, ``from``, ``to``, ``sort``, ``page``,
    ``per_page``, ``collapse``, ``article``, ``expand``, ``facets``). Raises BadQuery."""
    sort = (_one(args, "sort") or "relevance").strip() or "relevance"
    if sort not in SORT_LABELS:
        raise BadQuery(f"sort must be one of {', '.join(SORT_LABELS)}")
    article = (_one(args, "article") or "").strip() or None
    if article is not None and not valid_article_id(article):
        raise BadQuery("article must be an article id (hexadecimal)")
    return SearchRequest(
        q=(_one(args, "q") or "").strip(),
        actors=_many(args, "actor"),
        locations=_many(args, "location"),
        sources=_many(args, "source"),
        date_from=(_one(args, "from") or "").strip() or None,
        date_to=(_one(args, "to") or "").strip() or None,
        sort=sort,  # type: ignore[arg-type]
        page=_int(args, "page", 1),
        per_page=_int(args, "per_page", DEFAULT_PER_PAGE),
        collapse=_flag(args, "collapse"),
        article_id=article,
        facet_limit=_int(args, "facets", 10),
        expand_locations=_flag(args, "expand"),
    )


def has_search(req: SearchRequest) -> bool:
    """Return True when the request asks for anything (a query or a filter)."""
    return bool(
        req.q
        or req.actors
        or req.locations
        or req.sources
        or req.date_from
        or req.date_to
        or req.article_id
    )


def run_search(args: MultiDict) -> tuple[SearchRequest, SearchPage]:
    """Return the request built from ``args`` and the backend's page for it: the one
    search call behind both the HTML page and the JSON API."""
    req = build_request(args)
    return req, get_backend().search(req)


# -- links ---------------------------------------------------------------------------


def request_params(req: SearchRequest) -> list[tuple[str, str]]:
    """Return the query-string pairs that reproduce ``req`` (defaults left out)."""
    params: list[tuple[str, str]] = []
    if req.q:
        params.append(("q", req.q))
    params += [("actor", v) for v in req.actors]
    params += [("location", v) for v in req.locations]
    params += [("source", v) for v in req.sources]
    if req.date_from:
        params.append(("from", req.date_from))
    if req.date_to:
        params.append(("to", req.date_to))
    if req.sort != "relevance":
        params.append(("sort", req.sort))
    if req.per_page != DEFAULT_PER_PAGE:
        params.append(("per_page", str(req.per_page)))
    if req.collapse:
        params.append(("collapse", "1"))
    if req.expand_locations:
        params.append(("expand", "1"))
    if req.article_id:
        params.append(("article", req.article_id))
    if req.page != 1:
        params.append(("page", str(req.page)))
    return params


def article_href(req: SearchRequest, article_id: str, position: int) -> str:
    """Return the URL of an article page opened from the results of ``req``, scrolled
    to paragraph ``position`` (the search is carried along for highlighting and the
    way back)."""
    params = request_params(req)
    query = "?" + urlencode(params) if params else ""
    return f"/article/{article_id}{query}#p{position}"


def search_href(req: SearchRequest, **changes: Any) -> str:
    """Return the URL of the search page for ``req`` with ``changes`` applied (any
    SearchRequest field; the page goes back to 1 unless ``page`` is given)."""
    changes.setdefault("page", 1)
    changed = dataclasses.replace(req, **changes)
    params = request_params(changed)
    return "/?" + urlencode(params) if params else "/"


_FACET_FIELDS = {"actors": "actors", "locations": "locations", "sources": "sources"}


def toggle_href(req: SearchRequest, facet: str, value: str) -> str:
    """Return the search URL with the facet ``value`` added as a filter, or removed
    when it is already active."""
    attr = _FACET_FIELDS[facet]
    current = list(getattr(req, attr))
    if value in current:
        current.remove(value)
    else:
        current.append(value)
    return search_href(req, **{attr: current})


# -- pages ---------------------------------------------------------------------------


@pages.get("/")
def index() -> Any:
    """Return the search page; with a query or filters, the results too."""
    error = None
    status = 200
    req = SearchRequest()
    page = None
    try:
        req = build_request(request.args)
        if has_search(req):
            page = get_backend().search(req)
    except SearchsvcError as exc:
        error, status = str(exc), exc.http_status
    pagination = _pagination(page) if page else None
    return (
        render_template("index.html", req=req, page=page, error=error, pagination=pagination),
        status,
    )


@pages.get("/article/<path:article_id>")
def article_page(article_id: str) -> Any:
    """Return an article page: every paragraph, the ones matching ``q`` highlighted."""
    backend = get_backend()
    paragraphs = backend.article(article_id)
    try:
        req = build_request(request.args)
    except BadQuery:
        req = SearchRequest()
    q = req.q
    highlights: list[Markup]
    texts = [p.text for p in paragraphs]
    try:
        marked = backend.highlight(q, texts, req.expand_locations) if q else None
    except BadQuery:
        marked = None
    if marked is None:
        highlights = [Markup.escape(t) for t in texts]
    else:
        highlights = [Markup(h) for h in marked]  # built escaped, only <mark> tags
    back = search_href(req, page=req.page) if has_search(req) else "/"
    return render_template(
        "article.html",
        paragraphs=list(zip(paragraphs, highlights, strict=True)),
        first=paragraphs[0],
        q=q,
        back=back,
    )


def _pagination(page: SearchPage) -> dict[str, Any]:
    """Return what the template needs to draw page links."""
    reachable = min(page.total, MAX_RESULT_DEPTH)
    last = max(1, -(-reachable // page.per_page))
    current = page.page
    window = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    return {"current": current, "last": last, "pages": window}


# -- API -----------------------------------------------------------------------------


@api.get("/search")
def api_search() -> Any:
    """Return one page of results as JSON (see /api/openapi.json)."""
    _req, page = run_search(request.args)
    return jsonify(page.to_dict())


@api.get("/articles/<path:article_id>")
def api_article(article_id: str) -> Any:
    """Return an article's paragraphs as JSON."""
    paragraphs = get_backend().article(article_id)
    first = paragraphs[0]
    return jsonify(
        {
            "id": first.article_id,
            "title": first.title,
            "source": first.source,
            "date": first.date,
            "url": first.url,
            "paragraph_count": len(paragraphs),
            "paragraphs": [
                {
                    "id": p.id,
                    "position": p.position,
                    "text": p.text,
                    "actors": p.actors,
                    "locations": [loc.to_dict() for loc in p.locations],
                }
                for p in paragraphs
            ],
        }
    )


@api.get("/suggest")
def api_suggest() -> Any:
    """Return actor/location/source names starting with ``q`` as JSON."""
    field = (request.args.get("field") or "actor").strip()
    prefix = (request.args.get("q") or "").strip()[:MAX_PARAM_CHARS]
    limit = _int(request.args, "limit", 10)
    values = get_backend().suggest(field, prefix, max(1, min(limit, 50)))
    return jsonify({"field": field, "q": prefix, "values": values})


@api.get("/health")
def api_health() -> Any:
    """Return whether the index is present, its size and last reindex time."""
    stats = get_backend().stats()
    if not stats.exists:
        return _error_response("index_missing", f"no index at {stats.path}", 503)
    return jsonify(
        {
            "status": "ok",
            "index": {
                "exists": True,
                "documents": stats.documents,
                "articles": stats.articles,
                "last_reindex": stats.last_reindex,
                "generation": stats.generation,
            },
        }
    )


@api.get("/openapi.json")
def api_openapi() -> Any:
    """Return the OpenAPI 3 description of the API."""
    return jsonify(openapi_spec())


# -- errors and headers --------------------------------------------------------------


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/api"


def _error_response(code: str, message: str, status: int) -> Any:
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def _render_error(code: str, message: str, status: int) -> Any:
    if _wants_json():
        return _error_response(code, message, status)
    return render_template("error.html", code=code, message=message, status=status), status


def _searchsvc_error(exc: SearchsvcError) -> Any:
    return _render_error(exc.code, str(exc), exc.http_status)


_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    500: "internal_error",
}


def _http_error(exc: HTTPException) -> Any:
    status = exc.code or 500
    code = _HTTP_CODES.get(status, "http_error")
    message = exc.description or exc.name
    response = current_app.make_response(_render_error(code, str(message), status))
    valid = getattr(exc, "valid_methods", None)
    if status == 405 and valid:
        response.headers["Allow"] = ", ".join(valid)
    return response


def _limit_body() -> None:
    length = request.content_length
    if length is not None and length > current_app.config["MAX_CONTENT_LENGTH"]:
        abort(413)


def _unexpected_error(exc: Exception) -> Any:
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    current_app.logger.exception("unexpected error")
    return _render_error("internal_error", "internal error: see the server log", 500)


def _security_headers(response: Any) -> Any:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers.setdefault("Referrer-Policy", "no-referrer")
    if request.path.startswith("/api/"):
        headers.setdefault("Cache-Control", "no-store")
        origin = request.headers.get("Origin")
        allowed = current_app.config["CORS_ORIGINS"]
        if origin and allowed and ("*" in allowed or origin in allowed):
            headers["Access-Control-Allow-Origin"] = "*" if "*" in allowed else origin
            headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
            headers["Access-Control-Allow-Headers"] = "Content-Type"
            if "*" not in allowed:
                headers.add("Vary", "Origin")
    return response


# -- OpenAPI -------------------------------------------------------------------------


def openapi_spec() -> dict[str, Any]:
    """Return the OpenAPI 3.0 description of the JSON API (real responses are
    validated against it in the tests)."""
    nullable_str = {"type": "string", "nullable": True}
    place = {
        "type": "object",
        "required": ["name", "country_code", "lat", "lon", "kind", "country"],
        "properties": {
            "name": {"type": "string"},
            "country_code": nullable_str,
            "lat": {"type": "number", "nullable": True},
            "lon": {"type": "number", "nullable": True},
            "kind": {"type": "string"},
            "country": nullable_str,
        },
    }
    hit = {
        "type": "object",
        "required": [
            "id",
            "article_id",
            "title",
            "source",
            "date",
            "url",
            "position",
            "paragraph_count",
            "text",
            "highlight",
            "actors",
            "locations",
            "score",
            "more_in_article",
        ],
        "properties": {
            "id": {"type": "string"},
            "article_id": {"type": "string"},
            "title": {"type": "string"},
            "source": nullable_str,
            "date": nullable_str,
            "url": nullable_str,
            "position": {"type": "integer", "minimum": 1},
            "paragraph_count": {"type": "integer", "minimum": 1},
            "text": {"type": "string", "description": "The paragraph, plain text."},
            "highlight": {
                "type": "string",
                "description": "HTML-escaped paragraph (or best fragment, with …) whose "
                "only tags are <mark>.",
            },
            "actors": {"type": "array", "items": {"type": "string"}},
            "locations": {"type": "array", "items": {"$ref": "#/components/schemas/Place"}},
            "score": {"type": "number"},
            "more_in_article": {"type": "integer", "minimum": 0},
        },
    }
    facet = {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["value", "count", "active"],
            "properties": {
                "value": {"type": "string"},
                "count": {"type": "integer", "minimum": 0},
                "active": {"type": "boolean"},
            },
        },
    }
    page = {
        "type": "object",
        "required": [
            "query",
            "total",
            "page",
            "per_page",
            "hits",
            "facets",
            "suggestion",
            "took_ms",
        ],
        "properties": {
            "query": {"type": "string", "description": "The query as searched (cleaned)."},
            "parsed": {"type": "string", "description": "The query as understood."},
            "matched": {"type": "string", "enum": ["all", "any"]},
            "total": {
                "type": "integer",
                "description": "Matching paragraphs (articles when collapse=1).",
            },
            "total_paragraphs": {"type": "integer"},
            "articles": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
            "facets": {
                "type": "object",
                "required": ["actors", "locations", "sources"],
                "properties": {
                    "actors": {"$ref": "#/components/schemas/Facet"},
                    "locations": {"$ref": "#/components/schemas/Facet"},
                    "sources": {"$ref": "#/components/schemas/Facet"},
                },
            },
            "suggestion": nullable_str,
            "took_ms": {"type": "number"},
        },
    }
    error = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            }
        },
    }
    article = {
        "type": "object",
        "required": ["id", "title", "paragraph_count", "paragraphs"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "source": nullable_str,
            "date": nullable_str,
            "url": nullable_str,
            "paragraph_count": {"type": "integer"},
            "paragraphs": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "position", "text", "actors", "locations"],
                    "properties": {
                        "id": {"type": "string"},
                        "position": {"type": "integer"},
                        "text": {"type": "string"},
                        "actors": {"type": "array", "items": {"type": "string"}},
                        "locations": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Place"},
                        },
                    },
                },
            },
        },
    }
    health = {
        "type": "object",
        "required": ["status", "index"],
        "properties": {
            "status": {"type": "string", "enum": ["ok"]},
            "index": {
                "type": "object",
                "required": ["exists", "documents", "last_reindex"],
                "properties": {
                    "exists": {"type": "boolean"},
                    "documents": {"type": "integer"},
                    "articles": {"type": "integer"},
                    "last_reindex": nullable_str,
                    "generation": nullable_str,
                },
            },
        },
    }
    suggest = {
        "type": "object",
        "required": ["field", "q", "values"],
        "properties": {
            "field": {"type": "string"},
            "q": {"type": "string"},
            "values": {"type": "array", "items": {"type": "string"}},
        },
    }

    def err(description: str) -> dict[str, Any]:
        return {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }

    def ok(ref: str, description: str) -> dict[str, Any]:
        return {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
        }

    def param(name: str, description: str, schema: dict[str, Any], many: bool = False):
        spec: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": False,
            "description": description,
            "schema": {"type": "array", "items": schema} if many else schema,
        }
        if many:
            spec.update(style="form", explode=True)
        return spec

    text = {"type": "string", "maxLength": MAX_PARAM_CHARS}
    syntax = (
        "Query language: words (paragraphs with all words; if none, with any), "
        '"exact phrase", "a b"~N (the words within N moves, either order), -excluded, '
        "+required, a OR b, a AND b, NOT a, (grouping), word* (prefix, 2+ letters), "
        "word~ (typo-tolerant, word~2 for two edits), actor:name, location:name, "
        "country:name, title:word, source:name, date:2023, date:2023-11, "
        "date:2023-11-06, date:[2023-01 to 2023-06] (either end may be empty). Names "
        f"match case- and accent-insensitively, word by word. At most {MAX_QUERY_CHARS} "
        "characters; longer queries get a 400."
    )
    search_params = [
        param("q", syntax, {"type": "string", "maxLength": MAX_QUERY_CHARS}),
        param("actor", "Exact actor name (facet value); repeat to AND several.", text, True),
        param("location", "Exact place name; repeat to AND several.", text, True),
        param("source", "Source id; several are ORed.", text, True),
        param("from", "Inclusive start date: YYYY, YYYY-MM or YYYY-MM-DD.", text),
        param("to", "Inclusive end date: YYYY, YYYY-MM or YYYY-MM-DD.", text),
        param(
            "sort", "Result order.", {"type": "string", "enum": ["relevance", "newest", "oldest"]}
        ),
        param(
            "page",
            f"Page number from 1; page × per_page ≤ {MAX_RESULT_DEPTH}.",
            {"type": "integer", "minimum": 1},
        ),
        param(
            "per_page",
            f"Hits per page, 1 to {MAX_PER_PAGE}.",
            {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        ),
        param(
            "collapse",
            "1: at most one paragraph per article.",
            {"type": "string", "enum": ["0", "1"]},
        ),
        param("article", "Restrict to one article id.", text),
        param(
            "expand",
            "1: location filters and location: also match places in that country.",
            {"type": "string", "enum": ["0", "1"]},
        ),
        param(
            "facets", "Values per facet (1-100).", {"type": "integer", "minimum": 1, "maximum": 100}
        ),
    ]
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "searchsvc API",
            "version": searchsvc.__version__,
            "description": "Full-text search over news paragraphs, with actors, "
            "locations and source facets. Every error has the body "
            '{"error": {"code", "message"}}.',
        },
        "paths": {
            "/api/search": {
                "get": {
                    "summary": "Search paragraphs",
                    "parameters": search_params,
                    "responses": {
                        "200": ok("SearchPage", "One page of results."),
                        "400": err("Invalid parameter or query."),
                        "503": err("No usable index."),
                    },
                }
            },
            "/api/articles/{id}": {
                "get": {
                    "summary": "One article, all paragraphs in order",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[0-9A-Fa-f#]{1,100}$"},
                        }
                    ],
                    "responses": {
                        "200": ok("Article", "The article."),
                        "404": err("No such article."),
                        "503": err("No usable index."),
                    },
                }
            },
            "/api/suggest": {
                "get": {
                    "summary": "Complete actor, location or source names",
                    "parameters": [
                        param(
                            "field",
                            "actor, location or source.",
                            {"type": "string", "enum": ["actor", "location", "source"]},
                        ),
                        param("q", "Prefix of the name or of one of its words.", text),
                        param("limit", "At most 50.", {"type": "integer", "minimum": 1}),
                    ],
                    "responses": {
                        "200": ok("Suggestions", "Matching names, most frequent first."),
                        "400": err("Invalid parameter."),
                        "503": err("No usable index."),
                    },
                }
            },
            "/api/health": {
                "get": {
                    "summary": "Index status",
                    "responses": {
                        "200": ok("Health", "The index is present."),
                        "503": err("No usable index."),
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Place": place,
                "Hit": hit,
                "Facet": facet,
                "SearchPage": page,
                "Article": article,
                "Health": health,
                "Suggestions": suggest,
                "Error": error,
            }
        },
    }
