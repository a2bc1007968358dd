"""Index words within a few edits of a word: the expansion of typo-tolerant ``word~``
terms and the candidates of "did you mean".

Whoosh finds them by computing a Python edit distance against every term that shares
the first letter (about 200 ms per field for one word at 200k paragraphs). A
``Lexicon`` keeps a field's terms grouped by first character, with their lengths and
letter counts in numpy arrays: a length check and a letter-count bound (the edit
distance is at least the number of letters one word has and the other lacks) discard
almost every term at once, and only the few left get the exact distance.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator

import numpy as np

from ....marks import edit_distance

_BUCKETS = 32  # a-z, then the other characters folded into 6 buckets (bound stays valid)
_CACHE_ENTRIES = 16


def _bucket(char: str) -> int:
    code = ord(char)
    if 97 <= code <= 122:
        return code - 97
    return 26 + code % (_BUCKETS - 26)


def letter_counts(word: str) -> np.ndarray:
    """Return the letter-bucket counts of ``word``."""
    counts = np.zeros(_BUCKETS, dtype=np.int16)
    for char in word:
        counts[_bucket(char)] += 1
    return counts


class _Group:
    """The terms sharing one first character."""

    def __init__(self, words: list[str]):
        self.words = words
        self.lengths = np.fromiter((len(w) for w in words), dtype=np.int32, count=len(words))
        self.counts = np.zeros((len(words), _BUCKETS), dtype=np.int16)
        for row, word in enumerate(words):
            for char in word:
                self.counts[row, _bucket(char)] += 1


class Lexicon:
    """The terms of one field of one index version."""

    def __init__(self, words: list[str]):
        by_first: dict[str, list[str]] = {}
        for word in words:
            if word:
                by_first.setdefault(word[0], []).append(word)
        self._groups = {first: _Group(ws) for first, ws in by_first.items()}
        self.size = len(words)

    @classmethod
    def from_reader(cls, reader, fieldname: str) -> Lexicon:
        """Return the lexicon of ``fieldname`` read from a Whoosh reader."""
        words = [b.decode("utf-8", "replace") for b in reader.lexicon(fieldname)]
        return cls(words)

    def within(self, text: str, maxdist: int, prefix: int = 0) -> Iterator[str]:
        """Return the terms within ``maxdist`` edits of ``text`` that share its first
        ``prefix`` characters (``text`` itself included when it is a term)."""
        if prefix >= 1 and text:
            groups = [self._groups.get(text[0])]
        else:
            groups = list(self._groups.values())
        want = letter_counts(text)
        for group in groups:
            if group is None:
                continue
            near = np.abs(group.lengths - len(text)) <= maxdist
            if not near.any():
                continue
            rows = np.flatnonzero(near)
            diff = group.counts[rows] - want
            surplus = np.clip(diff, 0, None).sum(axis=1)
            missing = np.clip(-diff, 0, None).sum(axis=1)
            rows = rows[np.maximum(surplus, missing) <= maxdist]
            head = text[:prefix]
            for row in rows.tolist():
                word = group.words[row]
                if prefix > 1 and not word.startswith(head):
                    continue
                if edit_distance(text, word, maxdist) <= maxdist:
                    yield word


_cache: OrderedDict[tuple, Lexicon] = OrderedDict()
_lock = threading.Lock()


def _reader_key(reader, fieldname: str) -> tuple:
    """Return a key naming the index version a reader shows (its segments and their
    deletions do not matter: a deleted document's terms stay in the lexicon)."""
    readers = getattr(reader, "readers", None) or [reader]
    segments = []
    for sub in readers:
        segment = getattr(sub, "_segment", None)
        segments.append(segment.segment_id() if segment is not None else id(sub))
    return (fieldname, tuple(segments))


def lexicon_for(reader, fieldname: str) -> Lexicon:
    """Return the (cached) lexicon of ``fieldname`` for the index version ``reader``
    shows."""
    key = _reader_key(reader, fieldname)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    built = Lexicon.from_reader(reader, fieldname)
    with _lock:
        _cache[key] = built
        while len(_cache) > _CACHE_ENTRIES:
            _cache.popitem(last=False)
    return built
