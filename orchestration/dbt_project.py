"""The dbt project as Dagster sees it. Kept outside ``defs/`` so that loading definitions never parses dbt.

Two things dagster-dbt does on every ``dbt build`` that this pipeline never uses are left out, and dbt's
partial parsing is made to work across the builds of one home (docs/adr/0022-dbt-stage-cost.md).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from infra.dbt_manifest import DBT_DIR, build_target, dbt_core_version, dbt_executable, newest_first

DBT_PROJECT = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)
# dbt's own state for its next parse (dagster-dbt copies it from $DBT_TARGET_PATH into each build's folder).
PARTIAL_PARSE = "partial_parse.msgpack"
# Build folders a home keeps: the newest few are enough to read a build's log and compiled SQL after it
# (compiled_manifest takes the newest); one per run would otherwise pile up for ever on a scheduled home.
BUILDS_KEPT = 5


class LakehouseDbtResource(DbtCliResource):
    """dagster-dbt's resource without its two per-build extras we never use:

    - ``dbt --version`` in a subprocess (about 2.4 CPU s) to learn dbt's version: the executable is the dbt
      of dbt's own environment (``infra.dbt_manifest.DBT_ENVIRONMENT``), whose installed dbt-core package
      says it;
    - a dbt adapter opened in this process (dbt's profile, project and every macro parsed again, about
      2.5 CPU s), a handle only for ``fetch_column_metadata`` / ``fetch_row_counts``, which the dbt op does
      not call: the column schema comes from the manifest (``dbt_model_metadata``).
    """

    @property
    def _cli_version(self) -> version.Version:  # type: ignore[override]
        return version.parse(dbt_core_version())

    def _initialize_dbt_core_adapter(self, args: Any) -> Any:
        return None


def dbt_resource() -> DbtCliResource:
    return LakehouseDbtResource(
        project_dir=DBT_PROJECT, profiles_dir=str(DBT_DIR), dbt_executable=str(dbt_executable())
    )


@contextmanager
def home_target(home: Path) -> Iterator[Path]:
    """``DBT_TARGET_PATH`` set to the home's own dbt folder while the block runs.

    dagster-dbt gives each build a folder under ``$DBT_TARGET_PATH`` and seeds it with the partial parse
    state found there. Under the home that state was written by this home's last build, with the same
    target, vars and DuckDB path, so dbt's state check passes and dbt parses only what changed; under the
    checkout's shared ``dbt_project/target`` it was whatever home parsed last, and several homes run at once
    (tests, benchmarks) raced on it.
    """
    target = build_target(home)
    target.mkdir(parents=True, exist_ok=True)
    before = os.environ.get("DBT_TARGET_PATH")
    os.environ["DBT_TARGET_PATH"] = str(target)
    try:
        yield target
    finally:
        if before is None:
            os.environ.pop("DBT_TARGET_PATH", None)
        else:
            os.environ["DBT_TARGET_PATH"] = before


def keep_partial_parse(build: Path, target: Path) -> bool:
    """The partial parse state a finished build wrote becomes the one the home's next build starts from.

    Copied, then renamed into place, so that a reader never sees half a file. False when the build wrote
    none (dbt stopped before it parsed).
    """
    written = build / PARTIAL_PARSE
    if not written.is_file():
        return False
    staged = target / f".{PARTIAL_PARSE}.{os.getpid()}"
    shutil.copyfile(written, staged)
    os.replace(staged, target / PARTIAL_PARSE)
    return True


def prune_builds(target: Path, keep: int = BUILDS_KEPT) -> list[Path]:
    """Remove the home's older build folders, keeping the ``keep`` newest; returns those removed.

    Only the dbt op calls it, after its build, and one dbt build runs at a time per home (its pool), so no
    build is writing a folder old enough to go. A reader that listed a folder just removed skips it
    (``compiled_manifest``).
    """
    builds = newest_first(p for p in target.iterdir() if p.is_dir())
    removed = builds[keep:]
    for build in removed:
        shutil.rmtree(build, ignore_errors=True)
    return removed
