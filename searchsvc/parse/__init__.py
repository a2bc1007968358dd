"""Source file -> articles: decode the bytes, pick the format, read the article(s).

Formats, by file extension and, failing that, by content: HTML (``html.py``, the only
BeautifulSoup user), plain text (``text.py``), JSON and JSON Lines records
(``records.py``). Every failure is a ``ParseError`` with a one-line reason; nothing
else escapes (see ``parse_file``).

Reading is in two steps so that it can be spread over processes: ``pieces.py`` cuts a
file into pieces (a page, a JSON record, a JSON Lines line) in the reading process;
``read_piece`` turns one piece into its article anywhere; ``FileAssembly`` puts a file's
pieces back together in order (article ids, records left out, whether the file failed).
``parse_file`` and ``parse_bytes`` do all three in one process.

Limits (``limits.MAX_ARTICLE_BYTES``, docs/limits.md): one page, one JSON Lines record,
one whole JSON file. A JSON Lines file has no size limit: it is read record by record.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from ..errors import ParseError
from ..limits import MAX_NAMED_PROBLEMS
from ..models import Article
from .decode import decode_bytes
from .formats import EXTENSIONS, detect_format
from .pieces import Piece, iter_pieces, pieces_of_bytes
from .records import record_to_article
from .text import parse_text

__all__ = [
    "EXTENSIONS",
    "FileAssembly",
    "ParsedFile",
    "Piece",
    "PieceOutcome",
    "article_id",
    "detect_format",
    "iter_pieces",
    "parse_bytes",
    "parse_file",
    "read_piece",
]

T = TypeVar("T")


@dataclass
class ParsedFile:
    """What one file yielded: its articles, and the records that were skipped."""

    path: str
    format: str
    articles: list[Article] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    encoding: str = "utf-8"


@dataclass
class PieceOutcome(Generic[T]):
    """What one piece held: its articles (0 or 1; the indexer swaps them for their
    paragraphs), or a record left out (``problem``), or why the whole file cannot be
    read (``error``). ``json`` tells whether a JSON Lines line was JSON at all."""

    kind: str
    articles: list[T] = field(default_factory=list)
    problem: str | None = None
    error: str | None = None
    json: bool = False
    encoding: str | None = None


def article_id(path: str, record: int | None = None) -> str:
    """Return the stable id of the article in ``path`` (and record number, for files
    holding several): 16 hex digits of a SHA-1 of the absolute path."""
    key = os.path.abspath(path)
    if record is not None:
        key = f"{key}\x00{record}"
    return hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _read_page(data: bytes, fmt: str) -> tuple[Article, str | None]:
    if not data.strip():
        raise ParseError("the file is empty")
    try:
        if fmt == "html":
            from .html import parse_html

            return parse_html(data), None
        text, encoding = decode_bytes(data)
        return parse_text(text.replace("\x00", "")), encoding
    except RecursionError:
        raise ParseError("the document is nested too deeply to read") from None
    except MemoryError:
        raise ParseError("the document is too large to read in memory") from None


def _read_line(piece: Piece, outcome: PieceOutcome[Article]) -> None:
    data = piece.data
    if isinstance(data, bytes):
        data, outcome.encoding = decode_bytes(data)
    text = data.replace("\x00", "").strip()
    if not text:
        return
    where = f"line {piece.number}"
    try:
        record = json.loads(text)
    except (ValueError, RecursionError) as exc:
        outcome.problem = f"{where}: malformed JSON ({exc})"
        return
    outcome.json = True
    try:
        outcome.articles.append(record_to_article(record, where))
    except ParseError as exc:
        outcome.problem = f"{where}: {exc}"


def read_piece(piece: Piece) -> PieceOutcome[Article]:
    """Return the article a piece holds, or why it holds none; never raises (a parser
    bug becomes a problem or an error naming it). Articles get their ``path`` and
    ``format``; ids are given by ``FileAssembly``."""
    outcome: PieceOutcome[Article] = PieceOutcome(piece.kind)
    try:
        if piece.kind == "page":
            article, outcome.encoding = _read_page(piece.data, piece.fmt)
            outcome.articles.append(article)
        elif piece.kind == "line":
            _read_line(piece, outcome)
        elif piece.kind == "record":
            where = f"record {piece.number}" if piece.number else ""
            outcome.articles.append(record_to_article(piece.data, where))
        elif piece.kind == "problem":
            outcome.problem = piece.data
        else:
            outcome.error = piece.data
    except ParseError as exc:
        if piece.kind == "page":
            outcome.error = str(exc)
        else:
            prefix = f"record {piece.number}: " if piece.number else ""
            outcome.problem = f"{prefix}{exc}"
    except Exception as exc:  # a parser bug must not stop the whole run
        reason = f"unexpected error while parsing ({type(exc).__name__}: {exc})"
        if piece.kind == "page":
            outcome.error = reason
        else:
            where = "line" if piece.kind == "line" else "record"
            outcome.problem = f"{where} {piece.number}: {reason}"
    for article in outcome.articles:
        article.path = piece.path
        article.format = article.format or piece.fmt
    return outcome


class FileAssembly(Generic[T]):
    """One file's piece outcomes put back together, in file order.

    Ids: a file that yields one article gives it ``article_id(path)``; a file that
    yields more gives its n-th article ``article_id(path, n)`` (n from 0, counting the
    articles read, not the records or lines). So the first article is held back until a
    second one arrives or the file ends. Records left out are kept (the first
    ``MAX_NAMED_PROBLEMS``, then counted); ``finish`` says whether the file as a whole
    failed.
    """

    def __init__(self, path: str):
        self.path = path
        self.articles = 0
        self.problems: list[str] = []
        self.problem_count = 0
        self.encoding: str | None = None
        self._error: str | None = None
        self._held: T | None = None
        self._lines = 0
        self._json_lines = 0
        self._cut = 0  # records left out by the reader (too long, unreadable)

    def add(self, outcome: PieceOutcome[T]) -> list[tuple[str, T]]:
        """Take the next outcome of the file; return the (id, article) pairs now ready."""
        if outcome.error:
            self._error = self._error or outcome.error
        if outcome.problem:
            self.problem_count += 1
            if len(self.problems) < MAX_NAMED_PROBLEMS:
                self.problems.append(outcome.problem)
        self._lines += outcome.kind == "line"
        self._json_lines += outcome.json
        self._cut += outcome.kind == "problem"
        self.encoding = self.encoding or outcome.encoding
        ready: list[tuple[str, T]] = []
        for item in outcome.articles:
            self.articles += 1
            if self.articles == 1:
                self._held = item
                continue
            if self.articles == 2:
                ready.append((article_id(self.path, 0), self._held))  # type: ignore[arg-type]
                self._held = None
            ready.append((article_id(self.path, self.articles - 1), item))
        return ready

    def finish(self) -> tuple[list[tuple[str, T]], str | None]:
        """End the file; return the (id, article) pairs still held and, when the file
        yields nothing at all, the reason (else None)."""
        if self._error:
            return [], self._error
        if self.articles == 0:
            if self._lines and not self._json_lines and not self._cut:
                return [], "malformed JSON: no line of the file is a JSON record"
            if self.problems:
                more = " (and others)" if self.problem_count > 1 else ""
                return [], self.problems[0] + more
            return [], "no article found"
        if self.problem_count > len(self.problems):
            unnamed = self.problem_count - len(self.problems)
            self.problems.append(f"{unnamed:,} more records left out (not named here)")
        if self._held is not None:
            held, self._held = self._held, None
            return [(article_id(self.path), held)], None
        return [], None


def parse_pieces(pieces: Iterable[Piece], path: str) -> ParsedFile:
    """Return the articles of a file from its pieces, read in this process. Raises
    ParseError when the file yields no article."""
    assembly: FileAssembly[Article] = FileAssembly(path)
    result = ParsedFile(path=path, format="")
    ready: list[tuple[str, Article]] = []
    for piece in pieces:
        result.format = result.format or piece.fmt
        ready += assembly.add(read_piece(piece))
    rest, error = assembly.finish()
    if error:
        raise ParseError(error)
    for aid, article in ready + rest:
        article.id = aid
        result.articles.append(article)
    result.problems = assembly.problems
    result.encoding = assembly.encoding or "utf-8"
    return result


def parse_bytes(data: bytes, name: str = "<bytes>") -> ParsedFile:
    """Return the articles read from a file's bytes; ``name`` sets ids and format.

    Raises ParseError when the bytes hold no article at all.
    """
    return parse_pieces(pieces_of_bytes(data, name), name)


def parse_file(path: str | os.PathLike[str]) -> ParsedFile:
    """Return the articles read from one file (a JSON Lines file is read record by
    record, so only the articles are held).

    Raises ParseError (with the reason) when the file cannot be read or holds no
    article: missing, unreadable, a folder, empty, binary, too large, malformed.
    """
    name = os.fspath(path)
    return parse_pieces(iter_pieces(name), name)
