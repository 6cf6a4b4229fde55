"""OpenLineage RunEvents for one asset run: START and COMPLETE or FAIL, with the output's schema, its column
lineage (from our edges) and, on staging tables, a masking facet naming each column's policy.

Events go to a file under ``$LAKEHOUSE_HOME/lineage/`` (one JSON event per line) unless
``LAKEHOUSE_OPENLINEAGE_URL`` names an OpenLineage HTTP endpoint (Marquez or any other consumer).
Dataset naming: Iceberg tables ``iceberg://lingang-lakehouse`` + ``zone.table``; dbt's DuckDB relations
``duckdb://lingang-lakehouse`` + ``schema.name``; a department system's hand-over
``lingang-source://<system>`` + dataset.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import attr
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    error_message_run,
    job_type_job,
    parent_run,
    schema_dataset,
)
from openlineage.client.generated.base import DatasetFacet
from openlineage.client.transport.file import FileConfig, FileTransport
from openlineage.client.transport.http import HttpConfig, HttpTransport

from governance.contracts import DatasetContract
from governance.lineage.model import Edge

JOB_NAMESPACE = "lingang-lakehouse"
ICEBERG = "iceberg://lingang-lakehouse"
DUCKDB = "duckdb://lingang-lakehouse"
SOURCE = "lingang-source://"
URL_VARIABLE = "LAKEHOUSE_OPENLINEAGE_URL"
# Where our own facet's JSON schema lives (docs/openlineage/); a reserved .invalid host (RFC 2606), so no
# consumer can fetch anything from it: the schema travels with the repository.
MASKING_SCHEMA = "https://lingang-lakehouse.invalid/openlineage/1-0-0/LingangMaskingDatasetFacet.json"

# Our transforms as OpenLineage column-lineage transformations (type, subtype, masking).
_TRANSFORMATIONS: dict[str, tuple[str, str]] = {
    "copy": ("DIRECT", "IDENTITY"),
    "cast": ("DIRECT", "TRANSFORMATION"),
    "derive": ("DIRECT", "TRANSFORMATION"),
    "aggregate": ("DIRECT", "AGGREGATION"),
    "filter": ("INDIRECT", "FILTER"),
}


@attr.define
class LingangMaskingDatasetFacet(DatasetFacet):
    """Per column of a staging table: the masking policy its contract applied, and the PII class declared."""

    columns: dict[str, dict[str, Any]]
    contractVersion: str | None = attr.field(default=None)  # camelCase: OpenLineage spells facet keys so
    _additional_skip_redact: ClassVar[list[str]] = ["columns", "contractVersion"]

    @staticmethod
    def _get_schema() -> str:
        return MASKING_SCHEMA + "#/$defs/LingangMaskingDatasetFacet"


def dataset_name(node: str) -> tuple[str, str]:
    """(namespace, name) of a lineage node."""
    if node.startswith("source:"):
        system, _, dataset = node.removeprefix("source:").partition("/")
        return SOURCE + system, dataset
    if node.startswith("stg."):
        return DUCKDB, node
    return ICEBERG, node


def run_id_of(parent: str, job: str) -> str:
    """A stable run id per (Dagster run, asset): re-emitting the same run gives the same ids."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{JOB_NAMESPACE}/{parent}/{job}"))


def _transformation(edge: Edge) -> column_lineage_dataset.Transformation:
    if edge.transform.startswith("mask:"):
        return column_lineage_dataset.Transformation(
            type="DIRECT", subtype="TRANSFORMATION", description=edge.transform, masking=True
        )
    kind, subtype = _TRANSFORMATIONS.get(edge.transform, ("DIRECT", "TRANSFORMATION"))
    if edge.to_column is None and kind == "DIRECT":
        kind = "INDIRECT"  # acts on the whole table
    return column_lineage_dataset.Transformation(
        type=kind, subtype=subtype, description=edge.transform, masking=False
    )


def _input_field(edge: Edge, rename: Callable[[str], tuple[str, str]]) -> column_lineage_dataset.InputField:
    namespace, name = rename(edge.from_table)
    # A table-level input (count(*) reads rows, not a column) has no field; OpenLineage needs one: "*".
    return column_lineage_dataset.InputField(
        namespace=namespace, name=name, field=edge.from_column or "*", transformations=[_transformation(edge)]
    )


def column_lineage(
    edges: Iterable[Edge], rename: Callable[[str], tuple[str, str]] = dataset_name
) -> column_lineage_dataset.ColumnLineageDatasetFacet:
    fields: dict[str, list] = {}
    whole: list = []
    for edge in edges:
        if edge.to_column is None:
            if edge.from_column is not None or edge.transform == "filter":
                whole.append(_input_field(edge, rename))
            continue
        fields.setdefault(edge.to_column, []).append(_input_field(edge, rename))
    return column_lineage_dataset.ColumnLineageDatasetFacet(
        fields={
            name: column_lineage_dataset.Fields(inputFields=items) for name, items in sorted(fields.items())
        },
        dataset=whole,
    )


