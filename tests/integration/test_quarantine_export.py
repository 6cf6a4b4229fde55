"""`lakehouse quarantine`: the CSV export for the provider neutralises formulas and is owner-only; an unknown
dataset is refused with the closest names (issues #13 finding 4, #16 finding 5)."""

import csv
import io
import stat
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from governance.contracts import load_contracts
from ingest.load import load_dataset
from ingest.simulator import simulate
from orchestration.cli import main

pytestmark = pytest.mark.integration
FORMULA = '=HYPERLINK("http://127.0.0.1/x","open me")'


@pytest.fixture
def quarantined_formula(catalog, tmp_path: Path) -> None:
    """The enterprises export with a formula as the name of one enterprise whose row is cut short."""
    sources = tmp_path / "sources"
    simulate(sources, scale=0.02, days=1, seed=7, start=date(2026, 11, 20))
    path = next((sources / "development").glob("enterprises_*.csv"))
    lines = path.read_bytes().decode("gb18030").split("\r\n")
    fields = lines[3].split(",")
    lines[3] = ",".join([FORMULA.replace(",", ";"), *fields[1:-1]])  # one field short: quarantined
    path.write_bytes("\r\n".join(lines).encode("gb18030"))
    result = load_dataset(load_contracts()["enterprises"], sources, catalog)
    assert result.rows_quarantined >= 1


def test_csv_export_neutralises_formulas_and_is_private(quarantined_formula, tmp_path: Path) -> None:
    out = tmp_path / "export" / "enterprises-quarantine.csv"
    result = CliRunner().invoke(main, ["quarantine", "enterprises", "--csv", str(out)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8").lstrip("\ufeff"))))
    raw = [r["raw_record"] for r in rows if "HYPERLINK" in r["raw_record"]]
    assert raw and all(r.startswith("'=") for r in raw)
    assert not any(v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())


def test_unknown_dataset_is_refused_with_the_closest_names(lakehouse_home) -> None:
    result = CliRunner().invoke(main, ["quarantine", "enterprize"])
    assert result.exit_code == 2
    assert "no dataset 'enterprize'" in result.output and "enterprises" in result.output
    result = CliRunner().invoke(main, ["quarantine", "zzz"])
    assert result.exit_code == 2 and "parking_sessions" in result.output  # the full list
