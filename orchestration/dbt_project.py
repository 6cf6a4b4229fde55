"""The dbt project as Dagster sees it. Kept outside ``defs/`` so that loading definitions never parses dbt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from infra.settings import PROJECT_ROOT

DBT_DIR = PROJECT_ROOT / "dbt_project"
DBT_PROJECT = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)


# The venv's dbt, whether or not the venv is on PATH (the CLI may be run as .venv/bin/lakehouse).
DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(
        project_dir=DBT_PROJECT, profiles_dir=str(DBT_DIR), dbt_executable=str(DBT_EXECUTABLE)
    )


def _newest_source_mtime() -> float:
    files = [*DBT_DIR.glob("models/**/*"), *DBT_DIR.glob("macros/**/*"), DBT_DIR / "dbt_project.yml"]
    return max(p.stat().st_mtime for p in files if p.is_file())


def ensure_manifest() -> Path:
    """Parse the dbt project when its manifest is missing or older than a model (seconds, not at import)."""
    manifest = DBT_PROJECT.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime():
        command = [
            str(DBT_EXECUTABLE),
            "parse",
            "--quiet",
            "--project-dir",
            str(DBT_DIR),
            "--profiles-dir",
            str(DBT_DIR),
        ]
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            raise RuntimeError(f"dbt parse failed:\n{completed.stdout}\n{completed.stderr}")
    return manifest
