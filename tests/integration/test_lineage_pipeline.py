"""Lineage and the auditors' dossier on a real embedded pipeline run (tiny scale, temporary LAKEHOUSE_HOME)."""

from __future__ import annotations

import html
import json
from datetime import date

import pytest
from click.testing import CliRunner

from governance.column_docs import table_doc
from governance.contracts import load_contracts
from governance.contracts.model import NOT_PERSONAL
from governance.dossier import build_dossier
from governance.dossier.build import shared_tables
from governance.lineage import LineageGraph, latest_run, read_edges
from infra.catalog import open_catalog
from infra.dbt_manifest import load_manifest
from infra.zones import MASKING_REPORT
from ingest.simulator import simulate
from orchestration.cli import main
from orchestration.cli_lineage import load_current
from orchestration.run import materialize_all
from tests.unit.governance.test_lineage_openlineage import check_event

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    home = tmp_path_factory.mktemp("lakehouse")
    patch = pytest.MonkeyPatch()
    patch.setenv("LAKEHOUSE_HOME", str(home))
    patch.setenv("LAKEHOUSE_PROFILE", "embedded")
    patch.setenv("LAKEHOUSE_PSEUDONYM_KEY", "integration-test-pseudonym-key-0002")
    patch.setenv("DAGSTER_HOME", str(home / "dagster"))
    simulate(home / "sources", scale=0.01, days=2, seed=13, start=date(2026, 11, 20))
    ok = materialize_all(progress=print)
    yield home, ok, open_catalog()
    patch.undo()


@pytest.fixture(scope="module")
def graph(pipeline) -> LineageGraph:
    _, ok, catalog = pipeline
    assert ok
    run = latest_run(catalog)
    assert run is not None
    return LineageGraph(read_edges(catalog, run.run_id))


def test_the_run_that_built_the_marts_recorded_their_lineage(pipeline):
    _, ok, catalog = pipeline
    assert ok
    run = latest_run(catalog)
    masking_runs = set(catalog.load_table(MASKING_REPORT).scan().to_arrow().column("run_id").to_pylist())
    assert masking_runs == {run.run_id}  # the same Dagster run masked the data and recorded the lineage
    assert run.models == len(load_manifest().models) and run.contracts == len(load_contracts())
    assert run.unresolved is None
    assert run.code_version


def test_every_column_of_every_shared_table_has_an_upstream_edge(pipeline, graph):
    _, _, catalog = pipeline
    tables = shared_tables(catalog)
    assert {"exchange.enterprise_profile", "kpi.online_prereview_rate", "exchange.parking_sessions"} <= set(
        tables
    )
    missing = []
    for table in tables:
        for field in catalog.load_table(table).schema().fields:
            if not [e for e in graph.edges if e.to_table == table and e.to_column == field.name]:
                missing.append(f"{table}.{field.name}")
    assert missing == []


def _path(graph: LineageGraph, start: tuple[str, str], end: tuple[str, str]) -> list:
    """The edges from ``start`` down to ``end`` (following the walk's parents back)."""
    hops = {h.node(False): h for h in graph.downstream(*start)}
    assert end in hops, f"{end} is not downstream of {start}"
    path, node = [], end
    while node != start:
        hop = hops[node]
        path.append(hop.edge)
        node = hop.via
    return list(reversed(path))


def test_a_contract_column_is_traced_through_its_mask_to_the_exchange_and_a_mart(graph):
    contract = load_contracts()["enterprises"]
    field = next(n for n in contract.columns if n.name == "legal_representative")
    source = (f"source:{contract.source.system}/enterprises", field.business_name)
    to_mart = _path(graph, source, ("exchange.enterprise_profile", "legal_representative"))
    assert [(e.to_table, e.transform) for e in to_mart] == [
        ("raw_development.enterprises", "copy"),
        ("staging.enterprises", f"mask:{field.masking}"),
        ("stg.stg_development__enterprises", "copy"),
        ("exchange.enterprise_profile", "copy"),
    ]
    to_exchange = _path(graph, source, ("exchange.enterprises", "legal_representative"))
    assert [(e.producer, e.to_table) for e in to_exchange][-1] == ("publish", "exchange.enterprises")
    plate = _path(
        graph, ("source:smart_parking/parking_sessions", "plateNo"), ("exchange.parking_sessions", "plate")
    )
    assert [e.transform for e in plate] == ["copy", "mask:pseudonym", "copy"]


