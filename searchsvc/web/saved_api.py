"""The saved-search endpoints of the JSON API (``/api/saved``), declared with
``api.endpoint`` like every other, and the answers they share with the pages.

``PUT /api/saved/{name}`` takes the parameters of ``/api/search`` that make a search
(``params.SAVED``: q, actor, location, source, from, to, sort, collapse, expand) in
the query string or as a form body, never both; a search that cannot run (a query that
does not parse, a bad date) is refused then rather than at the next reindex. A saved
search whose query stopped parsing since (the language or the limits changed) is
listed with its ``problem``.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

from flask import request

from .. import saved as store_module
from ..errors import BadQuery
from ..limits import FEED_ENTRIES, MAX_SAVED_SEARCHES
from ..models import Deleted, Match, Place, SavedDetail, SavedInfo, SavedList, SavedParams
from .api import endpoint
from .backend import get_backend, get_store
from .links import request_params
from .params import NEW_NAME, SAVED, SAVED_NAME, build_saved, write_args

STORE_DOWN = "The saved-search database cannot be opened, read or written."
UNKNOWN = "No saved search of that name."
BY_NAME = {400: "Invalid name.", 404: UNKNOWN, 503: STORE_DOWN}  # what a name may answer
FORM_TOO = (
    "The parameters may instead be sent as a form body "
    "(application/x-www-form-urlencoded, the same names; not both). A browser page "
    "sending the login cookie or basic auth also sends the X-CSRF-Token header."
)


def feed_path(name: str) -> str:
    """Return the path of the Atom feed of the saved search ``name``."""
    return f"/feeds/{name}.atom"


def saved_info(saved: store_module.SavedSearch) -> SavedInfo:
    """Return what the API shows of ``saved`` (its problem found now if its query no
    longer parses, else the one the last reindex met)."""
    return SavedInfo(**_info_fields(saved))


def saved_detail(saved: store_module.SavedSearch, limit: int = FEED_ENTRIES) -> SavedDetail:
    """Return ``saved`` with its newest ``limit`` matches, each marked new or not."""
    found = get_store().matches(saved.name, limit=limit)
    seen = saved.seen_at or ""
    return SavedDetail(**_info_fields(saved), matches=[_match(m, seen) for m in found])


def _info_fields(saved: store_module.SavedSearch) -> dict[str, Any]:
    req = saved.request()
    params = SavedParams(
        q=req.q,
        actors=list(req.actors),
        locations=list(req.locations),
        sources=list(req.sources),
        date_from=req.date_from,
        date_to=req.date_to,
        sort=req.sort,
        collapse=bool(req.collapse),
        expand_locations=bool(req.expand_locations),
    )
    return {
        "name": saved.name,
        "params": params,
        "search": urlencode(request_params(req)),
        "created": saved.created,
        "updated": saved.updated,
        "seen_at": saved.seen_at,
        "new": saved.new,
        "total": saved.total,
        "problem": store_module.problem_of(req) or saved.problem,
        "feed": feed_path(saved.name),
    }


def _match(match: store_module.SavedMatch, seen: str) -> Match:
    """Return a recorded match as the API shows it (a record missing a field, from an
    older version, gets an empty value rather than an error)."""
    hit = match.hit
    text = str(hit.get("text") or "")
    places = [p for p in hit.get("locations") or [] if isinstance(p, dict) and p.get("name")]
    return Match(
        id=str(hit.get("id") or match.paragraph_id),
        article_id=str(hit.get("article_id") or ""),
        title=str(hit.get("title") or ""),
        source=hit.get("source"),
        date=hit.get("date"),
        url=hit.get("url"),
        position=int(hit.get("position") or 0),
        text=text,
        highlight=str(hit.get("highlight") or escape(text)),
        actors=[str(a) for a in hit.get("actors") or []],
        locations=[Place.from_dict(p) for p in places],
        matched_at=match.matched_at,
        new=match.matched_at > seen,
    )


@endpoint(
    "/saved",
    SavedList,
    "List the saved searches",
    "Every saved search, by name, with its count of new matches.",
    errors={503: STORE_DOWN},
)
def api_saved_list() -> SavedList:
    """Return every saved search."""
    return SavedList(saved=[saved_info(s) for s in get_store().list()], limit=MAX_SAVED_SEARCHES)


@endpoint(
    "/saved/<name>",
    SavedDetail,
    "One saved search and its newest matches",
    f"The saved search and its newest matches (at most {FEED_ENTRIES}).",
    params=(SAVED_NAME,),
    errors=BY_NAME,
)
def api_saved_get(name: str) -> SavedDetail:
    """Return the saved search ``name`` with its newest matches (nothing is marked
    seen: see /seen)."""
    return saved_detail(get_store().get(name))


@endpoint(
    "/saved/<name>",
    SavedInfo,
    "Save a search under a name (replacing one of that name)",
    "The saved search.",
    params=(SAVED_NAME, *SAVED),
    description=FORM_TOO,
    errors={
        400: "Invalid name or parameter, a query that does not parse, nothing to save, "
        f"or already {MAX_SAVED_SEARCHES} saved searches.",
        503: f"{STORE_DOWN} Or the index cannot be searched.",
    },
    method="PUT",
)
def api_saved_put(name: str) -> SavedInfo:
    """Save the search the parameters describe as ``name``; return it."""
    args = write_args(request.args, request.form, request.content_type)
    found = store_module.save(get_store(), get_backend(), name, build_saved(args))
    return saved_info(found)


@endpoint(
    "/saved/<name>",
    Deleted,
    "Delete a saved search and its matches",
    "It was deleted.",
    params=(SAVED_NAME,),
    errors=BY_NAME,
    method="DELETE",
)
def api_saved_delete(name: str) -> Deleted:
    """Delete the saved search ``name``."""
    get_store().delete(name)
    return Deleted(deleted=name)


@endpoint(
    "/saved/<name>/rename",
    SavedInfo,
    "Rename a saved search (its matches and counts follow)",
    "The saved search under its new name (its feed moves with it).",
    params=(SAVED_NAME, NEW_NAME),
    description=FORM_TOO,
    errors={
        400: "Invalid name or new name.",
        404: UNKNOWN,
        409: "The new name is taken.",
        503: STORE_DOWN,
    },
    method="POST",
)
def api_saved_rename(name: str) -> SavedInfo:
    """Rename ``name`` to the ``to`` parameter; return the renamed search."""
    args = write_args(request.args, request.form, request.content_type)
    new_name = NEW_NAME.read(args)
    if not new_name:
        raise BadQuery("give the new name as the parameter 'to'")
    return saved_info(get_store().rename(name, new_name))


@endpoint(
    "/saved/<name>/seen",
    SavedInfo,
    "Mark a saved search's matches as seen",
    "The saved search, with no new matches.",
    params=(SAVED_NAME,),
    errors=BY_NAME,
    method="POST",
)
def api_saved_seen(name: str) -> SavedInfo:
    """Mark every match of ``name`` so far as seen; return the search."""
    store = get_store()
    store.mark_seen(name)
    return saved_info(store.get(name))
