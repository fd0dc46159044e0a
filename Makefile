# One command to run the backoffice, one to test it. Both work on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)

# Production-shaped test services (PostgreSQL and Redis on this machine; override for yours).
TEST_PG ?= postgres://postgres@127.0.0.1:5432
TEST_REDIS ?= redis://127.0.0.1:6379/0
# DB_NAME and REDIS_TEST_DB_BASE let two checkouts run their suites side by side.
DB_NAME ?= casino
REDIS_TEST_DB_BASE ?= 1
TEST_ENV := DJANGO_SETTINGS_MODULE=casino.settings.test DATABASE_URL=$(TEST_PG)/$(DB_NAME) \
	DATABASE_TEST_TEMPLATE=$(DB_NAME)_test_template REDIS_URL=$(TEST_REDIS) REDIS_TEST_DB_BASE=$(REDIS_TEST_DB_BASE)

.PHONY: install run test lint format services bench clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)
	@PYTHON=$(PY) bin/ensure-env

run: install
	bin/run

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

services:
	bin/services-up
	bin/browser-up

test: install lint services
	bin/test-template "$(TEST_PG)" "$(DB_NAME)_test_template"
	$(TEST_ENV) $(VENV)/bin/pytest -n auto --dist loadgroup $(PYTEST_ARGS)

bench: install services
	DATABASE_URL=$(TEST_PG)/casino_bench $(PY) bench/ledger.py

clean:
	rm -rf $(VENV) var .env
