"""What the dbt op's resource does around `dbt build` (docs/adr/0022-dbt-stage-cost.md): no `dbt --version`
subprocess and no dbt adapter in this process, and each home's builds under the home, the partial parse
state of the last finished build kept for the next."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import dagster_dbt.core.resource as dagster_dbt_resource

from infra.dbt_manifest import DBT_ENVIRONMENT, build_target
from orchestration.dbt_project import (
    PARTIAL_PARSE,
    dbt_resource,
    home_target,
    keep_partial_parse,
    prune_builds,
)


def test_dbt_s_version_is_the_installed_one_without_a_subprocess(monkeypatch) -> None:
    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"started {args}")

    monkeypatch.setattr(dagster_dbt_resource, "check_output", no_subprocess)
    installed = [p.name for p in DBT_ENVIRONMENT.glob("lib/python*/site-packages/dbt_core-*.dist-info")]
    assert len(installed) == 1
    assert f"dbt_core-{dbt_resource()._cli_version}.dist-info" == installed[0]


def test_the_definitions_process_has_no_dbt_core_to_import() -> None:
    """dbt lives in its own environment (ADR 0025): dagster-dbt then never imports it (~1.6 CPU s a process)."""
    assert importlib.util.find_spec("dbt") is None


def test_no_dbt_adapter_is_opened_in_this_process() -> None:
    assert dbt_resource()._initialize_dbt_core_adapter(["build"]) is None


def test_builds_write_under_the_home_while_the_block_runs(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DBT_TARGET_PATH", "target")
    with home_target(tmp_path) as target:
        assert target == build_target(tmp_path) and target.is_dir()
        assert os.environ["DBT_TARGET_PATH"] == str(target)
        # dagster-dbt's folder for a build, and where it looks for the state to start from
        assert dagster_dbt_resource._get_dbt_target_path() == target
    assert os.environ["DBT_TARGET_PATH"] == "target"


def test_a_finished_builds_parse_state_is_kept_for_the_next(tmp_path: Path) -> None:
    target = build_target(tmp_path)
    build = target / "dbt_models-abc-123"
    build.mkdir(parents=True)
    assert not keep_partial_parse(build, target)  # dbt stopped before it parsed: nothing to keep
    (target / PARTIAL_PARSE).write_bytes(b"older")
    (build / PARTIAL_PARSE).write_bytes(b"state")
    assert keep_partial_parse(build, target)
    assert (target / PARTIAL_PARSE).read_bytes() == b"state"
    assert sorted(p.name for p in target.iterdir()) == ["dbt_models-abc-123", PARTIAL_PARSE]


def test_only_the_newest_builds_are_kept(tmp_path: Path) -> None:
    target = build_target(tmp_path)
    for age in range(7):
        build = target / f"dbt_models-{age}"
        build.mkdir(parents=True)
        (build / "manifest.json").write_text("{}")
        os.utime(build, (1_000_000 - age, 1_000_000 - age))  # dbt_models-0 the newest
    (target / PARTIAL_PARSE).write_bytes(b"state")
    removed = prune_builds(target, keep=3)
    assert sorted(p.name for p in removed) == [f"dbt_models-{age}" for age in range(3, 7)]
    assert sorted(p.name for p in target.iterdir()) == [
        "dbt_models-0",
        "dbt_models-1",
        "dbt_models-2",
        PARTIAL_PARSE,
    ]
