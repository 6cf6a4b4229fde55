"""What the governance tables say about the tables on one lineage path: the quality gates' last results,
the privacy gate, the last loads, the last queries. Times are given in China time whatever they were
stored in; no row value of any data table is read, only the governance tables' own figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from pyiceberg.catalog import Catalog
from pyiceberg.expressions import In

from infra.clock import china_naive
from infra.zones import LOAD_LEDGER, MASKING_REPORT, QUALITY_RESULTS, QUERY_LOG

FRESHNESS_SUITE = "freshness"  # quality.results.FRESHNESS_SUITE (quality sits above governance)


def china(moment: datetime | None, stored: str) -> datetime | None:
    """A stored time in China time (naive). ``stored``: ``utc`` (naive UTC), ``local`` (naive, the writing
    machine's clock: ``datetime.now()``), ``cst`` (naive China time); aware times are converted."""
    if moment is None:
        return None
    return china_naive(moment, "china" if stored == "cst" else "utc" if stored == "utc" else "local")


@dataclass(frozen=True)
class Gate:
    table: str
    layer: str
    suite: str
    passed: bool
    expectations: int
    failed: tuple[str, ...]  # expectation names with their unexpected counts, never values
    validated_at: datetime | None  # China time


@dataclass(frozen=True)
class PrivacyCheck:
    dataset: str
    leak_scan_passed: bool
    leaks_found: int
    reidentification_passed: bool | None  # None: no row-level exchange table to judge
    k: int | None
    l: int | None  # noqa: E741 (the letter of l-diversity)
    rows_suppressed: int | None
    checked_at: datetime | None  # China time


@dataclass(frozen=True)
class Load:
    table: str  # the raw table loaded (zone.table), as every other report names it
    started_at: datetime | None  # China time
    rows_in: int
    rows_loaded: int
    rows_quarantined: int
    rows_duplicate: int
    status: str


@dataclass(frozen=True)
class MartLeakScan:
    """The last scan of a mart before publication: counts and column names, never a value."""

    run_id: str
    passed: bool
    rows_scanned: int
    columns_scanned: int
    findings: int
    columns_with_findings: tuple[str, ...]
    scanned_at: datetime | None  # China time


@dataclass(frozen=True)
class Query:
    """One query against the table: when, by which groups, its state and size; never its text or user."""

    at: datetime | None  # China time
    groups: tuple[str, ...]
    state: str
    columns: int
    masked_columns: int
    output_rows: int | None


def _rows(catalog: Catalog, table: str, column: str | None = None, values: Iterable[str] = ()) -> list[dict]:
    if not catalog.table_exists(table):
        return []
    wanted = sorted(set(values))
    if column and not wanted:
        return []  # rows of none of nothing: not the whole table
    loaded = catalog.load_table(table)
    scan = loaded.scan(row_filter=In(column, wanted)) if column else loaded.scan()
    return scan.to_arrow().to_pylist()


def gates(catalog: Catalog, tables: Iterable[str]) -> list[Gate]:
    """The last validation of every suite on these tables (the blocking GX gates and freshness)."""
    rows = _rows(catalog, QUALITY_RESULTS, "table_name", tables)
    by_suite: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        by_suite.setdefault((row["table_name"], row["suite"]), []).append(row)
    found = []
    for (table, suite), members in sorted(by_suite.items()):
        newest = max((r["validated_at"], r["run_id"]) for r in members)
        last = [r for r in members if (r["validated_at"], r["run_id"]) == newest]
        failed = tuple(
            f"{r['expectation']} ({r['unexpected_count']} 行)" if r["unexpected_count"] else r["expectation"]
            for r in last
            if not r["success"]
        )
        name = "新鲜度 freshness" if suite == FRESHNESS_SUITE else "GX 质量门禁"
        found.append(
            Gate(table, last[0]["layer"], name, not failed, len(last), failed, china(newest[0], "utc"))
        )
    return found


def privacy_checks(catalog: Catalog, datasets: Iterable[str]) -> list[PrivacyCheck]:
    """The privacy gate's last verdict per dataset (leak scan after masking, re-identification check)."""
    rows = _rows(catalog, MASKING_REPORT, "dataset", datasets)
    newest: dict[str, list[dict]] = {}
    for row in rows:
        kept = newest.get(row["dataset"])
        if kept is None or row["checked_at"] > kept[0]["checked_at"]:
            newest[row["dataset"]] = [row]
        elif row["checked_at"] == kept[0]["checked_at"]:
            kept.append(row)
    checks = []
    for dataset, members in sorted(newest.items()):
        first = members[0]
        checks.append(
            PrivacyCheck(
                dataset=dataset,
                leak_scan_passed=bool(first["leak_scan_passed"]),
                leaks_found=sum(int(r["leaks_found"] or 0) for r in members),
                reidentification_passed=first.get("reidentification_passed"),
                k=first.get("k"),
                l=first.get("l"),
                rows_suppressed=first.get("rows_suppressed"),
                checked_at=china(first["checked_at"], "local"),
            )
        )
    return checks


def loads(catalog: Catalog, raw_tables: Mapping[str, str], per_dataset: int = 3) -> list[Load]:
    """The last loads of these datasets (dataset → its raw table) from the load ledger (counts and status;
    not the source names)."""
    rows = _rows(catalog, LOAD_LEDGER, "dataset", raw_tables)
    rows.sort(key=lambda r: r["started_at"], reverse=True)
    kept: list[Load] = []
    count: dict[str, int] = {}
    for row in rows:
        if count.get(row["dataset"], 0) >= per_dataset:
            continue
        count[row["dataset"]] = count.get(row["dataset"], 0) + 1
        kept.append(
            Load(
                table=raw_tables[row["dataset"]],
                started_at=china(row["started_at"], "local"),
                rows_in=row["rows_in"],
                rows_loaded=row["rows_loaded"],
                rows_quarantined=row["rows_quarantined"],
                rows_duplicate=row["rows_duplicate"],
                status=row["status"],
            )
        )
    return sorted(kept, key=lambda load: (load.table, -(load.started_at or datetime.min).timestamp()))


def queries(catalog: Catalog, table: str, last: int) -> list[Query] | None:
    """The last ``last`` queries that read ``table`` (None when there is no query log: embedded profile)."""
    if not catalog.table_exists(QUERY_LOG):
        return None
    wanted = f".{table}"
    rows = [r for r in _rows(catalog, QUERY_LOG) if any(t.endswith(wanted) for t in r.get("tables") or ())]
    rows.sort(key=lambda r: r["created_at"] or datetime.min.replace(tzinfo=UTC), reverse=True)
    return [
        Query(
            at=china(r["created_at"], "utc"),
            groups=tuple(r.get("groups") or ()),
            state=r["state"],
            columns=len([c for c in r.get("columns") or () if c.rsplit(".", 1)[0].endswith(wanted)]),
            masked_columns=len(
                [c for c in r.get("masked_columns") or () if c.rsplit(".", 1)[0].endswith(wanted)]
            ),
            output_rows=r.get("output_rows"),
        )
        for r in rows[:last]
    ]


def mart_leak_scan(catalog: Catalog, table: str) -> MartLeakScan | None:
    """The newest leak scan of ``table`` (a mart), or None when it was never scanned (not a mart)."""
    from governance.leak_scans import latest_scans

    for row in latest_scans(catalog).to_pylist():
        if row["table_name"] == table:
            return MartLeakScan(
                run_id=row["run_id"],
                passed=row["passed"],
                rows_scanned=row["rows_scanned"],
                columns_scanned=row["columns_scanned"],
                findings=row["findings_total"],
                columns_with_findings=tuple(row["columns_with_findings"] or ()),
                scanned_at=china(row["scanned_at"], "utc"),
            )
    return None
