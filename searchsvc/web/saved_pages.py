"""The saved-search pages and feeds: save the current search from the search page
(``POST /saved``), the list of saved searches with their new matches (``/saved``), one
saved search and its matches (``/saved/<name>``, which marks them seen), rename and
delete forms, and each search's Atom feed (``/feeds/<name>.atom``).

Forms post here (HTML forms can only GET and POST); the JSON API does the same through
``/api/saved``. Every form carries the CSRF token (``auth``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
)
from flask.blueprints import BlueprintSetupState

from .. import __version__
from ..errors import BadQuery, SearchsvcError
from ..feeds import atom_feed
from ..limits import FEED_ENTRIES, MAX_SAVED_NAME_CHARS, MAX_SAVED_SEARCHES, SAVED_NAME
from ..models import SearchRequest
from ..saved import params_of, save
from .auth import TOKEN_PARAM, access_token, feed_key, token_in_url
from .backend import get_backend, get_store
from .links import article_href, request_params, search_href
from .params import NEW_NAME, build_saved
from .saved_api import feed_path, saved_detail, saved_info

saved_pages = Blueprint("saved_pages", __name__)


def feed_href(name: str) -> str:
    """Return the link to the feed of ``name`` to give a feed reader: with the feed's
    own key when the server has an access token (the key opens that feed only)."""
    token = access_token()
    if token is None:
        return feed_path(name)
    return f"{feed_path(name)}?{urlencode({TOKEN_PARAM: feed_key(token, name)})}"


def saved_fields(req: SearchRequest) -> list[tuple[str, str]]:
    """Return the hidden fields that carry the search ``req`` to the save form (what a
    saved search keeps: no page, page size or facets)."""
    return request_params(SearchRequest(**params_of(req)))


@saved_pages.record_once
def _template_globals(state: BlueprintSetupState) -> None:
    state.app.jinja_env.globals.update(
        feed_href=feed_href,
        saved_fields=saved_fields,
        saved_name_pattern=SAVED_NAME.pattern,
        max_saved_name_chars=MAX_SAVED_NAME_CHARS,
    )


@saved_pages.get("/saved")
def saved_list() -> Any:
    """Return the page listing every saved search with its new matches."""
    return _list_page()


@saved_pages.post("/saved")
def saved_create() -> Any:
    """Save the search the form carries under the name given; back to the list."""
    name = request.form.get("name", "").strip()
    back = "/"
    try:
        req = build_saved(request.form)
        back = search_href(req)
        replacing = name in {s.name for s in get_store().list()}
        save(get_store(), get_backend(), name, req)
    except BadQuery as exc:
        return _list_page(error=f"Not saved: {exc}", back=back, status=exc.http_status)
    flash(f"Saved “{name}”" + (" (it replaces the search of that name)." if replacing else "."))
    return redirect("/saved", 303)


@saved_pages.get("/saved/<name>")
def saved_one(name: str) -> Any:
    """Return one saved search with its newest matches, and mark them seen."""
    store = get_store()
    found = store.get(name)
    detail = saved_detail(found)
    store.mark_seen(name)
    req = found.request()
    return render_template(
        "saved_one.html",
        saved=detail,
        run_href=search_href(req),
        hit_href=lambda m: article_href(req, m.article_id, m.position),
        entries=FEED_ENTRIES,
    )


@saved_pages.post("/saved/<name>/rename")
def saved_rename(name: str) -> Any:
    """Rename a saved search to the form's ``to``; back to the list."""
    try:
        new_name = NEW_NAME.read(request.form)
        get_store().rename(name, new_name)
    except BadQuery as exc:  # a taken or invalid new name (an unknown one is a 404)
        return _list_page(error=f"Not renamed: {exc}", status=exc.http_status)
    flash(f"Renamed “{name}” to “{new_name}”.")
    return redirect("/saved", 303)


@saved_pages.post("/saved/<name>/delete")
def saved_delete(name: str) -> Any:
    """Delete a saved search and its matches; back to the list."""
    get_store().delete(name)
    flash(f"Deleted “{name}”.")
    return redirect("/saved", 303)


@saved_pages.get("/feeds/<name>.atom")
@token_in_url
def saved_feed(name: str) -> Any:
    """Return the Atom feed of the newest matches of ``name`` (absolute links from the
    request's host; each entry links to the article view at its paragraph)."""
    store = get_store()
    saved = store.get(name)
    req = saved.request()
    base = request.host_url.rstrip("/")
    body = atom_feed(
        saved,
        store.matches(name, limit=FEED_ENTRIES),
        feed_url=base + feed_path(name),
        search_url=base + search_href(req),
        paragraph_url=lambda hit: (
            base
            + article_href(req, str(hit.get("article_id") or ""), int(hit.get("position") or 1))
        ),
        generator_version=__version__,
    )
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "private, no-cache" if access_token() else "no-cache"
    response.add_etag()
    return response.make_conditional(request)


def _list_page(error: str | None = None, back: str | None = None, status: int = 200) -> Any:
    try:
        found = [saved_info(s) for s in get_store().list()]
    except SearchsvcError as exc:
        found, error, status = [], str(exc), exc.http_status
    return (
        render_template(
            "saved.html",
            saved=found,
            error=error,
            back=back,
            notices=get_flashed_messages(),
            limit=MAX_SAVED_SEARCHES,
            keyed_feeds=access_token() is not None,
        ),
        status,
    )
