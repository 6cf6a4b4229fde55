"""`lakehouse correction …` on an embedded home: create → list → show → answer, and the errors people see."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from infra.zones import CORRECTION_TICKETS
from orchestration.cli import main
from orchestration.cli_corrections import correction


@pytest.fixture
def run(lakehouse_home):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(correction, list(args), catch_exceptions=False)

    return invoke


def _catalogue_corrections(resource: str) -> dict:
    shown = CliRunner().invoke(main, ["catalog", "show", resource, "--json"], catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    return json.loads(shown.output)["corrections"]


def test_a_ticket_walks_create_list_answer(run, catalog):
    created = run(
        "create",
        "--table",
        "exchange.parks",
        "--key",
        "PK001",
        "--column",
        "park_name",
        "--department",
        "transport",
        "--reason",
        "园区名称与工商登记不一致",
        "--json",
    )
    assert created.exit_code == 0, created.output
    ticket = json.loads(created.output)
    assert (ticket["state"], ticket["provider_department"], ticket["row_key"]) == (
        "open",
        "lingang_group",
        {"park_id": "PK001"},
    )
    listed = json.loads(run("list", "--open", "--json").output)
    assert [t["ticket_id"] for t in listed] == [ticket["ticket_id"]]
    assert catalog.load_table(CORRECTION_TICKETS).scan().to_arrow().num_rows == 1  # mirrored
    assert _catalogue_corrections("parks")["open"] == 1  # the catalogue entry shows the open dispute

    wrong = run(
        "answer", ticket["ticket_id"], "--department", "transport", "--accept", "--fix", "CR-1 已修正"
    )
    assert wrong.exit_code == 1 and "lingang_group; transport is not it" in wrong.output
    neither = run("answer", ticket["ticket_id"], "--department", "lingang_group")
    assert neither.exit_code == 2 and "--accept" in neither.output
    answered = run(
        "answer", ticket["ticket_id"], "--department", "lingang_group", "--reject", "--reason", "源数据无误"
    )
    assert answered.exit_code == 0 and f"{ticket['ticket_id']}: rejected" in answered.output
    assert _catalogue_corrections("parks")["open"] == 0
    shown = run("show", ticket["ticket_id"])
    assert "rejection_reason" in shown.output and "open → rejected" in shown.output
    assert run("list", "--open", "--json").output.strip() == "[]"


def test_unknown_names_get_the_closest_match_and_personal_values_are_not_echoed(run, catalog):
    unknown = run(
        "create",
        "--table",
        "exchange.parks",
        "--key",
        "PK001",
        "--column",
        "park_nme",
        "--department",
        "transport",
        "--reason",
        "园区名称有误",
    )
    assert unknown.exit_code == 1 and "did you mean 'park_name'" in unknown.output
    table = run(
        "create",
        "--table",
        "exchange.park",
        "--key",
        "PK001",
        "--column",
        "park_name",
        "--department",
        "transport",
        "--reason",
        "园区名称有误",
    )
    assert table.exit_code == 1 and "did you mean 'exchange.parks'" in table.output
    # enterprises is unconditional: every department reads it, its personal columns masked
    personal = run(
        "create",
        "--table",
        "exchange.enterprises",
        "--key",
        "uscc=91310115MA1K3YJ12X",
        "--column",
        "contact_mobile",
        "--department",
        "transport",
        "--reason",
        "联系电话已停用",
        "--proposed-value",
        "13800138000",
    )
    assert personal.exit_code == 0, personal.output
    assert "personal column" in personal.output and "13800138000" not in personal.output
    (shown,) = json.loads(run("list", "--json").output)
    assert (shown["proposed_value"], shown["proposed_value_withheld"]) == (None, True)


def test_the_dagster_asset_mirrors_the_tickets_with_open_and_overdue_counts(run, catalog):
    import dagster as dg

    from orchestration.defs.corrections import correction_tickets_mirror
    from orchestration.resources import lakehouse_resource

    for key in ("PK001", "PK002"):
        created = run(
            "create",
            "--table",
            "parks",
            "--key",
            key,
            "--column",
            "developer",
            "--department",
            "health",
            "--reason",
            "开发主体名称有误",
        )
        assert created.exit_code == 0, created.output
    result = dg.materialize([correction_tickets_mirror], resources={"lakehouse": lakehouse_resource()})
    assert result.success
    (tickets,) = [
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(["governance", "correction_tickets"])
    ]
    assert (tickets.metadata["rows"].value, tickets.metadata["open"].value) == (2, 2)
    assert tickets.metadata["overdue"].value == 0  # filed just now: 5 working days to go
    rows = catalog.load_table("governance.correction_ticket_history").scan().to_arrow()
    assert rows.column("action").to_pylist() == ["create", "create"]
