"""Moving data between zones: raw -> masked staging -> exchange, and dbt marts -> exchange / kpi.

Derived zones are rewritten whole, as one Iceberg commit each: readers see the previous snapshot until
the new one is complete, and a failed step leaves the last good snapshot in place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
from pyiceberg.catalog import Catalog

from governance.anonymity import Release, judged_columns, prepare_release, release_rows
from governance.catalogue import build_catalogue, exchange_table
from governance.column_docs import table_doc
from governance.contracts import DatasetContract
from governance.incremental import NotIncremental, Plan, append_rows, appended_rows
from governance.masking_report import append_report, report_rows
from governance.privacy_gate import GateResult, check_dataset, classify_raw, leak_scan
from governance.staging import MaskedTable, mask_for_staging, staging_table
from infra.dbt_trino import publish_built, read_built, uses_trino
from infra.iceberg.docs import TableDocs, apply_docs
from infra.iceberg.writer import CONTENT_DIGEST, commit, content_digest, ensure_table, holds_content
from infra.settings import Settings
from infra.zones import RESOURCE_CATALOGUE


def write_derived(
    catalog: Catalog, identifier: str, data: pa.Table, docs: TableDocs | None = None
) -> int | None:
    """Replace a derived table's contents in one commit; its schema follows the data first (new columns
    added, columns no longer published removed, so a withheld item does not linger as an empty column).

    ``docs`` (column docs, table comment) are set after the schema is settled, so a column added by this
    write is documented too; unchanged docs commit nothing.
    """
    table = ensure_table(catalog, identifier, data.schema, docs=docs)
    # Top-level fields only: Iceberg's column_names also lists nested ones (a list's element).
    current = {field.name for field in table.schema().fields}
    digest = content_digest(data)
    if set(data.schema.names) == current and holds_content(table, digest):
        # The same rows as the current snapshot: publishing them again commits nothing (docs/adr/0017-…).
        snapshot = table.current_snapshot()
        return snapshot.snapshot_id if snapshot is not None else None
    if set(data.schema.names) != current:
        with table.update_schema() as update:
            update.union_by_name(data.schema)
            for name in sorted(current - set(data.schema.names)):
                update.delete_column(name)
        if docs is not None:
            apply_docs(catalog, identifier, docs)
    return commit(catalog, identifier, data, "overwrite", summary={CONTENT_DIGEST: digest}).snapshot_id


def _docs(table: str, contract: DatasetContract) -> TableDocs:
    """The contract's business names and descriptions for one of its tables (governance.column_docs)."""
    return table_doc(table, {contract.name: contract}).iceberg()


def text_processes() -> int:
    """Worker processes for free-text masking (LAKEHOUSE_TEXT_PROCESSES, default 1).

    Workers are forked; that is safe in `lakehouse demo` and tests, but a steward running the Dagster
    code server with many threads should weigh it. The mask only forks for 2,000+ candidate cells.
    """
    return max(1, int(os.environ.get("LAKEHOUSE_TEXT_PROCESSES", "1") or 1))


@dataclass(frozen=True)
class StagingOutcome:
    masked: MaskedTable
    gate: GateResult
    rows_appended: int | None = None  # None: the whole table was rewritten


def stage_dataset(
    contract: DatasetContract, catalog: Catalog, key: bytes, run_id: str, snapshot: int | None = None
) -> StagingOutcome:
    """Mask the raw table into staging, run the privacy gate on it and record the masking report.

    Staging is not shared; what the gate decides is whether anything downstream may publish from it.
    ``snapshot``: the raw snapshot to read (the one recorded as the input, so that the next run's appended
    rows start exactly after it); default the current one.
    """
    raw = catalog.load_table(contract.raw_table).scan(snapshot_id=snapshot).to_arrow()
    masked = mask_for_staging(contract, raw, key, text_processes=text_processes())
    target = staging_table(contract)
    write_derived(catalog, target, masked.table, _docs(target, contract))
    gate = check_dataset(contract, raw, masked.table)
    append_report(catalog, report_rows(run_id, contract, masked.report, gate, datetime.now(), raw=raw))
    return StagingOutcome(masked, gate)


def _judged(catalog: Catalog, identifier: str, contract: DatasetContract, snapshot: int) -> pa.Table:
    """The whole table at ``snapshot``, only the columns the re-identification verdict reads."""
    columns = judged_columns(contract) or (contract.staged_columns[0].name,)  # keeps the row count
    table = catalog.load_table(identifier)
    return table.scan(snapshot_id=snapshot, selected_fields=columns).to_arrow()


def stage_appended(
    contract: DatasetContract, catalog: Catalog, key: bytes, run_id: str, plan: Plan
) -> StagingOutcome:
    """Mask only the raw rows appended since the last run and append them to staging in one commit
    (docs/adr/0019-incremental-staging.md): the same masking as ``stage_dataset``, row by row, so staging
    then holds what a rebuild would. The privacy gate classifies and scans the new rows; its
    re-identification part judges the exchange table the whole staging table would give, as before.

    Raises ``NotIncremental`` before writing anything when a precondition does not hold.
    """
    assert plan.incremental and plan.from_snapshot is not None and plan.to_snapshot is not None
    assert plan.output_snapshot is not None
    raw = appended_rows(catalog, contract.raw_table, plan.from_snapshot, plan.to_snapshot)
    if raw.num_rows == 0:
        raise NotIncremental(f"no rows appended to {contract.raw_table} since {plan.from_snapshot}")
    masked = mask_for_staging(contract, raw, key, text_processes=text_processes())
    target = staging_table(contract)
    origin = f"{contract.raw_table}@{plan.from_snapshot}..{plan.to_snapshot}"
    written = append_rows(catalog, target, masked.table, plan.output_snapshot, origin)
    release = None
    if exchange_table(contract) is not None:
        release = prepare_release(
            contract, _judged(catalog, target, contract, written), columns=judged_columns(contract)
        )
    gate = GateResult(contract.name, classify_raw(contract, raw), leak_scan(contract, masked.table), release)
    append_report(catalog, report_rows(run_id, contract, masked.report, gate, datetime.now(), raw=raw))
    return StagingOutcome(masked, gate, raw.num_rows)


