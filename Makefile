# Support Portal: `make run` (embedded demo) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# pip-tools 7.6.2 works with this pip; requirements.lock pins the same version.
PIP_VERSION := 26.3
LOCK := requirements.lock

# The embedded default: SQLite under var/, Celery on the filesystem transport.
# The demo lets staff in without a second factor (PORTAL_STAFF_MFA_REQUIRED=0), to look around.
EMBEDDED_ENV := DEBUG=1 DATABASE_URL=sqlite:///$(CURDIR)/var/portal.sqlite3 \
	CELERY_BROKER_URL=filesystem:// REDIS_URL= EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend \
	PORTAL_STAFF_MFA_REQUIRED=0

# The suite: PostgreSQL and Redis on loopback (override on the command line).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
TEST_ENV := DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
	SECRET_KEY=test-only-secret-key DEBUG=0

.PHONY: install lock system-deps run test check-services chromium lint format migrate bench-desk

install: $(STAMP)

# Reinstall only when the dependencies or their lock changed: exactly the pins and
# hashes of requirements.lock, then the project itself without dependencies.
$(STAMP): pyproject.toml $(LOCK)
	@$(MAKE) --no-print-directory system-deps
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet pip==$(PIP_VERSION)
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

# Regenerate requirements.lock from pyproject.toml (runtime and dev dependencies),
# keeping the current pins where they still fit; LOCK_ARGS=--upgrade moves them on.
# The file is replaced only when it changed, so an unchanged lock reinstalls nothing.
lock: install
	@cp $(LOCK) $(LOCK).new
	CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile --quiet --extra dev \
		--generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
		--no-emit-find-links $(LOCK_ARGS) --output-file $(LOCK).new pyproject.toml \
		|| { rm -f $(LOCK).new; exit 1; }
	@if cmp -s $(LOCK).new $(LOCK); then rm $(LOCK).new; echo "$(LOCK) unchanged"; \
	else mv $(LOCK).new $(LOCK); echo "$(LOCK) updated"; fi

# psycopg2 builds from source and needs pg_config (libpq-dev).
system-deps:
	@command -v pg_config >/dev/null || bin/apt-install libpq-dev

chromium:
	@test -x /usr/bin/chromium || bin/apt-install chromium

run: install
	@mkdir -p var
	$(EMBEDDED_ENV) $(PY) manage.py migrate --noinput
	$(EMBEDDED_ENV) $(PY) manage.py seed_demo
	@$(EMBEDDED_ENV) VENV=$(VENV) bin/run-embedded

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

# The TAM desk against raw SQL and django-helpdesk (bench/desk.py; BENCH_ARGS=--reload rebuilds
# its databases). django-helpdesk gets its own virtualenv under var/bench-helpdesk/.
bench-desk: install
	$(PY) bench/desk.py $(BENCH_ARGS)
