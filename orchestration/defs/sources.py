"""Raw zone: one asset per dataset contract, loading its department system's hand-over into Iceberg.

Event datasets handed over as day files are partitioned by day (orchestration.partitions): a partition's
run loads only that day's files; a run without a partition (`lakehouse demo`, the daily schedule) loads
every new file. Assets reading a database or an API retry with back-off (docs/adr/0014-…).
"""

from datetime import date

import dagster as dg

from governance.contracts import DatasetContract, load_contracts
from ingest.load import LoadRejected, load_dataset
from orchestration.asset_metadata import ZONE_KINDS, described, raw_metadata, zone_tags
from orchestration.partitions import DAILY, is_daily
from orchestration.pools import table_pool
from orchestration.resources import LakehouseResource

# Formats read through the SQL or HTTP connectors: a locked database file, a restarted server or a 503 is
# usually gone a minute later, so such a load is retried (10 s, 20 s, 40 s ± jitter) before it fails.
NETWORK_FORMATS = frozenset({"sqlite", "postgres", "http_json"})
NETWORK_RETRY = dg.RetryPolicy(
    max_retries=3, delay=10, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)


def reads_network(contract: DatasetContract) -> bool:
    return contract.source.format in NETWORK_FORMATS or contract.source.url is not None


def raw_asset_key(contract: DatasetContract) -> dg.AssetKey:
    return dg.AssetKey([contract.raw_namespace, contract.name])


def _raw_asset(contract: DatasetContract) -> dg.AssetsDefinition:
    table = raw_metadata(contract)
    retry = NETWORK_RETRY if reads_network(contract) else None

    @dg.asset(
        key=raw_asset_key(contract),
        # The group is the Iceberg namespace (raw_<domain>): raw copies never share a group with staging.
        group_name=contract.raw_namespace,
        kinds={"iceberg", contract.source.format, ZONE_KINDS["raw"]},
        tags=zone_tags("raw", contract.domain),
        description=described("raw", f"{contract.title}: {contract.purpose}"),
        metadata={
            "contract": str(contract.path.name),
            "provider_department": contract.provider_department,
            **table,
        },
        owners=[f"team:{contract.provider_department}"],
        partitions_def=DAILY if is_daily(contract) else None,
        retry_policy=retry,
        pool=table_pool(raw_asset_key(contract)),  # one writer of the table at a time (ADR 0018)
    )
    def raw_table(context: dg.AssetExecutionContext, lakehouse: LakehouseResource) -> dg.MaterializeResult:
        day = date.fromisoformat(context.partition_key) if context.has_partition_key else None
        try:
            result = load_dataset(
                contract,
                lakehouse.settings.sources_dir,
                lakehouse.catalog,
                progress=context.log.info,
                day=day,
            )
        except LoadRejected as exc:
            if retry is None:
                raise
            # Too many rows break the contract: the same rows break it on a retry, so do not wait for one.
            raise dg.Failure(str(exc), allow_retries=False) from exc
        if not result.balanced:
            raise dg.Failure(f"{contract.id}: rows do not balance: {result.as_dict()}")
        return dg.MaterializeResult(
            metadata={
                "status": result.status,
                "rows_in": result.rows_in,
                "rows_loaded": result.rows_loaded,
                "rows_quarantined": result.rows_quarantined,
                "rows_duplicate": result.rows_duplicate,
                "snapshot_id": result.snapshot_id or -1,
                "units": ", ".join(result.units)[:500] or "(nothing new)",
                "hand_over_day": day.isoformat() if day else "every day",
                **table,
            }
        )

    return raw_table


defs = dg.Definitions(assets=[_raw_asset(c) for c in load_contracts().values()])
