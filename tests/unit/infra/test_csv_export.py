"""Spreadsheet exports neutralise formulas; the raw value stays readable."""

from __future__ import annotations

import csv
import io
import stat
from pathlib import Path

import pytest

from governance.sharing.exports import to_csv as catalogue_csv
from infra.csv_export import neutralise, to_csv
from infra.private_files import write_private_text


@pytest.mark.parametrize("cell", ["=1+1", "+86 138", "-2", "@SUM(A1)", "\t=cmd", "\r=cmd"])
def test_formula_starts_are_written_as_text(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["张三", "1+1", "a=b", "", "2019-03-05"])
def test_ordinary_cells_are_unchanged(cell: str) -> None:
    assert neutralise(cell) == cell


def test_csv_rows_are_neutralised_and_parse_back() -> None:
    text = to_csv([("a", "甲"), ("b", "=乙")], [{"a": '=HYPERLINK("http://x","y")', "b": None}])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [["甲", "'=乙"], ['\'=HYPERLINK("http://x","y")', ""]]


def test_catalogue_csv_uses_the_neutralising_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    from governance.catalogue import build_catalogue
    from governance.contracts import load_contracts

    entries = build_catalogue(load_contracts()).to_pylist()
    entries[0] = {**entries[0], "title": "=cmd|' /C calc'!A0"}
    text = catalogue_csv(entries)
    assert "=cmd|" in text and ",=cmd|" not in text and "\n=cmd|" not in text
    assert "'=cmd|" in text


def test_private_text_is_owner_only_even_when_the_file_existed(tmp_path: Path) -> None:
    path = tmp_path / "out" / "export.csv"
    path.parent.mkdir()
    path.write_text("old")
    path.chmod(0o644)
    write_private_text(path, "new")
    assert path.read_text() == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
