"""Generated Trino access rules: pure functions over contracts, marts and grants (no servers)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from governance.access.grant import Grant
from governance.access.policy import check_grants
from governance.access.resources import AccessResource, access_resources, load_marts
from governance.access.row_filter import RowConditionError, validate_row_condition
from governance.access.trino_rules import (
    ALL_PRIVILEGES,
    ANALYST_SESSION_PROPERTIES,
    MASK,
    render_rules,
    write_atomic,
)
from governance.contracts import load_contracts
from infra.stack.trino_config import GroupFileError, group_file
from tests.unit.governance.access.trino_match import analyst, first, table_rule
from tests.unit.governance.access.trino_match import group_rule as _rule

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def resources() -> list[AccessResource]:
    return access_resources(load_contracts(), load_marts())


def test_resources_cover_exchange_tables_and_marts(resources) -> None:
    by_table = {r.table: r for r in resources}
    # Not shared by law: no exchange table, so no resource.
    assert "exchange.clinic_visits" not in by_table
    assert by_table["exchange.parking_lots"].sharing_type == "unconditional"
    # A mart built from a conditional resource is conditional, provided by its inputs' providers.
    mart = by_table["exchange.resident_health_summary"]
    assert (mart.sharing_type, mart.providers) == ("conditional", frozenset({"health"}))
    assert by_table["exchange.enterprise_profile"].personal_columns == ("legal_representative",)
    # Dropped columns never reach exchange, so they are neither listed nor masked.
    assert "caller_name" not in by_table["exchange.hotline_tickets"].columns


def test_stewards_everything_departments_never_raw(resources) -> None:
    rules = render_rules(resources, [], NOW)
    steward = table_rule(rules, "steward", ("data_office",), "raw_health.resident_health_records")
    assert steward["privileges"] == ALL_PRIVILEGES
    for group in ("transport", "health", "gov_services", "data_office"):
        for table in (
            "raw_health.clinic_visits",
            "raw_transport.parking_sessions",
            "quarantine.enterprises",
            "staging.parks",
            "governance.query_log",
        ):
            assert _rule(rules, group, table) is None, (group, table)


def test_steward_rights_follow_the_named_accounts_not_the_data_office_group(resources) -> None:
    """Issue #14, finding 6b: every rule that gave the data_office group steward rights also gave them to
    analyst_data_office, who read raw personal data and wrote."""
    rules = render_rules(resources, [], NOW, stewards=("steward", "steward_wang"))
    named = [r for section, found in rules.items() for r in found if "user" in r]
    assert named and all("group" not in r for r in named)  # no rule mixes the two
    raw = "raw_health.resident_health_records"
    assert (
        table_rule(rules, "steward_wang", (), raw)["privileges"] == ALL_PRIVILEGES
    )  # named: no group needed
    assert table_rule(rules, "analyst_data_office", ("data_office",), raw) is None
    # The data office's analyst reads as a department: unconditional masked, kpi, not another's conditional.
    office = table_rule(rules, "analyst_data_office", ("data_office",), "exchange.enterprises")
    assert {c["name"] for c in office["columns"]} == {"legal_representative", "contact_mobile"}
    assert table_rule(rules, "analyst_data_office", ("data_office",), "exchange.kiosk_checks") is None
    assert table_rule(rules, "analyst_data_office", ("data_office",), "kpi.sharing_rate") is not None
    for section in ("system_information", "queries", "schemas", "procedures"):
        assert first(rules[section], "steward_wang", ()) is not None, section
        found = first(rules[section], "analyst_data_office", ("data_office",))
        assert found is None or found.get("allow") == ["execute"], section
    catalogs = rules["catalogs"]
    assert first(catalogs, "steward", ("data_office",), catalog="lakehouse_admin")["allow"] == "all"
    assert first(catalogs, "analyst_data_office", ("data_office",), catalog="lakehouse_admin") is None
    assert (
        first(catalogs, "analyst_data_office", ("data_office",), catalog="lakehouse")["allow"] == "read-only"
    )


def test_no_named_steward_means_no_steward_rights(resources) -> None:
    rules = render_rules(resources, [], NOW, stewards=())
    assert table_rule(rules, "steward", ("data_office",), "raw_health.resident_health_records") is None
    assert rules["system_information"] == [] and rules["procedures"] == []


def test_procedures_and_session_properties_are_the_stewards(resources) -> None:
    """Issue #14, finding 2: analysts set lakehouse.expire_snapshots_min_retention = '0s' and ran table
    procedures. Procedures and catalog session properties are stewards only; system session properties
    an allow-list of limits on one's own query."""
    rules = render_rules(resources, [], NOW)
    transport = analyst("transport")
    assert first(rules["procedures"], *transport, procedure="rollback_to_snapshot") is None
    assert first(rules["procedures"], "steward", (), procedure="rollback_to_snapshot")["privileges"] == [
        "EXECUTE"
    ]
    for prop in ("expire_snapshots_min_retention", "remove_orphan_files_min_retention", "statistics_enabled"):
        assert (
            first(rules["catalog_session_properties"], *transport, catalog="lakehouse", property=prop)[
                "allow"
            ]
            is False
        )
        assert first(rules["catalog_session_properties"], "steward", (), catalog="lakehouse", property=prop)[
            "allow"
        ]
    system = rules["system_session_properties"]
    for prop in ANALYST_SESSION_PROPERTIES:
        assert first(system, *transport, property=prop)["allow"] is True
    for prop in ("resource_overcommit", "query_max_memory", "join_distribution_type", "query_max_run_time_x"):
        assert first(system, *transport, property=prop)["allow"] is False, prop
    assert first(system, "steward", (), property="resource_overcommit")["allow"] is True


