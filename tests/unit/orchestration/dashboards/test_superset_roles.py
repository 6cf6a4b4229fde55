"""The department -> dataset/dashboard mapping is the access policy's answer, as Trino's rules are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from governance.access import superset_roles as roles
from governance.access.grant import Grant
from governance.access.policy import AccessPolicy, project_policy
from governance.access.resources import AccessResource, MartInput
from infra.vocabulary import DEPARTMENTS
from infra.zones import EXCHANGE

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
SESSIONS = EXCHANGE.table("parking_sessions")
PARKING = EXCHANGE.table("parking_utilisation_hourly")
HEALTH = EXCHANGE.table("resident_health_summary")
LOTS = EXCHANGE.table("parking_lots")
RECORDS = EXCHANGE.table("resident_health_records")


def _input(table: str, sharing_type: str, provider: str) -> MartInput:
    return MartInput(table.split(".")[1], sharing_type, provider, EXCHANGE.table(table.split(".")[1]), ())


RESOURCES = [
    AccessResource(SESSIONS, "conditional", frozenset({"transport"}), ("lot_id", "town"), ()),
    AccessResource(LOTS, "unconditional", frozenset({"transport"}), ("lot_id",), ()),
    AccessResource(RECORDS, "conditional", frozenset({"health"}), ("age_band",), ()),
    AccessResource(
        PARKING,
        "conditional",
        frozenset({"transport"}),
        ("lot_id", "town", "sessions"),
        (),
        inputs=(_input(SESSIONS, "conditional", "transport"), _input(LOTS, "unconditional", "transport")),
    ),
    AccessResource(
        HEALTH,
        "conditional",
        frozenset({"health"}),
        ("age_band", "n"),
        (),
        inputs=(_input(RECORDS, "conditional", "health"),),
    ),
]


def _policy(*grants: Grant) -> AccessPolicy:
    return AccessPolicy.of(RESOURCES, grants, NOW)


def _plan(tables, *grants: Grant) -> dict[str, frozenset[str]]:
    return roles.access_plan(tables, _policy(*grants))


def test_conditional_mart_is_read_by_provider_and_stewards_only_without_grants() -> None:
    assert _plan([PARKING])[PARKING] == {"transport", "stewards"}


def test_a_live_grant_on_the_input_adds_exactly_its_department() -> None:
    grants = [Grant("emergency", SESSIONS), Grant("health", LOTS)]
    assert _plan([PARKING], *grants)[PARKING] == {"transport", "stewards", "emergency"}


def test_an_expired_grant_adds_nobody() -> None:
    expired = Grant("emergency", SESSIONS, expires_at=NOW - timedelta(seconds=1))
    assert _plan([PARKING], expired)[PARKING] == {"transport", "stewards"}


def test_unconditional_and_kpi_tables_are_read_by_every_department() -> None:
    plan = _plan([LOTS, "kpi.sharing_rate"])
    assert plan[LOTS] == set(roles.ROLES)
    assert plan["kpi.sharing_rate"] == set(roles.ROLES) == {*DEPARTMENTS, "stewards"}


def test_unknown_table_is_for_stewards_only() -> None:
    assert _plan(["exchange.not_in_catalogue"])["exchange.not_in_catalogue"] == {"stewards"}


def test_grants_to_unknown_departments_are_ignored() -> None:
    assert "intruder" not in _plan([SESSIONS], Grant("intruder", SESSIONS))[SESSIONS]


def test_dashboard_is_listed_only_for_departments_reading_all_its_datasets() -> None:
    plan = _plan([PARKING, LOTS, "kpi.sharing_rate"])
    assert roles.dashboard_roles([PARKING, LOTS], plan) == {"transport", "stewards"}
    assert "health" not in roles.dashboard_roles([PARKING], plan)
    assert roles.dashboard_roles(["kpi.sharing_rate"], plan) == set(roles.ROLES)


def test_datasets_of_a_department() -> None:
    plan = _plan([PARKING, HEALTH, LOTS])
    assert roles.datasets_of("health", plan) == [LOTS, HEALTH]
    assert roles.datasets_of("stewards", plan) == [LOTS, PARKING, HEALTH]
    # The data office's own role is a department's: what is unconditional, not others' conditional marts.
    assert roles.datasets_of("data_office", plan) == [LOTS]


def test_row_conditions_become_filters_only_for_dataset_tables() -> None:
    grants = [
        Grant("emergency", SESSIONS, row_condition="town = '南汇新城镇'"),
        Grant("health", RECORDS, row_condition="age_band = '60+'"),
    ]
    assert roles.row_filters([SESSIONS], _policy(*grants)) == [
        roles.RowFilter("emergency", SESSIONS, "town = '南汇新城镇'")
    ]


def test_several_grants_of_one_department_are_one_filter_as_in_trino() -> None:
    grants = [
        Grant("emergency", SESSIONS, row_condition="town = 'a'", grant_id="SR-1"),
        Grant("emergency", SESSIONS, row_condition="lot_id = 'P1'", grant_id="SR-2"),
    ]
    assert roles.row_filters([SESSIONS], _policy(*grants)) == [
        roles.RowFilter("emergency", SESSIONS, "(town = 'a') OR (lot_id = 'P1')")
    ]


def test_a_grant_whose_condition_trino_would_refuse_opens_nothing_in_superset_either() -> None:
    bad = Grant("emergency", SESSIONS, row_condition="current_user = 'analyst_emergency'")
    policy = _policy(bad)
    assert "emergency" not in roles.access_plan([SESSIONS], policy)[SESSIONS]
    assert roles.row_filters([SESSIONS], policy) == []


def test_only_the_stewards_run_raw_sql() -> None:
    assert roles.RAW_SQL_ROLES == ("stewards",)


def test_project_marts_follow_their_inputs() -> None:
    """On the real contracts: parking sessions are conditional (transport), so is the parking mart; the
    enterprise profile needs the conditional approval applications (gov_services)."""
    profile = EXCHANGE.table("enterprise_profile")
    plan = roles.access_plan([PARKING, HEALTH, profile, "kpi.sharing_rate"], project_policy([], NOW))
    assert plan[PARKING] == {"transport", "stewards"}
    assert plan[HEALTH] == {"health", "stewards"}
    assert plan[profile] == {"gov_services", "stewards"}
    assert plan["kpi.sharing_rate"] == set(roles.ROLES)
