"""The dbt project as Dagster sees it. Kept outside ``defs/`` so that loading definitions never parses dbt."""

from __future__ import annotations

from dagster_dbt import DbtCliResource, DbtProject

from infra.dbt_manifest import DBT_DIR, DBT_EXECUTABLE

DBT_PROJECT = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(
        project_dir=DBT_PROJECT, profiles_dir=str(DBT_DIR), dbt_executable=str(DBT_EXECUTABLE)
    )
