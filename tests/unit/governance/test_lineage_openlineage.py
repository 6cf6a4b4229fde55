"""OpenLineage events from our lineage: validated against the client's own model of the spec, our masking
facet against its JSON schema, and posted over HTTP to a receiver on the loopback interface.

The openlineage-python package does not ship the spec's JSON schemas, so the standard facets are checked
with the client's attrs classes (generated from those schemas): each facet is rebuilt from the emitted JSON
through its class (validators run, unknown or missing fields fail) and must serialise back to the same JSON.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import jsonschema
from dateutil import parser
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    error_message_run,
    job_type_job,
    parent_run,
    schema_dataset,
    tags_run,
)
from openlineage.client.serde import Serde

from governance.contracts import load_contracts
from governance.lineage.contracts import mask_edges
from governance.lineage.openlineage import (
    ICEBERG,
    AssetRun,
    DatasetLineage,
    lineage_client,
    masking_facet,
    run_events,
)

MASKING_SCHEMA = (
    Path(__file__).resolve().parents[3] / "docs" / "openlineage" / "LingangMaskingDatasetFacet.json"
)
DAGSTER_RUN = "5f0c1d52-4a3e-4c8e-9f7e-2d7b1f7c0a11"


def _rebuilt(facet: dict, build) -> dict:
    """The facet rebuilt through the client's class and serialised again."""
    return Serde.to_dict(build(facet))


def _column_lineage(facet: dict) -> column_lineage_dataset.ColumnLineageDatasetFacet:
    def field(item: dict) -> column_lineage_dataset.InputField:
        return column_lineage_dataset.InputField(
            namespace=item["namespace"],
            name=item["name"],
            field=item["field"],
            transformations=[column_lineage_dataset.Transformation(**t) for t in item["transformations"]],
        )

    return column_lineage_dataset.ColumnLineageDatasetFacet(
        fields={
            name: column_lineage_dataset.Fields(inputFields=[field(i) for i in value["inputFields"]])
            for name, value in facet["fields"].items()
        },
        dataset=[field(i) for i in facet.get("dataset", [])],
    )


REBUILD = {
    "schema": lambda f: schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(**x) for x in f["fields"]]
    ),
    "columnLineage": _column_lineage,
    "jobType": lambda f: job_type_job.JobTypeJobFacet(
        processingType=f["processingType"], integration=f["integration"], jobType=f.get("jobType")
    ),
    "parent": lambda f: parent_run.ParentRunFacet(
        run=parent_run.Run(runId=f["run"]["runId"]), job=parent_run.Job(**f["job"])
    ),
    # The client adds its version as a run tag.
    "tags": lambda f: tags_run.TagsRunFacet(tags=[tags_run.TagsRunFacetFields(**t) for t in f["tags"]]),
    "errorMessage": lambda f: error_message_run.ErrorMessageRunFacet(
        message=f["message"], programmingLanguage=f["programmingLanguage"]
    ),
}


def check_event(event: dict) -> None:
    """One RunEvent as emitted (JSON): the envelope, every standard facet, our masking facet."""
    assert event["eventType"] in {"START", "COMPLETE", "FAIL"}
    assert "T" in event["eventTime"] and parser.isoparse(event["eventTime"]).tzinfo is not None
    assert event["schemaURL"].startswith("https://openlineage.io/spec/2-0-2/OpenLineage.json")
    uuid.UUID(event["run"]["runId"])
    assert event["job"]["namespace"] and event["job"]["name"]
    facets = [*event["run"]["facets"].items(), *event["job"]["facets"].items()]
    for dataset in [*event["inputs"], *event["outputs"]]:
        assert dataset["namespace"] and dataset["name"]
        facets += dataset.get("facets", {}).items()
    masking = json.loads(MASKING_SCHEMA.read_text())
    for name, facet in facets:
        if name == "lingang_masking":
            jsonschema.Draft202012Validator(masking).validate({name: facet})
            continue
        assert name in REBUILD, f"unexpected facet {name}"
        assert _rebuilt(facet, REBUILD[name]) == facet, name


