# Two commands: `make run` serves the app, `make test` runs every test.
# Both set up what they need on a fresh clone.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1
export MTQA_CLI := 1

.PHONY: run test setup seed lint bench clean

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

seed: setup
	$(BIN)/mtqa db upgrade
	$(BIN)/python -m app.seed

run: seed
	@echo "Serving mtqa on http://$(HOST):$(PORT)  (Ctrl-C stops it)"
	FLASK_DEBUG=$${FLASK_DEBUG:-1} MTQA_CLI= $(BIN)/mtqa run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	MTQA_CLI= $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check app tests benchmarks config.py
	$(BIN)/ruff format --check app tests benchmarks config.py

bench: $(VENV)/.installed-test
	MTQA_CLI= $(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) instance .pytest_cache
