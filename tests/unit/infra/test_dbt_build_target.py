"""The compiled SQL of a dbt build is found where the builds of the home now write (the home's own dbt
folder, docs/adr/0022-dbt-stage-cost.md), so lineage does not start a `dbt compile` after every build."""

from __future__ import annotations

import json
import os
from pathlib import Path

from infra.dbt_manifest import build_target, compiled_manifest


def _document(compiled: bool) -> dict:
    node = {
        "resource_type": "model",
        "name": "hourly",
        "schema": "exchange",
        "columns": {},
        "depends_on": {"nodes": []},
        "original_file_path": "models/hourly.sql",
        "relation_name": '"dbt"."exchange"."hourly"',
        "checksum": {"checksum": "abc"},
        "config": {"materialized": "table", "schema": "exchange"},
        "compiled": compiled,
        "compiled_code": "select 1 as n" if compiled else None,
    }
    return {"nodes": {"model.test.hourly": node}, "sources": {}, "metadata": {"adapter_type": "duckdb"}}


def _write(path: Path, document: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")


def test_a_builds_compiled_manifest_under_the_home_is_used(tmp_path: Path, monkeypatch) -> None:
    project, home = tmp_path / "dbt_project", tmp_path / "home"
    (project / "models").mkdir(parents=True)
    (project / "models" / "hourly.sql").write_text("select 1 as n", encoding="utf-8")
    (project / "dbt_project.yml").write_text("name: test\n", encoding="utf-8")
    _write(project / "target" / "manifest.json", _document(compiled=False))  # what `dbt parse` left
    old = (project / "dbt_project.yml").stat().st_mtime - 10
    for source in (project / "dbt_project.yml", project / "models" / "hourly.sql"):
        os.utime(source, (old, old))  # the parsed manifest is newer than the project: no `dbt parse`
    _write(build_target(home) / "dbt_models-abc-123" / "manifest.json", _document(compiled=True))
    monkeypatch.setenv("LAKEHOUSE_HOME", str(home))
    monkeypatch.setenv("LAKEHOUSE_PROFILE", "embedded")

    found = compiled_manifest(project)  # no scratch folder: a `dbt compile` would raise instead

    assert found.compiled and found.models["model.test.hourly"].compiled_code == "select 1 as n"


def test_a_folder_removed_while_sorting_sorts_last_instead_of_failing(tmp_path: Path) -> None:
    from infra.dbt_manifest import newest_first

    older, newer, gone = tmp_path / "older", tmp_path / "newer", tmp_path / "gone"
    for age, folder in enumerate((newer, older)):
        folder.mkdir()
        os.utime(folder, (1_000_000 - age, 1_000_000 - age))
    assert newest_first([older, gone, newer]) == [newer, older, gone]
