"""One dataset through raw (with its GX gate), staging and exchange in a real Dagster run: the exchange asset's
materialization carries its column schema, lineage and dossier link, and its gate check shows the gates the
run passed on the way."""

from datetime import date

import dagster as dg
import pytest

from governance.contracts import load_contracts
from ingest.simulator import simulate
from orchestration.defs.exchange import _resource_asset
from orchestration.defs.masking import _staging_asset
from orchestration.defs.quality import _raw_gate
from orchestration.defs.sources import _raw_asset
from orchestration.gate_summary import GATES_CHECK
from orchestration.resources import lakehouse_resource

pytestmark = pytest.mark.integration


def test_exchange_run_shows_columns_lineage_dossier_and_the_gates_it_passed(lakehouse_home, tmp_path):
    simulate(lakehouse_home / "sources", scale=0.01, days=1, seed=5, start=date(2026, 11, 20))
    contract = load_contracts()["parks"]
    definitions = dg.Definitions(
        assets=[_raw_asset(contract), _staging_asset(contract), _resource_asset(contract)],
        asset_checks=[_raw_gate(contract)],
        resources={"lakehouse": lakehouse_resource()},
    )
    job = definitions.resolve_implicit_global_asset_job_def()
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
    assert result.success

    exchange = dg.AssetKey(["exchange", "parks"])
    (materialized,) = [
        e.materialization for e in result.get_asset_materialization_events() if e.asset_key == exchange
    ]
    metadata = materialized.metadata
    schema = metadata["dagster/column_schema"].value
    assert [c.name for c in schema.columns] == [c.name for c in contract.exchange_columns]
    lineage = metadata["dagster/column_lineage"].value
    assert {d.asset_key for deps in lineage.deps_by_column.values() for d in deps} == {
        dg.AssetKey(["staging", "parks"])
    }
    assert metadata["dossier"].value.endswith("reports/audit/exchange.parks.html")
    assert str(lakehouse_home) in metadata["dossier"].value

    (gates,) = [e for e in result.get_asset_check_evaluations() if e.check_name == GATES_CHECK]
    assert gates.asset_key == exchange
    assert gates.passed, gates.description
    shown = gates.metadata["gates"].value
    assert {(g["table"], g["passed"]) for g in shown} >= {(contract.raw_table, True)}
    (privacy,) = gates.metadata["privacy_gate"].value
    assert privacy["dataset"] == "parks" and privacy["leak_scan_passed"]
