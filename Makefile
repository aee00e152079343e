# Stockroom: `make run` serves the API with demo data on SQLite; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers; 2 matches the 2-core CI machine.
WORKERS ?= 2

.PHONY: install run test test-sqlite test-postgresql lint fmt typecheck clean

install: $(STAMP)

# Reinstall whenever the dependencies change.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/stockroom db upgrade
	$(BIN)/stockroom demo
	$(BIN)/stockroom serve --host $(HOST) --port $(PORT)

test: install lint typecheck test-sqlite test-postgresql

test-sqlite: install
	$(BIN)/pytest -n $(WORKERS) --db=sqlite

test-postgresql: install
	$(BIN)/pytest -n $(WORKERS) --db=postgresql

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/lint-imports

fmt: install
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

typecheck: install
	$(BIN)/mypy src

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis stockroom.db*
