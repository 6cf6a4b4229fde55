"""The `lakehouse` group turns a failure under a dead stack into one line, and leaves other failures alone."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from orchestration.cli_outage import OutageAwareGroup


@click.group(cls=OutageAwareGroup)
def cli() -> None:
    pass


@cli.command()
@click.argument("dataset")
def ingest(dataset: str) -> None:
    raise OSError(f"AWS Error NETWORK_CONNECTION during PutObject for {dataset}: Could not connect to server")


@pytest.fixture
def no_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stack home where nothing runs (no PID files): every service reports down."""
    monkeypatch.setenv("LAKEHOUSE_HOME", str(tmp_path))
    monkeypatch.setattr("sys.argv", ["lakehouse", "ingest", "parking lots"])
    return tmp_path


def test_stack_failure_is_one_line_naming_the_services(no_stack: Path, monkeypatch) -> None:
    monkeypatch.setenv("LAKEHOUSE_PROFILE", "stack")
    result = CliRunner().invoke(cli, ["ingest", "parking lots"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    line = lines[0]
    assert line.startswith("Error: postgres (") and "s3 (" in line and "trino (" in line
    assert "audit" not in line  # not a data service: it is in nobody's way
    assert "`lakehouse status`" in line and "`lakehouse up`" in line
    assert "re-run `lakehouse ingest 'parking lots'`" in line


def test_embedded_failure_keeps_its_exception(no_stack: Path, monkeypatch) -> None:
    monkeypatch.setenv("LAKEHOUSE_PROFILE", "embedded")
    result = CliRunner().invoke(cli, ["ingest", "x"])
    assert result.exit_code == 1 and isinstance(result.exception, OSError)
