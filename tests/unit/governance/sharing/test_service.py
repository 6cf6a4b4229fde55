"""A decision and its consequences, as the CLI and Dagster both run them: history, mirror, Trino's rules.

Real components: the SQLite request store, an embedded Iceberg catalog for the mirror, and on the stack
profile the generated rules.json written where the coordinator reads it (no server needs to run for that).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from governance.sharing import service
from governance.sharing.deadlines import now_cst
from governance.sharing.rules import RequestError
from infra.settings import load_settings
from infra.stack.paths import StackPaths
from infra.stack.trino_nodes import coordinator_node
from infra.zones import ACCESS_GRANTS, SHARING_REQUEST_HISTORY
from tests.unit.governance.sharing.conftest import HOTLINE_ROWS, write_exchange_table

TABLE = "hotline_tickets"


@pytest.fixture
def published(catalog):
    """exchange.hotline_tickets with two fire-safety tickets and one noise ticket."""
    write_exchange_table(catalog, TABLE, HOTLINE_ROWS)
    return catalog


@pytest.fixture
def on_stack(published, tmp_path, monkeypatch):
    """The stack profile for settings and the store (SQLite here), the embedded catalog for the mirror."""
    monkeypatch.setenv("LAKEHOUSE_PROFILE", "stack")
    monkeypatch.setenv("LAKEHOUSE_SHARING_DB_URL", f"sqlite:///{tmp_path / 'sharing.db'}")
    return published


def _rules_for(department: str) -> list[dict]:
    settings = load_settings()
    etc = coordinator_node(settings, StackPaths.of(settings)).etc
    rules = json.loads((etc / "rules.json").read_text(encoding="utf-8"))
    return [r for r in rules["tables"] if r.get("group") == department and r.get("table") == TABLE]


def _submit(store, contracts, catalog):
    return service.submit(
        store,
        contracts[TABLE],
        "emergency",
        ["ticket_id", "received_at", "category", "street"],
        "应急联动研判: 按街道统计噪声与火情工单",
        "category = '消防安全'",
        published=True,
        catalog=catalog,
    ).request


def _rows(catalog, identifier: str) -> int:
    return catalog.load_table(identifier).scan().to_arrow().num_rows


def test_approval_and_revocation_take_effect_in_trino_rules_and_the_mirror(on_stack, contracts):
    store = service.open_store()
    request = _submit(store, contracts, on_stack)
    approved = service.approve(store, request.request_id, catalog=on_stack)
    done = approved.consequences
    assert (done.mirror_error, done.rules_error) == (None, None)
    assert [g.grant_id for g in done.rules.grants] == [request.request_id]
    (rule,) = _rules_for("emergency")
    assert rule["filter"].startswith("(category = '消防安全') AND current_timestamp < TIMESTAMP '")
    denied = {c["name"] for c in rule["columns"] if c.get("allow") is False}
    assert denied == {"town", "caller_mobile", "content", "status", "closed_at"}
    assert _rows(on_stack, ACCESS_GRANTS) == 1
    assert approved.request.history[-1].detail["matched_rows"] == 2  # counted on the exchange table

    revoked = service.revoke(store, request.request_id, "用途已完成", catalog=on_stack)
    assert revoked.request.state == "revoked"
    assert revoked.consequences.rules is not None and revoked.consequences.rules.grants == ()
    assert _rules_for("emergency") == []
    assert _rows(on_stack, ACCESS_GRANTS) == 0
    assert _rows(on_stack, SHARING_REQUEST_HISTORY) == 4  # submit, check, approve, revoke


def test_on_the_embedded_profile_a_decision_is_mirrored_and_no_rules_are_written(published, contracts):
    catalog = published
    store = service.open_store()
    request = _submit(store, contracts, catalog)
    outcome = service.approve(store, request.request_id, catalog=catalog)
    assert outcome.request.state == "approved"
    assert (
        outcome.request.expires_at.date() == (now_cst() + timedelta(days=service.DEFAULT_GRANT_DAYS)).date()
    )
    done = outcome.consequences
    assert (done.rules, done.rules_error, done.mirror_error) == (None, None, None)
    assert done.mirrored[ACCESS_GRANTS] == 1


def test_the_sweep_records_expiry_and_closes_the_rule(on_stack, contracts):
    store = service.open_store()
    request = _submit(store, contracts, on_stack)
    store.approve(
        contracts[TABLE],
        request.request_id,
        "city_management",
        expires_at=datetime(2025, 12, 31),
        at=datetime(2025, 9, 29, 15, 0),
    )
    expired, done = service.sweep(on_stack, store)
    assert expired == [request.request_id]
    assert store.get(request.request_id).state == "expired"
    assert done.rules is not None and done.rules.grants == ()
    assert _rules_for("emergency") == []
    assert done.mirrored[ACCESS_GRANTS] == 0


def test_an_approval_that_shares_no_row_is_refused_unless_a_reason_is_given(published, contracts):
    """Issue #14, finding 5: `lot_id = 'P001'` (docs/sharing.md's old example) matched no row and still
    counted as sharing. The approved condition is counted on the exchange table at approval."""
    store = service.open_store()
    request = _submit(store, contracts, published)
    nothing = "category = '燃气泄漏'"
    with pytest.raises(RequestError, match=r"matches 0 rows of exchange\.hotline_tickets"):
        service.approve(store, request.request_id, row_condition=nothing, catalog=published)
    assert store.get(request.request_id).state == "submitted"
    kept = service.approve(
        store, request.request_id, row_condition=nothing, catalog=published, allow_empty="燃气工单下月接入"
    ).request
    assert (kept.state, kept.row_condition) == ("approved", nothing)
    approval = kept.history[-1]
    assert approval.detail == {
        **approval.detail,
        "matched_rows": 0,
        "allow_empty_reason": "燃气工单下月接入",
    }


def test_a_condition_is_counted_with_its_values_bound_not_spliced(published, contracts):
    """A quote in the value stays part of the value: the count is 0 (refused), not every row."""
    store = service.open_store()
    request = _submit(store, contracts, published)
    with pytest.raises(RequestError, match="matches 0 rows"):
        service.approve(
            store, request.request_id, row_condition="category = 'x'' OR ''1''=''1'", catalog=published
        )
    approved = service.approve(
        store, request.request_id, row_condition="street = '申港大道'", catalog=published
    )
    assert approved.request.history[-1].detail["matched_rows"] == 2


def test_a_table_not_yet_published_matches_nothing(catalog, contracts):
    store = service.open_store()
    request = _submit(store, contracts, catalog)
    with pytest.raises(RequestError, match="matches 0 rows"):
        service.approve(store, request.request_id, catalog=catalog)
    allowed = service.approve(store, request.request_id, catalog=catalog, allow_empty="数据下周首次发布")
    assert allowed.request.state == "approved"
