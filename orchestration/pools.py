"""Dagster concurrency pools: which pool an asset's step takes a slot in (docs/adr/0018-concurrent-writers.md).

An asset that writes one Iceberg table is in that table's pool, ``iceberg/<zone>.<table>`` (our asset keys are
the tables' own names): two runs that both write the table (two days' file runs of one dataset, or the staging
and exchange tables rebuilt downstream of each) take turns instead of racing. The catalog would let both
commit (optimistic commits, retried by infra/iceberg/writer.py), but a derived table rebuilt by overwrite from
a read taken before the other run's load committed would be left without that load until the next run. The dbt
build has one pool for the whole project: on the embedded profile it is one DuckDB file.

Limits live in the instance's dagster.yaml (infra/dagster_concurrency.py): one step per pool on the stack.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from infra.dagster_concurrency import embedded_instance_yaml, is_ours

DBT_POOL = "dbt"
MAINTENANCE_POOL = "iceberg/maintenance"
_TABLE_POOL_PREFIX = "iceberg/"


def table_pool(key: dg.AssetKey | str) -> str:
    """The pool of the asset that writes the table ``zone.table`` (or whose key is ``[zone, table]``)."""
    name = key if isinstance(key, str) else ".".join(key.path)
    return _TABLE_POOL_PREFIX + name


def write_embedded_instance(home: Path) -> Path:
    """The embedded instance's dagster.yaml under ``home`` (DAGSTER_HOME), written when missing or when it is
    one we wrote earlier and differs; a file an operator wrote is left alone."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    wanted = embedded_instance_yaml()
    current = config.read_text(encoding="utf-8") if config.exists() else ""
    if current != wanted and is_ours(current):
        config.write_text(wanted, encoding="utf-8")
    return config
