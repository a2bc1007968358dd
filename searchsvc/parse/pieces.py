"""Cutting a file into pieces of parsing work, in file order, with bounded memory.

This is the cheap part of parsing, done by the process that reads the files; the
pieces are then read into articles (``searchsvc.parse.read_piece``) anywhere, in any
number of worker processes.

- An HTML or plain-text file is one ``page`` piece: its bytes, up to
  ``limits.MAX_ARTICLE_BYTES``.
- A JSON Lines file is streamed: one ``line`` piece per non-blank line, holding only
  that line in memory. A line longer than ``MAX_ARTICLE_BYTES`` is skipped without being
  held (a ``problem`` piece naming its line); the file itself has no size limit. Files
  starting with a UTF-16/32 byte-order mark are decoded as they are read.
- A JSON file (one value: a record, a list of records or an object holding one) is
  read and decoded whole, so the file must fit under ``MAX_ARTICLE_BYTES``; each record
  becomes a ``record`` piece. A bigger ``.json`` file whose first line is a JSON value
  by itself is streamed as JSON Lines; otherwise it is refused. A JSON file that is not
  one JSON value but has several lines is read as JSON Lines.
- A file that cannot be read at all is one ``error`` piece with the reason. A read
  failure after some pieces ends the file with a ``problem`` piece.

Every file yields at least one piece, and the ``size`` of a file's pieces add up to
about the bytes of the file (for progress).
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, Literal

from ..errors import ParseError
from ..limits import MAX_ARTICLE_BYTES
from .decode import bom_encoding, decode_bytes, looks_binary
from .formats import detect_format
from .records import records_of

PieceKind = Literal["page", "line", "record", "problem", "error"]
HEAD_BYTES = 8192
_SKIP_CHUNK = 1 << 16


@dataclass
class Piece:
    """One unit of parsing work cut from the file ``path``.

    ``data`` is, by ``kind``: ``page`` the file's bytes; ``line`` one JSON Lines line
    (bytes, or text for UTF-16/32 files); ``record`` one decoded JSON value; ``problem``
    (a record left out) and ``error`` (the file cannot be read) the reason. ``number``
    is the line number (from 1) of a line, the record number (from 1) of a record in a
    list, else 0. ``size`` is the share of the file's bytes the piece stands for.
    """

    path: str
    kind: PieceKind
    data: Any
    fmt: str
    number: int = 0
    size: int = 0

    @property
    def articles(self) -> int:
        """Return how many articles the piece may yield (0 or 1)."""
        return 1 if self.kind in ("page", "line", "record") else 0


def _human(size: int) -> str:
    return f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size / 2**10:,.0f} kB"


def over_limit(what: str, size: int) -> str:
    """Return the reason given for ``what`` (e.g. "the file") of ``size`` bytes being
    over ``MAX_ARTICLE_BYTES``."""
    return f"{what} is {_human(size)}, over the {_human(MAX_ARTICLE_BYTES)} limit"


def _open_reason(exc: OSError) -> str:
    if isinstance(exc, IsADirectoryError):
        return "it is a folder, not a file"
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return f"cannot read it: {exc.strerror or exc}"


def iter_pieces(path: str | os.PathLike[str]) -> Iterator[Piece]:
    """Yield the pieces of the file at ``path`` in file order (at least one), reading it
    as they are taken: a JSON Lines file is never held in memory whole."""
    name = os.fspath(path)
    try:
        handle = open(name, "rb")  # noqa: SIM115 (closed below, after the last piece)
    except OSError as exc:
        yield Piece(name, "error", _open_reason(exc), "")
        return
    with handle:
        size = os.fstat(handle.fileno()).st_size
        yield from _guarded(_pieces(handle, name, size), name)


def pieces_of_bytes(data: bytes, name: str = "<bytes>") -> Iterator[Piece]:
    """Yield the pieces of a file's bytes held in memory, as ``iter_pieces`` would."""
    yield from _guarded(_pieces(io.BytesIO(data), name, len(data)), name)


def _guarded(pieces: Iterator[Piece], name: str) -> Iterator[Piece]:
    """Turn a read failure into an ``error`` piece (nothing read yet) or a closing
    ``problem`` piece (after some pieces)."""
    yielded = False
    last_line = 0
    try:
        for piece in pieces:
            yielded = True
            last_line = piece.number or last_line
            yield piece
    except ParseError as exc:
        yield Piece(name, "problem" if yielded else "error", str(exc), "")
    except OSError as exc:
        reason = f"cannot read it: {exc.strerror or exc}"
        if not yielded:
            yield Piece(name, "error", reason, "")
        else:
            where = f"after line {last_line}" if last_line else "part-way"
            yield Piece(name, "problem", f"{where}: {reason}; the rest was not read", "")
    except RecursionError:
        yield Piece(name, "error", "the JSON is nested too deeply", "")
    except MemoryError:
        yield Piece(name, "error", "the document is too large to read in memory", "")


