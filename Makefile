# Two commands: `make run` serves the app, `make test` runs every test.
# Both set up what they need on a fresh clone.
#
#   make run                 venv, install, migrate, seed, serve on 127.0.0.1:5000
#   make run PORT=8080       another port (HOST=0.0.0.0 to listen on every interface)
#   make run THREADS=16      more requests served at once (default 8)
#   make run FLASK_DEBUG=1   Werkzeug reloader and in-browser debugger (local use only)
#   make test                the whole suite on SQLite and, side by side, on a throwaway
#                            PostgreSQL server (when PostgreSQL is installed)
#   make test-sqlite         the whole suite on SQLite only
#   make test-pg             the whole suite on PostgreSQL only
#   make test PYTEST_ARGS='-k users -x'

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1
FLASK_DEBUG ?= 0
THREADS ?= 8
INSTANCE := $(or $(MTQA_INSTANCE),instance)

.PHONY: run test test-sqlite test-pg setup seed lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The stamp files re-run the install only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

setup: $(VENV)/.installed

# Sessions and CSRF tokens are signed with SECRET_KEY. A random key made once
# and kept in the instance folder keeps logins valid across restarts without
# putting a guessable key in the repository; SECRET_KEY in the environment wins.
$(INSTANCE)/secret_key:
	@mkdir -p $(INSTANCE)
	@umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_hex(32))' > $@.tmp
	@mv $@.tmp $@

# Command-line work (migrate, seed) signs nothing and needs no SECRET_KEY;
# `mtqa run` and WSGI servers refuse to start without one (app/__init__.py).
seed: setup
	$(BIN)/mtqa db upgrade
	PORT=$(PORT) HOST=$(HOST) $(BIN)/python -m app.seed

# Served by gunicorn, the server the concurrency, crash and load tests run:
# one process (the login rate limits are counted in its memory) whose
# threads serve annotators side by side. FLASK_DEBUG=1 uses Flask's own
# server instead, for its reloader and debugger.
run: seed $(INSTANCE)/secret_key
	@echo "Serving mtqa on http://$(HOST):$(PORT)  (Ctrl-C stops it)"
ifeq ($(FLASK_DEBUG),1)
	SECRET_KEY="$${SECRET_KEY:-$$(cat $(INSTANCE)/secret_key)}" FLASK_DEBUG=1 \
		$(BIN)/mtqa run --host $(HOST) --port $(PORT)
else
	SECRET_KEY="$${SECRET_KEY:-$$(cat $(INSTANCE)/secret_key)}" \
		$(BIN)/gunicorn --workers 1 --threads $(THREADS) --bind $(HOST):$(PORT) \
		--access-logfile - --no-control-socket 'app:create_app()'
endif

test: $(VENV)/.installed-test
	tests/suites.sh $(BIN)/python $(PYTEST_ARGS)

test-sqlite: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-pg: $(VENV)/.installed-test
	$(BIN)/python -m pytest --pg $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check app tests benchmarks config.py
	$(BIN)/ruff format --check app tests benchmarks config.py
	$(BIN)/mypy app config.py

bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks

# The instance folder holds the database, the demo password and the secret
# key: `clean` leaves it alone; delete it by hand to start from nothing.
clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .test-logs
