"""Operations on numpy arrays of integers that more than one step needs."""

from __future__ import annotations

import numpy as np


def distinct(values: np.ndarray) -> np.ndarray:
    """Return the sorted distinct ``values`` (integers). A stable sort merges runs
    already in order (the parts of a union) in linear time; ``np.unique`` hashes
    first and is many times slower on large integer arrays (3.5 against 0.3 s for
    4 million)."""
    if len(values) < 2:
        return values.copy()
    ordered = np.sort(values, kind="stable")
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def index_dtype(count: int) -> type:
    """Return the integer type for numbers below ``count`` (document numbers, ranks):
    32 bits while they fit, half the memory of 64."""
    return np.int32 if count < 2**31 else np.int64
