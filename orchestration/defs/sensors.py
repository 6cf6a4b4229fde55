"""Automation that reacts to the departments: a file-arrival sensor per dataset handed over as files, and a
poll of each database source read incrementally by a watermark column (docs/adr/0014-…).

A file sensor asks for one run per new unit (a file, or a page set): its run key is the unit's name and
content fingerprint, the one the load records in the raw table, so a file re-dropped unchanged starts
nothing and a changed one starts a run. Units the raw table has already loaded (by `lakehouse demo`, the
daily run or a backfill) are not asked for again. The run is the dataset's raw asset and everything
downstream of it, for the file's day when the dataset is partitioned by day.
"""

from __future__ import annotations

import json

import dagster as dg
from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import NoSuchTableError

from governance.contracts import DatasetContract, load_contracts
from infra.iceberg.writer import loaded_units, watermark
from ingest.connectors import DROPPED_FORMATS, SQL_FORMATS, SourceError, database_url
from ingest.connectors.sql import pending_rows
from ingest.handover import DroppedUnit, dropped_units
from orchestration.automation import sensor_status
from orchestration.defs.sources import raw_asset_key
from orchestration.partitions import DAILY, is_daily
from orchestration.resources import LakehouseResource

FILE_INTERVAL_SECONDS = 60
# A department's database is asked at most every five minutes: the poll is one count per table, but it
# runs against a production system that is not ours.
POLL_INTERVAL_SECONDS = 300
# A file modified in the last seconds may still be being copied in; it is looked at on the next tick.
SETTLE_SECONDS = 10.0
# Tags on every run a sensor starts: a deployment can limit how many such runs go at once (run queue
# tag_concurrency_limits), since each of them rebuilds the downstream marts.
TRIGGER_TAG = "lakehouse/trigger"


def _raw_and_downstream(contract: DatasetContract) -> dg.AssetSelection:
    # A multi-asset that cannot be subset (the lineage tables) is run whole rather than refused.
    return dg.AssetSelection.assets(raw_asset_key(contract)).downstream().required_multi_asset_neighbors()


def _state(catalog: Catalog, contract: DatasetContract) -> tuple[set[str], str | None]:
    """The raw table's load state: fingerprints loaded and SQL watermark (nothing yet for a new table)."""
    try:
        table = catalog.load_table(contract.raw_table)
    except NoSuchTableError:
        return set(), None
    return loaded_units(table), watermark(table)


def _partition(contract: DatasetContract, unit: DroppedUnit) -> str | None:
    """The file's day as the partition key; None (a run that loads every new file) when the dataset is not
    partitioned or the name holds no day the partitions know."""
    if not is_daily(contract) or unit.day is None:
        return None
    key = unit.day.isoformat()
    return key if DAILY.has_partition_key(key) else None


def file_requests(
    contract: DatasetContract, lakehouse: LakehouseResource, cursor: str | None
) -> tuple[list[dg.RunRequest], str, list[str]]:
    """What the sensor asks for: run requests for new units, the next cursor and the units still settling.

    The cursor keeps each unit's (stamp, fingerprint) so that an unchanged file is not read again every tick.
    """
    known = {name: (stamp, fp) for name, (stamp, fp) in (json.loads(cursor) if cursor else {}).items()}
    units, settling = dropped_units(contract, lakehouse.settings.sources_dir, known, SETTLE_SECONDS)
    loaded, _ = _state(lakehouse.catalog, contract)
    requests = [
        dg.RunRequest(
            run_key=f"{unit.name}@{unit.fingerprint}",
            partition_key=_partition(contract, unit),
            tags={TRIGGER_TAG: "file", "lakehouse/dataset": contract.name},
        )
        for unit in units
        if unit.fingerprint not in loaded
    ]
    next_cursor = json.dumps({u.name: [u.stamp, u.fingerprint] for u in units}, sort_keys=True)
    return requests, next_cursor, settling


def _file_sensor(contract: DatasetContract) -> dg.SensorDefinition:
    @dg.sensor(
        name=f"{contract.name}_files",
        target=_raw_and_downstream(contract),
        minimum_interval_seconds=FILE_INTERVAL_SECONDS,
        # Safe unattended: it only reacts to files nobody has loaded yet, and loads are idempotent.
        default_status=sensor_status(safe=True),
        description=(
            f"New or changed {contract.source.glob or contract.source.file} in the hand-over folder "
            f"({contract.source.system}): loads {contract.raw_table} and rebuilds what depends on it."
        ),
    )
    def on_files(context: dg.SensorEvaluationContext, lakehouse: LakehouseResource) -> dg.SensorResult:
        requests, cursor, settling = file_requests(contract, lakehouse, context.cursor)
        if settling:
            context.log.info(f"{contract.name}: still being written, next tick: {', '.join(settling)}")
        skip = None if requests else f"no new {contract.name} files"
        return dg.SensorResult(run_requests=requests, cursor=cursor, skip_reason=skip)

    return on_files


def poll_request(contract: DatasetContract, lakehouse: LakehouseResource) -> dg.RunRequest | None:
    """A run request when the database holds rows past the raw table's watermark, else None.

    The run key names the table, the stored watermark and the newest one found, so a poll that finds the
    same new rows again (their load still running) asks for nothing more.
    """
    source = contract.source
    if source.watermark is None:
        return None
    _, after = _state(lakehouse.catalog, contract)
    url, display = database_url(contract, source.url or lakehouse.settings.sources_dir)
    count, high = pending_rows(url, source.table or "", source.watermark, after, display)
    if count == 0:
        return None
    return dg.RunRequest(
        run_key=f"{display}:{source.table}:{source.watermark}>{after}..{high}",
        tags={TRIGGER_TAG: "poll", "lakehouse/dataset": contract.name},
    )


def _poll_sensor(contract: DatasetContract) -> dg.SensorDefinition:
    @dg.sensor(
        name=f"{contract.name}_poll",
        target=_raw_and_downstream(contract),
        minimum_interval_seconds=POLL_INTERVAL_SECONDS,
        # Safe unattended: one count query past the watermark; the load reads only the new rows.
        default_status=sensor_status(safe=True),
        description=(
            f"Every {POLL_INTERVAL_SECONDS // 60} min: rows in {source_name(contract)} past the "
            f"{contract.source.watermark} watermark start a load of {contract.raw_table}."
        ),
    )
    def poll(context: dg.SensorEvaluationContext, lakehouse: LakehouseResource) -> dg.SensorResult:
        try:
            request = poll_request(contract, lakehouse)
        except SourceError as exc:  # the database is down or moved: say so on the tick, try again later
            return dg.SensorResult(skip_reason=str(exc)[:500])
        if request is None:
            return dg.SensorResult(skip_reason=f"no new rows in {source_name(contract)}")
        return dg.SensorResult(run_requests=[request])

    return poll


def source_name(contract: DatasetContract) -> str:
    return f"{contract.source.file or contract.source.system}:{contract.source.table}"


_contracts = list(load_contracts().values())
file_sensors = [_file_sensor(c) for c in _contracts if c.source.format in DROPPED_FORMATS]
poll_sensors = [_poll_sensor(c) for c in _contracts if c.source.format in SQL_FORMATS and c.source.watermark]

defs = dg.Definitions(sensors=[*file_sensors, *poll_sensors])
