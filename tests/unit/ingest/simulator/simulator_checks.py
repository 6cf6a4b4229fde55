"""Independent re-implementations used by the simulator tests: check characters and a file reader.

Deliberately not importing ``ingest.simulator.identifiers`` or its writers: a test that reuses the code under
test cannot catch its bugs.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl

from governance.contracts import Column, DatasetContract

TINY = 0.01  # scale of the shared test run: 3,000 residents
START = date(2026, 11, 1)  # a Sunday: a two-day run covers a weekend day and a working day

MOBILE = re.compile(r"^1(3\d|5[0-35-9]|8\d|9[1356789])\d{8}$")
PLATE = re.compile(r"^[沪苏浙][A-HJ-NP-Z]([A-HJ-NP-Z0-9]{5}|[DF]\d{5})$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def id_number_ok(value: str) -> bool:
    """GB 11643: sum of digit * 2^(17-i) mod 11, check = (12 - sum) mod 11, 10 written as X."""
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return False
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(value[:17]))
    check = (12 - total % 11) % 11
    if value[17] != ("X" if check == 10 else str(check)):
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return True


def uscc_ok(value: str) -> bool:
    """GB 32100 check over 3^i mod 31 weights, and the embedded GB 11714 organisation code check."""
    if len(value) != 18 or any(c not in USCC_ALPHABET for c in value):
        return False
    total = sum(USCC_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(value[:17]))
    if USCC_ALPHABET[-total % 31] != value[17]:
        return False
    org = value[8:17]
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    s = sum((int(c, 36)) * w for c, w in zip(org[:8], weights, strict=True))  # base-36 digit: A=10 … Z=35
    c9 = 11 - s % 11
    return org[8] == {10: "X", 11: "0"}.get(c9, str(c9))


def _key(contract: DatasetContract, col: Column) -> str:
    return col.source_field or col.name


def _label(contract: DatasetContract, col: Column) -> str:
    if contract.source.header == "business_name":
        return col.business_name or col.name
    return col.source_field or col.name


def _text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return value


def read_dataset(out: Path, contract: DatasetContract, only: Path | None = None) -> list[dict[str, Any]]:
    """Rows of one dataset as the files hold them (or of the file ``only``), keyed by contract column name;
    fails on shape errors."""
    cols = contract.source_columns
    src = contract.source
    if src.format == "sqlite":
        con = sqlite3.connect(out / src.file)
        try:
            cur = con.execute(f'SELECT * FROM "{src.table}"')
            names = [d[0] for d in cur.description]
            assert names == [_key(contract, c) for c in cols], (contract.name, names)
            return [dict(zip([c.name for c in cols], row, strict=True)) for row in cur]
        finally:
            con.close()
    paths = [only] if only else sorted(out.glob(src.glob))
    assert paths, f"{contract.name}: no file matches {src.glob}"
    records: list[dict[str, Any]] = []
    if src.format == "csv":
        for path in paths:
            with path.open(encoding=src.encoding, newline="") as f:
                reader = csv.reader(f)
                header = next(reader)
                assert header == [_label(contract, c) for c in cols], (path, header)
                for row in reader:
                    assert len(row) == len(cols), (path, row)
                    records.append({c.name: (v if v != "" else None) for c, v in zip(cols, row, strict=True)})
    elif src.format == "ndjson":
        for path in paths:
            for line in path.read_text(encoding="utf-8").splitlines():
                obj = json.loads(line)
                assert list(obj) == [_key(contract, c) for c in cols], (path, list(obj))
                records.append({c.name: obj[_key(contract, c)] for c in cols})
    elif src.format == "json_pages":
        total = None
        for n, path in enumerate(paths, start=1):
            doc = json.loads(path.read_text(encoding="utf-8"))
            assert doc["code"] == 0 and doc["msg"] == "success"
            data = doc["data"]
            assert data["page"] == n and data["pageSize"] == 500
            total = data["total"] if total is None else total
            assert data["total"] == total
            node: Any = doc
            for part in src.records.split("."):
                node = node[part]
            for item in node:
                assert list(item) == [_key(contract, c) for c in cols], (path, list(item))
                records.append({c.name: item[_key(contract, c)] for c in cols})
        assert total == len(records)
    elif src.format == "xlsx":
        for path in paths:
            wb = openpyxl.load_workbook(path, read_only=True)
            for ws in wb.worksheets:
                it = ws.iter_rows(values_only=True)
                title = next(it)
                assert title[0] and "数据导出" in str(title[0]), (path, title)
                assert all(v is None for v in next(it)), "a blank row separates the title from the header"
                header = list(next(it))
                assert header == [_label(contract, c) for c in cols], (path, header)
                for row in it:
                    padded = list(row) + [None] * (len(cols) - len(row))
                    records.append({c.name: _text(v) for c, v in zip(cols, padded, strict=True)})
            wb.close()
    else:
        raise AssertionError(f"unexpected format {src.format}")
    return records


VALIDATORS = {
    "cn_resident_id": id_number_ok,
    "cn_uscc": uscc_ok,
    "cn_mobile": lambda v: bool(MOBILE.match(v)),
    "cn_plate": lambda v: bool(PLATE.match(v)) and sum(c.isdigit() for c in v) >= 3,
}


def contract_violations(contract: DatasetContract, records: list[dict[str, Any]]) -> list[str]:
    """Every broken contract rule, as readable strings (empty when all rows comply)."""
    problems: list[str] = []
    for col in contract.source_columns:
        values = [r[col.name] for r in records]
        present = [v for v in values if v is not None]
        if col.required and len(present) != len(values):
            problems.append(f"{col.name}: {len(values) - len(present)} nulls in a required column")
        if col.valid_values:
            bad = {v for v in present if v not in col.valid_values}
            if bad:
                problems.append(f"{col.name}: values outside validValues {sorted(bad)[:5]}")
        if col.logical_type == "timestamp":
            bad = [v for v in present if not TIMESTAMP.match(str(v))]
            if bad:
                problems.append(f"{col.name}: not 'YYYY-MM-DD HH:MM:SS': {bad[:3]}")
        if col.logical_type == "date":
            bad = [v for v in present if not DATE.match(str(v))]
            if bad:
                problems.append(f"{col.name}: not 'YYYY-MM-DD': {bad[:3]}")
        if col.logical_type in ("integer", "number"):
            nums = [float(v) for v in present]
            if col.logical_type == "integer" and any(x != int(x) for x in nums):
                problems.append(f"{col.name}: non-integer values")
            if col.minimum is not None and nums and min(nums) < col.minimum:
                problems.append(f"{col.name}: {min(nums)} below minimum {col.minimum}")
            if col.maximum is not None and nums and max(nums) > col.maximum:
                problems.append(f"{col.name}: {max(nums)} above maximum {col.maximum}")
        if col.validator in VALIDATORS:
            bad = [v for v in present if not VALIDATORS[col.validator](str(v))]
            if bad:
                problems.append(f"{col.name}: {len(bad)} fail {col.validator}, e.g. {bad[:3]}")
    keys = [tuple(r[k] for k in contract.primary_key) for r in records]
    if len(set(keys)) != len(keys):
        problems.append(f"primary key {contract.primary_key} repeats")
    return problems
