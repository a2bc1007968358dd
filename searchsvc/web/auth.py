"""Who may do what, checked before every view (``init_auth``).

The access token (config ``ACCESS_TOKEN``, env ``SEARCHSVC_TOKEN``; none: anyone who
can reach the server may use it). When set, every request needs it except the views
marked ``open_access`` (``/api/health``, the login form, static files):

- programs send ``Authorization: Bearer TOKEN``;
- people log in at ``/login`` (a session cookie, HttpOnly and SameSite=Strict, signed
  with ``SECRET_KEY``) or send basic auth (any user name, the token as password);
- a feed (a view marked ``token_in_url``) also takes it as ``?token=`` (feed readers
  cannot send headers), or its own feed key (``feed_key``), which opens that feed only.

Tokens are compared with ``hmac.compare_digest`` (``same_secret``) and never logged
nor repeated in an answer.

Writes (any method but GET, HEAD and OPTIONS) are refused (403) when their ``Origin``,
or without one their ``Referer``, names another host; and, unless they carry the
session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``), when they
come from a page (every form carries it) or with credentials a browser adds on its own
(the session cookie, basic auth). A bearer token is never added by a browser, so a
program sending one needs no CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from typing import Any, Literal, TypeVar
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Flask, current_app, g, redirect, render_template, request, session

from ..errors import Forbidden, Unauthorized
from ..limits import MIN_TOKEN_CHARS
from .params import CSRF_FIELD

CSRF_HEADER = "X-CSRF-Token"
TOKEN_PARAM = "token"
SESSION_COOKIE = "searchsvc_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CHALLENGES = ('Bearer realm="searchsvc"', 'Basic realm="searchsvc", charset="UTF-8"')

Access = Literal["bearer", "basic", "session", "url", "invalid"]
View = TypeVar("View", bound=Callable[..., Any])

auth = Blueprint("auth", __name__)


def open_access(view: View) -> View:
    """Mark ``view`` as answered without the access token; return it."""
    view.open_access = True  # type: ignore[attr-defined]
    return view


def token_in_url(view: View) -> View:
    """Mark ``view`` (a feed, whose URL has a ``name``) as taking the access token, or
    its feed key, as the ``?token=`` parameter; return it."""
    view.token_in_url = True  # type: ignore[attr-defined]
    return view


def same_secret(given: str, expected: str) -> bool:
    """Return True when ``given`` equals ``expected``, in time independent of where
    they differ."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def feed_key(token: str, name: str) -> str:
    """Return the key that opens the feed of the saved search ``name`` (and nothing
    else) on a server whose access token is ``token``."""
    return hmac.new(token.encode(), b"searchsvc feed\0" + name.encode(), hashlib.sha256).hexdigest()


def access_token() -> str | None:
    """Return the access token of the app handling the request (None: open)."""
    return current_app.config["ACCESS_TOKEN"]


def csrf_token() -> str:
    """Return the CSRF token of the session (made on first use) for a form."""
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def signed_in() -> bool:
    """Return True when the request is authenticated by a login session."""
    return g.get("access") == "session"


def init_auth(app: Flask) -> None:
    """Set up the access token, the session cookie and the checks on ``app``."""
    token = app.config.get("ACCESS_TOKEN", os.environ.get("SEARCHSVC_TOKEN")) or None
    if token is not None and len(token) < MIN_TOKEN_CHARS:
        raise ValueError(f"the access token must be at least {MIN_TOKEN_CHARS} characters")
    app.config["ACCESS_TOKEN"] = token
    if not app.config.get("SECRET_KEY"):
        # One per process unless given: serve --workers gives every worker the same.
        app.config["SECRET_KEY"] = os.environ.get("SEARCHSVC_SECRET_KEY") or secrets.token_hex(32)
    app.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
    )
    app.before_request(_guard)
    app.after_request(_challenge)
    app.register_blueprint(auth)
    app.jinja_env.globals.update(csrf_token=csrf_token, csrf_field=CSRF_FIELD, signed_in=signed_in)


# -- the checks -------------------------------------------------------------------------


def _guard() -> Any:
    """Refuse the request unless it may be answered (see the module doc)."""
    if request.url_rule is None or request.method == "OPTIONS":
        return None  # 404 and 405 are answered as usual; preflights carry no credentials
    view = current_app.view_functions.get(request.endpoint or "")
    token = access_token()
    g.access = _credentials(token, view) if token else None
    if token and g.access in (None, "invalid") and not _is_open(view):
        return _refuse(g.access)
    if request.method not in SAFE_METHODS:
        _check_origin()
        if _needs_csrf(g.access):
            _check_csrf()
    return None


