"""Errors that searchsvc reports to users (CLI message, HTTP error body).

Each carries a one-line message that names the problem and, where there is one, the fix.
"""

from __future__ import annotations


class SearchsvcError(Exception):
    """Base class: a problem the user can act on, shown without a traceback."""

    code = "error"
    http_status = 500


class ParseError(SearchsvcError):
    """A file could not be read as an article (empty, binary, malformed...)."""

    code = "parse_error"
    http_status = 400


class IndexMissing(SearchsvcError):
    """There is no index at the given location yet."""

    code = "index_missing"
    http_status = 503


class IndexCorrupt(SearchsvcError):
    """The index exists but cannot be opened or read."""

    code = "index_corrupt"
    http_status = 503


class IndexBusy(SearchsvcError):
    """Another reindex holds the lock."""

    code = "index_busy"
    http_status = 503


class BadQuery(SearchsvcError):
    """A query or parameter that cannot be searched."""

    code = "bad_request"
    http_status = 400


class NotFound(SearchsvcError):
    """An article or paragraph id that is not in the index."""

    code = "not_found"
    http_status = 404


class EngineUnavailable(SearchsvcError):
    """The search engine (an OpenSearch cluster) cannot be reached or refused the
    request; the message names the cluster, never its credentials."""

    code = "engine_unavailable"
    http_status = 503


class IndexOutdated(SearchsvcError):
    """The index was built without something a request needs (copy signatures, or
    signatures made with other settings): a full reindex adds it."""

    code = "reindex_needed"
    http_status = 409


NEEDS_COPIES = (
    "this index has no copy signatures of the current kind (it was built before copies "
    "were detected, or with other copy settings): run `searchsvc reindex --full` to fold, "
    "list or count copies"
)


class Conflict(BadQuery):
    """A write that clashes with what exists (a saved-search name already taken)."""

    code = "conflict"
    http_status = 409


class Unauthorized(SearchsvcError):
    """The service requires its access token and the request did not carry a valid
    one (the message never repeats what was sent)."""

    code = "unauthorized"
    http_status = 401


class Forbidden(SearchsvcError):
    """A write refused as possibly forged: from another origin, or without the form's
    CSRF token."""

    code = "forbidden"
    http_status = 403


class StoreUnavailable(SearchsvcError):
    """The saved-search database cannot be opened, read or written."""

    code = "saved_unavailable"
    http_status = 503
