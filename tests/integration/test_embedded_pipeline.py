"""The whole embedded pipeline at a tiny scale, in a temporary LAKEHOUSE_HOME: source -> raw -> mart."""

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import pytest

from governance.contracts import load_contracts
from governance.masking_report import latest_report
from governance.pii.checksums import is_valid_resident_id, normalise_fullwidth
from governance.privacy_gate import leak_scan
from governance.privacy_scan import scan_table
from infra.catalog import open_catalog
from ingest.simulator import simulate
from orchestration.query import run_sql
from orchestration.run import materialize_all
from orchestration.tables import list_tables
from tests.factories import resident_id

pytestmark = pytest.mark.integration
# Any 18-character run with a valid GB 11643 check digit and birth date counts as a leaked ID number.
ID_NUMBER = re.compile(r"(?<![0-9A-Z])\d{17}[\dXx](?![0-9A-Z])")
# The simulator quotes numbers grouped or in full width too: looked for with those folded away.
BETWEEN_DIGITS = re.compile(r"(?<=\d)[\s\-().]+(?=[\dXx])")


def _digits_joined(value: str) -> str:
    return BETWEEN_DIGITS.sub("", normalise_fullwidth(value))


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    home = tmp_path_factory.mktemp("lakehouse")
    patch = pytest.MonkeyPatch()
    patch.setenv("LAKEHOUSE_HOME", str(home))
    patch.setenv("LAKEHOUSE_PROFILE", "embedded")
    patch.setenv("LAKEHOUSE_PSEUDONYM_KEY", "integration-test-pseudonym-key-0001")
    patch.setenv("DAGSTER_HOME", str(home / "dagster"))
    summary = simulate(home / "sources", scale=0.01, days=2, seed=11, start=date(2026, 11, 20))
    _plant_personal_data(home / "sources")
    ok = materialize_all(progress=print)
    yield summary, ok, open_catalog()
    patch.undo()


PLANTED_IDS = [resident_id(f"31011519850101{i:03d}") for i in range(1, 6)]
PLANTED_MOBILE = "13900001111"


def _plant_personal_data(sources):
    """Known personal data in the hotline's free text, as an operator might type it."""
    path = sorted((sources / "hotline_12345").glob("tickets_*.csv"))[0]
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    content = rows[0].index("诉求内容")
    for row, planted in zip(rows[1:], PLANTED_IDS, strict=False):
        row[content] = f"市民反映噪声扰民，身份证 {planted}，手机{PLANTED_MOBILE}，请处理。"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8-sig")


def _rows(catalog, identifier):
    return catalog.load_table(identifier).scan().to_arrow()


def test_every_asset_materialised(pipeline):
    _, ok, _ = pipeline
    assert ok


def test_source_rows_are_all_accounted_for_in_raw(pipeline):
    summary, _, catalog = pipeline
    ledger = _rows(catalog, "governance.load_ledger").to_pylist()
    for name, contract in load_contracts().items():
        loaded = _rows(catalog, contract.raw_table).num_rows
        entries = [e for e in ledger if e["dataset"] == name and e["status"] == "committed"]
        assert entries, name
        assert sum(e["rows_in"] for e in entries) == summary.rows[name], name
        for entry in entries:
            assert (
                entry["rows_in"] == entry["rows_loaded"] + entry["rows_quarantined"] + entry["rows_duplicate"]
            )
        assert loaded == summary.rows[name] - sum(e["rows_quarantined"] for e in entries), name


def test_zones_hold_non_empty_tables(pipeline):
    _, _, catalog = pipeline
    tables = list_tables(catalog)
    zones = {t.namespace for t in tables if t.rows > 0}
    assert {"raw_government", "raw_development", "raw_transport", "raw_health", "exchange", "kpi"} <= zones
    marts = {
        "enterprise_profile",
        "parking_utilisation_hourly",
        "approval_progress",
        "hotline_tickets_by_street",
    }
    assert marts <= {t.name for t in tables if t.namespace == "exchange" and t.rows > 0}


