"""The simulator's GB18030 enterprises export with one row missing a field (issue #13, finding 1): that row
is quarantined with its file, line, reason and raw line; the other 299 load; rows in still balance."""

import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from governance.contracts import load_contracts
from ingest.audit_tables import read_quarantine
from ingest.load import load_dataset
from ingest.simulator import simulate

pytestmark = pytest.mark.integration
CONTRACTS = load_contracts()


@pytest.fixture(scope="module")
def simulated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sources")
    simulate(out, scale=0.05, days=2, seed=5, start=date(2026, 11, 20))
    return out


@pytest.fixture
def ragged(simulated, tmp_path) -> tuple[Path, str]:
    """The sources with line 6 of the enterprises export cut short by its last field (the mobile)."""
    copy = tmp_path / "sources"
    shutil.copytree(simulated, copy)
    path = next((copy / "development").glob("enterprises_*.csv"))
    lines = path.read_bytes().decode("gb18030").split("\r\n")
    lines[5] = lines[5].rsplit(",", 1)[0]
    path.write_bytes("\r\n".join(lines).encode("gb18030"))
    return path, lines[5]


def test_one_ragged_row_is_quarantined_and_the_other_rows_load(catalog, ragged):
    path, line = ragged
    result = load_dataset(CONTRACTS["enterprises"], path.parent.parent, catalog)
    assert result.status == "committed"
    assert (result.rows_in, result.rows_loaded, result.rows_quarantined) == (300, 299, 1)
    assert result.balanced
    assert catalog.load_table(CONTRACTS["enterprises"].raw_table).scan().to_arrow().num_rows == 299
    quarantined, _ = read_quarantine(catalog, "enterprises")
    (row,) = quarantined.to_pylist()
    assert (row["source"], row["locator"], row["column_name"]) == (path.name, "line 6", None)
    assert row["reason"] == "row has 9 fields, header has 10"
    assert row["raw_record"] == line  # stewards-only: the line as the provider wrote it


def test_lakehouse_ingest_reports_the_balance_of_a_ragged_export(lakehouse_home, ragged):
    from orchestration.cli import main

    path, _ = ragged
    result = CliRunner().invoke(main, ["ingest", "enterprises", str(path)])
    assert result.exit_code == 0, result.output
    assert "rows in 300 = loaded 299 + quarantined 1 + duplicates skipped 0" in result.output
