# Everything installs itself: a pinned uv into $(CACHE)/tools, Python deps from uv.lock into .venv,
# Debian/Maven downloads cached under $(CACHE) (default ~/.cache/lingang-lakehouse, override CACHE=...).
SHELL := /bin/bash
CACHE ?= $(HOME)/.cache/lingang-lakehouse
export UV_CACHE_DIR ?= $(CACHE)/uv
export DAGSTER_DISABLE_TELEMETRY := 1
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false
export LAKEHOUSE_CACHE ?= $(CACHE)
export UV_PYTHON_DOWNLOADS := never
UV_VERSION := 0.13.8
UV := $(CACHE)/tools/bin/uv
VENV := $(CURDIR)/.venv
# dbt and its adapters, apart (infra/dbt_env, docs/adr/0025-…): the project's processes never import dbt-core.
DBT_VENV := $(CURDIR)/.venv-dbt
PY := $(VENV)/bin/python
LAKEHOUSE := $(VENV)/bin/lakehouse
PYTEST := $(VENV)/bin/pytest

.PHONY: help install demo demo-stack dashboards test test-fast test-stack lint format dev up down status bench bench-stack clean

help: ## list targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(CACHE)/tools/bin/uv:
	python3 -m venv $(CACHE)/tools
	$(CACHE)/tools/bin/pip install --quiet uv==$(UV_VERSION)

# Bytecode compiled once at install: where PYTHONDONTWRITEBYTECODE is set, every command would otherwise
# recompile ~800 library modules at start (4.5 s CPU for `lakehouse tables`; bench/cli_start.py).
$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --all-groups --compile-bytecode
	touch $@

# dbt's environment; the .pth puts this checkout on its path, for the Iceberg source plugin dbt-duckdb loads.
$(DBT_VENV)/.synced: infra/dbt_env/uv.lock infra/dbt_env/pyproject.toml | $(UV)
	UV_PROJECT_ENVIRONMENT=$(DBT_VENV) $(UV) sync --frozen --project infra/dbt_env --compile-bytecode
	echo "$(CURDIR)" > "$$($(DBT_VENV)/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')/lingang_lakehouse.pth"
	touch $@

install: $(VENV)/.synced $(DBT_VENV)/.synced ## create .venv from uv.lock and .venv-dbt from infra/dbt_env/uv.lock

demo: install ## simulate department systems and run the whole pipeline on the embedded profile
	$(LAKEHOUSE) demo

test: install ## all tests: unit, embedded end-to-end, real stack (PostgreSQL, S3, Trino), browser
	bash .ci/pytest.sh tests

test-fast: install ## unit tests only, for iteration (no servers, no full pipeline)
	bash .ci/pytest.sh tests -m "not integration and not stack and not browser"

lint: install ## ruff, sqlfluff and the layer contracts (import-linter)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	cd dbt_project && $(VENV)/bin/sqlfluff lint models
	cd dbt_project && $(VENV)/bin/sqlfluff lint --dialect trino models  # the stack's target (ADR 0016)

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

dev: install ## Dagster UI on http://127.0.0.1:3000 (embedded profile)
	$(LAKEHOUSE) dev

up: install ## start the stack on 127.0.0.1: PostgreSQL, S3 API (s3proxy), Trino coordinator (+ WORKER=1 or WORKERS=N)
	$(LAKEHOUSE) up $(if $(WORKER),--worker,) $(if $(WORKERS),--workers $(WORKERS),)

down: ## stop every stack process by its PID
	$(LAKEHOUSE) down

status: ## each stack component with URL, version and health
	$(LAKEHOUSE) status

dashboards: install ## provision Superset (connection, datasets, dashboards, roles) after a stack-profile run
	$(LAKEHOUSE) dashboards provision

demo-stack: install ## the demo on the running stack (make up first), then dashboards
	$(LAKEHOUSE) demo --profile stack
	$(LAKEHOUSE) dashboards provision

test-stack: install ## only the tests against the real servers
	bash .ci/pytest.sh tests -m stack

bench: install ## benchmarks; results land in bench/results/
	$(PY) bench/ingest.py
	$(PY) bench/masking.py
	$(PY) bench/cli_start.py
	$(PY) bench/query_pushdown.py
	$(PY) bench/lineage.py
	$(PY) bench/backup.py
	$(PY) bench/damaged_csv.py

# Its own target: ~20 min at scale 1 on 2 loaded cores; starts its own stack (coordinator + up to 2 workers, 7G heap).
bench-stack: install ## stack benchmark: dbt on Trino with 1 vs 2 workers, analyst queries DuckDB vs Trino
	$(PY) bench/stack_scale.py

clean: ## remove generated data (keeps caches)
	rm -rf var reports dbt_project/target
