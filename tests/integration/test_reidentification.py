"""Sensitive data and re-identification through the real embedded pipeline (simulated sources, tiny scale).

Planted in the health cloud: a woman born 1921 whose birth year, sex and town nobody else shares (k = 1)
and a child born 2016. The contracts' fallback suppresses the first and withholds the second; a contract
that blocks instead stops the exchange asset in Dagster and leaves the published table as it was.
"""

import sqlite3
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
import yaml

from governance.anonymity import diverse_columns, diversity, sensitive_items
from governance.catalogue import exchange_table
from governance.contracts import load_contracts
from governance.masking.keys import load_pseudonym_key
from governance.masking_report import latest_report
from governance.publish import PublicationBlocked, publish_resource, stage_dataset
from infra.catalog import open_catalog
from infra.settings import PROJECT_ROOT
from ingest.simulator import simulate
from orchestration.keys import table_key
from orchestration.resources import lakehouse_resource
from orchestration.run import materialize_all
from tests.factories import resident_id

pytestmark = pytest.mark.integration

ELDER = resident_id("31011519210315002")  # 女 (even sequence digit), born 1921
CHILD = resident_id("31011520160704013")  # 男, born 2016
MARTS = PROJECT_ROOT / "dbt_project" / "models" / "marts"


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    home = tmp_path_factory.mktemp("lakehouse")
    patch = pytest.MonkeyPatch()
    patch.setenv("LAKEHOUSE_HOME", str(home))
    patch.setenv("LAKEHOUSE_PROFILE", "embedded")
    patch.setenv("LAKEHOUSE_PSEUDONYM_KEY", "integration-test-pseudonym-key-0013")
    patch.setenv("DAGSTER_HOME", str(home / "dagster"))
    simulate(home / "sources", scale=0.01, days=2, seed=13, start=date(2026, 11, 20))
    _plant_residents(home / "sources" / "health_cloud.db")
    ok = materialize_all(progress=print)
    yield ok, open_catalog()
    patch.undo()


def _plant_residents(database: Path) -> None:
    rows = [
        ("HR-PLANTED-1", "赵某", ELDER, "女", None, "上海市浦东新区书院镇外灶村9号", "书院镇", "高血压"),
        ("HR-PLANTED-2", "钱某", CHILD, "男", None, "上海市浦东新区泥城镇云端路1号", "泥城镇", None),
    ]
    with sqlite3.connect(database) as connection:
        connection.executemany(
            "insert into health_records values (?, ?, ?, ?, ?, ?, ?, ?, '2021-03-01', '2026-11-20 09:00:00')",
            rows,
        )


def _rows(catalog, identifier: str):
    return catalog.load_table(identifier).scan().to_arrow()


def _report(catalog, dataset: str) -> dict:
    rows = [r for r in latest_report(catalog).to_pylist() if r["dataset"] == dataset]
    return {r["column_name"]: r for r in rows}


def test_the_pipeline_passes_with_the_declared_fallbacks(pipeline):
    ok, _ = pipeline
    assert ok


def test_every_row_level_exchange_table_meets_its_k_and_l(pipeline):
    _, catalog = pipeline
    judged: dict[str, int | None] = {}
    for contract in load_contracts().values():
        if exchange_table(contract) is None:
            continue
        table = _rows(catalog, exchange_table(contract))
        spec = contract.reidentification
        columns = diverse_columns(sensitive_items(contract), contract.quasi_identifiers)
        found = diversity(table, contract.quasi_identifiers, columns, spec.k, spec.l)
        assert found.k is None or found.k >= spec.k, f"{contract.name}: k = {found.k}"
        assert found.l is None or found.l >= spec.l, f"{contract.name}: l = {found.l}"
        if contract.quasi_identifiers:
            judged[contract.name] = found.k
    # Resident records, approvals and elderly alerts have quasi-identifiers; at this tiny scale every
    # town's few elderly alerts may be suppressed (k then judges an empty table), the others are not.
    assert set(judged) == {"resident_health_records", "approval_applications", "elderly_care_alerts"}
    assert judged["resident_health_records"] is not None and judged["approval_applications"] is not None


