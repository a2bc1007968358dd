# searchsvc: `make run` sets up, indexes the example articles and serves them;
# `make test` installs the dev tools and runs the whole test suite.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
INDEX  ?= index
PORT   ?= 8000
BENCH_ARGS ?=
EXTRACTION_ARGS ?=
# pip's own output goes to this log (the last pip run's), shown when pip fails.
PIP_LOG := $(VENV)/pip.log
INGEST_ARGS ?=

.PHONY: install dev run index serve test lint bench bench-ingest bench-extraction bench-entities train-ner clean

# $(call pip,ARGS): run pip quietly into $(PIP_LOG); on failure print its end and stop.
pip = $(BIN)/python -m pip $(1) > $(PIP_LOG) 2>&1 \
	|| { tail -n 40 $(PIP_LOG) >&2; echo "pip $(1) failed; full log: $(PIP_LOG)" >&2; exit 1; }

$(BIN)/python:
	@echo "==> creating the virtualenv $(VENV)"
	@$(PYTHON) -m venv $(VENV)
	@$(call pip,install --upgrade pip)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "==> installing searchsvc and its dependencies into $(VENV) (pip log: $(PIP_LOG))"
	@$(call pip,install -e .)
	@touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	@echo "==> installing searchsvc with its development tools into $(VENV) (pip log: $(PIP_LOG))"
	@$(call pip,install -e '.[dev]')
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

index: install
	@echo "==> indexing examples/articles into $(INDEX)/"
	@$(BIN)/searchsvc reindex --index $(INDEX) examples/articles

serve: install
	@echo "==> starting the server (Ctrl-C to stop)"
	@$(BIN)/searchsvc serve --index $(INDEX) --port $(PORT)

run: index serve

lint: dev
	@echo "==> ruff"
	@$(BIN)/ruff check $(wildcard searchsvc tests benchmarks scripts training)

test: dev lint
	@echo "==> pytest"
	@$(BIN)/python -m pytest

$(VENV)/.bench-installed: pyproject.toml | $(BIN)/python
	@echo "==> installing searchsvc with its benchmark tools into $(VENV) (pip log: $(PIP_LOG))"
	@$(call pip,install -e '.[bench]')
	@touch $@ $(VENV)/.installed

bench-extraction: $(VENV)/.bench-installed
	$(BIN)/python benchmarks/extraction.py $(EXTRACTION_ARGS)

bench-entities: install
	$(BIN)/python benchmarks/entities.py

bench: dev
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

bench-ingest: dev
	$(BIN)/python benchmarks/ingest.py $(INGEST_ARGS)

train-ner: install
	PYTHON=$(BIN)/python bash training/train.sh

clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache
