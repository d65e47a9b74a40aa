# OpenAIMS — two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres
# The database tests that run a second time on PostgreSQL.
DB_TESTS ?= tests/base tests/accounts tests/inventory tests/cli tests/api tests/governance tests/evidence tests/controls tests/risk tests/impact tests/monitoring tests/audits tests/management_review tests/external_audit tests/oversight tests/security

.PHONY: install install-dev run test test-sqlite test-postgres lint chromium pdf-libs postgres bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed  ## the virtualenv with the package and its `aims` command

install-dev: $(VENV)/.installed-dev

run: install pdf-libs  ## SQLite under ./var, demo organization, web UI and API on http://127.0.0.1:8000
	$(BIN)/aims init
	$(BIN)/aims demo
	$(BIN)/aims serve --host $(HOST) --port $(PORT)

chromium:  ## Debian's chromium for the browser tests (never `playwright install`)
	@command -v chromium >/dev/null || test -x /usr/bin/chromium || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Shared libraries WeasyPrint loads for PDF exports (Debian package names).
PDF_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core

pdf-libs:  ## the system libraries of PDF exports (WeasyPrint), from Debian when missing
	@missing=$$(for p in $(PDF_LIBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; } \
	  || echo "could not install $$missing: PDF exports need them (apt-get install $$missing)" >&2; fi

postgres:  ## make sure the machine's PostgreSQL server is up (CI: it must be)
	@if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then \
	  if [ -d /etc/postgresql ]; then pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -1) main start || true; fi; \
	  for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	fi
	@if [ "$$CI" = "true" ] && ! (command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432); then \
	  echo "CI=true but no PostgreSQL server on 127.0.0.1:5432: the PostgreSQL tests must run on CI" >&2; exit 1; fi

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

test-sqlite: install-dev chromium pdf-libs
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest

test-postgres: install-dev postgres
	@if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
	  DATABASE_URL=$(PG_URL) AIMS_REQUIRE_POSTGRES=1 $(BIN)/pytest $(DB_TESTS); \
	else echo "PostgreSQL: no server on this machine, database tests ran on SQLite only"; fi

test: install-dev lint test-sqlite test-postgres  ## the whole suite: lint, SQLite, then PostgreSQL

bench: install-dev  ## benchmarks (slow; results go to benchmarks/README.md by hand)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) var .pytest_cache
