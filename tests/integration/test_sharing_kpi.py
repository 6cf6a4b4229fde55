"""The measured sharing KPI over a real tiny pipeline run: it moves when a resource's exchange table goes
stale, when a gate fails, and when a grant appears; the CLI drives requests and exports end to end.

The run drives the same library calls as the Dagster assets (ingest → mask + privacy gate → publish →
catalogue), so this test depends on no other asset's checks; the sharing assets themselves are then
materialised through Dagster against that lakehouse.
"""

import json
from datetime import UTC, date, datetime, timedelta

import pyarrow as pa
import pytest
from click.testing import CliRunner

from governance.catalogue import exchange_table
from governance.contracts import load_contracts
from governance.masking.keys import load_pseudonym_key
from governance.masking_report import REPORT_SCHEMA
from governance.publish import publish_catalogue, publish_resource, stage_dataset
from governance.sharing.deadlines import now_cst
from governance.sharing.measure import measure_catalog, write_kpi
from governance.sharing.mirror import mirror
from governance.sharing.store import RequestStore
from infra.catalog import open_catalog
from infra.dbt_manifest import load_manifest
from infra.iceberg.writer import commit, ensure_table
from infra.zones import MASKING_REPORT, QUALITY_RESULTS
from ingest.load import load_dataset
from ingest.simulator import simulate
from orchestration.cli import _print_sharing_rate
from orchestration.query import run_sql

pytestmark = pytest.mark.integration

QUALITY_SCHEMA = pa.schema(
    [
        pa.field("dataset", pa.string()),
        pa.field("suite", pa.string()),
        pa.field("expectation", pa.string()),
        pa.field("success", pa.bool_()),
        pa.field("observed_value", pa.string()),
        pa.field("unexpected_count", pa.int64()),
        pa.field("run_id", pa.string()),
        pa.field("snapshot_id", pa.int64()),
        pa.field("validated_at", pa.timestamp("us")),
    ]
)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    home = tmp_path_factory.mktemp("lakehouse")
    patch = pytest.MonkeyPatch()
    patch.setenv("LAKEHOUSE_HOME", str(home))
    patch.setenv("LAKEHOUSE_PROFILE", "embedded")
    patch.setenv("LAKEHOUSE_PSEUDONYM_KEY", "integration-test-pseudonym-key-0002")
    patch.setenv("DAGSTER_HOME", str(home / "dagster"))
    simulate(home / "sources", scale=0.01, days=2, seed=5, start=date.today() - timedelta(days=1))
    catalog = open_catalog()
    contracts = load_contracts()
    key = load_pseudonym_key()
    gates = {}
    for contract in contracts.values():
        load_dataset(contract, home / "sources", catalog)
        gates[contract.name] = stage_dataset(contract, catalog, key, "pipeline-run-1").gate.passed
        if gates[contract.name]:
            publish_resource(contract, catalog)  # as in Dagster: a failed privacy gate blocks publication
    publish_catalogue(contracts, catalog)
    write_kpi(catalog, measure_catalog(catalog))
    yield gates, catalog, home
    patch.undo()


def _append(catalog, identifier: str, rows: list[dict], schema: pa.Schema) -> None:
    """Append rows the way another writer would (the quality work owns quality_results; this stands in)."""
    table = ensure_table(catalog, identifier, schema)
    target = table.schema().as_arrow()
    data = pa.Table.from_pylist(
        [{name: row.get(name) for name in target.names} for row in rows], schema=target
    )
    commit(catalog, identifier, data, "append")


def _quality_run(catalog, datasets, run_id: str, failing: set[str] = frozenset()) -> None:
    at = datetime.now(UTC).replace(tzinfo=None)  # the quality work writes UTC
    rows = [
        {
            "dataset": name,
            "table_name": f"exchange.{name}",
            "layer": "raw",
            "expectation_type": expectation,
            "suite": f"{name}_suite",
            "expectation": expectation,
            "success": not (name in failing and expectation == "expect_column_values_to_not_be_null"),
            "unexpected_count": 0,
            "run_id": run_id,
            "validated_at": at,
        }
        for name in datasets
        for expectation in ("expect_table_row_count_to_be_between", "expect_column_values_to_not_be_null")
    ]
    _append(catalog, QUALITY_RESULTS, rows, QUALITY_SCHEMA)


