"""The decision whether staging/exchange may append only the new rows (governance.incremental.plan): any
doubt answers "full", with the reason."""

from __future__ import annotations

import pyarrow as pa
import pytest
from pyiceberg.expressions import EqualTo

from governance.contracts import load_contracts
from governance.incremental import (
    NotIncremental,
    append_rows,
    exchange_blockers,
    operations_since,
    plan,
    staging_blockers,
)

RAW = "raw_transport.rental_trips"
OUT = "staging.rental_trips"
CODE = "c0de"


def _plan(**changes):
    arguments = {
        "source": RAW,
        "code": CODE,
        "inputs": {RAW: "200", "pseudonym_key": "k1"},
        "outputs": {OUT: "150"},
        "recorded_code": CODE,
        "recorded_inputs": {RAW: "100", "pseudonym_key": "k1"},
        "recorded_outputs": {OUT: "150"},
        "operations": ["append", "append"],
    }
    return plan(**(arguments | changes))


def test_only_appends_since_the_recorded_snapshot_append_incrementally():
    found = _plan()
    assert found.incremental
    assert (found.source, found.from_snapshot, found.to_snapshot, found.output_snapshot) == (
        RAW,
        100,
        200,
        150,
    )
    assert found.metadata() == {
        "mode": "incremental",
        "incremental": True,
        "reason": f"2 append snapshot(s) of {RAW} since 100",
        "from_snapshot": "100",
        "to_snapshot": "200",
    }


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"switched_on": False}, "LAKEHOUSE_INCREMENTAL=0 forces the full path"),
        ({"blockers": ["write mode merge: …"]}, "write mode merge: …"),
        ({"recorded_inputs": None}, "no previous materialization recorded"),
        ({"recorded_code": "old"}, f"code version old → {CODE}"),
        ({"inputs": {RAW: "200", "pseudonym_key": "k2"}}, "pseudonym_key changed"),
        ({"inputs": {RAW: "200"}}, "inputs differ from the previous run's"),
        ({"inputs": {RAW: None, "pseudonym_key": "k1"}}, f"no snapshot of {RAW} recorded or current"),
        ({"outputs": {OUT: "151"}}, f"{OUT} no longer holds the snapshot the last run wrote (150 → 151)"),
        ({"outputs": {OUT: None}}, f"{OUT} no longer holds the snapshot the last run wrote (150 → None)"),
        ({"operations": None}, f"snapshot 100 of {RAW} is no longer in its history (expired or rolled back)"),
        ({"operations": []}, f"no snapshot of {RAW} after 100"),
        (
            {"operations": ["append", "overwrite"]},
            f"{RAW} had a 'overwrite' snapshot since 100: not only appends",
        ),
        ({"operations": ["delete", "append"]}, f"{RAW} had a 'delete' snapshot since 100: not only appends"),
        ({"operations": ["replace"]}, f"{RAW} had a 'replace' snapshot since 100: not only appends"),
        (
            {"last_gate_passed": False},
            "the last privacy gate on the recorded input did not pass (or is unknown)",
        ),
        (
            {"last_gate_passed": None},
            "the last privacy gate on the recorded input did not pass (or is unknown)",
        ),
    ],
)
def test_any_doubt_takes_the_full_path_and_says_why(changes, reason):
    found = _plan(**changes)
    assert not found.incremental
    assert found.reason.startswith(reason)
    assert found.metadata() == {"mode": "full", "incremental": False, "reason": found.reason}


def test_the_contracts_that_cannot_append_say_why():
    contracts = load_contracts()
    assert staging_blockers(contracts["rental_trips"]) == []
    assert exchange_blockers(contracts["rental_trips"]) == []
    assert staging_blockers(contracts["hotline_tickets"])[0].startswith("write mode merge")
    # Suppression judges the whole table: staging may append, its exchange table may not.
    assert staging_blockers(contracts["elderly_care_alerts"]) == []
    assert "suppresses" in exchange_blockers(contracts["elderly_care_alerts"])[0]
    assert "no exchange table" in exchange_blockers(contracts["clinic_visits"])[0]


def test_operations_are_read_from_the_real_history(catalog):
    catalog.create_namespace_if_not_exists("t")
    table = catalog.create_table("t.events", schema=pa.schema([pa.field("n", pa.int64())]))
    table.append(pa.table({"n": [1, 2]}))
    first = table.current_snapshot().snapshot_id
    table.append(pa.table({"n": [3]}))
    table.append(pa.table({"n": [4]}))
    appended = table.current_snapshot().snapshot_id
    assert operations_since(table, first, appended) == ["append", "append"]
    table.delete(EqualTo("n", 1))
    table = catalog.load_table("t.events")
    now = table.current_snapshot().snapshot_id
    assert operations_since(table, first, now)[:2] == ["append", "append"]
    assert set(operations_since(table, first, now)[2:]) & {"delete", "overwrite"}
    assert operations_since(table, now, first) is None  # not an ancestor


def test_rows_are_appended_only_onto_the_snapshot_the_plan_was_made_for(catalog):
    catalog.create_namespace_if_not_exists("t")
    table = catalog.create_table("t.out", schema=pa.schema([pa.field("n", pa.int64())]))
    table.append(pa.table({"n": [1]}))
    planned = table.current_snapshot().snapshot_id
    table.append(pa.table({"n": [2]}))  # someone wrote since the plan
    with pytest.raises(NotIncremental, match="moved from snapshot"):
        append_rows(catalog, "t.out", pa.table({"n": [3]}), planned, "test")
    with pytest.raises(NotIncremental, match="columns differ"):
        append_rows(catalog, "t.out", pa.table({"m": [3]}), planned, "test")
    now = catalog.load_table("t.out").current_snapshot().snapshot_id
    written = append_rows(catalog, "t.out", pa.table({"n": [3]}), now, "raw.x@1..2")
    result = catalog.load_table("t.out")
    assert result.current_snapshot().snapshot_id == written != now
    assert sorted(result.scan().to_arrow().column("n").to_pylist()) == [1, 2, 3]
    assert result.current_snapshot().summary["lakehouse.appended-from"] == "raw.x@1..2"