def test_the_planted_unique_resident_is_suppressed_and_counted(pipeline):
    _, catalog = pipeline
    staged = _rows(catalog, "staging.resident_health_records")
    shared = _rows(catalog, "exchange.resident_health_records")
    assert "1921" in staged.column("birth_year").to_pylist()
    assert "1921" not in shared.column("birth_year").to_pylist()
    town = _report(catalog, "resident_health_records")["town"]
    assert town["rows_suppressed"] >= 1 and town["k"] >= 5 and town["reidentification_passed"]
    assert town["rows_published"] == shared.num_rows


def test_rows_of_children_under_14_never_reach_the_exchange_table(pipeline):
    _, catalog = pipeline
    limit = date.today().year - 14
    staged = _rows(catalog, "staging.resident_health_records").column("birth_year").to_pylist()
    shared = _rows(catalog, "exchange.resident_health_records").column("birth_year").to_pylist()
    children = [y for y in staged if y is None or int(y) >= limit]
    assert "2016" in children
    assert not [y for y in shared if y is None or int(y) >= limit]
    assert _report(catalog, "resident_health_records")["town"]["minors_withheld"] == len(children)


def test_chronic_conditions_are_counted_in_the_summary_but_not_shared_row_by_row(pipeline):
    _, catalog = pipeline
    shared = catalog.load_table("exchange.resident_health_records").schema().column_names
    assert "chronic_conditions" not in shared
    summary = _rows(catalog, "exchange.resident_health_summary")
    assert sum(summary.column("with_chronic_condition").to_pylist()) > 0
    report = _report(catalog, "resident_health_records")["chronic_conditions"]
    assert (report["sensitive_category"], report["sensitive_release"], report["in_exchange"]) == (
        "health",
        "withheld",
        False,
    )


def _small_cell_marts() -> dict[str, dict]:
    """Marts whose dbt yml declares the small_cells test, with its arguments."""
    declared = {}
    for path in MARTS.glob("*/*.yml"):
        for model in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]:
            for test in model.get("data_tests") or []:
                if isinstance(test, dict) and "small_cells" in test:
                    declared[model["name"]] = test["small_cells"]["arguments"]
    return declared


def test_aggregated_marts_publish_no_group_under_5(pipeline):
    _, catalog = pipeline
    marts = _small_cell_marts()
    assert {"resident_health_summary", "hotline_tickets_by_street"} <= set(marts)
    for name, arguments in marts.items():
        table = _rows(catalog, f"exchange.{name}")
        counts = table.column(arguments["count_column"]).to_pylist()
        assert counts and min(counts) >= 5, name
        groups = list(zip(*(table.column(c).to_pylist() for c in arguments["group_by"]), strict=True))
        assert len(groups) == len(set(groups)), f"{name}: a group is published twice"


def test_a_contract_that_blocks_stops_the_exchange_asset_and_keeps_the_published_table(pipeline):
    _, catalog = pipeline
    from orchestration.defs.exchange import _resource_asset
    from orchestration.defs.masking import PRIVACY_GATE, _staging_asset

    contract = load_contracts()["resident_health_records"]
    spec = contract.reidentification.model_copy(update={"on_failure": "block"})
    blocking = contract.model_copy(update={"reidentification": spec})
    before = catalog.load_table("exchange.resident_health_records").current_snapshot().snapshot_id

    definitions = dg.Definitions(
        assets=[_staging_asset(blocking), _resource_asset(blocking)],
        resources={"lakehouse": lakehouse_resource()},
    )
    job = definitions.resolve_implicit_global_asset_job_def()
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)

    (check,) = [e for e in result.get_asset_check_evaluations() if e.check_name == PRIVACY_GATE]
    assert not check.passed
    assert "k = 1" in check.description and "1921" not in check.description
    materialised = {event.asset_key for event in result.get_asset_materialization_events()}
    assert table_key("staging.resident_health_records") in materialised
    assert table_key("exchange.resident_health_records") not in materialised  # the blocking check held it
    assert catalog.load_table("exchange.resident_health_records").current_snapshot().snapshot_id == before

    gate = stage_dataset(blocking, catalog, load_pseudonym_key(), "blocking-run").gate
    assert gate.leak_scan_passed and not gate.passed
    with pytest.raises(PublicationBlocked, match="k = 1 over birth_year, sex, address, town"):
        publish_resource(blocking, catalog)
    assert catalog.load_table("exchange.resident_health_records").current_snapshot().snapshot_id == before