def _is_open(view: Any) -> bool:
    return request.endpoint == "static" or getattr(view, "open_access", False)


def _credentials(token: str, view: Any) -> Access | None:
    """Return how the request proves it knows ``token`` (None: it does not try)."""
    header = request.headers.get("Authorization")
    if header:
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() == "bearer":
            return "bearer" if same_secret(value.strip(), token) else "invalid"
        if scheme.lower() == "basic":
            sent = request.authorization
            password = sent.password if sent and sent.type == "basic" else None
            return "basic" if same_secret(password or "", token) else "invalid"
        return "invalid"
    given = request.args.get(TOKEN_PARAM)
    if given is not None and getattr(view, "token_in_url", False):
        name = (request.view_args or {}).get("name", "")
        if same_secret(given, token) or same_secret(given, feed_key(token, name)):
            return "url"
        return "invalid"
    if session.get("auth") and same_secret(session["auth"], _login_mark(token)):
        return "session"
    return None


def _refuse(access: Access | None) -> Any:
    """Answer a request without a valid token: 401 for the API and feeds, the login
    form for a page."""
    if _for_programs():
        if access == "invalid":
            raise Unauthorized("the access token sent is not valid")
        raise Unauthorized(
            "this server requires its access token: send the header "
            "Authorization: Bearer TOKEN (or basic auth with the token as password)"
        )
    if request.method in ("GET", "HEAD"):
        return redirect("/login?" + urlencode({"next": request.full_path.rstrip("?")}), 303)
    raise Unauthorized("log in first: open /login")


def _check_origin() -> None:
    """Refuse a write whose Origin (or, without one, Referer) names another host."""
    sent = request.headers.get("Origin")
    if sent is None:
        sent = request.headers.get("Referer")
    if sent is None:
        return  # not from a browser page: programs, and forms checked by their token
    theirs = urlsplit(sent)
    ours = urlsplit(f"//{request.host}")
    try:
        same = theirs.scheme in ("http", "https") and (
            (theirs.hostname, theirs.port) == (ours.hostname, ours.port)
        )
    except ValueError:  # a port that is not a number
        same = False
    if not same:
        raise Forbidden(
            "refused a write from another site: its Origin (or Referer) header does not "
            f"name {request.host}"
        )


def _needs_csrf(access: Access | None) -> bool:
    if not request.path.startswith("/api/"):
        return True  # a page's form: every one carries the token
    if access == "bearer":
        return False
    return access in ("basic", "session") or SESSION_COOKIE in request.cookies


def _check_csrf() -> None:
    expected = session.get("csrf")
    given = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    if not (expected and given and same_secret(given, expected)):
        raise Forbidden(
            "the CSRF token is missing or out of date: reload the page and try again "
            "(programs send the access token as a bearer token instead)"
        )


def _for_programs() -> bool:
    """Return True for the API and feeds (answered 401, never the login form)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return request.path.startswith("/api/") or getattr(view, "token_in_url", False)


def _challenge(response: Any) -> Any:
    """Say how to authenticate on every 401 answer: bearer or basic for the API and
    feeds; for pages bearer only, so that browsers show the login form rather than
    their own password prompt."""
    if response.status_code == 401 and "WWW-Authenticate" not in response.headers:
        for challenge in CHALLENGES if _for_programs() else CHALLENGES[:1]:
            response.headers.add("WWW-Authenticate", challenge)
    return response


def _login_mark(token: str) -> str:
    """Return what a login session holds: it stops opening the service when the token
    changes."""
    key = current_app.config["SECRET_KEY"]
    key = key if isinstance(key, bytes) else str(key).encode()
    return hmac.new(key, b"searchsvc login\0" + token.encode(), hashlib.sha256).hexdigest()


def _local(target: str | None) -> str:
    """Return ``target`` when it is a path on this site (never another site), else /."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


# -- login and logout -----------------------------------------------------------------


@auth.route("/login", methods=["GET", "POST"])
@open_access
def login() -> Any:
    """Return the login form; a POST with the right token starts a session."""
    token = access_token()
    target = _local(request.values.get("next"))
    if token is None:
        return redirect(target, 303)  # nothing to log in to
    error = None
    if request.method == "POST":
        if same_secret(request.form.get("token", ""), token):
            session.clear()
            session["auth"] = _login_mark(token)
            csrf_token()
            return redirect(target, 303)
        error = "That is not the access token."
    status = 401 if error else 200
    return render_template("login.html", next=target, error=error), status


@auth.post("/logout")
@open_access
def logout() -> Any:
    """End the login session; return to the login form."""
    session.clear()
    return redirect("/login" if access_token() else "/", 303)
