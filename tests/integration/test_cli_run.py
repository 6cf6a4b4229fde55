"""`lakehouse run` on a simulated home, through the real CLI, Dagster and Iceberg: a selection loads only what
it names, the terminal gets one line per asset (the Dagster and dbt log goes to a private file under the
home), a failing asset is named with its one-line error and a non-zero exit, and a typo selects nothing."""

from __future__ import annotations

import re
import stat
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest.simulator import simulate
from orchestration.cli import main

pytestmark = pytest.mark.integration
ASSET_LINE = re.compile(r"^  [✔✘·] (\S+)\s+(materialised|failed|skipped|not run)\b(.*)$")


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("lakehouse")
    patch = pytest.MonkeyPatch()
    patch.setenv("LAKEHOUSE_HOME", str(home))
    patch.setenv("LAKEHOUSE_PROFILE", "embedded")
    patch.setenv("LAKEHOUSE_PSEUDONYM_KEY", "integration-test-pseudonym-key-0003")
    patch.setenv("DAGSTER_HOME", str(home / "dagster"))
    summary = simulate(home / "sources", scale=0.01, days=1, seed=5, start=date(2026, 11, 20))
    yield home, summary
    patch.undo()


def _asset_lines(output: str) -> list[tuple[str, str, str]]:
    return [m.groups() for m in map(ASSET_LINE.match, output.splitlines()) if m]


def _log_path(output: str) -> Path:
    found = re.search(r"run log \(Dagster and dbt\): (\S+)", output)
    assert found, output
    return Path(found.group(1))


def _tables(catalog) -> dict[str, int]:
    return {
        f"{ns[0]}.{name}": catalog.load_table((ns[0], name)).scan().to_arrow().num_rows
        for ns in catalog.list_namespaces()
        for _, name in catalog.list_tables(ns[0])
    }


def test_run_one_raw_dataset_loads_only_it_with_one_line(home) -> None:
    from infra.catalog import open_catalog

    home_dir, summary = home
    result = CliRunner().invoke(main, ["run", "--select", "raw_transport/parking_sessions"])
    assert result.exit_code == 0, result.output
    lines = _asset_lines(result.output)
    assert [(asset, status) for asset, status, _ in lines] == [
        ("raw_transport/parking_sessions", "materialised")
    ]
    tables = _tables(open_catalog())
    loaded = tables.pop("raw_transport.parking_sessions")
    quarantined = tables.pop("quarantine.parking_sessions", 0)
    assert loaded + quarantined == summary.rows["parking_sessions"]
    assert f"{loaded:,} rows" in lines[0][2]
    # Nothing else was loaded, masked or published: only the load's own bookkeeping.
    assert not [
        t for t in tables if t.split(".")[0].startswith("raw_") or t.split(".")[0] in ("staging", "exchange")
    ]
    # The terminal is not Dagster's console log; that, and dbt's, is in a file only the owner reads.
    assert "STEP_START" not in result.output and "dagster - " not in result.output
    assert len(result.output.splitlines()) < 30, result.output
    log = _log_path(result.output)
    assert log.parent == home_dir / "logs"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert "STEP_SUCCESS" in log.read_text(encoding="utf-8")
    assert "gates: " in result.output and "quarantined: " in result.output


def test_a_dataset_name_runs_its_raw_staging_and_exchange_path(home) -> None:
    from infra.catalog import open_catalog

    result = CliRunner().invoke(main, ["run", "--select", "parks"])
    assert result.exit_code == 0, result.output
    assert sorted(asset for asset, _, _ in _asset_lines(result.output)) == [
        "exchange/parks",
        "raw_development/parks",
        "staging/parks",
    ]
    tables = _tables(open_catalog())
    assert tables["exchange.parks"] == tables["raw_development.parks"] > 0
    assert "raw_development.enterprises" not in tables


def test_a_failing_asset_is_named_with_one_line_and_exit_1(home) -> None:
    home_dir, _ = home
    # A binary file under a CSV name, as a broken export job leaves one.
    (home_dir / "sources" / "development" / "enterprises_2026-11-21.csv").write_bytes(bytes(range(256)) * 8)
    result = CliRunner().invoke(main, ["run", "--select", "raw_development/enterprises"])
    assert result.exit_code == 1, result.output
    lines = _asset_lines(result.output)
    assert [(asset, status) for asset, status, _ in lines] == [("raw_development/enterprises", "failed")]
    assert "enterprises_2026-11-21.csv" in lines[0][2]
    assert "Traceback" not in result.output
    assert "raw_development/enterprises" in result.output.splitlines()[-1]  # the closing error names it


def test_a_selection_that_names_nothing_is_refused_with_the_closest_names(home) -> None:
    result = CliRunner().invoke(main, ["run", "--select", "raw_transport/parking_sesions"])
    assert result.exit_code == 2, result.output
    assert "did you mean raw_transport/parking_sessions" in result.output
    assert not _asset_lines(result.output)