def test_lineage_command_answers_from_the_recorded_run_and_names_unknown_tables(pipeline):
    runner = CliRunner()
    done = runner.invoke(
        main, ["lineage", "exchange.enterprise_profile.legal_representative", "--upstream", "--json"]
    )
    assert done.exit_code == 0, done.output
    payload = json.loads(done.output)
    assert "recorded by run" in payload["lineage"] and "downstream" not in payload
    assert any(
        h["to"] == "staging.enterprises.legal_representative" and h["transform"] == "mask:mask"
        for h in payload["upstream"]
    )
    text = runner.invoke(main, ["lineage", "raw_transport.parking_sessions.plate", "--downstream"])
    assert (
        text.exit_code == 0
        and "exchange.parking_sessions.plate" in text.output
        and "mask:pseudonym" in text.output
    )
    unknown = runner.invoke(main, ["lineage", "exchange.enterprise_profil"])
    assert unknown.exit_code == 1 and "did you mean exchange.enterprise_profile" in unknown.output
    column = runner.invoke(main, ["lineage", "exchange.parks.owner"])
    assert column.exit_code == 1 and "exchange.parks has no column 'owner'" in column.output


def _personal_values(catalog) -> set[str]:
    """Every value of every raw personal column (identifiers, names, free text): what must never show."""
    needles: set[str] = set()
    for contract in load_contracts().values():
        personal = [c.name for c in contract.source_columns if c.pii and c.pii != NOT_PERSONAL]
        if not personal:
            continue
        data = catalog.load_table(contract.raw_table).scan(selected_fields=tuple(personal)).to_arrow()
        for name in personal:
            for value in data.column(name).to_pylist():
                text = str(value) if value is not None else ""
                # Two-character names are also ordinary words (园区, 临港); three or more are a person.
                if len(text) >= (3 if contract.column(name).pii == "person_name" else 5):
                    needles.add(text)
    return needles


def test_the_dossier_has_a_page_per_shared_table_and_no_personal_value(pipeline):
    home, _, catalog = pipeline
    written = build_dossier(catalog, load_current(), home / "reports" / "audit")
    pages = {p.name for p in written.pages}
    assert pages == {f"{t}.html" for t in shared_tables(catalog)}
    needles = _personal_values(catalog)
    assert len(needles) > 500  # names, ID numbers, mobiles, plates, addresses of the simulated residents
    for page in [*written.pages, written.index]:
        text = page.read_text(encoding="utf-8")
        assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "https://" not in text
        leaked = [n for n in needles if n in text]
        assert leaked == [], f"{page.name} shows personal values"
    profile = (home / "reports" / "audit" / "exchange.enterprise_profile.html").read_text(encoding="utf-8")
    assert "<svg" in profile and "mask:mask" in profile and "姓名 (person_name)" in profile
    # A mart's page shows its own leak scan; loads name the raw tables, as every other report does.
    assert 'class="mart-leak-scan"' in profile and "✔ 通过" in profile.split('class="mart-leak-scan"')[1]
    assert "<code>raw_development.enterprises</code>" in profile
    # Each column carries the one description Trino, Superset and the catalogue show.
    docs = table_doc("exchange.enterprise_profile").texts()
    assert docs and all(html.escape(text) in profile for text in docs.values())
    parks = (home / "reports" / "audit" / "exchange.parks.html").read_text(encoding="utf-8")
    assert 'class="mart-leak-scan"' not in parks  # a source resource is judged by the privacy gate instead
    assert oct(written.index.stat().st_mode & 0o777) == "0o600"


def test_the_run_emitted_valid_openlineage_events_for_every_asset(pipeline):
    home, _, catalog = pipeline
    lines = (home / "lineage" / "openlineage.ndjson").read_text(encoding="utf-8").splitlines()
    events = [json.loads(line) for line in lines]
    for event in events:
        check_event(event)
    states: dict[str, list[str]] = {}
    for event in events:
        states.setdefault(event["job"]["name"], []).append(event["eventType"])
    assert all(kinds == ["START", "COMPLETE"] for kinds in states.values()), states
    assert {
        "raw_transport/parking_sessions",
        "staging/parking_sessions",
        "dbt/exchange/enterprise_profile",
    } <= set(states)
    assert {"exchange/enterprise_profile", "governance/lineage_edges"} <= set(states)

    def output(job: str) -> dict:
        event = next(e for e in events if e["job"]["name"] == job and e["eventType"] == "COMPLETE")
        return event["outputs"][0]

    staging = output("staging/parking_sessions")
    assert staging["facets"]["lingang_masking"]["columns"]["plate"]["policy"] == "pseudonym"
    mart = output("dbt/exchange/enterprise_profile")
    assert mart["namespace"] == "duckdb://lingang-lakehouse"
    (source,) = mart["facets"]["columnLineage"]["fields"]["legal_representative"]["inputFields"]
    assert (source["namespace"], source["name"]) == (
        "duckdb://lingang-lakehouse",
        "stg.stg_development__enterprises",
    )
    text = "\n".join(lines)
    assert [n for n in _personal_values(catalog) if n in text] == []
