"""Differences between two copies of a text, word by word, for the copies page: the
words of one copy that the other lacks are marked ``<ins>``, the other's missing words
``<del>`` (``difflib``'s longest matching blocks over whitespace-separated words)."""

from __future__ import annotations

from difflib import SequenceMatcher

from markupsafe import Markup, escape


def marked_differences(base: str, other: str) -> Markup:
    """Return ``other`` HTML-escaped, its words that ``base`` lacks in ``<ins>`` and the
    words of ``base`` it lacks in ``<del>`` where they were."""
    a, b = base.split(), other.split()
    parts: list[str] = []
    matcher = SequenceMatcher(a=a, b=b, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(str(escape(" ".join(b[b1:b2]))))
            continue
        if a2 > a1:
            parts.append(f"<del>{escape(' '.join(a[a1:a2]))}</del>")
        if b2 > b1:
            parts.append(f"<ins>{escape(' '.join(b[b1:b2]))}</ins>")
    return Markup(" ".join(parts))
