"""The one access policy on the real contracts and dbt marts: who reads a table, and how.

Composite marts (issue #14, finding 1): a mart is read by the departments that may read EVERY input it uses,
with its personal columns masked unless the department may read each one unmasked where it comes from.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from governance.access import superset_roles
from governance.access.grant import Grant
from governance.access.policy import FULL, STEWARDS, AccessPolicy, project_policy
from governance.access.resources import MartModel, access_resources, load_marts, resource_of_mart
from governance.access.trino_rules import MASK, render_policy
from governance.contracts import load_contracts
from infra.vocabulary import DEPARTMENTS
from infra.zones import EXCHANGE
from tests.unit.governance.access.trino_match import group_rule as _trino_rule

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
PROFILE = EXCHANGE.table("enterprise_profile")
APPLICATIONS = EXCHANGE.table("approval_applications")


@pytest.fixture(scope="module")
def contracts():
    return load_contracts()


@pytest.fixture(scope="module")
def resources(contracts):
    return access_resources(contracts, load_marts())


def _policy(resources, *grants: Grant) -> AccessPolicy:
    return AccessPolicy.of(resources, grants, NOW)


def test_enterprise_profile_reads_three_departments_inputs(resources) -> None:
    profile = next(r for r in resources if r.table == PROFILE)
    providers = {i.dataset: i.provider for i in profile.inputs}
    assert set(providers.values()) == {"lingang_group", "construction", "gov_services"}
    assert providers["approval_applications"] == "gov_services"


@pytest.mark.parametrize("department", ["lingang_group", "construction"])
def test_provider_of_one_input_is_not_a_reader_of_the_composite_mart(resources, department) -> None:
    """Before: every provider of any input got full SELECT, unmasked, on enterprise_profile."""
    policy = _policy(resources)
    assert department not in policy.readers(PROFILE)
    assert _trino_rule(render_policy(policy), department, PROFILE) is None
    assert department not in superset_roles.access_plan([PROFILE], policy)[PROFILE]


def test_the_conditional_inputs_provider_reads_the_mart_with_other_inputs_personal_columns_masked(
    resources,
) -> None:
    """gov_services may read every input (it provides the conditional one), but legal_representative
    comes from lingang_group's enterprises, which gov_services reads masked."""
    policy = _policy(resources)
    access = policy.readers(PROFILE)["gov_services"]
    assert access.masked == ("legal_representative",) and access.columns is None and not access.rows
    assert access.kind == "masked"
    rule = _trino_rule(render_policy(policy), "gov_services", PROFILE)
    assert rule["columns"] == [{"name": "legal_representative", "mask": MASK}]
    assert "filter" not in rule
    assert policy.readers(PROFILE)[STEWARDS] == FULL


def test_a_grant_on_the_conditional_input_makes_its_department_a_reader_until_it_expires(resources) -> None:
    expires = NOW + timedelta(days=30)
    grant = Grant("emergency", APPLICATIONS, ("application_id",), expires_at=expires, grant_id="SR-7")
    policy = _policy(resources, grant)
    access = policy.readers(PROFILE)["emergency"]
    assert access.masked == ("legal_representative",)
    assert access.grant_ids == ("SR-7",)
    assert access.kind == "granted"  # its rows end with the grant
    rule = _trino_rule(render_policy(policy), "emergency", PROFILE)
    # The mart's rows stop when the grant it rests on ends, even before the next refresh.
    assert rule["filter"] == "current_timestamp < TIMESTAMP '2026-05-31 12:00:00.000000 UTC'"
    assert "emergency" in superset_roles.access_plan([PROFILE], policy)[PROFILE]
    # At the expiry: not a reader any more.
    assert "emergency" not in AccessPolicy.of(resources, [grant], expires).readers(PROFILE)


def test_a_grant_for_some_rows_of_an_input_does_not_open_the_mart_built_from_all_of_them(resources) -> None:
    partial = Grant("emergency", APPLICATIONS, (), row_condition="town = '南汇新城镇'")
    policy = _policy(resources, partial)
    assert "emergency" in policy.readers(APPLICATIONS)  # the input itself, those rows
    assert "emergency" not in policy.readers(PROFILE)


