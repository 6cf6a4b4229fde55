"""Extract the whole project's lineage (contracts + compiled dbt SQL) and record it as one run."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

from pyiceberg.catalog import Catalog

from governance.contracts import DatasetContract, load_contracts
from governance.lineage.contracts import SourceFields, contract_edges
from governance.lineage.dbt import dbt_edges
from governance.lineage.model import Edge, deduplicate
from governance.lineage.store import LineageRun, write_run
from infra.clock import china_naive
from infra.dbt_manifest import DBT_DIR, DbtManifest, compiled_manifest
from infra.settings import PROJECT_ROOT
from infra.zones import (
    ACCESS_GRANTS,
    MASKING_REPORT,
    QUALITY_RESULTS,
    RESOURCE_CATALOGUE,
    SHARING_GAPS,
    SHARING_RATE,
)

# The dbt edges traced from compiled SQL, next to the compiled manifests they are traced from: every process
# that loads the Dagster definitions needs them (governance.lineage.dbt.dbt_edges).
TRACED = DBT_DIR / "target" / "lineage"


@cache
def code_version() -> str:
    """The git commit of the code (``-dirty`` when the work tree differs), else the package version."""
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=40"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if done.returncode == 0 and done.stdout.strip():
            return done.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass  # no git (an installed package): the version below
    try:
        return f"lingang-lakehouse {metadata.version('lingang-lakehouse')}"
    except metadata.PackageNotFoundError:
        return "unknown"


def kpi_edges() -> list[Edge]:
    """The sharing KPI (``governance.sharing.measure``) is measured from governance tables, not by dbt:
    every column of it depends on the rows of each table the measurement reads."""
    from governance.sharing.measure import GAPS_SCHEMA, RATE_SCHEMA

    inputs = (RESOURCE_CATALOGUE, QUALITY_RESULTS, MASKING_REPORT, ACCESS_GRANTS)
    edges = []
    for target, schema, transform in (
        (SHARING_RATE, RATE_SCHEMA, "aggregate"),
        (SHARING_GAPS, GAPS_SCHEMA, "derive"),
    ):
        edges += [Edge("measure", i, None, target, c, transform) for c in schema.names for i in inputs]
    return edges


@dataclass(frozen=True)
class Extraction:
    edges: list[Edge]
    contracts: int
    models: int
    unresolved: list[str]
    seconds: float


def extract(
    source_fields: SourceFields,
    contracts: Mapping[str, DatasetContract] | None = None,
    manifest: DbtManifest | None = None,
    scratch: Path | None = None,
    traced: Path | None = TRACED,
) -> Extraction:
    """Every edge of the project now: contracts, then dbt (compiled SQL; compiled into ``scratch`` if no
    build left a compiled manifest of today's models; the edges traced from it kept in ``traced``), then the
    sharing KPI."""
    began = time.monotonic()
    contracts = contracts if contracts is not None else load_contracts()
    manifest = manifest if manifest is not None else compiled_manifest(scratch=scratch)
    from_dbt = dbt_edges(manifest, contracts, store=traced)
    edges = deduplicate([*contract_edges(contracts.values(), source_fields), *from_dbt.edges, *kpi_edges()])
    return Extraction(edges, len(contracts), from_dbt.models, from_dbt.unresolved, time.monotonic() - began)


def record_lineage(catalog: Catalog, run_id: str, extraction: Extraction) -> LineageRun:
    run = LineageRun(
        run_id=run_id,
        recorded_at=china_naive(),  # the column is documented as naive China time
        code_version=code_version(),
        edges=len(extraction.edges),
        contracts=extraction.contracts,
        models=extraction.models,
        unresolved=json.dumps(extraction.unresolved) if extraction.unresolved else None,
        duration_ms=round(extraction.seconds * 1000),
    )
    write_run(catalog, run, extraction.edges)
    return run