class PublicationBlocked(RuntimeError):
    """The re-identification check refuses an exchange table (the message names table, columns and
    counts, never a value)."""


@dataclass(frozen=True)
class Publication:
    table: str
    release: Release
    rows_appended: int | None = None  # None: the whole table was rewritten

    @property
    def rows(self) -> int:
        return self.release.table.num_rows


def publish_resource(
    contract: DatasetContract, catalog: Catalog, today: date | None = None, snapshot: int | None = None
) -> Publication | None:
    """Serve a resource to other departments (its masked staging copy); None if not shared by law.

    What is written is the release the privacy gate judged on the same staging snapshot: withheld items
    and minors' rows left out, classes under k or l suppressed where the contract says so. A table that
    fails the check is never written, whoever calls. ``snapshot``: the staging snapshot to read (the one
    recorded as the input); default the current one.
    """
    target = exchange_table(contract)
    if target is None:
        return None
    staged = catalog.load_table(staging_table(contract)).scan(snapshot_id=snapshot).to_arrow()
    release = prepare_release(contract, staged, today)
    if not release.passed:
        raise PublicationBlocked(release.describe())
    write_derived(catalog, target, release.table, _docs(target, contract))
    return Publication(target, release)


def publish_appended(
    contract: DatasetContract, catalog: Catalog, plan: Plan, today: date | None = None
) -> Publication:
    """Append the release rows of the staging rows appended since the last publication
    (docs/adr/0019-incremental-staging.md), after judging the whole exchange table that results: k and l
    over its quasi-identifier and sensitive columns (only those are read). Withholding items and minors'
    rows is row by row (``release_rows``, as in ``prepare_release``); a contract that suppresses classes
    never comes here. A table that fails the check is never written.
    """
    assert plan.incremental and plan.from_snapshot is not None and plan.to_snapshot is not None
    assert plan.output_snapshot is not None
    target = exchange_table(contract)
    if target is None:
        raise NotIncremental("not shared: no exchange table")
    source = staging_table(contract)
    today = today or date.today()
    verdict = prepare_release(
        contract, _judged(catalog, source, contract, plan.to_snapshot), today, judged_columns(contract)
    )
    if not verdict.passed:
        raise PublicationBlocked(verdict.describe())
    if verdict.rows_suppressed:
        raise NotIncremental("the release suppresses rows: the whole table decides which")
    staged = appended_rows(catalog, source, plan.from_snapshot, plan.to_snapshot)
    rows, _ = release_rows(contract, staged, today)
    origin = f"{source}@{plan.from_snapshot}..{plan.to_snapshot}"
    append_rows(catalog, target, rows, plan.output_snapshot, origin)
    return Publication(target, verdict, rows.num_rows)


def publish_mart(duckdb_path: Path, schema: str, name: str, catalog: Catalog) -> int:
    """Copy one dbt mart from DuckDB into the Iceberg zone of the same name."""
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        relation = connection.table(f"{schema}.{name}")
        data = relation.to_arrow_table()
    target = f"{schema}.{name}"
    write_derived(catalog, target, data, table_doc(target).iceberg())  # the model's yml descriptions
    return data.num_rows


def read_mart(settings: Settings, catalog: Catalog, schema: str, name: str) -> pa.Table:
    """A mart as dbt built it, before publication: what its gates (GX suite, leak scan) judge.

    Embedded: the table in dbt's DuckDB file. Stack and cluster: the Iceberg table dbt-trino built in the build
    schema, which no department reads (docs/adr/0016-marts-built-by-trino-on-the-stack.md).
    """
    if uses_trino(settings):
        return read_built(catalog, name)
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as connection:
        return connection.table(f"{schema}.{name}").to_arrow_table()


def publish_built_mart(
    settings: Settings, catalog: Catalog, schema: str, name: str, properties: dict[str, object] | None = None
) -> int:
    """Publish one dbt mart to the Iceberg zone of the same name, after its gates passed.

    Embedded: copied from DuckDB by pyiceberg (`publish_mart`). Stack and cluster: Trino replaces the zone's
    table with the one it built (`CREATE OR REPLACE TABLE … AS SELECT`, one commit, history kept), with the
    model's table ``properties``; the yml descriptions are then set as column docs as on the embedded profile.
    """
    if not uses_trino(settings):
        return publish_mart(settings.duckdb_path, schema, name, catalog)
    rows = publish_built(settings, schema, name, properties)
    target = f"{schema}.{name}"
    apply_docs(catalog, target, table_doc(target).iceberg())
    return rows


def publish_catalogue(contracts: dict[str, DatasetContract], catalog: Catalog) -> int:
    data = build_catalogue(contracts)
    write_derived(catalog, RESOURCE_CATALOGUE, data)
    return data.num_rows