def test_kpi_tables_but_not_their_metadata_tables(resources) -> None:
    rules = render_rules(resources, [], NOW)
    assert _rule(rules, "transport", "kpi.sharing_rate") is not None
    for suffix in ("$snapshots", "$files", "$history", "$manifests", "$partitions"):
        assert _rule(rules, "transport", f"kpi.sharing_rate{suffix}") is None, suffix
        assert _rule(rules, "transport", f"exchange.parking_lots{suffix}") is None, suffix


def test_unconditional_readable_with_pii_masked(resources) -> None:
    rules = render_rules(resources, [], NOW)
    rule = _rule(rules, "transport", "exchange.enterprises")
    assert rule is not None
    assert {c["name"]: c["mask"] for c in rule["columns"]} == {
        "legal_representative": MASK,
        "contact_mobile": MASK,
    }
    # The provider reads its own resource as published.
    assert "columns" not in _rule(rules, "lingang_group", "exchange.enterprises")


def test_conditional_needs_a_grant_provider_reads_own(resources) -> None:
    rules = render_rules(resources, [], NOW)
    assert _rule(rules, "transport", "exchange.resident_health_summary") is None
    assert _rule(rules, "transport", "exchange.parking_utilisation_hourly") is not None
    assert _rule(rules, "health", "exchange.parking_sessions") is None
    assert _rule(rules, "transport", "kpi.sharing_rate") is not None


def test_grant_opens_only_granted_columns_and_rows(resources) -> None:
    expires = NOW + timedelta(days=30)
    grant = Grant("health", "exchange.parking_sessions", ("lot_id", "plate"), "lot_id = 'L001'", expires)
    rules = render_rules(resources, [grant], NOW)
    rule = _rule(rules, "health", "exchange.parking_sessions")
    assert rule is not None
    denied = {c["name"] for c in rule["columns"] if c.get("allow") is False}
    parking = next(r for r in resources if r.table == "exchange.parking_sessions")
    assert denied == set(parking.columns) - {"lot_id", "plate"}
    # Granted personal column: no mask. The expiry is inside the filter too.
    assert not [c for c in rule["columns"] if "mask" in c]
    assert (
        rule["filter"]
        == "(lot_id = 'L001') AND current_timestamp < TIMESTAMP '2026-05-31 12:00:00.000000 UTC'"
    )
    # Another department is still denied.
    assert _rule(rules, "transport", "exchange.resident_health_summary") is None


