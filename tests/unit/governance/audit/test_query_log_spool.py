"""A query-log load reads only what the spool gained since the last one (real files, real local catalog)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from governance.audit.query_log import SpoolCursor, load_spool, read_spool_since
from infra.iceberg.writer import WATERMARK_PROPERTY
from infra.zones import QUERY_LOG
from tests.unit.governance.audit.trino_events import completed

START = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def _reads(first: int, count: int) -> list[dict]:
    return [
        completed(
            f"r{i}",
            "SELECT 1",
            None,
            user="analyst_transport",
            update_type=None,
            ended=START + timedelta(minutes=i),
        )
        for i in range(first, first + count)
    ]


def _append(spool: Path, events: list[dict], tail: str = "") -> None:
    with spool.open("a", encoding="utf-8") as handle:
        handle.write("".join(json.dumps(e) + "\n" for e in events) + tail)


def _ids(catalog) -> list[str]:
    return sorted(
        catalog.load_table(QUERY_LOG).scan(selected_fields=("query_id",)).to_arrow()["query_id"].to_pylist()
    )


def _snapshot(catalog) -> int | None:
    snapshot = catalog.load_table(QUERY_LOG).current_snapshot()
    return snapshot.snapshot_id if snapshot else None


def test_each_load_reads_only_the_lines_added_since_the_last(catalog, tmp_path):
    spool = tmp_path / "query-events.ndjson"
    _append(spool, _reads(0, 3))
    first = load_spool(catalog, spool, {})
    assert (first.events, first.rows_written) == (3, 3)
    _append(spool, _reads(3, 2))
    second = load_spool(catalog, spool, {})
    assert (second.events, second.rows_written) == (2, 2)
    snapshot = _snapshot(catalog)
    idle = load_spool(catalog, spool, {})
    assert (idle.events, idle.rows_written) == (0, 0)
    assert _snapshot(catalog) == snapshot  # nothing read, nothing committed
    assert _ids(catalog) == [f"r{i}" for i in range(5)]


def test_a_line_being_written_is_read_by_the_next_load_once_complete(catalog, tmp_path):
    spool = tmp_path / "query-events.ndjson"
    cut = json.dumps(_reads(1, 1)[0])
    _append(spool, _reads(0, 1), tail=cut[:25])
    assert load_spool(catalog, spool, {}).events == 1
    with spool.open("a", encoding="utf-8") as handle:
        handle.write(cut[25:] + "\n")
    assert load_spool(catalog, spool, {}).rows_written == 1
    assert _ids(catalog) == ["r0", "r1"]


@pytest.mark.parametrize("how", ["replaced by a new file", "truncated and rewritten in place"])
def test_a_spool_replaced_or_truncated_is_read_from_its_start(catalog, tmp_path, how):
    spool = tmp_path / "query-events.ndjson"
    _append(spool, _reads(0, 4))
    load_spool(catalog, spool, {})
    if how == "replaced by a new file":
        fresh = tmp_path / "fresh.ndjson"
        _append(fresh, _reads(4, 5))  # longer than the old one: its size alone would not tell
        os.replace(fresh, spool)
    else:
        spool.write_text("", encoding="utf-8")
        _append(spool, [*_reads(2, 1), *_reads(10, 4)])  # an event already loaded comes back first
    again = load_spool(catalog, spool, {})
    assert again.events == 5  # every line of the spool as it is now
    assert again.rows_written == (5 if how == "replaced by a new file" else 4)
    expected = range(9) if how == "replaced by a new file" else [*range(4), *range(10, 14)]
    assert _ids(catalog) == sorted(f"r{i}" for i in expected)


def test_lines_that_are_no_completed_query_move_the_cursor_without_a_snapshot(catalog, tmp_path):
    spool = tmp_path / "query-events.ndjson"
    _append(spool, [{"metadata": {"queryId": "q0"}, "createTime": "2026-05-01T09:00:00Z"}])  # created event
    result = load_spool(catalog, spool, {})
    assert (result.events, result.rows_written, _snapshot(catalog)) == (1, 0, None)
    cursor = SpoolCursor.from_text(catalog.load_table(QUERY_LOG).properties[WATERMARK_PROPERTY])
    assert cursor is not None and cursor.offset == spool.stat().st_size
    assert load_spool(catalog, spool, {}).events == 0


def test_a_watermark_that_is_no_cursor_reads_the_spool_from_its_start(tmp_path):
    spool = tmp_path / "query-events.ndjson"
    _append(spool, _reads(0, 2))
    for text in (None, "", "2026-05-01", '{"offset": 3}', "[1, 2]"):
        assert len(read_spool_since(spool, SpoolCursor.from_text(text)).events) == 2
    assert read_spool_since(tmp_path / "absent.ndjson", None).cursor is None