def _pieces(handle: BinaryIO, name: str, size: int) -> Iterator[Piece]:
    head = handle.read(HEAD_BYTES)
    handle.seek(0)
    fmt = detect_format(name, head)
    if looks_binary(head):
        yield Piece(name, "error", "the file is binary, not text", fmt)
    elif fmt == "jsonl":
        yield from _line_pieces(handle, name, fmt, head)
    elif fmt == "json" and size > MAX_ARTICLE_BYTES:
        if _first_line_is_json(handle):
            handle.seek(0)
            yield from _line_pieces(handle, name, fmt, head)
        else:
            reason = over_limit("the file", size) + (
                " (a JSON file is read whole: write one record per line, as JSON Lines,"
                " to index more)"
            )
            yield Piece(name, "error", reason, fmt)
    elif size > MAX_ARTICLE_BYTES:
        yield Piece(name, "error", over_limit("the file", size), fmt)
    else:
        data = handle.read(MAX_ARTICLE_BYTES + 1)
        if len(data) > MAX_ARTICLE_BYTES:  # it grew since it was measured
            yield Piece(name, "error", over_limit("the file", len(data)), fmt)
        elif fmt == "json":
            yield from _json_pieces(data, name)
        else:
            yield Piece(name, "page", data, fmt, size=len(data))


def _first_line_is_json(handle: BinaryIO) -> bool:
    line = handle.readline(MAX_ARTICLE_BYTES + 1)
    if len(line) > MAX_ARTICLE_BYTES or not line.strip():
        return False
    try:
        json.loads(line)
    except (ValueError, RecursionError):
        return False
    return True


def _read_lines(stream: BinaryIO | io.TextIOBase) -> Iterator[tuple[int, Any, int]]:
    """Yield (line number, line or None when longer than the limit, length) for every
    line, holding at most ``MAX_ARTICLE_BYTES`` of it."""
    number = 0
    newline: Any = "\n" if isinstance(stream, io.TextIOBase) else b"\n"
    while True:
        line = stream.readline(MAX_ARTICLE_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) <= MAX_ARTICLE_BYTES or line.endswith(newline):
            yield number, line, len(line)
            continue
        length = len(line)
        while not line.endswith(newline):
            line = stream.readline(_SKIP_CHUNK)
            if not line:
                break
            length += len(line)
        yield number, None, length


def _line_pieces(handle: BinaryIO, name: str, fmt: str, head: bytes) -> Iterator[Piece]:
    wide = bom_encoding(head)
    stream: Any = handle
    if wide and wide != "utf-8-sig":
        stream = io.TextIOWrapper(handle, encoding=wide, errors="replace", newline="\n")
    found = False
    for number, line, length in _read_lines(stream):
        if line is None:
            reason = f"line {number}: " + over_limit("the record", length)
            yield Piece(name, "problem", reason, fmt, number, length)
            found = True
        elif line.strip():
            yield Piece(name, "line", line, fmt, number, length)
            found = True
    if isinstance(stream, io.TextIOWrapper):
        stream.detach()
    if not found:
        yield Piece(name, "error", "the file is empty", fmt)


def _json_pieces(data: bytes, name: str) -> Iterator[Piece]:
    text, _encoding = decode_bytes(data)
    text = text.replace("\x00", "")
    stripped = text.strip()
    if not stripped:
        yield Piece(name, "error", "the file is empty", "json")
        return
    try:
        value = json.loads(stripped)
    except ValueError as exc:
        if "\n" not in stripped:
            yield Piece(name, "error", f"malformed JSON: {exc}", "json")
            return
        # Not one JSON value: JSON Lines in a .json file (or a broken document, which
        # then reads as lines none of which is JSON).
        for number, line in enumerate(text.split("\n"), 1):
            if line.strip():
                yield Piece(name, "line", line, "json", number, len(line) + 1)
        return
    records = records_of(value)
    if not records:
        yield Piece(name, "error", "no article found (the JSON holds no records)", "json")
        return
    share, rest = divmod(len(data), len(records))
    many = len(records) > 1
    for n, record in enumerate(records, 1):
        size = share + (rest if n == len(records) else 0)
        yield Piece(name, "record", record, "json", n if many else 0, size)
