"""Scoring the extractor on labelled text (entity level, exact span).

Two formats are read: CoNLL-2003 files (one token per line, IOB tags) and our marked-up
sentences (``[Antony Blinken](PER) met [Hakan Fidan](PER) in [Ankara](LOC).``, one
sentence per line, blank line between documents, ``#`` comments), the format of
``training/extra/`` and ``eval/modern_news/``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

GOLD_MAP = {"PER": "actor", "ORG": "actor", "LOC": "location"}


def read_conll_spans(path: str | Path) -> Iterator[tuple[str, list[tuple[int, int, str]]]]:
    """Yield (text, spans) per CoNLL document: sentences joined by "\\n", tokens by " ".

    Spans are (start, end, CoNLL label) character offsets, all labels kept (PER, ORG,
    LOC, MISC); both IOB1 and IOB2 tagging are read. Training and scoring share it, so
    the model learns from exactly the text it is scored on.
    """
    sentences: list[list[tuple[str, str]]] = []
    sent: list[tuple[str, str]] = []
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if not parts or parts[0] == "-DOCSTART-":
                if sent:
                    sentences.append(sent)
                    sent = []
                if parts and sentences:
                    yield _document_spans(sentences)
                    sentences = []
                continue
            sent.append((parts[0], parts[-1]))
    if sent:
        sentences.append(sent)
    if sentences:
        yield _document_spans(sentences)


def _document_spans(
    sentences: list[list[tuple[str, str]]],
) -> tuple[str, list[tuple[int, int, str]]]:
    pieces: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = 0
    for si, sentence in enumerate(sentences):
        if si:
            pieces.append("\n")
            pos += 1
        cur: list = []  # [start, end, label]
        for ti, (tok, tag) in enumerate(sentence):
            if ti:
                pieces.append(" ")
                pos += 1
            start, end = pos, pos + len(tok)
            pieces.append(tok)
            pos = end
            if tag == "O":
                if cur:
                    spans.append(tuple(cur))
                    cur = []
                continue
            prefix, label = tag.split("-", 1)
            if cur and prefix == "I" and cur[2] == label:
                cur[1] = end
            else:
                if cur:
                    spans.append(tuple(cur))
                cur = [start, end, label]
        if cur:
            spans.append(tuple(cur))
    return "".join(pieces), spans


_MARK = re.compile(r"\[([^\]]+)\]\((PER|ORG|LOC|MISC)\)")


def parse_marked(line: str) -> tuple[str, list[tuple[int, int, str]]]:
    """Return (plain text, [(start, end, label)]) of one ``[text](LABEL)`` marked-up line."""
    out: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = last = 0
    for m in _MARK.finditer(line):
        plain = line[last : m.start()]
        out.append(plain)
        pos += len(plain)
        out.append(m.group(1))
        spans.append((pos, pos + len(m.group(1)), m.group(2)))
        pos += len(m.group(1))
        last = m.end()
    out.append(line[last:])
    return "".join(out), spans


def read_marked_spans(path: str | Path) -> Iterator[tuple[str, list[tuple[int, int, str]]]]:
    """Yield (text, spans) per document of a marked-up file: its sentences joined by "\\n".

    Spans are (start, end, CoNLL label) character offsets into the text.
    """
    block: list[str] = []
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    for raw in [*lines, ""]:
        line = raw.strip()
        if line.startswith("#"):
            continue
        if line:
            block.append(line)
            continue
        if block:
            texts: list[str] = []
            spans: list[tuple[int, int, str]] = []
            offset = 0
            for sentence in block:
                text, found = parse_marked(sentence)
                spans.extend((a + offset, b + offset, lab) for a, b, lab in found)
                texts.append(text)
                offset += len(text) + 1
            yield "\n".join(texts), spans
            block = []


def is_marked_file(path: str | Path) -> bool:
    """Return whether ``path`` holds marked-up sentences rather than CoNLL columns."""
    with Path(path).open(encoding="utf-8", errors="replace") as fh:
        return _MARK.search(fh.read(65536)) is not None


def read_labelled_documents(
    path: str | Path,
) -> Iterator[tuple[str, set[tuple[int, int, str]]]]:
    """Yield (text, gold spans) per document of a CoNLL or marked-up file.

    Gold spans are (start, end, label) with label "actor" (PER, ORG) or "location" (LOC);
    MISC is left out.
    """
    reader = read_marked_spans if is_marked_file(path) else read_conll_spans
    for text, spans in reader(path):
        yield text, {(s, e, GOLD_MAP[lab]) for s, e, lab in spans if lab in GOLD_MAP}


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


@dataclass(frozen=True)
class EvalError:
    """One scoring difference: a gold entity ``missed`` or a ``false`` prediction."""

    kind: str  # "missed" or "false"
    label: str  # "actor" or "location"
    text: str
    line: str  # the sentence it is in


def _line_of(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return text[start : end if end >= 0 else len(text)]


def evaluate_conll(path: str | Path, errors: list[EvalError] | None = None) -> dict[str, float]:
    """Return precision, recall and F1 for actors and locations on a labelled file.

    The file is CoNLL-2003 or marked-up sentences (``is_marked_file``). Each whole
    document goes through ``extract_entities`` (sentences joined by "\\n"; CoNLL tokens
    by single spaces); matches are exact (start, end, label). The dict has keys
    ``actor_precision``, ``actor_recall``, ``actor_f1``, the same for ``location``,
    ``documents``, ``paragraphs`` (sentences), ``seconds`` and ``paragraphs_per_sec``.
    """
    return evaluate_documents(read_labelled_documents(path), errors)


def evaluate_documents(
    documents: Iterable[tuple[str, set[tuple[int, int, str]]]],
    errors: list[EvalError] | None = None,
) -> dict[str, float]:
    """Return the scores of ``evaluate_conll`` for (text, gold spans) documents.

    With ``errors``, every missed gold entity and every false prediction is appended to it.
    """
    from searchsvc.entities import extract_entities, get_nlp

    get_nlp()  # load outside the timing
    from searchsvc.entities.resources import aliases, gazetteer

    gazetteer()
    aliases()
    counts = {lab: [0, 0, 0] for lab in ("actor", "location")}
    n_docs = n_sents = 0
    elapsed = 0.0
    for text, gold in documents:
        n_docs += 1
        n_sents += text.count("\n") + 1
        t0 = time.perf_counter()
        ents = extract_entities(text)
        elapsed += time.perf_counter() - t0
        pred = {(e.start, e.end, e.label) for e in ents}
        if errors is not None:
            errors.extend(
                EvalError("missed", lab, text[a:b], _line_of(text, a))
                for a, b, lab in sorted(gold - pred)
            )
            errors.extend(
                EvalError("false", lab, text[a:b], _line_of(text, a))
                for a, b, lab in sorted(pred - gold)
            )
        for lab, c in counts.items():
            g = {x for x in gold if x[2] == lab}
            p = {x for x in pred if x[2] == lab}
            c[0] += len(g & p)
            c[1] += len(p - g)
            c[2] += len(g - p)
    out: dict[str, float] = {}
    for lab, (tp, fp, fn) in counts.items():
        p, r, f = _prf(tp, fp, fn)
        out[f"{lab}_precision"] = round(p, 4)
        out[f"{lab}_recall"] = round(r, 4)
        out[f"{lab}_f1"] = round(f, 4)
    out["documents"] = n_docs
    out["paragraphs"] = n_sents
    out["seconds"] = round(elapsed, 2)
    out["paragraphs_per_sec"] = round(n_sents / elapsed, 1) if elapsed else 0.0
    return out
