"""The API's downloads: a timeline's CSV, and every hit exported as CSV or NDJSON,
streamed from one index version.

What an export is of travels in its response headers (``EXPORT_HEADERS``), never inside
the rows, so that the CSV opens cleanly in a spreadsheet program. Header values are
ASCII: the query is percent-encoded UTF-8 (as in a URL), the filters are the API's own
query string (``actor=…&from=…``), so that a program can repeat the export.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import replace
from datetime import datetime
from urllib.parse import quote, urlencode

from flask import Response

from .. import export as exports
from ..engine import SearchEngine
from ..limits import EXPORT_CHUNK_BYTES
from ..models import SearchRequest, Timeline
from ..timeline import csv_text
from .links import filter_params

CSV = "text/csv"
NDJSON = "application/x-ndjson"
EXPORT_HEADERS = {
    "X-Searchsvc-Query": "The query, percent-encoded UTF-8 (empty: filters only).",
    "X-Searchsvc-Filters": "The filters, as this API's query string (actor=…&from=…).",
    "X-Searchsvc-Sort": "The order of the rows.",
    "X-Searchsvc-Collapse": "1: one row per article (its best paragraph); else 0.",
    "X-Searchsvc-Dedupe": "1: one row per story (the canonical copy of a cluster of "
    "copies, with its copy columns); else 0.",
    "X-Searchsvc-Index-Version": "The one index version every row was read from.",
    "X-Searchsvc-Exported-At": "When the export started, ISO 8601 (UTC).",
    "X-Searchsvc-Rows": "How many rows follow (CSV: besides the header line).",
    "Content-Disposition": "attachment, with a file name naming the query and the time.",
}
MAX_NAME_CHARS = 60  # of the query's part of a file name


def timeline_csv(interval: str, series: Sequence[Timeline], request: SearchRequest) -> Response:
    """Return the CSV download of timelines (one, or several compared: a column of
    counts per query), named after the queries."""
    body = "\ufeff" + csv_text(interval, series)
    name = "-".join(slug(t.query) for t in series) if len(series) > 1 else name_of(request)
    response = Response(body, mimetype=CSV, content_type=f"{CSV}; charset=utf-8")
    response.headers["Content-Disposition"] = attachment(f"searchsvc-timeline-{name}", "csv")
    return response


def export_response(engine: SearchEngine, request: SearchRequest, fmt: str) -> Response:
    """Return the streaming response of every hit of ``request`` in format ``fmt``,
    reading one index version, which is held until the response is closed (sent in
    full, or the client gone). Raises BadQuery before anything is sent when the
    request has nothing to search."""
    stack = ExitStack()
    try:
        found = stack.enter_context(engine.export(request))
        meta = exports.describe(request, found.info, fmt)
        body = _chunks(exports.lines(found.hits(), fmt, request.dedupe))
        response = Response(body, content_type=exports.CONTENT_TYPES[fmt])
    except BaseException:
        stack.close()
        raise
    response.call_on_close(stack.close)
    stamp = datetime.fromisoformat(meta["exported_at"]).strftime("%Y%m%dT%H%M%SZ")
    headers = response.headers
    headers["X-Searchsvc-Query"] = header_text(request.q)
    headers["X-Searchsvc-Filters"] = urlencode(filter_params(replace(request, q="")))
    headers["X-Searchsvc-Sort"] = request.sort
    headers["X-Searchsvc-Collapse"] = "1" if request.collapse else "0"
    headers["X-Searchsvc-Dedupe"] = "1" if request.dedupe else "0"
    headers["X-Searchsvc-Index-Version"] = header_text(meta["index_version"])
    headers["X-Searchsvc-Exported-At"] = meta["exported_at"]
    headers["X-Searchsvc-Rows"] = str(meta["rows"])
    headers["Content-Disposition"] = attachment(f"searchsvc-{name_of(request)}-{stamp}", fmt)
    # Scripts on other origins allowed by CORS_ORIGINS may read what the export is of.
    headers["Access-Control-Expose-Headers"] = ", ".join(EXPORT_HEADERS)
    return response


def _chunks(lines: Iterator[str]) -> Iterator[bytes]:
    """Yield the lines encoded, gathered into pieces of about EXPORT_CHUNK_BYTES."""
    pending: list[bytes] = []
    size = 0
    for line in lines:
        data = line.encode("utf-8")
        pending.append(data)
        size += len(data)
        if size >= EXPORT_CHUNK_BYTES:
            yield b"".join(pending)
            pending, size = [], 0
    if pending:
        yield b"".join(pending)


def header_text(value: str) -> str:
    """Return ``value`` as an ASCII header value: printable ASCII kept (``%`` and
    controls percent-encoded), the rest percent-encoded UTF-8 (read back by
    ``urllib.parse.unquote``)."""
    printable = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%")
    return quote(value, safe=printable)


def name_of(request: SearchRequest) -> str:
    """Return the part of a download's file name naming the search: its query, else
    its filters' values, else ``all``."""
    named = request.q or " ".join(
        [*request.actors, *request.locations, *request.sources]
        + [d for d in (request.date_from, request.date_to) if d]
    )
    return slug(named)


def slug(text: str) -> str:
    """Return ``text`` as a file-name part: ASCII letters and digits (accents
    dropped), lowercase, words joined by ``-``, at most MAX_NAME_CHARS (``all`` for
    nothing)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", folded.lower())
    name = "-".join(words)[:MAX_NAME_CHARS].strip("-")
    return name or "all"


def attachment(stem: str, extension: str) -> str:
    """Return a Content-Disposition value offering the body as the file
    ``stem.extension`` (ASCII by construction)."""
    return f'attachment; filename="{stem}.{extension}"'
