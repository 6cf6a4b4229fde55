"""``governance.quality_results``: one row per expectation of every validation (and per freshness check).

Written through ``infra.iceberg.writer`` like every other governance table: one append commit per
validation, and one for all the freshness checks a run evaluates.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.catalog import Catalog
from pyiceberg.expressions import EqualTo

from infra.clock import format_china
from infra.iceberg.writer import commit, ensure_table
from infra.zones import QUALITY_RESULTS
from quality.freshness import FreshnessStatus, format_age
from quality.validate import ValidationOutcome

FRESHNESS_SUITE = "freshness"
RESULTS_SCHEMA = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("validated_at", pa.timestamp("us"), nullable=False),  # UTC
        pa.field("dataset", pa.string(), nullable=False),
        pa.field("table_name", pa.string(), nullable=False),
        pa.field("layer", pa.string(), nullable=False),  # raw | mart
        pa.field("suite", pa.string(), nullable=False),
        pa.field("expectation", pa.string(), nullable=False),
        pa.field("expectation_type", pa.string(), nullable=False),
        pa.field("origin", pa.string()),
        pa.field("success", pa.bool_(), nullable=False),
        pa.field("observed_value", pa.string()),
        pa.field("unexpected_count", pa.int64()),
        pa.field("element_count", pa.int64()),
        pa.field("failing_keys", pa.string()),  # JSON list of key-column dicts, never other values
        pa.field("snapshot_id", pa.int64()),
    ]
)
ROW_COUNT = "expect_table_row_count_to_be_between"


def outcome_rows(outcome: ValidationOutcome) -> list[dict]:
    return [
        {
            "run_id": outcome.run_id,
            "validated_at": outcome.validated_at,
            "dataset": outcome.dataset,
            "table_name": outcome.table,
            "layer": outcome.layer,
            "suite": outcome.suite,
            "expectation": r.expectation,
            "expectation_type": r.expectation_type,
            "origin": r.origin,
            "success": r.success,
            "observed_value": r.observed_value if r.error is None else f"error: {r.error}",
            "unexpected_count": r.unexpected_count,
            "element_count": r.element_count if r.element_count is not None else outcome.row_count,
            "failing_keys": json.dumps(list(r.failing_keys), ensure_ascii=False) if r.failing_keys else None,
            "snapshot_id": outcome.snapshot_id,
        }
        for r in outcome.results
    ]


def freshness_row(status: FreshnessStatus, run_id: str) -> dict:
    observed = (
        "never loaded"
        if status.last_updated is None
        else f"last update {format_china(status.last_updated, 'utc')}, age {format_age(status.age)}"
    )
    return {
        "run_id": run_id,
        "validated_at": status.checked_at,
        "dataset": status.dataset,
        "table_name": status.table,
        "layer": "raw",
        "suite": FRESHNESS_SUITE,
        "expectation": f"fresh within {format_age(status.max_age)} ({status.update_frequency})",
        "expectation_type": "freshness",
        "origin": "contract",
        "success": status.fresh,
        "observed_value": observed,
        "unexpected_count": None,
        "element_count": None,
        "failing_keys": None,
        "snapshot_id": status.snapshot_id,
    }


def append_rows(catalog: Catalog, rows: Sequence[dict]) -> None:
    ensure_table(catalog, QUALITY_RESULTS, RESULTS_SCHEMA)
    if rows:
        commit(catalog, QUALITY_RESULTS, pa.Table.from_pylist(list(rows), schema=RESULTS_SCHEMA), "append")


def append_outcome(catalog: Catalog, outcome: ValidationOutcome) -> None:
    append_rows(catalog, outcome_rows(outcome))


def append_freshness(catalog: Catalog, status: FreshnessStatus, run_id: str) -> None:
    append_freshness_many(catalog, [status], run_id)


def append_freshness_many(catalog: Catalog, statuses: Sequence[FreshnessStatus], run_id: str) -> None:
    """The rows of several freshness checks of one run, in one commit (one Iceberg snapshot)."""
    append_rows(catalog, [freshness_row(status, run_id) for status in statuses])


def read_results(catalog: Catalog, table_name: str | None = None) -> pa.Table:
    if not catalog.table_exists(QUALITY_RESULTS):
        return RESULTS_SCHEMA.empty_table()
    table = catalog.load_table(QUALITY_RESULTS)
    scan = table.scan(row_filter=EqualTo("table_name", table_name)) if table_name else table.scan()
    return scan.to_arrow()


def previous_row_count(catalog: Catalog, table_name: str) -> int | None:
    """Rows of ``table_name`` at its last validation that passed as a whole (the last good load)."""
    rows = read_results(catalog, table_name)
    rows = rows.filter(pc.not_equal(rows.column("suite"), FRESHNESS_SUITE))
    if rows.num_rows == 0:
        return None
    runs: dict[tuple[str, datetime], list[dict]] = {}
    for row in rows.select(
        ["run_id", "validated_at", "expectation_type", "success", "element_count"]
    ).to_pylist():
        runs.setdefault((row["run_id"], row["validated_at"]), []).append(row)
    for (_, _), items in sorted(runs.items(), key=lambda item: item[0][1], reverse=True):
        if all(i["success"] for i in items):
            counts = [i["element_count"] for i in items if i["expectation_type"] == ROW_COUNT]
            return counts[0] if counts and counts[0] is not None else None
    return None
