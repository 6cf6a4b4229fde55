"""All Dagster definitions load, and the asset graph runs from sources to kpi marts, grouped by domain."""

import dagster as dg

from governance.contracts import load_contracts
from orchestration.definitions import defs


def test_definitions_load_with_the_whole_graph():
    definitions = defs()
    dg.Definitions.validate_loadable(definitions)
    graph = definitions.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for contract in load_contracts().values():
        assert f"{contract.raw_namespace}/{contract.name}" in keys
        assert f"staging/{contract.name}" in keys
        node = graph.get(dg.AssetKey([contract.raw_namespace, contract.name]))
        assert node.group_name == contract.domain
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
