"""One row-condition rule: what an approval accepts, the generated access rules accept, and the reverse.

Before, approval (`sharing.requests.validate_row_condition`) and rule generation
(`access.row_filter.validate_row_filter`) had different rules: a condition could be approved and then
dropped by the rules generator (the grantee silently got nothing), or refused at approval although the
rules would take it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from governance.access.grant import Grant
from governance.access.policy import check_grants
from governance.access.resources import resource_of
from governance.sharing.rules import RequestError

SUBMITTED = datetime(2025, 9, 26, 10, 0)
APPROVED = datetime(2025, 9, 28, 9, 0)
EXPIRES = datetime(2026, 9, 30)
NOW = datetime(2025, 10, 1, tzinfo=UTC)

# Approved by the old approval rule, refused by the old rules generator: rows that depend on who asks.
IDENTITY = "street = '申港大道' OR current_user = 'analyst_emergency'"
# Refused by the old approval rule, taken by the old rules generator: a parenthesised column is no condition.
BARE_COLUMN = "(street)"
ACCEPTED = "category = '消防安全' AND street IN ('申港大道', '环湖西二路')"


def _approval(store, contracts, condition: str) -> str | None:
    """The approval path: the condition an approval records, or the refusal's message."""
    hotline = contracts["hotline_tickets"]
    request = store.create(
        hotline,
        "emergency",
        ["ticket_id", "received_at", "category", "street"],
        "应急联动研判: 按街道统计噪声与火情工单",
        published=True,
        at=SUBMITTED,
    )
    try:
        approved = store.approve(
            hotline, request.request_id, "city_management", EXPIRES, row_condition=condition, at=APPROVED
        )
    except RequestError as exc:
        return f"refused: {exc}"
    return approved.row_condition


def _rules(contracts, condition: str) -> str | None:
    """The rules path: the row filter a grant with this condition becomes, or why the grant is dropped."""
    resource = resource_of(contracts["hotline_tickets"])
    valid, rejected = check_grants([resource], [Grant("emergency", resource.table, (), condition)], NOW)
    return valid[0].row_condition if valid else f"refused: {rejected[0].reason}"


@pytest.mark.parametrize("condition", [IDENTITY, BARE_COLUMN, ACCEPTED])
def test_approval_and_access_rules_agree(store, contracts, condition) -> None:
    assert _approval(store, contracts, condition) == _rules(contracts, condition)


@pytest.mark.parametrize(
    ("condition", "words"),
    [(IDENTITY, "CURRENT_USER is not allowed"), (BARE_COLUMN, "boolean expression")],
)
def test_the_stricter_rule_wins_with_its_message(store, contracts, condition, words) -> None:
    assert words in _approval(store, contracts, condition)
    assert words in _rules(contracts, condition)


def test_an_accepted_condition_is_the_same_text_in_both(store, contracts) -> None:
    expected = "category = '消防安全' AND street IN ('申港大道', '环湖西二路')"
    assert _approval(store, contracts, ACCEPTED) == expected == _rules(contracts, ACCEPTED)
