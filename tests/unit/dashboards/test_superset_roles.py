"""The department -> dataset/dashboard mapping is a pure function of the catalogue and the live grants."""

from __future__ import annotations

from dataclasses import dataclass

from governance.access import superset_roles as roles
from infra.vocabulary import DEPARTMENTS


@dataclass(frozen=True)
class Res:
    table: str
    sharing_type: str
    providers: frozenset[str]


@dataclass(frozen=True)
class Grant:
    department: str
    table: str
    row_filter: str | None = None


PARKING = "exchange.parking_utilisation_hourly"
HEALTH = "exchange.resident_health_summary"
LOTS = "exchange.parking_lots"
RESOURCES = {
    PARKING: Res(PARKING, "conditional", frozenset({"transport"})),
    HEALTH: Res(HEALTH, "conditional", frozenset({"health"})),
    LOTS: Res(LOTS, "unconditional", frozenset({"transport"})),
}


def test_conditional_mart_is_read_by_provider_and_stewards_only_without_grants() -> None:
    assert roles.table_readers(PARKING, RESOURCES, []) == {"transport", "data_office"}


def test_a_live_grant_adds_exactly_its_department() -> None:
    grants = [Grant("emergency", PARKING), Grant("health", "exchange.other_table")]
    assert roles.table_readers(PARKING, RESOURCES, grants) == {"transport", "data_office", "emergency"}


def test_unconditional_and_kpi_tables_are_read_by_every_department() -> None:
    assert roles.table_readers(LOTS, RESOURCES, []) == set(DEPARTMENTS)
    assert roles.table_readers("kpi.sharing_rate", RESOURCES, []) == set(DEPARTMENTS)


def test_unknown_table_is_for_stewards_only() -> None:
    assert roles.table_readers("exchange.not_in_catalogue", RESOURCES, []) == {"data_office"}


def test_grants_to_unknown_departments_are_ignored() -> None:
    assert "intruder" not in roles.table_readers(PARKING, RESOURCES, [Grant("intruder", PARKING)])


def test_dashboard_is_listed_only_for_departments_reading_all_its_datasets() -> None:
    plan = roles.access_plan([PARKING, LOTS, "kpi.sharing_rate"], RESOURCES, [])
    assert roles.dashboard_roles([PARKING, LOTS], plan) == {"transport", "data_office"}
    assert "health" not in roles.dashboard_roles([PARKING], plan)
    assert roles.dashboard_roles(["kpi.sharing_rate"], plan) == set(DEPARTMENTS)


def test_datasets_of_a_department() -> None:
    plan = roles.access_plan([PARKING, HEALTH, LOTS], RESOURCES, [])
    assert roles.datasets_of("health", plan) == [LOTS, HEALTH]
    assert roles.datasets_of("data_office", plan) == [LOTS, PARKING, HEALTH]


def test_row_conditions_become_filters_only_for_dataset_tables() -> None:
    grants = [Grant("emergency", PARKING, "town = '南汇新城镇'"), Grant("emergency", "exchange.x", "1 = 1")]
    assert roles.row_filters(grants, [PARKING]) == [
        roles.RowFilter("emergency", PARKING, "town = '南汇新城镇'")
    ]


def test_only_the_data_office_runs_raw_sql() -> None:
    assert roles.RAW_SQL_DEPARTMENTS == ("data_office",)


def test_project_marts_follow_their_contracts() -> None:
    """On the real contracts: parking sessions are conditional (transport), so is the parking mart."""
    plan = roles.access_plan([PARKING, HEALTH, "kpi.sharing_rate"], roles.project_resources(), [])
    assert plan[PARKING] == {"transport", "data_office"}
    assert plan[HEALTH] == {"health", "data_office"}
    assert plan["kpi.sharing_rate"] == set(DEPARTMENTS)
