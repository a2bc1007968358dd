"""Every hit, exported: rows of the columns below as CSV or NDJSON, streamed from one
index version (``SearchEngine.export``), in the order asked, without a cap.

Multi-valued cells (``actors``, ``locations``, ``countries``) hold the values joined by
``"; "`` in CSV and are JSON lists in NDJSON. CSV is UTF-8 with a byte-order mark (so
that spreadsheet programs read accents right), and a cell that a spreadsheet would
take for a formula (starting with ``=``, ``+``, ``@``, tab or carriage return, or with
``-`` followed by neither a space nor a digit) is prefixed with ``'``. What the export
is of (query, filters, sort, index version, time) travels beside the rows: HTTP
headers, or a ``.meta.json`` file next to a file written by the CLI.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from .errors import BadQuery
from .limits import EXPORT_FORMATS
from .models import ExportInfo, Hit, SearchRequest

COLUMNS = (
    "id",
    "article_id",
    "title",
    "source",
    "date",
    "url",
    "position",
    "paragraph_count",
    "text",
    "actors",
    "locations",
    "countries",
    "score",
)
# With dedupe: each row is a story's canonical copy, and says how many copies it has.
COPY_COLUMNS = ("cluster", "copies", "copy_sources")
MULTI_SEPARATOR = "; "
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "ndjson": "application/x-ndjson"}


def check_format(fmt: str) -> str:
    """Return ``fmt`` if it is an export format; else raise BadQuery."""
    if fmt not in EXPORT_FORMATS:
        raise BadQuery(f"format must be one of {', '.join(EXPORT_FORMATS)}")
    return fmt


def columns(request: SearchRequest) -> tuple[str, ...]:
    """Return the columns of an export of ``request``."""
    return COLUMNS + COPY_COLUMNS if request.dedupe else COLUMNS


def row(hit: Hit, copies: bool = False) -> dict[str, Any]:
    """Return the export row of a hit (multi-valued cells as lists; with ``copies``,
    its cluster and copy counts too)."""
    countries = sorted({p.country_code for p in hit.locations if p.country_code})
    extra = (
        {"cluster": hit.cluster, "copies": hit.copies, "copy_sources": hit.copy_sources}
        if copies
        else {}
    )
    return {
        "id": hit.id,
        "article_id": hit.article_id,
        "title": hit.title,
        "source": hit.source,
        "date": hit.date,
        "url": hit.url,
        "position": hit.position,
        "paragraph_count": hit.paragraph_count,
        "text": hit.text,
        "actors": list(hit.actors),
        "locations": [p.name for p in hit.locations],
        "countries": countries,
        "score": hit.score,
        **extra,
    }


def describe(request: SearchRequest, info: ExportInfo, fmt: str) -> dict[str, Any]:
    """Return what an export is of: query, filters, sort, index version, time, rows."""
    filters = {
        k: v
        for k, v in asdict(request).items()
        if k not in ("q", "sort", "page", "per_page", "facet_limit", "dedupe")
        and v not in (None, [], False)
    }
    return {
        "query": request.q,
        "filters": filters,
        "sort": request.sort,
        "collapse": request.collapse,
        "dedupe": request.dedupe,
        "index_version": info.version,
        "rows": info.total,
        "counted": info.counted,
        "exported_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "format": fmt,
        "columns": list(columns(request)),
    }


def csv_lines(hits: Iterator[Hit], copies: bool = False) -> Iterator[str]:
    """Yield the CSV text: a byte-order mark and the header, then one line per hit
    (with ``copies``, the copy columns too)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS + COPY_COLUMNS if copies else COLUMNS)
    yield "\ufeff" + _take(buffer)
    for hit in hits:
        writer.writerow([_cell(v) for v in row(hit, copies).values()])
        yield _take(buffer)


def ndjson_lines(hits: Iterator[Hit], copies: bool = False) -> Iterator[str]:
    """Yield one JSON object per hit, one per line."""
    for hit in hits:
        yield json.dumps(row(hit, copies), ensure_ascii=False) + "\n"


def lines(hits: Iterator[Hit], fmt: str, copies: bool = False) -> Iterator[str]:
    """Yield the export of ``hits`` in format ``fmt`` (``csv`` or ``ndjson``), with the
    copy columns when ``copies`` (an export with dedupe)."""
    if check_format(fmt) == "csv":
        return csv_lines(hits, copies)
    return ndjson_lines(hits, copies)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = MULTI_SEPARATOR.join(str(v) for v in value)
    text = str(value)
    return "'" + text if looks_like_formula(text) else text


def looks_like_formula(text: str) -> bool:
    """Return True when a spreadsheet would read the cell ``text`` as a formula."""
    if not text:
        return False
    if text[0] in "=+@\t\r":
        return True
    return text[0] == "-" and len(text) > 1 and not (text[1].isspace() or text[1].isdigit())


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
