"""Source file -> articles: decode the bytes, pick the format, read the article(s).

Formats, by file extension and, failing that, by content: HTML (``html.py``, the only
BeautifulSoup user), plain text (``text.py``), JSON and JSON Lines records
(``records.py``). Every failure is a ``ParseError`` with a one-line reason; nothing
else escapes (see ``parse_file``).

Limits: files larger than ``MAX_FILE_BYTES`` are refused; a JSON Lines file yields at
most ``MAX_RECORDS`` articles.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ParseError
from ..models import Article
from .decode import decode_bytes, looks_binary
from .records import iter_records
from .text import parse_text

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_RECORDS = 1_000_000

EXTENSIONS = {
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".shtml": "html",
    ".txt": "text",
    ".text": "text",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
_HTML_START = re.compile(
    rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|div|p)\b", re.I | re.S
)


@dataclass
class ParsedFile:
    """What one file yielded: its articles, and the records that were skipped."""

    path: str
    format: str
    articles: list[Article] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    encoding: str = "utf-8"


def article_id(path: str, record: int | None = None) -> str:
    """Return the stable id of the article in ``path`` (and record number, for files
    holding several): 16 hex digits of a SHA-1 of the absolute path."""
    key = os.path.abspath(path)
    if record is not None:
        key = f"{key}\x00{record}"
    return hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def detect_format(name: str, data: bytes) -> str:
    """Return ``html``, ``text``, ``json`` or ``jsonl`` for a file name and its bytes."""
    by_extension = EXTENSIONS.get(Path(name).suffix.lower())
    if by_extension:
        return by_extension
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    if _HTML_START.match(head):
        return "html"
    stripped = head.lstrip()
    if stripped[:1] in (b"{", b"["):
        return "json"
    return "text"


def parse_bytes(data: bytes, name: str = "<bytes>", fmt: str | None = None) -> ParsedFile:
    """Return the articles read from a file's bytes; ``name`` sets ids and format.

    Raises ParseError when the bytes hold no article at all.
    """
    if not data or not data.strip():
        raise ParseError("the file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise ParseError(
            f"the file is {len(data) / 2**20:.0f} MB, over the {MAX_FILE_BYTES // 2**20} MB limit"
        )
    fmt = fmt or detect_format(name, data)
    if looks_binary(data):
        raise ParseError("the file is binary, not text")
    result = ParsedFile(path=name, format=fmt)
    try:
        if fmt == "html":
            from .html import parse_html

            article = parse_html(data)
            result.articles.append(article)
        else:
            text, result.encoding = decode_bytes(data)
            text = text.replace("\x00", "")
            if fmt == "text":
                result.articles.append(parse_text(text))
            else:
                _read_records(text, fmt, result)
    except ParseError:
        raise
    except RecursionError:
        raise ParseError("the document is nested too deeply to read") from None
    except MemoryError:
        raise ParseError("the document is too large to read in memory") from None
    multi = fmt in ("json", "jsonl") and len(result.articles) > 1
    for n, article in enumerate(result.articles):
        article.id = article_id(name, n if multi else None)
        article.path = name
        article.format = article.format or fmt
    if not result.articles:
        reason = result.problems[0] if result.problems else "no article found"
        raise ParseError(reason if len(result.problems) <= 1 else f"{reason} (and others)")
    return result


def _read_records(text: str, fmt: str, result: ParsedFile) -> None:
    for record in iter_records(text, lines=True if fmt == "jsonl" else None):
        if len(result.articles) >= MAX_RECORDS:
            result.problems.append(f"more than {MAX_RECORDS} records: the rest were skipped")
            break
        if record.article is not None:
            result.articles.append(record.article)
        elif record.error:
            result.problems.append(record.error)


def parse_file(path: str | os.PathLike[str]) -> ParsedFile:
    """Return the articles read from one file.

    Raises ParseError (with the reason) when the file cannot be read or holds no
    article: missing, unreadable, a folder, empty, binary, too large, malformed.
    """
    name = os.fspath(path)
    try:
        size = os.path.getsize(name)
        if size > MAX_FILE_BYTES:
            raise ParseError(
                f"the file is {size / 2**20:.0f} MB, over the {MAX_FILE_BYTES // 2**20} MB limit"
            )
        with open(name, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except ParseError:
        raise
    except IsADirectoryError:
        raise ParseError("it is a folder, not a file") from None
    except FileNotFoundError:
        raise ParseError("no such file") from None
    except PermissionError:
        raise ParseError("permission denied") from None
    except OSError as exc:
        raise ParseError(f"cannot read it: {exc.strerror or exc}") from None
    return parse_bytes(data, name)
