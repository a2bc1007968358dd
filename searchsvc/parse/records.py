"""JSON and JSON Lines article records.

A file holds one record (an object), a list of records, an object with a list of
records under ``articles``/``items``/``records``/``data``, or (JSON Lines) one record
per line. Known keys are read, with common spellings:
``title``/``headline``; ``text``/``body``/``content``/``articleBody`` (a string, split
into paragraphs at blank lines or newlines, or a list of strings); ``url``/``link``
(http and https only); the date from the keys of ``searchsvc.dates.DATE_KEYS``
(``date``, ``published``, ``pubDate``, ``created_at``, ``timestamp``...), read by
``searchsvc.dates``; ``source``/``site``/``publisher``; ``author``/``authors``/``byline``.
Other keys are ignored. A record without text is reported, not indexed; a date that
cannot be read or a URL that is not http(s) is left out and named in the article's
``warnings``.
"""

from __future__ import annotations

from typing import Any

from ..dates import record_date
from ..errors import ParseError
from ..models import Article, ReadWarning
from ..urls import http_url
from .text import split_blocks

TITLE_KEYS = ("title", "headline", "name")
TEXT_KEYS = ("text", "body", "content", "articleBody", "article", "paragraphs")
URL_KEYS = ("url", "link", "canonical_url", "href")
SOURCE_KEYS = ("source", "site", "site_name", "publisher", "outlet")
AUTHOR_KEYS = ("author", "authors", "byline", "creator")
LIST_KEYS = ("articles", "items", "records", "data", "results", "docs")


def _first(record: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = record.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def _as_text(value: Any) -> str | None:
    """Return a scalar, a list of names or a {"name": ...} object as one string."""
    if value is None:
        return None
    if isinstance(value, str):
        return " ".join(value.split()) or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dict):
        return _as_text(value.get("name") or value.get("title") or value.get("@id"))
    if isinstance(value, list):
        names = [t for t in (_as_text(v) for v in value[:20]) if t]
        return ", ".join(names) or None
    return None


def _paragraphs(value: Any) -> list[str]:
    if isinstance(value, str):
        return split_blocks(value)
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            text = item if isinstance(item, str) else _as_text(item)
            if text:
                out.extend(split_blocks(text))
        return out
    if isinstance(value, dict):
        return _paragraphs(_first(value, TEXT_KEYS))
    return []


def record_to_article(record: Any, where: str = "") -> Article:
    """Return the Article for one JSON record; raises ParseError if it has no text.
    ``where`` ("line 3") names the record in the warnings of what was left out."""
    if not isinstance(record, dict):
        raise ParseError(f"a record is a JSON {type(record).__name__}, not an object")
    paragraphs = _paragraphs(_first(record, TEXT_KEYS))
    if not paragraphs:
        raise ParseError("the record has no text (expected a 'text' or 'body' field)")
    title = _as_text(_first(record, TITLE_KEYS)) or ""
    if not title:
        title = paragraphs[0][:120]
    warnings: list[ReadWarning] = []
    date = record_date(record)
    if date.unreadable and date.original:
        warnings.append(ReadWarning("date_unreadable", date.original, where))
    raw_url = _as_text(_first(record, URL_KEYS))
    url = http_url(raw_url)
    if raw_url and not url:
        warnings.append(ReadWarning("url_dropped", raw_url[:300], where))
    return Article(
        id="",
        title=title,
        paragraphs=paragraphs,
        date=date.date.iso if date.date else None,
        source=_as_text(_first(record, SOURCE_KEYS)),
        url=url,
        author=_as_text(_first(record, AUTHOR_KEYS)),
        format="json",
        date_original=date.original,
        warnings=warnings,
    )


def records_of(value: Any) -> list[Any]:
    """Return the records a decoded JSON document holds: the list itself, the list under
    one of ``LIST_KEYS``, or the object as one record. Raises ParseError for a scalar."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        for key in LIST_KEYS:
            if isinstance(value.get(key), list) and not _first(value, TEXT_KEYS):
                return value[key]
        return [value]
    raise ParseError(f"the JSON holds a {type(value).__name__}, not article records")