def test_expired_and_invalid_grants_grant_nothing(resources) -> None:
    expired = Grant("health", "exchange.parking_sessions", ("lot_id",), None, NOW - timedelta(seconds=1))
    bad_filter = Grant(
        "health", "exchange.rental_trips", (), "user_mobile IN (SELECT x FROM raw_transport.t)"
    )
    bad_column = Grant("gov_services", "exchange.kiosk_checks", ("no_such_column",))
    unknown = Grant("health", "raw_transport.parking_sessions")
    valid, rejected = check_grants(resources, [expired, bad_filter, bad_column, unknown], NOW)
    assert valid == []
    reasons = {r.grant.table: r.reason for r in rejected}
    assert "not allowed" in reasons["exchange.rental_trips"]
    assert "no_such_column" in reasons["exchange.kiosk_checks"]
    assert "not an exchange table" in reasons["raw_transport.parking_sessions"]
    rules = render_rules(resources, [expired, bad_filter, bad_column, unknown], NOW)
    for group, table in (
        ("health", "exchange.parking_sessions"),
        ("health", "exchange.rental_trips"),
        ("gov_services", "exchange.kiosk_checks"),
    ):
        assert _rule(rules, group, table) is None


def test_grant_on_unconditional_unmasks_granted_pii(resources) -> None:
    grant = Grant("transport", "exchange.enterprises", ("contact_mobile",))
    rule = _rule(render_rules(resources, [grant], NOW), "transport", "exchange.enterprises")
    assert [c["name"] for c in rule["columns"]] == ["legal_representative"]


@pytest.mark.parametrize(
    "condition",
    [
        "town = 'a'; DROP TABLE x",
        "lot_id = (SELECT 1)",
        "current_user = 'x'",
        "nope = 1",
        "lot_id",
        "x.lot_id = 1",
    ],
)
def test_row_filter_refuses_unsafe(condition: str) -> None:
    with pytest.raises(RowConditionError):
        validate_row_condition(condition, ["lot_id", "entered_at"])


def test_row_filter_normalises_safe() -> None:
    got = validate_row_condition(
        "lot_id in ('a','b') and entered_at >= date '2026-01-01'", ["lot_id", "entered_at"]
    )
    assert got == "lot_id IN ('a', 'b') AND entered_at >= CAST('2026-01-01' AS DATE)"


@dataclass
class _User:
    name: str
    groups: tuple[str, ...]


def test_groups_file_and_unknown_group() -> None:
    users = [_User("b", ("health",)), _User("a", ("health",)), _User("s", ("data_office",)), _User("svc", ())]
    assert group_file(users) == "data_office:s\nhealth:a,b\n"
    with pytest.raises(GroupFileError, match="hospital"):
        group_file([_User("x", ("hospital",))])


def test_rules_are_json_and_deterministic(resources) -> None:
    first = json.dumps(render_rules(resources, [], NOW), sort_keys=True)
    assert first == json.dumps(render_rules(resources, [], NOW), sort_keys=True)


def test_write_atomic_replaces_and_reports_change(tmp_path: Path) -> None:
    target = tmp_path / "etc" / "rules.json"
    assert write_atomic(target, "{}\n") is True
    assert write_atomic(target, "{}\n") is False
    assert write_atomic(target, '{"a": 1}\n') is True
    assert target.read_text() == '{"a": 1}\n'
    assert [p.name for p in target.parent.iterdir()] == ["rules.json"]  # no temp file left behind


def test_rules_files_are_written_owner_only(tmp_path) -> None:
    import stat

    from governance.access.trino_rules import write_atomic

    path = tmp_path / "rules.json"
    assert write_atomic(path, "{}\n") is True
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)  # as an older version left it
    assert write_atomic(path, "{}\n") is False
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