def test_a_direct_grant_on_a_mart_is_rejected(resources) -> None:
    policy = _policy(resources, Grant("lingang_group", PROFILE))
    assert [r.reason for r in policy.rejected] == [
        f"{PROFILE} is a mart: it is read through grants on its inputs"
    ]
    assert "lingang_group" not in policy.readers(PROFILE)


def test_a_mart_of_unconditional_inputs_only_is_read_by_all_personal_columns_masked_but_for_their_provider(
    contracts,
) -> None:
    mart = MartModel(
        "park_enterprises", ("uscc", "park_name", "legal_representative"), ("enterprises", "parks")
    )
    resource = resource_of_mart(mart, contracts)
    readers = AccessPolicy.of([resource], [], NOW).readers(resource.table)
    assert set(readers) == {*DEPARTMENTS, STEWARDS}
    assert readers["lingang_group"] == FULL and FULL.kind == "full"  # provides both inputs
    assert readers["transport"].masked == ("legal_representative",)
    # A grant covering the column on its origin unmasks it there, and so in the mart.
    origin = Grant("transport", EXCHANGE.table("enterprises"), ("legal_representative",))
    resources = [resource, *access_resources({"enterprises": contracts["enterprises"]})]
    assert AccessPolicy.of(resources, [origin], NOW).readers(resource.table)["transport"] == FULL


def test_a_mart_with_an_input_shared_with_nobody_is_for_that_inputs_provider(resources) -> None:
    """resident_health_summary reads clinic_visits (不予共享): only health (and stewards) may read it,
    whatever grants exist on its other inputs."""
    health = EXCHANGE.table("resident_health_summary")
    grants = [Grant("transport", EXCHANGE.table(n)) for n in ("kiosk_checks", "elderly_care_alerts")]
    grants.append(Grant("transport", EXCHANGE.table("resident_health_records")))
    assert set(_policy(resources, *grants).readers(health)) == {"health", STEWARDS}
    assert _policy(resources).readers(health)["health"] == FULL


def test_a_mart_with_no_known_input_is_for_stewards_only(contracts) -> None:
    resource = resource_of_mart(MartModel("orphan", ("x",), ("no_such_dataset",)), contracts)
    assert set(AccessPolicy.of([resource], [], NOW).readers(resource.table)) == {STEWARDS}


def test_trino_superset_and_policy_agree_on_every_table_and_department(resources) -> None:
    grants = [
        Grant("emergency", APPLICATIONS, ("application_id",)),
        Grant("health", EXCHANGE.table("parking_sessions"), ("lot_id",), "lot_id = 'P001'"),
        Grant("transport", EXCHANGE.table("hotline_tickets"), (), None, NOW + timedelta(days=1)),
    ]
    policy = _policy(resources, *grants)
    rules = render_policy(policy)
    tables = [r.table for r in resources]
    plan = superset_roles.access_plan(tables, policy)
    for table in tables:
        for department in DEPARTMENTS:
            reads = department in policy.readers(table)
            assert (_trino_rule(rules, department, table) is not None) == reads, (department, table)
            assert (department in plan[table]) == reads, (department, table)


def test_project_policy_reads_the_project(resources) -> None:
    assert set(project_policy([], NOW).resources) == {r.table for r in resources}


def test_the_data_office_is_a_department_like_any_other(resources) -> None:
    """Steward rights belong to the named steward accounts (STEWARDS); the data office's analysts read as
    any department does: kpi, unconditional masked, conditional only with a grant (issue #14, finding 6b)."""
    kiosk = EXCHANGE.table("kiosk_checks")
    grant = Grant("data_office", kiosk, ("check_id", "kiosk_id"), "kiosk_id = 'HK0001'", grant_id="SR-9")
    policy = _policy(resources, grant)
    assert policy.rejected == ()
    assert policy.readers(kiosk)["data_office"].columns == ("check_id", "kiosk_id")
    assert "data_office" not in policy.readers(EXCHANGE.table("resident_health_records"))
    assert policy.readers(EXCHANGE.table("enterprises"))["data_office"].masked == (
        "legal_representative",
        "contact_mobile",
    )
    assert policy.readers("raw_health.resident_health_records") == {STEWARDS: FULL}
    assert policy.readers("kpi.sharing_rate")["data_office"] == FULL
