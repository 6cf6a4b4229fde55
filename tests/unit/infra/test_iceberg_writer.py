import threading

import pyarrow as pa
import pytest

from infra.iceberg.writer import Partition, commit, ensure_table, loaded_units, watermark

SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("at", pa.timestamp("us"), nullable=False),
        pa.field("value", pa.int64()),
    ]
)


def _rows(ids, value=1):
    return pa.table(
        {
            "event_id": pa.array(ids, pa.string()),
            "at": pa.array(
                [
                    pa.scalar(1_700_000_000_000_000 + i * 3_600_000_000, pa.timestamp("us")).as_py()
                    for i, _ in enumerate(ids)
                ],
                pa.timestamp("us"),
            ),
            "value": pa.array([value] * len(ids), pa.int64()),
        },
        schema=SCHEMA,
    )


@pytest.fixture
def events(catalog):
    return ensure_table(catalog, "raw_transport.events", SCHEMA, [Partition("at", "day")], ["event_id"])


def _count(catalog, identifier="raw_transport.events"):
    return catalog.load_table(identifier).scan().to_arrow().num_rows


def test_table_is_partitioned_and_keyed(events):
    assert [f.name for f in events.spec().fields] == ["at_day"]
    assert events.schema().identifier_field_names() == {"event_id"}


def test_append_skips_keys_already_present(catalog, events):
    first = commit(
        catalog, "raw_transport.events", _rows(["a", "b", "c"]), "append", key=["event_id"], window="at"
    )
    second = commit(catalog, "raw_transport.events", _rows(["a", "b", "c", "d"]), "append", key=["event_id"])
    assert (first.rows_written, first.duplicates) == (3, 0)
    assert (second.rows_written, second.duplicates) == (1, 3)
    assert _count(catalog) == 4


def test_merge_replaces_rows_by_key(catalog, events):
    commit(catalog, "raw_transport.events", _rows(["a", "b"], value=1), "merge", key=["event_id"])
    commit(catalog, "raw_transport.events", _rows(["b", "c"], value=2), "merge", key=["event_id"])
    rows = {
        r["event_id"]: r["value"]
        for r in catalog.load_table("raw_transport.events").scan().to_arrow().to_pylist()
    }
    assert rows == {"a": 1, "b": 2, "c": 2}


def test_units_and_watermark_commit_with_the_data(catalog, events):
    commit(
        catalog,
        "raw_transport.events",
        _rows(["a"]),
        "append",
        key=["event_id"],
        units=["sha256:1"],
        new_watermark="2026-11-01",
    )
    again = commit(
        catalog, "raw_transport.events", _rows(["zzz"]), "append", key=["event_id"], units=["sha256:1"]
    )
    table = catalog.load_table("raw_transport.events")
    assert again.skipped
    assert loaded_units(table) == {"sha256:1"}
    assert watermark(table) == "2026-11-01"
    assert _count(catalog) == 1


def test_concurrent_commits_both_land(catalog, events):
    errors = []

    def load(prefix):
        try:
            ids = [f"{prefix}{i}" for i in range(50)]
            commit(
                catalog,
                "raw_transport.events",
                _rows(ids),
                "append",
                key=["event_id"],
                units=[f"unit-{prefix}"],
            )
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=load, args=(p,)) for p in "xyz"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert _count(catalog) == 150
    assert loaded_units(catalog.load_table("raw_transport.events")) == {"unit-x", "unit-y", "unit-z"}


def test_merge_requires_a_single_key(catalog, events):
    with pytest.raises(ValueError, match="exactly one key"):
        commit(catalog, "raw_transport.events", _rows(["a"]), "merge", key=[])
