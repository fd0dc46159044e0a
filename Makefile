# One command to run the backoffice, one to test it. Both work on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements-dev.lock | sha1sum | cut -c1-12)
# pip-compile's options for the hashed lock files (every dependency, transitive ones too, pinned with its hashes).
PIP_COMPILE := $(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	--no-emit-find-links

# Production-shaped test services (PostgreSQL and Redis on this machine; override for yours).
TEST_PG ?= postgres://postgres@127.0.0.1:5432
TEST_REDIS ?= redis://127.0.0.1:6379/0
# DB_NAME and REDIS_TEST_DB_BASE let two checkouts run their suites side by side.
DB_NAME ?= casino
REDIS_TEST_DB_BASE ?= 1
TEST_ENV := DJANGO_SETTINGS_MODULE=casino.settings.test DATABASE_URL=$(TEST_PG)/$(DB_NAME) \
	DATABASE_TEST_TEMPLATE=$(DB_NAME)_test_template REDIS_URL=$(TEST_REDIS) REDIS_TEST_DB_BASE=$(REDIS_TEST_DB_BASE)

.PHONY: install run serve test lint audit lock format services bench bench-http clean grpc

# Installs exactly the locked versions, each checked against its hash.
$(STAMP): requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q --require-hashes -r requirements-dev.lock
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)
	@PYTHON=$(PY) bin/ensure-env

run: install
	bin/run

# The production process set from the environment (DATABASE_URL, REDIS_URL, PORT, secrets); see the README.
serve: install
	bin/serve

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) bin/lock-check
	bin/audit

audit: install
	bin/audit

# After changing requirements*.txt: re-resolve both lock files (runtime only, and with the development tools).
lock:
	$(PIP_COMPILE) -o requirements.lock requirements.txt
	$(PIP_COMPILE) -o requirements-dev.lock requirements-dev.txt

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

services:
	bin/services-up
	bin/browser-up

test: install lint services
	bin/test-template "$(TEST_PG)" "$(DB_NAME)_test_template"
	$(TEST_ENV) $(VENV)/bin/pytest -n auto --dist loadgroup $(PYTEST_ARGS)

# The internal gRPC wallet's Python code, generated from its .proto and checked in (regenerate after editing it).
grpc: install
	$(PY) -m grpc_tools.protoc -I . --python_out=. --pyi_out=. --grpc_python_out=. providers/grpc/wallet.proto

bench: install services
	@# Forked writer processes must not share a pool opened before the fork: per-process connections, as before.
	DATABASE_POOL_SIZE=0 DATABASE_URL=$(TEST_PG)/casino_bench $(PY) bench/ledger.py

# bin/serve on its own database and Redis database, driven by wrk (apt-get install wrk); BENCH_ARGS for bench/http_load.py.
BENCH_REDIS ?= redis://127.0.0.1:6379/15
bench-http: install services
	@command -v wrk >/dev/null || { echo "bench-http needs wrk (apt-get install wrk)"; exit 2; }
	BENCH_DATABASE_URL=$(TEST_PG)/casino_bench_http BENCH_REDIS_URL=$(BENCH_REDIS) $(PY) bench/http_load.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .env
