"""Reading the gate results the sharing KPI depends on: the quality gate and the leak scan.

Other parts of the platform write these tables; this module only reads them, and each reader is one small
function so that a change of table or columns is a change here only. A table that does not exist yet, or
holds nothing for a dataset, means the gate has "not run" for it — which the KPI counts as a gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import pyarrow as pa
from pyiceberg.catalog import Catalog

from infra.zones import MASKING_REPORT, QUALITY_RESULTS

# Written by the quality work (Great Expectations results, one row per expectation and run):
# dataset, suite, expectation, success, observed_value, unexpected_count, run_id, snapshot_id, validated_at.
# Written at staging by governance.masking_report (one row per column and run, with the leak scan's verdict).

GateState = Literal["passed", "failed", "not_run"]


@dataclass(frozen=True)
class GateStatus:
    state: GateState
    run_id: str | None = None
    at: datetime | None = None
    detail: str | None = None

    @property
    def passed(self) -> bool:
        return self.state == "passed"


NOT_RUN = GateStatus("not_run")


def resource_name(dataset: str) -> str:
    """Gate tables may name a dataset bare (``parks``) or zone-qualified (``exchange.parks``)."""
    return dataset.rsplit(".", 1)[-1]


def _read(catalog: Catalog, identifier: str, columns: tuple[str, ...]) -> pa.Table | None:
    if not catalog.table_exists(identifier):
        return None
    table = catalog.load_table(identifier)
    present = set(table.schema().column_names)
    if not set(columns) <= present:
        return None  # an older or different layout: treat the gate as not run rather than guess
    return table.scan(selected_fields=columns).to_arrow()


def latest_runs(
    rows: list[dict], time_field: str, ok_field: str, run_field: str | None, describe
) -> dict[str, GateStatus]:
    """Per resource: the newest run of each dataset that maps to it; passed only if every row of every newest
    run passed. ``describe`` names a failing row for the gap list."""
    newest: dict[str, tuple[datetime, str | None]] = {}
    for row in rows:
        key = row["dataset"]
        run = row[run_field] if run_field else None
        if key not in newest or row[time_field] > newest[key][0]:
            newest[key] = (row[time_field], run)
    by_resource: dict[str, list[dict]] = {}
    for row in rows:
        at, run = newest[row["dataset"]]
        in_newest = row[run_field] == run if run_field else row[time_field] == at
        if in_newest:
            by_resource.setdefault(resource_name(row["dataset"]), []).append(row)
    result = {}
    for resource, run_rows in by_resource.items():
        failed = [r for r in run_rows if not r[ok_field]]
        last = max(r[time_field] for r in run_rows)
        run_id = str(run_rows[0][run_field]) if run_field else None
        if failed:
            shown = ", ".join(sorted({describe(r) for r in failed})[:5])
            result[resource] = GateStatus("failed", run_id, last, f"{len(failed)} failed: {shown}")
        else:
            result[resource] = GateStatus("passed", run_id, last, f"{len(run_rows)} checks passed")
    return result


def read_quality_gate(catalog: Catalog) -> dict[str, GateStatus]:
    """Quality gate per resource from ``governance.quality_results`` (latest run per dataset, all success)."""
    columns = ("dataset", "suite", "expectation", "success", "run_id", "validated_at")
    table = _read(catalog, QUALITY_RESULTS, columns)
    if table is None:
        return {}
    return latest_runs(
        table.to_pylist(), "validated_at", "success", "run_id", lambda r: f"{r['suite']}/{r['expectation']}"
    )


def read_leak_gate(catalog: Catalog) -> dict[str, GateStatus]:
    """Leak scan per resource from ``governance.masking_report`` (latest run per dataset, no leak found)."""
    columns = ("run_id", "dataset", "column_name", "leaks_found", "leak_scan_passed", "checked_at")
    table = _read(catalog, MASKING_REPORT, columns)
    if table is None:
        return {}
    # The verdict is per dataset (repeated on each column row); name the columns that actually leaked.
    return latest_runs(
        table.to_pylist(),
        "checked_at",
        "leak_scan_passed",
        "run_id",
        lambda r: (
            f"{r['column_name']} ({r['leaks_found']})" if r["leaks_found"] else "undeclared personal data"
        ),
    )
