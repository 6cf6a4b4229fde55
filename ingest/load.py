"""Load one dataset from its source into the raw zone: the code path of the Dagster asset and of
``lakehouse ingest``. Every row is accounted for: rows in = loaded + quarantined + duplicates skipped."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
from pyiceberg.catalog import Catalog

from governance.column_docs import table_doc
from governance.contracts import DatasetContract
from infra.catalog import open_catalog
from infra.iceberg.writer import Partition, commit, ensure_table, loaded_units, watermark
from ingest.audit_tables import append_ledger, append_quarantine
from ingest.connectors import DROPPED_FORMATS, SQL_FORMATS, SourceError, SourceUnit, database_url, iter_units
from ingest.connectors.sql import pending_rows
from ingest.enforce import enforce, raw_records
from ingest.handover import dropped_units


class LoadRejected(RuntimeError):
    """Too many rows broke the contract: nothing was committed to the raw table."""


@dataclass
class LoadResult:
    dataset: str
    load_id: str
    status: str  # committed | unchanged | rejected
    units: list[str] = field(default_factory=list)
    units_skipped: list[str] = field(default_factory=list)
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0
    snapshot_id: int | None = None
    notes: list[str] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)  # rejected rows per column at fault

    @property
    def balanced(self) -> bool:
        return self.rows_in == self.rows_loaded + self.rows_quarantined + self.rows_duplicate

    def as_dict(self) -> dict:
        return asdict(self) | {"balanced": self.balanced}


def ensure_raw_table(catalog: Catalog, contract: DatasetContract):
    return ensure_table(
        catalog,
        contract.raw_table,
        contract.raw_arrow_schema(),
        [Partition(p.source, p.transform) for p in contract.partitioning],
        contract.primary_key,
        docs=table_doc(contract.raw_table, {contract.name: contract}).iceberg(),  # business names
    )


def _quarantine_rows(
    load_id: str, contract: DatasetContract, unit: SourceUnit, rejects, now: datetime
) -> pa.Table:
    count = len(rejects)
    return pa.table(
        {
            "load_id": pa.array([load_id] * count),
            "dataset": pa.array([contract.name] * count),
            "source": pa.array([unit.name] * count),
            "locator": unit.locate(rejects.rows),
            "column_name": rejects.columns,
            "reason": rejects.reasons,
            "raw_record": pa.array(raw_records(unit, rejects.rows), pa.string()),
            "quarantined_at": pa.array([now] * count, pa.timestamp("us")),
        }
    )


def _partition_window(contract: DatasetContract) -> str | None:
    return contract.partitioning[0].source if contract.partitioning else None


def _all_loaded(
    contract: DatasetContract, location: Path | str, already: set[str], day: date | None
) -> list[str]:
    """The units of a file drop when every one's fingerprint is in the load state (the bytes are hashed, not
    parsed); else none. Databases are asked for rows past their watermark instead (:func:`nothing_new`);
    anything unclear (no files, a file still being written) goes the whole way."""
    if contract.source.format not in DROPPED_FORMATS or "://" in str(location) or not already:
        return []
    units, settling = dropped_units(contract, Path(location))
    if day is not None:
        units = [u for u in units if u.day == day]
    if not units or settling or any(u.fingerprint not in already for u in units):
        return []
    return [Path(u.name).name for u in units]


def nothing_new(
    contract: DatasetContract, location: Path | str, catalog: Catalog, day: date | None = None
) -> str | None:
    """Why a load would find nothing new, asked without loading (the run's plan asks it before starting the
    load at all), or None when it may find something: the question :func:`load_dataset` asks first. A file
    drop: every file's fingerprint is in the raw table's load state. A database read by a watermark: no row
    past the stored watermark (one count query, ``pending_rows``, as the poll sensor asks). A raw table that
    does not exist yet, a database without a watermark, an API, or a source that cannot be asked (missing
    file, failing query: the load reports it) always goes the whole way."""
    if not catalog.table_exists(contract.raw_table):
        return None
    table = catalog.load_table(contract.raw_table)
    source = contract.source
    if source.format in SQL_FORMATS:
        if source.watermark is None or day is not None:
            return None
        try:
            url, display = database_url(contract, location)
            count, _ = pending_rows(url, source.table or "", source.watermark, watermark(table), display)
        except SourceError:
            return None
        return None if count else f"no row past the {source.watermark} watermark in {display}, none read"
    if units := _all_loaded(contract, location, loaded_units(table), day):
        return f"{len(units)} hand-over file(s) already loaded, none read"
    return None


def load_dataset(
    contract: DatasetContract,
    location: Path | str,
    catalog: Catalog | None = None,
    progress: Callable[[str], None] | None = None,
    day: date | None = None,
) -> LoadResult:
    """Load what is new in ``location``; with ``day``, only the files handed over for that day (a daily
    partition's run). Units already loaded are skipped by fingerprint either way, so a day loaded by a
    partition run and again by a whole-folder run lands once."""
    say = progress or (lambda _message: None)
    catalog = catalog or open_catalog()
    started = datetime.now()
    load_id = f"{contract.name}-{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    result = LoadResult(contract.name, load_id, "unchanged")
    table = ensure_raw_table(catalog, contract)
    already = loaded_units(table)
    if loaded := _all_loaded(contract, location, already, day):
        # Every file in the drop folder is already in the load state: nothing is parsed (docs/adr/0017-…).
        result.units_skipped = loaded
        say(f"{contract.name}: nothing new ({len(loaded)} units already loaded; none parsed)")
        return result

    accepted: list[pa.Table] = []
    quarantined: list[pa.Table] = []
    fingerprints: list[str] = []
    high_mark: str | None = None
    for unit in iter_units(contract, location, watermark(table), day):
        nothing_new = contract.source.watermark is not None and unit.num_rows == 0
        if unit.fingerprint in already or nothing_new:
            result.units_skipped.append(unit.name)
            continue
        enforced = enforce(contract, unit)
        result.units.append(unit.name)
        fingerprints.append(unit.fingerprint)
        result.rows_in += unit.num_rows
        result.notes.extend(enforced.notes)
        accepted.append(enforced.table)
        if len(enforced.rejects):
            quarantined.append(_quarantine_rows(load_id, contract, unit, enforced.rejects, started))
            for column in enforced.rejects.columns.to_pylist():
                result.reasons[column] = result.reasons.get(column, 0) + 1
        high_mark = unit.watermark or high_mark
        say(f"{contract.name}: read {unit.name}: {unit.num_rows} rows, {len(enforced.rejects)} rejected")

    if not result.units:
        say(f"{contract.name}: nothing new ({len(result.units_skipped)} units already loaded)")
        return result

    rejected_rows = sum(t.num_rows for t in quarantined)
    result.rows_quarantined = rejected_rows
    quarantine = pa.concat_tables(quarantined) if quarantined else None
    share = rejected_rows / result.rows_in if result.rows_in else 0.0
    if share > contract.load.max_reject_share:
        result.status = "rejected"
        message = (
            f"{contract.id}: {rejected_rows} of {result.rows_in} rows ({share:.1%}) break the contract, above the "
            f"allowed {contract.load.max_reject_share:.1%}; nothing was committed to {contract.raw_table}. "
            f"See `lakehouse quarantine {contract.name}` for each row's reason."
        )
        if quarantine is not None:
            append_quarantine(catalog, contract.name, quarantine)
        append_ledger(catalog, _ledger_record(result, fingerprints, started, message))
        raise LoadRejected(message)

    if quarantine is not None:
        append_quarantine(catalog, contract.name, quarantine)
    data = (
        pa.concat_tables(accepted, promote_options="default")
        if accepted
        else contract.raw_arrow_schema().empty_table()
    )
    outcome = commit(
        catalog,
        contract.raw_table,
        data,
        contract.load.write_mode,
        key=contract.primary_key,
        units=fingerprints,
        new_watermark=high_mark,
        window=_partition_window(contract),
        last_load={"load_id": load_id, "rows_in": result.rows_in, "rows_quarantined": rejected_rows},
        evolve=contract.load.schema_evolution,
        on_retry=lambda attempt, exc: say(f"{contract.name}: commit conflict, retry {attempt} ({exc})"),
    )
    if outcome.skipped:
        # A concurrent load committed the same units first; ours changed nothing.
        result.status = "unchanged"
        result.units_skipped.extend(result.units)
        result.units = []
        result.rows_in = result.rows_quarantined = 0
        return result
    result.status = "committed"
    result.rows_loaded = outcome.rows_written
    result.rows_duplicate = outcome.duplicates
    result.snapshot_id = outcome.snapshot_id
    append_ledger(
        catalog, _ledger_record(result, fingerprints, started, "; ".join(result.notes)[:2000] or None)
    )
    say(
        f"{contract.name}: loaded {result.rows_loaded}, quarantined {result.rows_quarantined}, "
        f"duplicates skipped {result.rows_duplicate} (snapshot {result.snapshot_id})"
    )
    return result


def _ledger_record(
    result: LoadResult, fingerprints: list[str], started: datetime, message: str | None
) -> dict:
    return {
        "load_id": result.load_id,
        "dataset": result.dataset,
        "source": ", ".join(result.units)[:2000],
        "fingerprints": json.dumps(fingerprints),
        "rows_in": result.rows_in,
        "rows_loaded": result.rows_loaded,
        "rows_quarantined": result.rows_quarantined,
        "rows_duplicate": result.rows_duplicate,
        "snapshot_id": result.snapshot_id,
        "started_at": started,
        "finished_at": datetime.now(),
        "status": result.status,
        "message": message,
    }
