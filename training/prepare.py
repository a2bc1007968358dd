"""Convert CoNLL-2003 files (and our own extra sentences) into spaCy ``.spacy`` DocBins.

Each CoNLL document (the text between two ``-DOCSTART-`` lines) becomes one spaCy Doc
whose text is its sentences joined by ``"\\n"`` and their tokens joined by single
spaces: exactly the text ``evaluate_conll`` later feeds to the extractor, so the model
is trained on what the spaCy tokenizer makes of that text (newline tokens included).
All four CoNLL labels (PER, ORG, LOC, MISC) are kept; they are mapped to actor /
location only at extraction time.

Extra sentences (``training/extra/*.txt``, written for this project) use inline markup
``[Antony Blinken](PER) met [Hakan Fidan](PER) in [Ankara](LOC).``; blank lines
separate documents, one sentence per line.

Usage::

    python training/prepare.py TRAIN.conll DEV.conll OUT_DIR [--extra DIR] [--extra-repeat N]
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin
from spacy.util import filter_spans

from searchsvc.entities.evaluation import read_conll_spans, read_marked_spans


def read_extra(directory: Path) -> Iterator[tuple[str, list[tuple[int, int, str]]]]:
    """Yield (text, spans) documents from the marked-up extra files, file by file."""
    for path in sorted(directory.glob("*.txt")):
        yield from read_marked_spans(path)


def make_doc(nlp: spacy.language.Language, text: str, spans: list) -> Doc:
    """Tokenize ``text`` with the pipeline's tokenizer and set the gold entities."""
    doc = nlp.make_doc(text)
    ents = []
    for start, end, label in spans:
        span = doc.char_span(start, end, label=label, alignment_mode="strict")
        if span is None:
            span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is not None:
            ents.append(span)
    doc.ents = filter_spans(ents)
    return doc


def main() -> None:
    """Write train.spacy and dev.spacy into the output folder."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("train", type=Path)
    ap.add_argument("dev", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--extra", type=Path, default=None, help="folder of marked-up .txt")
    ap.add_argument("--extra-repeat", type=int, default=3, help="copies of each extra doc")
    args = ap.parse_args()
    nlp = spacy.blank("en")
    args.out.mkdir(parents=True, exist_ok=True)
    for name, path in (("train", args.train), ("dev", args.dev)):
        db = DocBin(store_user_data=False)
        n_docs = n_ents = 0
        for text, spans in read_conll_spans(path):
            doc = make_doc(nlp, text, spans)
            db.add(doc)
            n_docs += 1
            n_ents += len(doc.ents)
        if name == "train" and args.extra and args.extra.is_dir():
            for text, spans in read_extra(args.extra):
                doc = make_doc(nlp, text, spans)
                for _ in range(args.extra_repeat):
                    db.add(doc)
                    n_docs += 1
                    n_ents += len(doc.ents)
        db.to_disk(args.out / f"{name}.spacy")
        print(f"{name}: {n_docs} docs, {n_ents} entities -> {args.out / (name + '.spacy')}")


if __name__ == "__main__":
    main()