def test_no_resident_id_number_reaches_staging_or_exchange(pipeline):
    _, _, catalog = pipeline
    for namespace in ("staging", "exchange"):
        for _, name in catalog.list_tables(namespace):
            table = _rows(catalog, f"{namespace}.{name}")
            for column in table.column_names:
                values = [v for v in table.column(column).to_pylist() if isinstance(v, str)]
                found = [m for v in values for m in ID_NUMBER.findall(_digits_joined(v))]
                leaked = [m for m in found if is_valid_resident_id(m)]
                assert not leaked, f"{namespace}.{name}.{column} holds an ID-number-shaped value"


def test_a_not_shared_resource_has_no_exchange_table(pipeline):
    _, _, catalog = pipeline
    assert not catalog.table_exists("exchange.clinic_visits")
    assert catalog.table_exists("staging.clinic_visits")


def test_marts_join_across_domains(pipeline):
    _, _, catalog = pipeline
    result = run_sql(
        catalog,
        "select p.developer, count(*) as enterprises, sum(p.applications) as applications "
        "from exchange.enterprise_profile p join exchange.approval_applications a on a.enterprise_uscc = p.uscc "
        "group by p.developer",
    )
    assert result.num_rows >= 1
    assert sum(result.column("enterprises").to_pylist()) > 0


def test_parking_mart_matches_its_source(pipeline):
    _, _, catalog = pipeline
    sessions = _rows(catalog, "raw_transport.parking_sessions").num_rows
    mart = run_sql(
        catalog, "select sum(sessions_started) as started from exchange.parking_utilisation_hourly"
    )
    assert mart.column("started").to_pylist() == [sessions]


def test_online_prereview_rate_matches_raw(pipeline):
    _, _, catalog = pipeline
    raw = _rows(catalog, "raw_government.approval_applications")
    expected = round(sum(raw.column("online_prereview").to_pylist()) / raw.num_rows, 4)
    kpi = run_sql(catalog, "select online_prereview_rate from kpi.online_prereview_rate where scope = 'all'")
    assert kpi.column("online_prereview_rate").to_pylist() == [expected]


def test_rerun_is_idempotent(pipeline):
    _, _, catalog = pipeline
    before = {c.raw_table: _rows(catalog, c.raw_table).num_rows for c in load_contracts().values()}
    assert materialize_all(progress=print)
    after = {c.raw_table: _rows(catalog, c.raw_table).num_rows for c in load_contracts().values()}
    assert after == before


def test_planted_personal_data_is_masked_and_reported(pipeline):
    _, _, catalog = pipeline
    shared = catalog.load_table("exchange.hotline_tickets").scan().to_arrow()
    texts = " ".join(v for v in shared.column("content").to_pylist() if v)
    for planted in [*PLANTED_IDS, PLANTED_MOBILE]:
        assert planted not in texts
    assert texts.count("<身份证号>") >= len(PLANTED_IDS)
    report = {(r["dataset"], r["column_name"]): r for r in latest_report(catalog).to_pylist()}
    content = report[("hotline_tickets", "content")]
    assert content["policy"] == "tag_text" and content["leak_scan_passed"]
    assert json.loads(content["text_findings"])["cn_resident_id"] >= len(PLANTED_IDS)
    raw = catalog.load_table("raw_government.approval_applications").scan().to_arrow()
    ids = report[("approval_applications", "applicant_id_number")]
    assert ids["values_masked"] == raw.num_rows - raw.column("applicant_id_number").null_count
    assert "caller_name" not in shared.column_names  # dropped by policy


def test_leak_scan_finds_nothing_in_the_shared_zone(pipeline):
    _, _, catalog = pipeline
    contracts = load_contracts()
    for _, name in catalog.list_tables("exchange"):
        table = _rows(catalog, f"exchange.{name}")
        # Shared resources are scanned knowing their contract (reviewed public addresses); marts blind.
        findings = (
            leak_scan(contracts[name], table) if name in contracts else scan_table(table, sample_rows=5000)
        )
        assert not findings, f"exchange.{name}: {findings}"


