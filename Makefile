# Support Portal: `make run` (embedded demo) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# The embedded default: SQLite under var/, Celery on the filesystem transport.
EMBEDDED_ENV := DEBUG=1 DATABASE_URL=sqlite:///$(CURDIR)/var/portal.sqlite3 \
	CELERY_BROKER_URL=filesystem:// REDIS_URL= EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend

# The suite: PostgreSQL and Redis on loopback (override on the command line).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
TEST_ENV := DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
	SECRET_KEY=test-only-secret-key DEBUG=0

.PHONY: install system-deps run test check-services chromium lint format migrate

install: $(STAMP)

# Reinstall only when the dependency list changed.
$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system-deps
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# psycopg2 builds from source and needs pg_config (libpq-dev).
system-deps:
	@command -v pg_config >/dev/null || bin/apt-install libpq-dev

chromium:
	@test -x /usr/bin/chromium || bin/apt-install chromium

run: install
	@mkdir -p var
	$(EMBEDDED_ENV) $(PY) manage.py migrate --noinput
	$(EMBEDDED_ENV) $(PY) manage.py seed_demo
	@$(EMBEDDED_ENV) bin/run-embedded

check-services: install
	@$(TEST_ENV) $(PY) bin/check-services

test: install chromium check-services
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
