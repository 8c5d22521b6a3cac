# `make up` runs the platform; `make test` passes the tests. Both bootstrap .venv on first use.
SHELL := /bin/bash
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: up test lint typecheck unit bench-api bench-classify bench-ingest bench-router bench-promotion models clean-data install

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# The CPU wheel of torch first: an unpinned resolve would pull a multi-GB CUDA build.
	$(BIN)/pip install -q "torch==2.13.0"
	$(BIN)/pip install -q -e '.[dev]' --config-settings editable_mode=compat
	touch $(STAMP)

up: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m cluster.up

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m cluster.testenv -- $(BIN)/python -m pytest \
		--cov --cov-report=term-missing:skip-covered --cov-fail-under=85 $(PYTEST_ARGS)

test: lint typecheck unit

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
