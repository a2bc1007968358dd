"""Plain-text articles: a headline line, an optional underline, then paragraphs.

Two shapes are read the same way (see tests/test_parse_text.py):
- headline, blank line, paragraphs separated by blank lines (``corpus/bbc``);
- headline, a line of dashes or equals signs, paragraphs one per line, sections
  separated by blank lines (``seed/blinken-turkey.txt``).
Within a block of consecutive lines, each line is a paragraph unless the block looks
hard-wrapped (most lines end without sentence punctuation and are of similar width),
in which case its lines are joined.
"""

from __future__ import annotations

import re

from ..errors import ParseError
from ..models import Article

_RULE = re.compile(r"^\s*([-=_*~#])\1{2,}\s*$")
_ENDS_SENTENCE = re.compile(r"[.!?…:;\"'”’)\]]\s*$")


def _looks_wrapped(lines: list[str]) -> bool:
    if len(lines) < 2:
        return False
    body = lines[:-1]
    open_ended = sum(1 for line in body if not _ENDS_SENTENCE.search(line))
    widths = [len(line) for line in body]
    return open_ended >= len(body) * 0.6 and max(widths) <= 120


def split_blocks(text: str) -> list[str]:
    """Return the paragraphs of a plain-text body (see module docstring)."""
    paragraphs: list[str] = []
    block: list[str] = []

    def flush() -> None:
        if not block:
            return
        if _looks_wrapped(block):
            paragraphs.append(" ".join(line.strip() for line in block))
        else:
            paragraphs.extend(line.strip() for line in block)
        block.clear()

    for line in text.splitlines():
        if not line.strip() or _RULE.match(line):
            flush()
        else:
            block.append(line)
    flush()
    return [p for p in paragraphs if p]


def parse_text(text: str) -> Article:
    """Return the Article read from plain text (``id`` and ``path`` left empty).

    Raises ParseError when there is no headline or no body.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None:
        raise ParseError("the file is empty (no text)")
    title = " ".join(lines[start].split())
    body = "\n".join(lines[start + 1 :])
    paragraphs = split_blocks(body)
    if not paragraphs:
        raise ParseError("no article text after the headline")
    return Article(id="", title=title, paragraphs=paragraphs, format="text")