GRANTEE = "emergency"


def _grant_every_conditional_resource(store: RequestStore) -> None:
    for contract in load_contracts().values():
        if contract.sharing_type != "conditional" or store.list(resource=contract.name):
            continue
        # Stewards read everything already: a grant shares a resource with another department.
        requester = GRANTEE if contract.provider_department != GRANTEE else "city_management"
        columns = [contract.primary_key[0]]
        request = store.create(contract, requester, columns, "城市运行监测大屏", published=True)
        store.approve(
            contract,
            request.request_id,
            contract.provider_department,
            expires_at=now_cst() + timedelta(days=90),
        )


def _by_department(measurement):
    return {r.department: r for r in measurement.rates}


def _gaps(measurement):
    return {(s.dataset, g.reason) for s, g in measurement.gaps()}


def test_the_pipeline_writes_the_measured_kpi(pipeline):
    gates, catalog, _ = pipeline
    assert all(gates.values()), gates
    contracts = load_contracts()
    rates = {r["department"]: r for r in run_sql(catalog, "select * from kpi.sharing_rate").to_pylist()}
    overall = rates["all"]
    # The published catalogue lists every dbt mart too, but the rate counts source resources only (ADR 0013).
    published = run_sql(
        catalog, "select dataset, resource_kind from governance.resource_catalogue"
    ).to_pylist()
    marts = {r["dataset"] for r in published if r["resource_kind"] == "mart"}
    assert marts == {m.name for m in load_manifest().marts()}
    assert overall["resources"] == len(contracts) == len(published) - len(marts)
    assert set(rates) == {"all", *(c.provider_department for c in contracts.values())}
    assert overall["exempt"] == sum(c.sharing_type == "not_shared" for c in contracts.values())
    gaps = run_sql(catalog, "select * from kpi.sharing_gaps").to_pylist()
    assert overall["in_scope"] - overall["shared_online"] == len({g["resource_id"] for g in gaps})
    # Every shareable resource was published by the run: none is missing.
    assert not [g for g in gaps if g["reason"] == "missing_exchange_table"]
    # No quality result exists for this run yet: every resource in scope has that gap.
    assert {g["resource_id"] for g in gaps if g["reason"] == "quality_not_run"} == {
        c.id for c in contracts.values() if c.sharing_type != "not_shared"
    }
    # Nothing has been requested yet, so every conditional resource lacks a grant.
    conditional = {c.id for c in contracts.values() if c.sharing_type == "conditional"}
    assert {g["resource_id"] for g in gaps if g["reason"] == "no_grant"} == conditional


def test_grants_and_passing_gates_raise_the_rate(pipeline):
    _, catalog, _ = pipeline
    store = RequestStore.open()
    before = measure_catalog(catalog, store)
    _grant_every_conditional_resource(store)
    shareable = [c.name for c in load_contracts().values() if exchange_table(c)]
    _quality_run(catalog, shareable, "quality-run-1")
    after = measure_catalog(catalog, store)
    assert not {r for _, r in _gaps(after)} & {"no_grant", "quality_not_run"}
    assert after.overall().shared_online > before.overall().shared_online
    # What is still missing can only be the leak scan's verdict, which this test does not fake, and a
    # grant on an exchange table this tiny run left empty: it shares no row, so it does not count.
    assert {r for _, r in _gaps(after)} <= {"leak_scan_failed", "leak_scan_not_run", "grant_matches_no_rows"}
    for dataset, reason in _gaps(after):
        if reason == "grant_matches_no_rows":
            assert (
                run_sql(catalog, f"select count(*) as n from exchange.{dataset}").column("n")[0].as_py() == 0
            )


