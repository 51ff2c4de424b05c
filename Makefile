# `make run` and `make test` do every set-up step themselves on a fresh machine.
# Python 3.13: on PATH, through pyenv (.python-version says 3.13), or pyenv's own folder.
PYTHON ?= $(shell command -v python3.13 2>/dev/null || pyenv which python3.13 2>/dev/null || \
	ls -d $(HOME)/.pyenv/versions/3.13*/bin/python3.13 2>/dev/null | tail -1 || echo python3.13)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# `make run` needs only the project; `make test` and the tools also need the test extras.
# A full install is also the run's, so it touches both stamps.
RUN_STAMP := $(VENV)/.installed-run
# Every Python package is pinned with its hashes in a lock made from pyproject.toml by
# `make lock`: the project's with its test extras, and the project's alone at the same
# versions. Both hold the installer too (pyproject's `install` group): the locked pip installs
# the rest, then the locked setuptools builds the project without isolation. So a new release
# anywhere changes no install until `make upgrade` takes it.
TEST_LOCK := requirements/test.txt
RUN_LOCK := requirements/run.txt
PIP_INSTALL := $(BIN)/python -m pip install --quiet
# The lock's `pip==` entry and its hash lines, as a requirements file of its own on stdin.
INSTALL_PIP = sed -n '/^pip==/,/[^\\]$$/p' $< | $(PIP_INSTALL) --require-hashes -r /dev/stdin
INSTALL_LOCK = $(PIP_INSTALL) --require-hashes -r $<
INSTALL_PROJECT := $(PIP_INSTALL) --no-deps --no-build-isolation -e .

.PHONY: run test check-python check-app lint format schema bench bench-app app screenshots clean lock upgrade

# The farmer's app (frontend/): built with the machine's Node.js and npm, again only when
# its sources or its lock file changed. The build also writes the trusted documents.
NPM_STAMP := frontend/node_modules/.installed
APP_STAMP := frontend/dist/.built
APP_SOURCES := $(shell find frontend/src frontend/public frontend/scripts -type f -not -path 'frontend/src/gql/*' 2>/dev/null) \
	frontend/index.html frontend/vite.config.ts frontend/codegen.ts frontend/tsconfig.json \
	frontend/package.json schema.graphql
DOCUMENTS := frontend/trusted-documents.json
# Debian's Chromium (and a Chinese font) for the browser tests; installed when missing.
CHROMIUM := /usr/bin/chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(TEST_LOCK) pyproject.toml | $(BIN)/python
	$(INSTALL_PIP)
	$(INSTALL_LOCK)
	$(INSTALL_PROJECT)
	touch $(STAMP) $(RUN_STAMP)

$(RUN_STAMP): $(RUN_LOCK) pyproject.toml | $(BIN)/python
	$(INSTALL_PIP)
	$(INSTALL_LOCK)
	$(INSTALL_PROJECT)
	touch $(RUN_STAMP)

# `make lock` after editing pyproject.toml: the locks follow it and keep every pin that still
# fits. `make upgrade`: the newest releases that fit, then every test. uv resolves for every
# platform from the package index alone (it writes no index or local path into the locks).
COMPILE := $(BIN)/uv pip compile --quiet --universal --python-version 3.13 --generate-hashes \
	--custom-compile-command 'make lock' pyproject.toml --group pyproject.toml:install

lock: $(STAMP)
	$(COMPILE) $(UPGRADE) --extra test -o $(TEST_LOCK)
	$(COMPILE) --constraints $(TEST_LOCK) -o $(RUN_LOCK)

upgrade: UPGRADE := --upgrade
upgrade: lock
	$(MAKE) --no-print-directory test

$(NPM_STAMP): frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

# The bundle without the type check (`vue-tsc`, a test: `make test` runs it).
$(APP_STAMP): $(NPM_STAMP) $(APP_SOURCES)
	cd frontend && npm run bundle
	touch $@

$(CHROMIUM):
	apt-get update && apt-get install -y chromium fonts-wqy-microhei

app: $(APP_STAMP)

# Python's set-up and the app's share nothing: on two cores they run side by side.
run:
	$(MAKE) --no-print-directory -j2 $(RUN_STAMP) $(APP_STAMP)
	$(BIN)/sannong seed --if-empty
	SANNONG_TRUSTED_DOCUMENTS=$${SANNONG_TRUSTED_DOCUMENTS:-$(DOCUMENTS)} $(BIN)/sannong serve

# Two cores: the set-up steps run side by side, then the Python and the app's static checks,
# then pytest in two processes, then the browser files two at a time (`e2e/run.mjs`).
# `-O` keeps each step's output in one piece.
test:
	$(MAKE) --no-print-directory -j2 -O $(STAMP) $(APP_STAMP) $(CHROMIUM)
	$(MAKE) --no-print-directory -j2 -O check-python check-app
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --durations=15
	cd frontend && npm run test:browser

check-python: $(STAMP)
	$(BIN)/ruff check sannong tests bench
	$(BIN)/ruff format --check sannong tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

check-app: $(APP_STAMP)
	cd frontend && npx vue-tsc --noEmit
	cd frontend && npx vitest run

lint: $(STAMP)
	$(BIN)/ruff check --fix sannong tests bench
	$(BIN)/ruff format sannong tests bench

schema: $(STAMP)
	$(BIN)/sannong export-schema > schema.graphql

# The figures, not a line per request (a comment after the value would become part of it).
bench: export SANNONG_LOG_LEVEL = WARNING
bench: $(STAMP)
	$(BIN)/python -m bench.round_trips
	$(BIN)/python -m bench.validation
	$(BIN)/python -m bench.events
	$(BIN)/python -m bench.first_run
	$(BIN)/python -m bench.fanout
	$(BIN)/python -m bench.fanout_stress
	$(BIN)/python -m bench.load
	$(BIN)/python -m bench.photo_memory
	$(BIN)/python -m bench.profile_home --requests 40 --rounds 16 --compare-only

# Lighthouse lives in frontend/bench with its own lock file: only the benchmark needs it.
BENCH_NPM_STAMP := frontend/bench/node_modules/.installed
$(BENCH_NPM_STAMP): frontend/bench/package-lock.json
	cd frontend/bench && npm ci --no-audit --no-fund
	touch $@

bench-app: $(STAMP) $(APP_STAMP) $(BENCH_NPM_STAMP) | $(CHROMIUM)
	cd frontend && node bench/app.mjs
	cd frontend && node bench/lighthouse.mjs

screenshots: $(STAMP) $(APP_STAMP) | $(CHROMIUM)
	cd frontend && node e2e/screenshots.mjs && node e2e/screenshots-console-expert.mjs

clean:
	rm -rf $(VENV) var frontend/node_modules frontend/bench/node_modules frontend/dist frontend/src/gql $(DOCUMENTS)
