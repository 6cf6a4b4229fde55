"""All Dagster definitions load, and the asset graph runs from sources to kpi marts, grouped by zone."""

import sys
from itertools import chain

import dagster as dg

from governance.catalogue import exchange_table
from governance.contracts import load_contracts
from infra.dbt_manifest import load_manifest
from infra.settings import load_settings
from orchestration.asset_metadata import ZONE_LABELS, project_lineage
from orchestration.definitions import defs
from orchestration.gate_summary import GATES_CHECK

SCHEMA = "dagster/column_schema"
LINEAGE = "dagster/column_lineage"


def test_definitions_load_with_the_whole_graph():
    definitions = defs()
    dg.Definitions.validate_loadable(definitions)
    graph = definitions.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for contract in load_contracts().values():
        assert f"{contract.raw_namespace}/{contract.name}" in keys
        assert f"staging/{contract.name}" in keys
        node = graph.get(dg.AssetKey([contract.raw_namespace, contract.name]))
        assert node.group_name == contract.raw_namespace
    assert {"kpi/sharing_rate", "kpi/online_prereview_rate", "exchange/enterprise_profile"} <= keys
    # The kpi mart is downstream of a raw source through masking and dbt.
    upstream = graph.upstream_key_closure if hasattr(graph, "upstream_key_closure") else None
    lineage = {
        k.to_user_string() for k in graph.get(dg.AssetKey(["kpi", "online_prereview_rate"])).parent_keys
    }
    assert lineage == {"dbt/kpi/online_prereview_rate"}
    del upstream


def test_dbt_tests_are_asset_checks():
    definitions = defs()
    check_keys = definitions.resolve_asset_graph().asset_check_keys
    names = {c.name for c in check_keys}
    assert any(name.startswith("unique_stg_government__approval_applications") for name in names)
    assert any(name.startswith("not_null_parking_utilisation_hourly") for name in names)


def test_schedules():
    definitions = defs()
    assert definitions.resolve_schedule_def("lakehouse_daily").cron_schedule == "0 2 * * *"
    assert definitions.resolve_schedule_def("query_log_every_15_minutes").cron_schedule == "*/15 * * * *"
    query_log = definitions.resolve_asset_graph().get(dg.AssetKey(["governance", "query_log"]))
    assert query_log.group_name == "governance"


def _data_keys(graph) -> dict[str, list[dg.AssetKey]]:
    """The table assets of the data path by zone (governance tables are documented by their own code)."""
    keys: dict[str, list[dg.AssetKey]] = {"raw": [], "staging": [], "exchange": [], "kpi": [], "dbt": []}
    for key in graph.get_all_asset_keys():
        zone = key.path[0]
        zone = "raw" if zone.startswith("raw_") else zone
        if zone in keys and graph.get(key).is_materializable:
            keys[zone].append(key)
    return keys


def test_every_data_asset_documents_every_column_before_any_run():
    graph = defs().resolve_asset_graph()
    keys = _data_keys(graph)
    assert all(keys.values()), keys
    for key in chain.from_iterable(keys.values()):
        if key.path[-1] in {"sharing_rate", "sharing_gaps"}:
            continue  # measured in Python from governance tables (orchestration/defs/sharing.py)
        schema = graph.get(key).metadata.get(SCHEMA)
        assert isinstance(schema, dg.TableSchema), key
        assert schema.columns, key
        undocumented = [c.name for c in schema.columns if not (c.description or "").strip()]
        assert not undocumented, f"{key.to_user_string()}: {undocumented}"
    contracts = load_contracts()
    for contract in contracts.values():
        staged = graph.get(dg.AssetKey(["staging", contract.name])).metadata[SCHEMA]
        assert [c.name for c in staged.columns] == [c.name for c in contract.staged_columns]
        masked = {c.name for c in contract.staged_columns if c.masking != "keep"}
        for column in staged.columns:
            if column.name in masked:
                assert contract.column(column.name).masking in column.description


def _freshly_loaded_definitions() -> dg.Definitions:
    """The definitions as a new process (Dagster's code server) loads them now. The defs modules build their
    assets' metadata when first imported; an earlier test in this process may have imported them before any
    dbt run had compiled the models, when only the contracts' lineage was available."""
    for name in [m for m in sys.modules if m.startswith("orchestration.defs.")]:
        del sys.modules[name]
    project_lineage.cache_clear()  # the process keeps its first answer, complete or not
    return defs()


