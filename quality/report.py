"""The last validation of every dataset, summarised for ``lakehouse report quality``."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

from pyiceberg.catalog import Catalog

from governance.contracts import load_contracts
from infra.clock import to_china
from quality.results import FRESHNESS_SUITE, read_results


@dataclass(frozen=True)
class DatasetQuality:
    dataset: str
    table: str
    layer: str
    status: str  # passed | failed | stale | not validated
    expectations: int = 0
    failed: int = 0
    fresh: bool | None = None
    freshness: str | None = None
    run_id: str | None = None
    validated_at: datetime | None = None
    snapshot_id: int | None = None
    failures: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        """For JSON: the validation time in China time with its offset (stored naive UTC)."""
        record = asdict(self)
        if self.validated_at is not None:
            record["validated_at"] = to_china(self.validated_at, "utc").isoformat()
        return record


def _latest(rows: list[dict]) -> list[dict]:
    """The rows of the newest validation among ``rows`` (one run id and time)."""
    newest = max((r["validated_at"], r["run_id"]) for r in rows)
    return [r for r in rows if (r["validated_at"], r["run_id"]) == newest]


def summarise(catalog: Catalog) -> list[DatasetQuality]:
    """Per dataset: its last gate validation and its last freshness check; contracts never validated
    are listed too, so a missing gate is visible."""
    by_table: dict[str, list[dict]] = {}
    for row in read_results(catalog).to_pylist():
        by_table.setdefault(row["table_name"], []).append(row)
    summaries = []
    for table, rows in by_table.items():
        gate_rows = [r for r in rows if r["suite"] != FRESHNESS_SUITE]
        fresh_rows = [r for r in rows if r["suite"] == FRESHNESS_SUITE]
        gate = _latest(gate_rows) if gate_rows else []
        freshness = _latest(fresh_rows)[0] if fresh_rows else None
        failures = [
            {
                "expectation": r["expectation"],
                "unexpected_count": r["unexpected_count"],
                "observed_value": r["observed_value"],
                "failing_keys": json.loads(r["failing_keys"]) if r["failing_keys"] else [],
            }
            for r in gate
            if not r["success"]
        ]
        fresh = None if freshness is None else bool(freshness["success"])
        status = (
            "not validated" if not gate else "failed" if failures else "stale" if fresh is False else "passed"
        )
        first = gate[0] if gate else (freshness or rows[0])
        summaries.append(
            DatasetQuality(
                dataset=first["dataset"],
                table=table,
                layer=first["layer"],
                status=status,
                expectations=len(gate),
                failed=len(failures),
                fresh=fresh,
                freshness=None if freshness is None else freshness["observed_value"],
                run_id=first["run_id"] if gate else None,
                validated_at=first["validated_at"] if gate else None,
                snapshot_id=first["snapshot_id"] if gate else None,
                failures=failures,
            )
        )
    seen = {s.table for s in summaries}
    for contract in load_contracts().values():
        if contract.raw_table not in seen:
            summaries.append(DatasetQuality(contract.name, contract.raw_table, "raw", "not validated"))
    return sorted(summaries, key=lambda s: (s.layer != "raw", s.table))