def test_a_failed_gate_lowers_the_rate_of_its_department(pipeline):
    _, catalog, _ = pipeline
    store = RequestStore.open()
    _grant_every_conditional_resource(store)
    shareable = [c.name for c in load_contracts().values() if exchange_table(c)]
    _quality_run(catalog, shareable, "quality-run-2")
    baseline = measure_catalog(catalog, store)
    shared = [s for s in baseline.resources if s.shared_online]
    assert shared, "at least one resource must be shared online for the rate to move"
    victim = shared[0]

    _quality_run(catalog, shareable, "quality-run-3", failing={victim.dataset})
    failed = measure_catalog(catalog, store)
    assert (victim.dataset, "quality_failed") in _gaps(failed)
    department = victim.provider_department
    assert (
        _by_department(failed)[department].shared_online
        == _by_department(baseline)[department].shared_online - 1
    )
    assert failed.overall().shared_online == baseline.overall().shared_online - 1
    assert failed.overall().sharing_rate < baseline.overall().sharing_rate

    # The KPI tables and the demo printout carry the change.
    write_kpi(catalog, failed)
    row = run_sql(catalog, f"select * from kpi.sharing_rate where department = '{department}'").to_pylist()[0]
    assert row["shared_online"] == _by_department(failed)[department].shared_online
    gap = run_sql(catalog, f"select reason from kpi.sharing_gaps where dataset = '{victim.dataset}'")
    assert "quality_failed" in gap.column("reason").to_pylist()

    # A new passing run restores it.
    _quality_run(catalog, shareable, "quality-run-4")
    assert measure_catalog(catalog, store).overall().shared_online == baseline.overall().shared_online


def test_a_failed_leak_scan_is_a_gap(pipeline):
    _, catalog, _ = pipeline
    store = RequestStore.open()
    _grant_every_conditional_resource(store)
    shareable = [c.name for c in load_contracts().values() if exchange_table(c)]
    _quality_run(catalog, shareable, "quality-run-5")
    baseline = measure_catalog(catalog, store)
    victim = next(s for s in baseline.resources if s.shared_online)
    leak = {
        "run_id": "leak-run-x",
        "dataset": victim.dataset,
        "column_name": "some_column",
        "policy": "keep",
        "rows": 10,
        "values_masked": 0,
        "leaks_found": 3,
        "leak_scan_passed": False,
        "checked_at": now_cst(),
    }
    _append(catalog, MASKING_REPORT, [leak], REPORT_SCHEMA)
    after = measure_catalog(catalog, store)
    assert (victim.dataset, "leak_scan_failed") in _gaps(after)
    assert after.overall().shared_online == baseline.overall().shared_online - 1


def test_exchange_tables_go_stale_as_time_passes(pipeline):
    _, catalog, _ = pipeline
    store = RequestStore.open()
    _grant_every_conditional_resource(store)
    contracts = load_contracts()
    shareable = [c.name for c in contracts.values() if exchange_table(c)]
    _quality_run(catalog, shareable, "quality-run-6")
    now = now_cst()
    fresh = measure_catalog(catalog, store, now)
    assert not [g for g in fresh.gaps() if g[1].reason == "stale"]
    # Two days on, without another run: every resource updated daily or more often is stale (the real
    # snapshot times of this run are what is compared), the weekly and slower ones are not yet.
    later = measure_catalog(catalog, store, now + timedelta(days=2))
    stale = {d for d, r in _gaps(later) if r == "stale"}
    expected = {
        c.name
        for c in contracts.values()
        if exchange_table(c) and c.update_frequency in ("realtime", "hourly", "daily")
    }
    assert stale == expected
    assert later.overall().shared_online == fresh.overall().shared_online - len(
        {s.dataset for s in fresh.resources if s.shared_online} & expected
    )


def test_mirror_and_demo_printout(pipeline, capsys):
    _, catalog, _ = pipeline
    store = RequestStore.open()
    _grant_every_conditional_resource(store)
    written = mirror(catalog, store)
    conditional = sum(c.sharing_type == "conditional" for c in load_contracts().values())
    assert written["governance.access_grants"] == conditional
    grants = run_sql(catalog, "select * from governance.access_grants").to_pylist()
    assert {g["department"] for g in grants} == {GRANTEE}
    history = run_sql(catalog, "select count(*) as n from governance.sharing_request_history").to_pylist()
    assert history[0]["n"] == 3 * conditional  # submit, check, approve
    write_kpi(catalog, measure_catalog(catalog, store))
    _print_sharing_rate()
    out = capsys.readouterr().out
    assert "网上共享率" in out and "all" in out and "gaps:" in out