def test_pseudonymous_keys_join_across_domains(pipeline):
    _, _, catalog = pipeline
    joined = run_sql(
        catalog,
        "select count(distinct a.applicant_id_number) as people from exchange.approval_applications a "
        "join exchange.resident_health_records h on a.applicant_id_number = h.resident_id_number",
    )
    assert joined.column("people").to_pylist()[0] > 0


def test_masking_report_and_mart_leak_scans_name_the_run_time_and_table(pipeline):
    """Every staged dataset and every mart scan of the in-process run is recorded with the Dagster run that
    measured it, in China time, under zone-qualified names; the report shows both without a value."""
    import dagster as dg
    from click.testing import CliRunner

    from governance.leak_scans import latest_scans
    from infra.dbt_manifest import load_manifest
    from orchestration.cli_privacy import masking_report

    _, ok, catalog = pipeline
    assert ok
    report = latest_report(catalog).to_pylist()
    scans = {s["table_name"]: s for s in latest_scans(catalog).to_pylist()}
    with dg.DagsterInstance.get() as instance:
        for run_id in {r["run_id"] for r in report} | {s["run_id"] for s in scans.values()}:
            assert instance.get_run_by_id(run_id) is not None, run_id  # a real Dagster run, not a label

    contracts = load_contracts()
    assert {r["table_name"] for r in report} == {f"staging.{name}" for name in contracts}
    raw = _rows(catalog, contracts["hotline_tickets"].raw_table)
    closed = next(
        r for r in report if r["table_name"] == "staging.hotline_tickets" and r["column_name"] == "closed_at"
    )
    assert (closed["rows"], closed["null_values"]) == (raw.num_rows, raw.column("closed_at").null_count)
    assert all(r["measured_at"] is not None and r["null_values"] is not None for r in report)

    marts = {str(m.table) for m in load_manifest().marts()}
    assert set(scans) == marts
    for table, scan in scans.items():
        assert scan["passed"] and scan["findings_total"] == 0, table
        assert scan["rows_scanned"] == _rows(catalog, table).num_rows, table

    result = CliRunner().invoke(masking_report, [], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    page = _report_page(result.output).read_text(encoding="utf-8")
    assert "Mart leak scans" in page and "+08:00" in page
    assert all(f"<td>{table}</td>" in page for table in marts)
    for planted in [*PLANTED_IDS, PLANTED_MOBILE]:
        assert planted not in page


def _report_page(output: str) -> Path:
    """The HTML file the command says it wrote."""
    (line,) = [line for line in output.splitlines() if line.startswith("written ")]
    return Path(line.split()[1])


def test_the_next_dbt_build_in_the_home_parses_only_what_changed(pipeline):
    """The home's dbt builds write under the home and each starts from the parse state of the one before
    (docs/adr/0022-dbt-stage-cost.md): dbt's state check passes, no full parse after the first build."""
    import dagster as dg

    from infra.dbt_manifest import build_target
    from infra.settings import load_settings
    from orchestration.definitions import defs
    from orchestration.defs.marts import dbt_models

    settings = load_settings()
    target = build_target(settings.home)
    assert (target / "partial_parse.msgpack").is_file()  # left by the pipeline's build
    settings.duckdb_path.unlink()  # no DuckDB file: dbt builds again (orchestration/dbt_state.py)
    job = defs().resolve_implicit_global_asset_job_def()
    subset = job.get_subset(asset_selection=set(dbt_models.keys), asset_check_selection=dbt_models.check_keys)
    with dg.DagsterInstance.get() as instance:
        assert subset.execute_in_process(instance=instance, raise_on_error=False).success
    builds = sorted(target.glob("dbt_models-*/dbt.log"), key=lambda p: p.stat().st_mtime)
    assert len(builds) >= 2
    log = builds[-1].read_text(encoding="utf-8")
    assert "Unable to do partial parsing" not in log
    assert "Partial parsing enabled" in log
