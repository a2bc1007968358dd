"""``create_app(config)``: the Flask app, its configuration, error handlers, security
headers and CORS. Configuration keys:

- ``INDEX_DIR``: the index location, a folder or a cluster URL (default: env
  ``SEARCHSVC_INDEX`` or ``index``).
- ``SEARCH_BACKEND``: a ready ``SearchEngine`` (tests); default opens ``INDEX_DIR``.
- ``CORS_ORIGINS``: origins allowed to call ``/api/*`` from a browser (list, or a
  comma-separated string; ``"*"`` for any). Empty (default): no CORS headers.
- ``MAX_CONTENT_LENGTH``: request body limit in bytes (default
  ``limits.MAX_BODY_BYTES``: the writes' form bodies).
- ``SAVED_DB``: the saved-search database (default: ``saved.default_path(INDEX_DIR)``).
- ``ACCESS_TOKEN``: the token the whole service requires (default: env
  ``SEARCHSVC_TOKEN``; none: open), ``SECRET_KEY``: signs the session cookie (default:
  env ``SEARCHSVC_SECRET_KEY``, else random per process). See ``auth``.

Every error, raised anywhere, is answered by status and code: a ``SearchsvcError`` by its
``http_status`` and ``code``, an HTTP error by its status; as ``{"error": {"code",
"message"}}`` under ``/api/``, as the error page elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, abort, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

import searchsvc

from ..errors import SearchsvcError
from ..limits import MAX_BODY_BYTES
from ..models import ErrorDetail, ErrorReply, api_dict
from . import saved_api  # noqa: F401 (declares the /api/saved endpoints)
from .api import api
from .auth import init_auth
from .backend import init_backend
from .pages import pages
from .saved_pages import saved_pages

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
PACKAGE = Path(searchsvc.__file__).parent


def _template_folder() -> str:
    """Return the templates folder: inside the installed package, else the repo's."""
    packaged = PACKAGE / "templates"
    if packaged.is_dir() and any(packaged.glob("*.html")):
        return str(packaged)
    return str(PACKAGE.parent / "templates")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Return the Flask app serving the search page, article pages and the JSON API."""
    app = Flask(
        __name__,
        template_folder=_template_folder(),
        static_folder=str(PACKAGE / "static"),
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
    init_backend(app)
    init_auth(app)
    app.register_blueprint(pages)
    app.register_blueprint(saved_pages)
    app.register_blueprint(api)
    app.register_error_handler(SearchsvcError, _searchsvc_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.before_request(_limit_body)
    app.after_request(_security_headers)
    return app


# -- errors --------------------------------------------------------------------------


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/api"


def _render_error(code: str, message: str, status: int) -> Any:
    if _wants_json():
        response = jsonify(api_dict(ErrorReply(ErrorDetail(code=code, message=message))))
        response.status_code = status
        return response
    return render_template("error.html", code=code, message=message, status=status), status


def _searchsvc_error(exc: SearchsvcError) -> Any:
    return _render_error(exc.code, str(exc), exc.http_status)


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
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


def _unexpected_error(exc: Exception) -> Any:
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    current_app.logger.exception("unexpected error")
    return _render_error("internal_error", "internal error: see the server log", 500)


# -- requests and headers ------------------------------------------------------------


def _limit_body() -> None:
    length = request.content_length
    if length is not None and length > current_app.config["MAX_CONTENT_LENGTH"]:
        abort(413)


def _security_headers(response: Any) -> Any:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    # Nothing to other sites; this site's own pages keep their Origin on writes (under
    # no-referrer a browser sends "Origin: null" even for a form of this site).
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.path.startswith("/api/"):
        headers.setdefault("Cache-Control", "no-store")
        _cors(headers)
    return response


def _cors(headers: Any) -> None:
    """Allow the request's origin to read the answer when ``CORS_ORIGINS`` lets it."""
    origin = request.headers.get("Origin")
    allowed = current_app.config["CORS_ORIGINS"]
    if origin and allowed and ("*" in allowed or origin in allowed):
        headers["Access-Control-Allow-Origin"] = "*" if "*" in allowed else origin
        headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
        headers["Access-Control-Allow-Headers"] = "Content-Type"
        if "*" not in allowed:
            headers.add("Vary", "Origin")
