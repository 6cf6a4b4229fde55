"""The catalogue and request commands on an embedded home: marts are listed, shown and exported with their
derivation; a mart is not requested itself; an unknown name is refused with the closest names."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from governance.access.policy import project_policy
from infra.dbt_manifest import load_manifest
from orchestration.cli_catalog import catalog as catalog_command
from orchestration.cli_lineage import audit
from orchestration.cli_sharing import request


@pytest.fixture(scope="module")
def marts():
    return load_manifest().marts()


@pytest.fixture
def run(lakehouse_home):
    runner = CliRunner()

    def invoke(command, *args: str):
        return runner.invoke(command, list(args), catch_exceptions=False)

    return invoke


def test_catalog_list_marks_every_mart(run, marts):
    listed = run(catalog_command, "list", "--kind", "mart", "--json")
    assert listed.exit_code == 0, listed.output
    entries = json.loads(listed.output)
    assert {e["resource_id"] for e in entries} == {str(m.table) for m in marts}
    assert all(e["resource_kind"] == "mart" and e["derived_from"]["inputs"] for e in entries)
    table = run(catalog_command, "list").output.splitlines()
    for mart in marts:
        line = next(line for line in table if f" {mart.table} " in line)
        assert line.startswith("mart ")


def test_catalog_show_a_mart_with_its_derivation_and_readers(run, marts):
    model = next(m for m in marts if m.name == "enterprise_profile")
    shown = run(catalog_command, "show", "enterprise_profile", "--json")
    assert shown.exit_code == 0, shown.output
    entry = json.loads(shown.output)
    inputs = [i["dataset"] for i in entry["derived_from"]["inputs"]]
    assert inputs == list(load_manifest().upstream_datasets(model))
    assert [i["name"] for i in entry["items"]] == list(model.column_names)
    readers = project_policy([]).readers(str(model.table))
    assert entry["readers"] == {r: a.kind for r, a in readers.items()}
    text = run(catalog_command, "show", str(model.table)).output
    assert "derived from its inputs" in text
    for decider in entry["derived_from"]["decided_by"]["sharing_type"]:
        assert f"{decider} " in text and "conditional*" in text


def test_catalog_export_carries_every_mart(run, marts, tmp_path):
    dcat = run(catalog_command, "export", "--format", "dcat")
    identifiers = {d["dct:identifier"] for d in json.loads(dcat.output)["dcat:dataset"]}
    assert {str(m.table) for m in marts} <= identifiers
    out = tmp_path / "catalogue.csv"
    assert run(catalog_command, "export", "--format", "csv", "--out", str(out)).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8").removeprefix("\ufeff"))))
    assert {str(m.table) for m in marts} <= {r["资源标识"] for r in rows}


def test_unknown_names_are_refused_with_the_closest(run):
    typo = run(catalog_command, "show", "enterprise_profle")
    assert typo.exit_code == 2 and "did you mean enterprise_profile" in typo.output
    department = run(catalog_command, "list", "--department", "transprt")
    assert department.exit_code == 2 and "did you mean transport" in department.output
    created = run(
        request,
        "create",
        "--resource",
        "parking_sesions",
        "--department",
        "city_management",
        "--columns",
        "lot_id",
        "--purpose",
        "占道停车治理",
    )
    assert created.exit_code == 2 and "did you mean parking_sessions" in created.output
    requester = run(
        request,
        "create",
        "--resource",
        "parking_sessions",
        "--department",
        "city_managment",
        "--columns",
        "lot_id",
        "--purpose",
        "占道停车治理",
    )
    assert requester.exit_code == 2 and "did you mean city_management" in requester.output
    dossier = run(audit, "exchange.enterprise_profil")
    assert dossier.exit_code == 2 and "did you mean exchange.enterprise_profile" in dossier.output


def test_a_mart_request_is_refused_naming_the_inputs_to_request(run):
    entry = json.loads(run(catalog_command, "show", "enterprise_profile", "--json").output)
    inputs = entry["derived_from"]["inputs"]
    conditional = [i for i in inputs if i["sharing_type"] == "conditional"]
    requester = next(
        d for d in ("emergency", "transport", "health") if d not in {i["provider_department"] for i in inputs}
    )
    refused = run(
        request,
        "create",
        "--resource",
        "enterprise_profile",
        "--department",
        requester,
        "--columns",
        "uscc",
        "--purpose",
        "企业应急联络",
    )
    assert refused.exit_code == 1
    assert "dbt mart" in refused.output and all(i["dataset"] in refused.output for i in conditional)
    assert json.loads(run(request, "list", "--json").output) == []  # nothing was stored