def _staging_events(failed: bool = False) -> list[dict]:
    contract = load_contracts()["resident_health_records"]
    edges = [e for e in mask_edges(contract)]
    fields = [(c.name, "string") for c in contract.staged_columns]
    lineage = DatasetLineage(
        inputs=[(ICEBERG, contract.raw_table)], fields=fields, edges=edges, masking=masking_facet(contract)
    )
    asset = AssetRun(
        "staging/resident_health_records",
        (ICEBERG, "staging.resident_health_records"),
        datetime(2026, 11, 30, 1, 0, tzinfo=UTC),
        datetime(2026, 11, 30, 1, 1, tzinfo=UTC),
        failed,
        "privacy gate blocked publication" if failed else None,
    )
    return [Serde.to_dict(e) for e in run_events(asset, DAGSTER_RUN, "__ASSET_JOB", lineage)]


def test_a_staging_run_is_a_valid_start_and_complete_with_masking_and_column_lineage():
    start, complete = _staging_events()
    for event in (start, complete):
        check_event(event)
    assert (start["eventType"], complete["eventType"]) == ("START", "COMPLETE")
    assert start["run"]["runId"] == complete["run"]["runId"]
    assert complete["run"]["facets"]["parent"]["run"]["runId"] == DAGSTER_RUN
    output = complete["outputs"][0]["facets"]
    birth_year = output["columnLineage"]["fields"]["birth_year"]["inputFields"][0]
    assert birth_year["field"] == "resident_id_number"
    assert birth_year["transformations"][0]["masking"] is True
    masking = output["lingang_masking"]["columns"]
    assert masking["birth_year"] == {
        "policy": "generalise",
        "option": "birth_year",
        "derivedFrom": "resident_id_number",
        "piiClass": "cn_resident_id",
        "sensitive": "minor_under_14",
    }
    assert masking["resident_id_number"]["policy"] == "pseudonym"
    assert "town" not in masking  # kept columns are not listed


def test_a_failed_run_ends_in_fail_with_the_error():
    _, fail = _staging_events(failed=True)
    check_event(fail)
    assert fail["eventType"] == "FAIL"
    assert fail["run"]["facets"]["errorMessage"]["message"] == "privacy gate blocked publication"


def test_a_facet_with_a_wrong_field_does_not_validate():
    _, complete = _staging_events()
    broken = json.loads(json.dumps(complete))
    broken["outputs"][0]["facets"]["schema"]["fields"][0]["colour"] = "red"
    try:
        check_event(broken)
    except (AssertionError, TypeError):
        return
    raise AssertionError("a schema field with an unknown key passed")


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, str, dict]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, self.headers.get("Content-Type", ""), json.loads(body)))
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_events_are_posted_to_an_openlineage_http_endpoint(tmp_path):
    _Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        client = lineage_client(tmp_path, {"LAKEHOUSE_OPENLINEAGE_URL": url})
        contract = load_contracts()["parks"]
        lineage = DatasetLineage(
            [(ICEBERG, contract.raw_table)], [("park_id", "string")], mask_edges(contract)
        )
        asset = AssetRun(
            "staging/parks", (ICEBERG, "staging.parks"), datetime.now(UTC), datetime.now(UTC), False
        )
        events = run_events(asset, DAGSTER_RUN, "__ASSET_JOB", lineage)
        for event in events:
            client.emit(event)
    finally:
        server.shutdown()
    assert [(p, t.split(";")[0]) for p, t, _ in _Receiver.received] == [
        ("/api/v1/lineage", "application/json")
    ] * 2
    assert [body for _, _, body in _Receiver.received] == [Serde.to_dict(e) for e in events]
    for _, _, body in _Receiver.received:
        check_event(body)
    assert not (tmp_path / "lineage").exists()  # HTTP instead of the file, not both


def test_without_a_url_events_go_to_a_file_under_the_home(tmp_path):
    client = lineage_client(tmp_path, {})
    for event in _staging_events_objects():
        client.emit(event)
    lines = (tmp_path / "lineage" / "openlineage.ndjson").read_text().splitlines()
    assert [json.loads(line)["eventType"] for line in lines] == ["START", "COMPLETE"]


def _staging_events_objects():
    contract = load_contracts()["parks"]
    lineage = DatasetLineage([(ICEBERG, contract.raw_table)], [("park_id", "string")], mask_edges(contract))
    asset = AssetRun("staging/parks", (ICEBERG, "staging.parks"), datetime.now(UTC), None, False)
    return run_events(asset, DAGSTER_RUN, "__ASSET_JOB", lineage)