def test_cli_request_lifecycle_and_exports(pipeline, tmp_path):
    from orchestration.cli import main

    _, catalog, _ = pipeline
    from orchestration.cli_sharing import sharing_report

    runner = CliRunner()
    created = runner.invoke(
        main,
        [
            "request",
            "create",
            "--resource",
            "parking_sessions",
            "--department",
            "city_management",
            "--columns",
            "lot_id,entered_at,exited_at",
            "--purpose",
            "占道停车治理",
            "--row-condition",
            "lot_id = 'P001'",
            "--json",
        ],
    )
    assert created.exit_code == 0, created.output
    request = json.loads(created.output[created.output.index("{") :])
    assert request["published_at_request"] is True  # the exchange table exists: 5 working days apply
    refused = runner.invoke(main, ["request", "refuse", request["request_id"], "--reason", " "])
    assert refused.exit_code != 0 and "reason" in refused.output
    # No lot is called P001 (the old docs example): approving it would share nothing, so it is refused ...
    approve = ["request", "approve", request["request_id"], "--columns", "lot_id", "--expires", "2099-12-31"]
    empty = runner.invoke(main, approve)
    assert empty.exit_code != 0 and "matches 0 rows of exchange.parking_sessions" in empty.output
    # ... while a lot that exists is approved with the rows it matches now.
    (lot,) = (
        run_sql(catalog, "select min(lot_id) as lot from exchange.parking_sessions").column("lot").to_pylist()
    )
    approved = runner.invoke(main, [*approve, "--row-condition", f"lot_id = '{lot}'"])
    assert approved.exit_code == 0, approved.output
    matched = run_sql(catalog, f"select count(*) as n from exchange.parking_sessions where lot_id = '{lot}'")
    assert f"; {matched.column('n')[0].as_py()} rows now" in approved.output
    shown = runner.invoke(main, ["request", "show", request["request_id"], "--json"])
    assert json.loads(shown.output)["state"] == "approved"
    listed = runner.invoke(main, ["catalog", "show", "parking_sessions", "--json"])
    assert any(g["grant_id"] == request["request_id"] for g in json.loads(listed.output)["grants"])

    out = tmp_path / "catalogue.jsonld"
    exported = runner.invoke(main, ["catalog", "export", "--format", "dcat", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    datasets = json.loads(out.read_text(encoding="utf-8"))["dcat:dataset"]
    marts = load_manifest().marts()
    assert len(datasets) == len(load_contracts()) + len(marts)  # every resource and every mart (ADR 0013)
    assert {str(m.table) for m in marts} == {
        d["dct:identifier"] for d in datasets if d["lg:resourceKind"] == "mart"
    }
    csv_out = runner.invoke(main, ["catalog", "export", "--format", "csv"])
    assert csv_out.output.splitlines()[0].startswith("资源标识,资源名称")

    html = tmp_path / "sharing.html"
    report = runner.invoke(sharing_report, ["--json", "--html", str(html)])
    assert report.exit_code == 0, report.output
    payload = json.loads(report.stdout)
    assert payload["rates"][0]["department"] == "all"
    assert "<svg" in html.read_text(encoding="utf-8")


def test_deadline_of_a_request_made_today_is_in_the_future(pipeline):
    store = RequestStore.open()
    contract = load_contracts()["rental_trips"]
    request = store.create(contract, "city_management", ["trip_id"], "共享单车调度", published=False)
    assert request.compliance_due > request.submitted_at.date()
    assert request.answer_due > request.compliance_due
    assert datetime.combine(request.answer_due, datetime.min.time()) > request.submitted_at


def test_the_dagster_sharing_assets_write_their_tables(pipeline):
    import dagster as dg

    from orchestration.defs.sharing import sharing_kpi, sharing_requests_mirror
    from orchestration.resources import lakehouse_resource

    _, catalog, _ = pipeline
    _grant_every_conditional_resource(RequestStore.open())
    result = dg.materialize(
        [sharing_requests_mirror, sharing_kpi], resources={"lakehouse": lakehouse_resource()}
    )
    assert result.success
    materialised = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {
        "kpi/sharing_rate",
        "kpi/sharing_gaps",
        "governance/sharing_requests",
        "governance/access_grants",
    } <= materialised
    rows = run_sql(catalog, "select * from kpi.sharing_rate where department = 'all'").to_pylist()
    assert rows[0]["measured_at"] is not None
