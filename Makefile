# `make up` runs the platform; `make test` passes the tests. Both bootstrap .venv on first use.
SHELL := /bin/bash
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: up test lint typecheck unit e2e frontend screenshots bench-api bench-classify bench-ingest bench-router bench-promotion models clean-data install

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# The CPU wheel of torch first: an unpinned resolve would pull a multi-GB CUDA build.
	$(BIN)/pip install -q "torch==2.13.0"
	$(BIN)/pip install -q -e '.[dev]' --config-settings editable_mode=compat
	touch $(STAMP)

# The dashboard (frontend/): npm packages from the committed lockfile, built once into
# frontend/dist (rebuilt when a source file changes); the ingress serves it at /.
WEB := frontend
WEB_STAMP := $(WEB)/node_modules/.installed-stamp
WEB_DIST := $(WEB)/dist/index.html
WEB_SOURCES := $(shell find $(WEB)/src $(WEB)/public -type f 2>/dev/null) \
	$(WEB)/index.html $(WEB)/vite.config.ts $(WEB)/package-lock.json

$(WEB_STAMP): $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund
	touch $@

$(WEB_DIST): $(WEB_STAMP) $(WEB_SOURCES)
	cd $(WEB) && npm run build

frontend: $(WEB_DIST)

up: $(STAMP) $(WEB_DIST)
	HF_HUB_OFFLINE=1 $(BIN)/python -m cluster.up

lint: $(STAMP) $(WEB_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd $(WEB) && npm run lint

typecheck: $(STAMP) $(WEB_STAMP)
	$(BIN)/mypy
	cd $(WEB) && npm run typecheck
	# The typed client matches the API it talks to.
	cd $(WEB) && npm run gen:api -- --check

unit: $(STAMP) $(WEB_STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m cluster.testenv -- $(BIN)/python -m pytest \
		--cov --cov-report=term-missing:skip-covered --cov-fail-under=85 $(PYTEST_ARGS)
	cd $(WEB) && npm test

# Browser tests (Playwright, Debian's Chromium) against a fresh `make up`.
e2e: $(STAMP) $(WEB_DIST)
	HF_HUB_OFFLINE=1 $(BIN)/python -m cluster.e2e

# The same run, keeping each page's screenshot for docs/.
screenshots: $(STAMP) $(WEB_DIST)
	HF_HUB_OFFLINE=1 $(BIN)/python -m cluster.e2e --screenshots docs/screenshots

test: lint typecheck unit e2e

bench-api: $(STAMP)
	$(BIN)/python bench/api.py

bench-classify: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python bench/classify.py

bench-ingest: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python bench/ingest.py

bench-router: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python bench/router.py

bench-promotion: $(STAMP)
	$(BIN)/python bench/promotion.py

# Retrain the shipped default heads (models/artifacts/default) from training/data/public.
models: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m training.defaults

clean-data:
	rm -rf .switchboard
