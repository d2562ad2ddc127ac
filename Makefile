# Two commands matter: `make preview` (serve the sample knowledge base) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install test preview validate build lint docs bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest

preview: $(STAMP)
	$(BIN)/kb serve

validate: $(STAMP)
	$(BIN)/kb validate content

build: $(STAMP)
	$(BIN)/mkdocs build --strict

lint: $(STAMP)
	$(BIN)/ruff check kb plugins tests bench

docs: $(STAMP)
	$(BIN)/kb explain --all --markdown > docs/diagnostics.md
	$(BIN)/kb schema --markdown > docs/fields.md

clean:
	rm -rf $(VENV) site .pytest_cache .ruff_cache

bench: $(STAMP)   ## every scale figure in bench/RESULTS.md (about 20 minutes)
	$(BIN)/python bench/run_all.py
	$(BIN)/python bench/bench_preview.py --entries 2000
	$(BIN)/python bench/bench_search.py --entries 10000
