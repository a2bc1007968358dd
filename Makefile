# searchsvc: `make run` sets up, indexes the example articles and serves them;
# `make test` installs the dev tools and runs the whole test suite.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
INDEX  ?= index
PORT   ?= 8000
BENCH_ARGS ?=
EXTRACTION_ARGS ?=

.PHONY: install dev run index serve test lint bench bench-extraction bench-entities train-ner clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

index: install
	$(BIN)/searchsvc reindex --index $(INDEX) examples/articles

serve: install
	$(BIN)/searchsvc serve --index $(INDEX) --port $(PORT)

run: index serve

lint: dev
	$(BIN)/ruff check $(wildcard searchsvc tests benchmarks scripts training)

test: dev lint
	$(BIN)/python -m pytest

$(VENV)/.bench-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $@ $(VENV)/.installed

bench-extraction: $(VENV)/.bench-installed
	$(BIN)/python benchmarks/extraction.py $(EXTRACTION_ARGS)

bench-entities: install
	$(BIN)/python benchmarks/entities.py

bench: dev
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

train-ner: install
	PYTHON=$(BIN)/python bash training/train.sh

clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache
