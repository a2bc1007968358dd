"""Proximity (``"a b"~N``, ``Phrase.slop``) with Lucene's meaning, for every engine that
evaluates it itself and for highlighting.

A sloppy phrase matches where each of its words takes one position (a word repeated in
the phrase takes another occurrence) such that the positions, each less its word's place
in the phrase, spread over at most ``slop``: the number of moves that bring the words
into the phrase's order. Words may come between; two neighbours swapped cost 2 moves.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence


def sloppy_matches(positions: Sequence[Sequence[int]], slop: int) -> Iterator[tuple[int, ...]]:
    """Return, for each way a phrase matches within ``slop``, the position taken by each
    word, in phrase order: ``positions[k]`` are the positions of the phrase's k-th word
    in one field of one document. One match is given per window of ``slop + 1``
    places that holds one."""
    shifted = [sorted({p - k for p in places}) for k, places in enumerate(positions)]
    if not shifted or not all(shifted):
        return
    for anchor in sorted({v for values in shifted for v in values}):
        window = [
            [v + k for v in values if anchor <= v <= anchor + slop]
            for k, values in enumerate(shifted)
        ]
        if all(window):
            chosen = _distinct(window)
            if chosen is not None:
                yield chosen


def _distinct(choices: list[list[int]]) -> tuple[int, ...] | None:
    """Return one position per word from its ``choices``, no position taken twice (a
    word repeated in the phrase needs another occurrence), or None: a bipartite
    matching found by augmenting paths."""
    owner: dict[int, int] = {}  # position -> word holding it

    def claim(k: int, seen: set[int]) -> bool:
        for p in choices[k]:
            if p not in seen:
                seen.add(p)
                if p not in owner or claim(owner[p], seen):
                    owner[p] = k
                    return True
        return False

    for k in range(len(choices)):
        if not claim(k, set()):
            return None
    taken = {k: p for p, k in owner.items()}
    return tuple(taken[k] for k in range(len(choices)))
