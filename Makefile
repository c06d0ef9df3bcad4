# dlt-gong: the commands a person and CI use. `make demo` and `make test` work from a
# fresh clone on a machine with only Python 3.10+ and make.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_DIR := $(CURDIR)/.pgdata
PG_PORT ?= 55432
# three pytest workers on two CPUs (the suite's test files split between them, each file
# whole, so module fixtures load once): many tests wait on a paced or late sandbox, and a
# third worker uses that time; PYTEST_XDIST= runs in one process
PYTEST_XDIST ?= -n 3 --dist loadfile

.PHONY: demo test test-slow lint typecheck pytest soak bench bench-large clean erd test-orchestrators

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

## demo: the sandbox company loaded into gong.duckdb, with progress and a summary
demo: $(BIN)/.installed
	$(BIN)/dlt-gong demo

## test: lint, types and the whole test suite (what CI runs)
test: lint typecheck pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples

typecheck: $(BIN)/.installed
	$(BIN)/mypy

# a PostgreSQL server from the dev extra's wheel, in .pgdata, removed when the tests end
pytest: $(BIN)/.installed
	@dsn=$$(PG_PYTHON=$(BIN)/python scripts/postgres.sh start $(PG_DIR) $(PG_PORT)) \
	  || { scripts/postgres.sh stop $(PG_DIR); echo "PostgreSQL could not start"; exit 1; }; \
	DLT_GONG_TEST_POSTGRES=$$dsn $(BIN)/pytest -q -m "not slow" --ignore=tests/orchestrators $(PYTEST_XDIST) $(PYTEST_ARGS); rc=$$?; \
	scripts/postgres.sh stop $(PG_DIR); exit $$rc

## test-slow: the tests too big for `make test`'s ten minutes (marked `slow`: thousands of
## calls, every variant of a scenario, the PostgreSQL runs of the DuckDB scenarios, the
## schema diagram's sandbox load, the documents' examples); CI runs them after `make test`
test-slow: $(BIN)/.installed
	@dsn=$$(PG_PYTHON=$(BIN)/python scripts/postgres.sh start $(PG_DIR) $(PG_PORT)) \
	  || { scripts/postgres.sh stop $(PG_DIR); echo "PostgreSQL could not start"; exit 1; }; \
	DLT_GONG_TEST_POSTGRES=$$dsn $(BIN)/pytest -q -m slow --ignore=tests/orchestrators $(PYTEST_XDIST) $(PYTEST_ARGS); rc=$$?; \
	scripts/postgres.sh stop $(PG_DIR); exit $$rc

## test-orchestrators: the Dagster, Airflow and LanceDB examples of docs/, each run against
## the sandbox in its own virtual environment (.venv-dagster, .venv-airflow), made here
ORCHESTRATOR_PYTEST = -m pytest -q -p no:cacheprovider --confcutdir=tests/orchestrators
test-orchestrators: .venv-dagster/.installed .venv-airflow/.installed
	.venv-dagster/bin/python $(ORCHESTRATOR_PYTEST) tests/orchestrators/test_dagster.py \
	  tests/orchestrators/test_dagster_companies.py \
	  tests/orchestrators/test_lancedb.py $(PYTEST_ARGS)
	.venv-airflow/bin/python $(ORCHESTRATOR_PYTEST) tests/orchestrators/test_airflow.py $(PYTEST_ARGS)

.venv-%/.installed: pyproject.toml
	$(PYTHON) -m venv .venv-$*
	.venv-$*/bin/python -m pip install --quiet --upgrade pip
	.venv-$*/bin/python -m pip install --quiet -e ".[sandbox,$(EXTRAS_$*)]" "pytest>=8,<10" "pytest-timeout>=2.3,<3"
	touch $@

EXTRAS_dagster := dagster,lancedb
EXTRAS_airflow := airflow

## soak: the reliability suite with its heavier variants (more faults, more crash trials)
soak: $(BIN)/.installed
	DLT_GONG_SOAK=1 $(BIN)/pytest -q -m reliability tests/reliability $(PYTEST_ARGS)

## bench: the whole run against the rate-limit floor, throughput and memory at three
## sizes, at 3/s behind latencies 0, 0.8 s and 2.0 s with Gong's concurrency cap on and
## off, CPU per 1,000 calls beside commit 3d4ba9f, and what each change bought; writes
## bench/results.md and bench/results.json (most of an hour; BENCH_SCALE=0.1 for a quick
## look; BENCH_SIZES, BENCH_LATENCIES, BENCH_BEFORE_COMMIT: see bench/sizes.py)
bench: $(BIN)/.installed
	@dsn=$$(scripts/postgres.sh start $(PG_DIR) $(PG_PORT)) || dsn=""; \
	DLT_GONG_BENCH_POSTGRES=$$dsn $(BIN)/python -m bench; rc=$$?; \
	[ -z "$$dsn" ] || scripts/postgres.sh stop $(PG_DIR); exit $$rc

## bench-large: the 100,000-call company alone, at 3/s and unthrottled (about half an
## hour); writes bench/results-large.md and .json, whose memory figures results.md shows
bench-large: $(BIN)/.installed
	BENCH_SIZES=xlarge BENCH_OUTPUT=results-large $(BIN)/python -m bench

## erd: regenerate docs/schema.md from a sandbox load's dlt schema
erd: $(BIN)/.installed
	$(BIN)/python -m dlt_gong.erd docs/schema.md

clean:
	rm -rf $(VENV) .venv-dagster .venv-airflow $(PG_DIR) .pytest_cache .mypy_cache .ruff_cache gong.duckdb
