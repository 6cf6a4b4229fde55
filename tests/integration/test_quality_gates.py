"""Quality gates end to end: a damaged raw table is stopped at its GX gate, nothing downstream of it is
rebuilt, the shared tables keep their last good snapshots, and the failure is recorded. Freshness turns
stale when a source stops delivering.

One pipeline per module (simulate at scale 0.01, materialise everything), then the scenarios on it.
"""

import json
import subprocess
import sys
from datetime import date, timedelta

import dagster as dg
import pyarrow as pa
import pytest

from governance.contracts import load_contracts
from infra.catalog import open_catalog
from infra.iceberg.writer import commit
from infra.settings import PROJECT_ROOT, load_settings
from infra.zones import QUALITY_RESULTS
from ingest.simulator import simulate
from orchestration.run import run_assets
from quality.docs import docs_root
from quality.report import summarise
from quality.results import read_results

pytestmark = pytest.mark.integration

RAW = "raw_transport.parking_sessions"
DAMAGED_ID = "PK-DAMAGED-0001"
SHARED = ("staging.parking_sessions", "exchange.parking_sessions", "exchange.parking_utilisation_hourly")
GATE = "gx_quality_gate"


def _snapshot(catalog, identifier):
    return catalog.load_table(identifier).current_snapshot().snapshot_id


def _run_events(run_ids, event_type):
    """The events of one `run_assets` call: the raw loads' run and the run of what the plan started."""
    with dg.DagsterInstance.get() as instance:
        return [r.dagster_event for run_id in run_ids for r in instance.all_logs(run_id, of_type=event_type)]


