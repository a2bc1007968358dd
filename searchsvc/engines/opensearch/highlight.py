"""Highlights in searchsvc's shape (``searchsvc.marks``), with the cluster's stemming.

The words of a text are known here (``analysis.Words``: the cluster indexes exactly
them); only their stems come from the cluster, through ``_analyze`` with the index's
own analyzer, so a word is marked when the cluster would match it. Stems are cached
per process: after the first pages most words need no request at all.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

from ... import marks
from ...query.nodes import Node
from .analysis import Words
from .client import Cluster
from .mapping import STEM_ANALYZER

STEM_CACHE = 200_000
ANALYZE_CHARS = 200_000  # one _analyze request at most (the cluster limits it too)


class Stemmer:
    """Word -> stem as the cluster's ``searchsvc_stem`` analyzer gives it (cached)."""

    def __init__(self, cluster: Cluster, index: str, limit: int = STEM_CACHE):
        self.cluster = cluster
        self.index = index
        self.limit = limit
        self._cache: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def stems(self, words: Iterable[str]) -> dict[str, str]:
        """Return the stem of each word (folded words without spaces)."""
        wanted = {w for w in words if w}
        found: dict[str, str] = {}
        with self._lock:
            for word in wanted:
                stem = self._cache.get(word)
                if stem is not None:
                    found[word] = stem
        missing = sorted(wanted - found.keys())
        batch: list[str] = []
        size = 0
        for word in missing:
            if batch and size + len(word) + 1 > ANALYZE_CHARS:
                found.update(self._analyze(batch))
                batch, size = [], 0
            batch.append(word)
            size += len(word) + 1
        if batch:
            found.update(self._analyze(batch))
        return found

    def _analyze(self, words: list[str]) -> dict[str, str]:
        text = " ".join(words)
        starts = {}
        offset = 0
        for word in words:
            starts[offset] = word
            offset += len(word) + 1
        answer = self.cluster.call(
            "analyse words for highlighting",
            self.cluster.client.indices.analyze,
            index=self.index,
            body={"analyzer": STEM_ANALYZER, "text": text},
        )
        result: dict[str, str] = {}
        for token in answer.get("tokens", []):
            word = starts.get(int(token.get("start_offset", -1)))
            if word is not None:
                result[word] = str(token.get("token", word))
        for word in words:
            result.setdefault(word, word)  # a word the analyzer dropped: itself
        with self._lock:
            self._cache.update(result)
            while len(self._cache) > self.limit:
                self._cache.popitem(last=False)
        return result


def tokens(words: Words, stems: dict[str, str]) -> list[marks.Token]:
    """Return the marks tokens of a text's words."""
    return [
        (stems.get(word, word), pos, start, end)
        for pos, (word, (start, end)) in enumerate(zip(words.words, words.spans, strict=True))
    ]


def highlight_texts(
    stemmer: Stemmer, node: Node | None, texts: list[str], max_chars: int | None
) -> list[str]:
    """Return each text escaped with the matches of ``node`` marked (cut to the best
    fragment beyond ``max_chars``; None: never cut)."""
    analysed = [Words.of(t) for t in texts]
    wanted = set(marks.query_words(node))
    for words in analysed:
        wanted.update(words.words)
    stems = stemmer.stems(wanted) if node is not None else {}
    spec = marks.match_spec(node, lambda w: stems.get(w, w))
    out = []
    for text, words in zip(texts, analysed, strict=True):
        spans = marks.mark_spans(tokens(words, stems), spec) if not spec.empty() else []
        out.append(marks.render(text, spans, max_chars))
    return out