def masking_facet(contract: DatasetContract) -> LingangMaskingDatasetFacet:
    columns = {
        c.name: {
            "policy": c.masking,
            "option": c.masking_option,
            "derivedFrom": c.derived_from,
            "piiClass": c.pii,
            "sensitive": c.sensitive,
        }
        for c in contract.columns
        if c.masking != "keep"
    }
    return LingangMaskingDatasetFacet(columns=columns, contractVersion=contract.version)


@dataclass(frozen=True)
class AssetRun:
    """One asset's part in a Dagster run, as the event log tells it."""

    job: str  # the asset key, "raw_transport/parking_sessions"
    output: tuple[str, str]  # (namespace, name) of the dataset it writes
    started: datetime
    ended: datetime | None
    failed: bool
    error: str | None = None


@dataclass(frozen=True)
class DatasetLineage:
    """What the events say about an output: its inputs, columns (name, type), column edges, contract."""

    inputs: Sequence[tuple[str, str]]
    fields: Sequence[tuple[str, str]]
    edges: Sequence[Edge]
    rename: Callable[[str], tuple[str, str]] = dataset_name
    masking: LingangMaskingDatasetFacet | None = None


def _iso(moment: datetime) -> str:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def run_events(
    asset: AssetRun, parent_run_id: str, parent_job: str, lineage: DatasetLineage
) -> list[RunEvent]:
    """START and COMPLETE (or FAIL) of one asset run; the Dagster run is the parent."""
    run_id = run_id_of(parent_run_id, asset.job)
    job = Job(
        namespace=JOB_NAMESPACE,
        name=asset.job,
        facets={
            "jobType": job_type_job.JobTypeJobFacet(
                processingType="BATCH", integration="DAGSTER", jobType="ASSET"
            )
        },
    )
    parent = _parent(parent_run_id, parent_job)
    output_facets: dict[str, Any] = {
        "schema": schema_dataset.SchemaDatasetFacet(
            fields=[schema_dataset.SchemaDatasetFacetFields(name=n, type=t) for n, t in lineage.fields]
        )
    }
    if lineage.edges:
        output_facets["columnLineage"] = column_lineage(lineage.edges, lineage.rename)
    if lineage.masking is not None:
        output_facets["lingang_masking"] = lineage.masking
    inputs = [InputDataset(namespace=ns, name=name) for ns, name in lineage.inputs]
    output = OutputDataset(namespace=asset.output[0], name=asset.output[1], facets=output_facets)
    start = RunEvent(
        eventType=RunState.START,
        eventTime=_iso(asset.started),
        run=Run(runId=run_id, facets={"parent": parent}),
        job=job,
        inputs=inputs,
        outputs=[OutputDataset(namespace=asset.output[0], name=asset.output[1])],
    )
    run_facets: dict[str, Any] = {"parent": parent}
    if asset.failed:
        run_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
            message=(asset.error or "step failed")[:1000], programmingLanguage="python"
        )
    end = RunEvent(
        eventType=RunState.FAIL if asset.failed else RunState.COMPLETE,
        eventTime=_iso(asset.ended or asset.started),
        run=Run(runId=run_id, facets=run_facets),
        job=job,
        inputs=inputs,
        outputs=[output],
    )
    return [start, end]


def _parent(parent_run_id: str, parent_job: str) -> parent_run.ParentRunFacet:
    return parent_run.ParentRunFacet(
        run=parent_run.Run(runId=parent_run_id), job=parent_run.Job(namespace=JOB_NAMESPACE, name=parent_job)
    )


def lineage_client(home: Path, environ: Mapping[str, str] = os.environ) -> OpenLineageClient:
    """HTTP when LAKEHOUSE_OPENLINEAGE_URL is set, else a file of events under ``home/lineage``."""
    url = environ.get(URL_VARIABLE)
    if url:
        endpoint = environ.get("LAKEHOUSE_OPENLINEAGE_ENDPOINT", "api/v1/lineage")
        return OpenLineageClient(
            transport=HttpTransport(HttpConfig(url=url, endpoint=endpoint, timeout=10.0))
        )
    folder = home / "lineage"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "openlineage.ndjson"
    return OpenLineageClient(transport=FileTransport(FileConfig(log_file_path=str(path), append=True)))


def events_file(home: Path) -> Path:
    return home / "lineage" / "openlineage.ndjson"