def _check_evaluations(run_ids):
    return {
        (
            e.event_specific_data.asset_key.to_user_string(),
            e.event_specific_data.check_name,
        ): e.event_specific_data
        for e in _run_events(run_ids, dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    }


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    home = tmp_path_factory.mktemp("lakehouse")
    patch = pytest.MonkeyPatch()
    patch.setenv("LAKEHOUSE_HOME", str(home))
    patch.setenv("LAKEHOUSE_PROFILE", "embedded")
    patch.setenv("LAKEHOUSE_PSEUDONYM_KEY", "integration-test-pseudonym-key-0002")
    patch.setenv("DAGSTER_HOME", str(home / "dagster"))
    simulate(home / "sources", scale=0.01, days=2, seed=23, start=date(2026, 11, 20))
    outcome = run_assets(progress=print)
    catalog = open_catalog()
    first = {
        "ok": outcome.success,
        "summary": summarise(catalog),
        "checks": _check_evaluations(outcome.run_ids),
        "snapshots": {t: _snapshot(catalog, t) for t in SHARED},
    }
    yield first, catalog, patch
    patch.undo()


@pytest.fixture(scope="module")
def damaged(pipeline):
    """Append, outside ingest, a copy of an existing session (duplicate key) and a session that ends an
    hour before it starts; then run the whole pipeline again."""
    _, catalog, _ = pipeline
    rows = catalog.load_table(RAW).scan().to_arrow()
    broken = rows.slice(1, 1).to_pylist()[0]
    broken["session_id"] = DAMAGED_ID
    broken["exited_at"] = broken["entered_at"] - timedelta(hours=1)
    damage = pa.concat_tables([rows.slice(0, 1), pa.Table.from_pylist([broken], schema=rows.schema)])
    result = commit(catalog, RAW, damage, "append")
    outcome = run_assets(progress=print)
    return {
        "ok": outcome.success,
        "snapshot": result.snapshot_id,
        "rows": rows.num_rows + 2,
        "duplicate": rows.column("session_id")[0].as_py(),
        "plates": {rows.column("plate")[0].as_py(), broken["plate"]},
        "checks": _check_evaluations(outcome.run_ids),
        "materialised": {
            e.asset_key.to_user_string()
            for e in _run_events(outcome.run_ids, dg.DagsterEventType.ASSET_MATERIALIZATION)
        },
    }


def test_gates_block_and_freshness_warns_without_loading_gx():
    code = (
        "import sys\n"
        "import dagster as dg\n"
        "from orchestration.definitions import defs\n"
        "from governance.contracts import load_contracts\n"
        "from orchestration.defs.marts import mart_models\n"
        "graph = defs().resolve_asset_graph()\n"
        "assert 'great_expectations' not in sys.modules, 'GX imported at definition load'\n"
        "specs = {(k.asset_key.to_user_string(), k.name): graph.get_check_spec(k) for k in graph.asset_check_keys}\n"
        "for c in load_contracts().values():\n"
        "    key = f'{c.raw_namespace}/{c.name}'\n"
        "    assert specs[(key, 'gx_quality_gate')].blocking, key\n"
        "    assert not specs[(key, 'freshness')].blocking, key\n"
        "for schema, name in mart_models():\n"
        "    assert specs[(f'dbt/{schema}/{name}', 'gx_quality_gate')].blocking\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def test_clean_pipeline_passes_every_gate(pipeline):
    first, _, _ = pipeline
    assert first["ok"]
    statuses = {s.table: s.status for s in first["summary"]}
    contracts = load_contracts().values()
    assert {c.raw_table for c in contracts} <= set(statuses)
    assert {"exchange.parking_utilisation_hourly", "kpi.online_prereview_rate"} <= set(statuses)
    assert set(statuses.values()) == {"passed"}, statuses
    checks = first["checks"]
    gates = {key for key, evaluation in checks.items() if key[1] == GATE and evaluation.passed}
    assert {(f"{c.raw_namespace}/{c.name}", GATE) for c in contracts} <= gates
    assert ("dbt/exchange/parking_utilisation_hourly", GATE) in gates
    assert all(checks[(f"{c.raw_namespace}/{c.name}", "freshness")].passed for c in contracts)
    # dbt tests are still checks beside the GX gates.
    assert any(name.startswith("not_null_parking_utilisation_hourly") for _, name in checks)


def test_data_docs_are_built_for_auditors(pipeline):
    root = docs_root(load_settings())
    index = (root / "index.html").read_text(encoding="utf-8")
    assert "raw_transport.parking_sessions" in index or "parking_sessions" in index
    pages = list((root / "validations" / "raw_transport" / "parking_sessions").rglob("*.html"))
    assert pages
    assert list((root / "validations" / "exchange" / "parking_utilisation_hourly").rglob("*.html"))


def test_damaged_raw_table_fails_its_gate_with_counts_and_keys(pipeline, damaged):
    assert not damaged["ok"]
    gate = damaged["checks"][("raw_transport/parking_sessions", GATE)]
    assert not gate.passed
    assert gate.severity == dg.AssetCheckSeverity.ERROR
    rows = damaged["rows"]
    assert f"expect_column_values_to_be_unique(session_id) failed on 2 of {rows} rows" in gate.description
    assert (
        f"expect_column_pair_values_a_to_be_greater_than_b(exited_at, entered_at) failed on 1 of {rows} rows"
        in gate.description
    )
    assert f"session_id={damaged['duplicate']}" in gate.description
    assert f"session_id={DAMAGED_ID}" in gate.description
    for plate in damaged["plates"]:
        assert plate not in gate.description
    # Other datasets' tables did not change: their gates are not run again (the run plan's first wave,
    # ADR 0017) and their last result, a pass, stands.
    other = ("raw_transport/parking_lots", GATE)
    assert other not in damaged["checks"]
    assert pipeline[0]["checks"][other].passed


def test_nothing_downstream_of_the_failed_gate_is_rebuilt(pipeline, damaged):
    first, catalog, _ = pipeline
    materialised = damaged["materialised"]
    # The load finds nothing new in its hand-over and is not started (the run plan's first wave, ADR 0017);
    # its gate still runs on the damaged snapshot (test_damaged_raw_table_fails_its_gate_with_counts_and_keys).
    for key in (
        "staging/parking_sessions",
        "exchange/parking_sessions",
        "dbt/exchange/parking_utilisation_hourly",
        "exchange/parking_utilisation_hourly",
    ):
        assert key not in materialised
    for table, snapshot in first["snapshots"].items():
        assert _snapshot(catalog, table) == snapshot, table


def test_failure_is_recorded_in_quality_results(pipeline, damaged):
    _, catalog, _ = pipeline
    at_damage = [r for r in read_results(catalog, RAW).to_pylist() if r["snapshot_id"] == damaged["snapshot"]]
    assert {r["suite"] for r in at_damage} == {RAW, "freshness"}
    rows = [r for r in at_damage if r["suite"] == RAW]
    failed = {r["expectation"]: r for r in rows if not r["success"]}
    assert set(failed) == {
        "expect_column_values_to_be_unique(session_id)",
        "expect_column_pair_values_a_to_be_greater_than_b(exited_at, entered_at)",
    }
    unique = failed["expect_column_values_to_be_unique(session_id)"]
    assert unique["unexpected_count"] == 2 and unique["element_count"] == damaged["rows"]
    assert json.loads(unique["failing_keys"]) == [{"session_id": damaged["duplicate"]}] * 2
    ordering = failed["expect_column_pair_values_a_to_be_greater_than_b(exited_at, entered_at)"]
    assert ordering["unexpected_count"] == 1
    assert json.loads(ordering["failing_keys"]) == [{"session_id": DAMAGED_ID}]
    everything = json.dumps(read_results(catalog).to_pylist(), ensure_ascii=False, default=str)
    for plate in damaged["plates"]:
        assert plate not in everything
    (parking,) = [s for s in summarise(catalog) if s.table == RAW]
    assert parking.status == "failed" and parking.snapshot_id == damaged["snapshot"]


def test_a_source_that_stops_updating_goes_stale(pipeline):
    _, catalog, patch = pipeline
    import quality.freshness
    from orchestration.definitions import defs

    real = quality.freshness.utcnow
    job = defs().resolve_job_def("quality_freshness")

    def run_at(offset):
        patch.setattr(quality.freshness, "utcnow", lambda: real() + offset)
        with dg.DagsterInstance.get() as instance:
            result = job.execute_in_process(instance=instance, raise_on_error=False)
        return {
            e.asset_key.to_user_string(): e
            for e in result.get_asset_check_evaluations()
            if e.check_name == "freshness"
        }

    def snapshots():
        return len(catalog.load_table(QUALITY_RESULTS).snapshots())

    try:
        before = snapshots()
        later = run_at(timedelta(hours=3))  # nothing delivered for three hours
        assert len(later) == len(load_contracts())
        assert snapshots() == before + 1  # every dataset's freshness row in one commit
        assert not later["raw_development/energy_readings"].passed  # hourly
        assert later["raw_development/energy_readings"].severity == dg.AssetCheckSeverity.WARN
        assert "STALE" in later["raw_development/energy_readings"].description
        assert not later["raw_health/elderly_care_alerts"].passed  # realtime
        assert later["raw_government/approval_steps"].passed  # daily: still within its period
        next_day = run_at(timedelta(hours=31))
        assert not next_day["raw_government/approval_steps"].passed
        assert next_day["raw_development/parks"].passed  # monthly
    finally:
        patch.setattr(quality.freshness, "utcnow", real)
    latest = [
        r
        for r in read_results(catalog, "raw_development.energy_readings").to_pylist()
        if r["suite"] == "freshness"
    ]
    assert max(latest, key=lambda r: r["validated_at"])["success"] is False
    (energy,) = [s for s in summarise(catalog) if s.table == "raw_development.energy_readings"]
    assert energy.status == "stale" and energy.fresh is False