def test_shared_and_staged_assets_have_column_lineage_onto_existing_assets():
    graph = _freshly_loaded_definitions().resolve_asset_graph()
    every = set(graph.get_all_asset_keys())
    keys = _data_keys(graph)
    lineage_on = [*keys["staging"], *keys["exchange"], *keys["kpi"], *keys["dbt"]]
    measured = {dg.AssetKey(["kpi", "sharing_rate"]), dg.AssetKey(["kpi", "sharing_gaps"])}
    for key in lineage_on:
        if key in measured:
            continue  # table-level edges only (every column from the rows of governance tables)
        node = graph.get(key)
        lineage = node.metadata.get(LINEAGE)
        assert isinstance(lineage, dg.TableColumnLineage), key.to_user_string()
        columns = {c.name for c in node.metadata[SCHEMA].columns}
        assert set(lineage.deps_by_column) <= columns, key
        for deps in lineage.deps_by_column.values():
            for dep in deps:
                assert dep.asset_key in every, f"{key.to_user_string()} <- {dep.asset_key.to_user_string()}"
                upstream = graph.get(dep.asset_key).metadata.get(SCHEMA)
                if upstream is not None:  # the input column exists in the input's schema
                    assert dep.column_name in {c.name for c in upstream.columns}, (key, dep)
    # Every exchange column the contracts publish is traced back to staging.
    for contract in load_contracts().values():
        if exchange_table(contract) is None:
            continue
        lineage = graph.get(dg.AssetKey(["exchange", contract.name])).metadata[LINEAGE]
        assert set(lineage.deps_by_column) == {c.name for c in contract.exchange_columns}


def test_raw_staging_and_exchange_of_one_dataset_are_told_apart_at_a_glance():
    graph = defs().resolve_asset_graph()
    for contract in load_contracts().values():
        zones = {"raw": [contract.raw_namespace, contract.name], "staging": ["staging", contract.name]}
        if exchange_table(contract) is not None:
            zones["exchange"] = ["exchange", contract.name]
        nodes = {zone: graph.get(dg.AssetKey(path)) for zone, path in zones.items()}
        assert len({n.group_name for n in nodes.values()}) == len(nodes), contract.name
        for zone, node in nodes.items():
            assert node.description.startswith(f"[{ZONE_LABELS[zone]}]"), node.key
            assert node.tags["zone"] == zone and node.tags["domain"] == contract.domain


def test_shared_assets_carry_their_gate_check_and_dossier_link():
    definitions = defs()
    graph = definitions.resolve_asset_graph()
    checks = graph.asset_check_keys
    audit = load_settings().reports_dir / "audit"
    shared = [dg.AssetKey(["exchange", c.name]) for c in load_contracts().values() if exchange_table(c)]
    shared += [dg.AssetKey([m.schema, m.name]) for m in load_manifest().marts()]
    for key in shared:
        assert dg.AssetCheckKey(key, GATES_CHECK) in checks, key
        dossier = graph.get(key).metadata["dossier"]
        assert dossier == dg.MetadataValue.path(str(audit / f"{key.path[0]}.{key.path[1]}.html"))


def test_automation_off_leaves_every_schedule_and_sensor_stopped():
    """A deployment that says LAKEHOUSE_AUTOMATION=off gets no run started by itself (a fresh process:
    statuses are decided when the definitions load)."""
    import os
    import subprocess
    import sys

    probe = (
        "from orchestration.definitions import defs\n"
        "d = defs()\n"
        "for s in [*d.schedules, *d.sensors]:\n"
        "    print(s.name, s.default_status.value)\n"
    )
    env = os.environ | {"LAKEHOUSE_AUTOMATION": "off"}
    listed = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    statuses = dict(line.split() for line in listed.stdout.splitlines())
    assert {"table_maintenance_weekly", "correction_tickets_hourly", "lakehouse_daily"} <= set(statuses)
    # The OpenLineage sensors only report runs that happened; they never start one.
    reporting = {"openlineage_on_success", "openlineage_on_failure"}
    running = {name for name, status in statuses.items() if status == "RUNNING"}
    assert running == reporting & set(statuses), running
