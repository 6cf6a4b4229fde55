"""Hand-written expectations: what a contract cannot say (orderings between columns, plausible bands).

One entry per dataset name. Orderings ignore rows where either side is missing (an open parking session
has no exit time yet); the contract's ``required`` flags already catch missing values that matter.
"""

from __future__ import annotations

from quality.rules import Rule


def _after(later: str, earlier: str, note: str, or_equal: bool = True) -> Rule:
    return Rule(
        "expect_column_pair_values_a_to_be_greater_than_b",
        {
            "column_A": later,
            "column_B": earlier,
            "or_equal": or_equal,
            "ignore_row_if": "either_value_is_missing",
        },
        origin="custom",
        note=note,
    )


def _band(column: str, low: float, high: float, note: str) -> Rule:
    return Rule(
        "expect_column_values_to_be_between",
        {"column": column, "min_value": low, "max_value": high},
        origin="custom",
        note=note,
    )


EXTRA_RULES: dict[str, tuple[Rule, ...]] = {
    "parking_sessions": (
        _after("exited_at", "entered_at", "a parking session ends after it starts", or_equal=False),
    ),
    "approval_steps": (_after("finished_at", "started_at", "an approval step finishes after it starts"),),
    "approval_applications": (
        _after("decided_at", "submitted_at", "an application is decided after it is submitted"),
        _after("updated_at", "submitted_at", "an application is updated after it is submitted"),
    ),
    "energy_readings": (
        # The contract's 0..20000 kWh is the meter's hardware limit. The park's largest building (about
        # 150,000 m²) draws at most ~12,000 kWh in an hour; a building average above 2,000 kWh per reading
        # means a unit error (Wh delivered as kWh), not a busy day.
        _band("kwh", 0, 12_000, "hourly readings are non-negative and within a plausible band"),
        Rule(
            "expect_column_mean_to_be_between",
            {"column": "kwh", "min_value": 1, "max_value": 2_000},
            origin="custom",
            note="the average hourly reading is plausible (catches Wh/kWh unit errors)",
        ),
    ),
    "hotline_tickets": (_after("closed_at", "received_at", "a ticket is closed after it is received"),),
    "elderly_care_alerts": (_after("handled_at", "raised_at", "an alert is handled after it is raised"),),
    "rental_trips": (_after("ended_at", "started_at", "a trip ends after it starts"),),
    "kiosk_checks": (
        _after("systolic_mmhg", "diastolic_mmhg", "systolic pressure is above diastolic", or_equal=False),
    ),
}


def extra_rules(dataset: str) -> tuple[Rule, ...]:
    return EXTRA_RULES.get(dataset, ())
