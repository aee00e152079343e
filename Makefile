# Stockroom: `make run` serves the API with demo data on SQLite; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every dependency, direct or not, at an exact version with its hashes: a new release of
# anything (a linter, say) changes nothing until `make lock` is run and the result committed.
LOCK := requirements.lock
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers; 2 matches the 2-core CI machine.
WORKERS ?= 2
# bench-data: which data set (tiny, small, medium, full; see bench/README.md) and where.
SCALE ?= small
BENCH_DATABASE_URL ?= sqlite:///bench-$(SCALE).db
# bench: seconds per workload, a git revision to compare this tree with (optional), and
# further options of `python -m bench.load` (e.g. BENCH_ARGS='--label "after the CTE"').
DURATION ?= 10
COMPARE ?=
BENCH_ARGS ?=


.PHONY: install lock docs run test test-sqlite test-postgresql lint fmt typecheck bench-data bench clean

install: $(STAMP)

# Reinstall whenever the dependencies change. The lock pins the build tools too, so the
# project itself is installed without build isolation (nothing fetched unpinned).
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Re-resolve requirements.lock from pyproject.toml (after changing a dependency there).
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
		--no-header --quiet -o $(LOCK)

# Regenerate the generated documentation (the settings reference).
docs: install
	$(BIN)/python -m stockroom.config_docs > docs/settings.md

# The worker runs beside the server (it seals the audit trail and releases expired
# reservations) and stops with it.
run: install
	$(BIN)/stockroom db upgrade
	$(BIN)/stockroom demo
	@echo "==> Stockroom: open http://$(HOST):$(PORT)/ and log in with a demo login above"
	$(BIN)/stockroom worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(BIN)/stockroom serve --host $(HOST) --port $(PORT)

test: install lint typecheck test-sqlite test-postgresql

test-sqlite: install
	$(BIN)/pytest -n $(WORKERS) --db=sqlite

test-postgresql: install
	$(BIN)/pytest -n $(WORKERS) --db=postgresql

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

fmt: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

typecheck: install
	$(BIN)/mypy src bench

# Fill an empty database with a generated data set for the benchmarks, e.g.
# make bench-data SCALE=full BENCH_DATABASE_URL=postgresql+psycopg://user@host/db
bench-data: install
	$(BIN)/python -m bench.generate --database-url $(BENCH_DATABASE_URL) --scale $(SCALE)

# The load benchmark (bench/README.md): a throwaway PostgreSQL (durability on), then a
# throwaway SQLite file, each filled at SCALE; a real `stockroom serve --workers 2`; every
# workload for DURATION s. Writes bench/results/load-*.json and a section of
# docs/benchmarks.md. COMPARE=main runs that revision too, side by side, and prints ratios.
bench: install
	PYTHONPATH=src:. $(BIN)/python -m bench.load --database postgresql --database sqlite \
		--scale $(SCALE) --duration $(DURATION) $(if $(COMPARE),--compare $(COMPARE)) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis stockroom.db* bench-*.db*
