# `make run` and `make test` do every set-up step themselves on a fresh machine.
# Python 3.13: on PATH, through pyenv (.python-version says 3.13), or pyenv's own folder.
PYTHON ?= $(shell command -v python3.13 2>/dev/null || pyenv which python3.13 2>/dev/null || \
	ls -d $(HOME)/.pyenv/versions/3.13*/bin/python3.13 2>/dev/null | tail -1 || echo python3.13)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format schema bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/sannong seed --if-empty
	$(BIN)/sannong serve

test: $(STAMP)
	$(BIN)/ruff check sannong tests bench
	$(BIN)/ruff format --check sannong tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check --fix sannong tests bench
	$(BIN)/ruff format sannong tests bench

schema: $(STAMP)
	$(BIN)/sannong export-schema > schema.graphql

bench: export SANNONG_LOG_LEVEL = WARNING  # the figures, not a line per request
bench: $(STAMP)
	$(BIN)/python -m bench.round_trips
	$(BIN)/python -m bench.validation
	$(BIN)/python -m bench.events
	$(BIN)/python -m bench.first_run
	$(BIN)/python -m bench.fanout

clean:
	rm -rf $(VENV) var
