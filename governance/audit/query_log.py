"""`governance.query_log`: one row per Trino query (who, which groups, the SQL, tables and columns, state).

Trino's HTTP event listener posts each completed query to our receiver, which appends it to an NDJSON
spool; `ingest_query_log` loads what the spool gained since the last load with our Iceberg writer, keyed
by query id, so loading the same spool twice (or an event Trino re-sent) adds nothing. Where the last load
stopped (the spool file, its first line's digest, the byte after the last complete line read) is kept as
the table's watermark, committed with the rows: a load reads only the new lines, not every query since the
stack began, and a spool replaced, rotated or truncated since (another file, another first line, fewer
bytes) is read from its start. The SQL text is stored as written: literals may
quote personal data, which is why the governance zone is for stewards only. The receiver accepts only
posts carrying Trino's audit token; the posts it refused are counted here (`IngestResult.refused_posts`),
so a forgery attempt is reported with every load. In the same load, each completed query that wrote a
table (CREATE TABLE AS, INSERT … SELECT) becomes a lineage run with producer `trino` in
governance.lineage_runs / lineage_edges (`governance.lineage.trino`), keyed by query id the same way.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlglot
from pyiceberg.catalog import Catalog
from sqlglot import exp

from governance.lineage.trino import QueryLineage, query_lineage, record_queries
from infra.catalog import open_catalog
from infra.iceberg.writer import commit, ensure_table, watermark
from infra.settings import Settings
from infra.stack.audit import refused_path, spool_path
from infra.stack.paths import StackPaths
from infra.stack.trino_nodes import coordinator_node
from infra.zones import QUERY_LOG

KEY = "query_id"
QUERY_LOG_SCHEMA = pa.schema(
    [
        pa.field("query_id", pa.string(), nullable=False),
        pa.field("user", pa.string(), nullable=False),
        pa.field("groups", pa.list_(pa.string())),
        pa.field("source", pa.string()),
        pa.field("query", pa.string()),
        pa.field("state", pa.string(), nullable=False),
        pa.field("error_code", pa.string()),
        pa.field("error_message", pa.string()),
        pa.field("tables", pa.list_(pa.string())),
        pa.field("columns", pa.list_(pa.string())),
        pa.field("masked_columns", pa.list_(pa.string())),
        pa.field("row_filters", pa.list_(pa.string())),
        pa.field("tables_from_text", pa.bool_()),
        pa.field("created_at", pa.timestamp("us", tz="UTC")),
        pa.field("ended_at", pa.timestamp("us", tz="UTC")),
        pa.field("output_rows", pa.int64()),
    ]
)


@dataclass(frozen=True)
class IngestResult:
    events: int
    rows_written: int
    snapshot_id: int | None
    # Posts the receiver refused (no or wrong token) since the spool began: forgery attempts or a
    # misconfigured listener; their records (time, client uid, reason) are in the refusals spool.
    refused_posts: int = 0
    # Completed queries that wrote a table, newly recorded as lineage runs (producer trino), and their edges.
    lineage_runs: int = 0
    lineage_edges: int = 0


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, (int, float)):  # epoch millis in some serialisations
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


@dataclass
class _Read:
    tables: dict[str, None]
    columns: dict[str, None]
    masked: dict[str, None]
    filters: dict[str, None]


def _read_tables(event: Mapping[str, Any]) -> _Read:
    """Tables, columns, column masks and row filters of the query (metadata.tables, ioMetadata.inputs)."""
    read = _Read({}, {}, {}, {})
    tables, columns = read.tables, read.columns
    for info in event.get("metadata", {}).get("tables") or []:
        name = f"{info.get('catalog')}.{info.get('schema')}.{info.get('table')}"
        tables[name] = None
        for column in info.get("columns") or []:
            columns[f"{name}.{column.get('column')}"] = None
            if column.get("mask"):
                read.masked[f"{name}.{column.get('column')}"] = None
        for condition in info.get("filters") or []:
            read.filters[f"{name}: {condition}"] = None
    for item in event.get("ioMetadata", {}).get("inputs") or []:
        name = f"{item.get('catalogName')}.{item.get('schema')}.{item.get('table')}"
        tables[name] = None
        for column in item.get("columns") or []:
            if isinstance(column, dict):
                column = column.get("column") or column.get("name")
            columns[f"{name}.{column}"] = None
    return read


def tables_in_text(sql: str, catalog: str = "lakehouse") -> list[str]:
    """Tables named in the SQL text: what a denied query tried to read (Trino reports none for it)."""
    try:
        statements = sqlglot.parse(sql, read="trino")
    except sqlglot.errors.ParseError:
        return []
    found: dict[str, None] = {}
    for statement in statements:
        if statement is None:
            continue
        ctes = {cte.alias_or_name for cte in statement.find_all(exp.CTE)}
        for table in statement.find_all(exp.Table):
            if not table.db and table.name in ctes:
                continue
            parts = [p for p in (table.catalog or catalog, table.db, table.name) if p]
            found[".".join(parts)] = None
    return list(found)


def event_row(event: Mapping[str, Any], groups_by_user: Mapping[str, Iterable[str]]) -> dict[str, Any] | None:
    """One query_log row from a QueryCompletedEvent; None for other documents (e.g. created events)."""
    metadata = event.get("metadata") or {}
    context = event.get("context") or {}
    if not metadata.get("queryId") or "endTime" not in event:
        return None
    user = str(context.get("user") or "")
    groups = context.get("groups")
    if groups is None:  # not every Trino version puts groups in the event: use the group file's
        groups = list(groups_by_user.get(user, ()))
    read = _read_tables(event)
    tables, from_text = list(read.tables), False
    query = metadata.get("query")
    if not tables and query:
        tables, from_text = tables_in_text(str(query)), True
    failure = event.get("failureInfo") or {}
    error = failure.get("errorCode") or {}
    return {
        "query_id": str(metadata["queryId"]),
        "user": user,
        "groups": sorted(str(g) for g in groups),
        "source": context.get("source") or context.get("userAgent"),
        "query": query,
        "state": str(metadata.get("queryState") or ("FAILED" if failure else "FINISHED")),
        "error_code": error.get("name"),
        "error_message": failure.get("failureMessage"),
        "tables": tables,
        "columns": list(read.columns),
        "masked_columns": list(read.masked),
        "row_filters": list(read.filters),
        "tables_from_text": from_text and bool(tables),
        "created_at": _time(event.get("createTime")),
        "ended_at": _time(event.get("endTime")),
        "output_rows": (event.get("statistics") or {}).get("outputRows"),
    }


@dataclass(frozen=True)
class SpoolCursor:
    """Where a load stopped reading the spool: the file (inode), a digest of its first line, and the byte
    after the last complete line read."""

    inode: int
    head: str
    offset: int

    def to_text(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_text(cls, text: str | None) -> SpoolCursor | None:
        """The cursor a watermark holds; None (read from the start) for none or one not ours."""
        try:
            fields = json.loads(text or "")
            return cls(int(fields["inode"]), str(fields["head"]), int(fields["offset"]))
        except (ValueError, TypeError, KeyError):
            return None


@dataclass(frozen=True)
class SpoolRead:
    events: list[dict[str, Any]]
    cursor: SpoolCursor | None  # None: there is no spool


def _digest(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()[:16]


def read_spool_since(path: Path, cursor: SpoolCursor | None) -> SpoolRead:
    """The complete JSON lines of the spool after ``cursor`` (all of them when the cursor is of another file,
    or the file was cut shorter than it since); a line being written right now is left for the next run."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return SpoolRead([], None)
    with handle:
        status = os.fstat(handle.fileno())
        first = handle.readline()
        head = _digest(first) if first.endswith(b"\n") else ""
        same_file = cursor is not None and (cursor.inode, cursor.head) == (status.st_ino, head)
        offset = cursor.offset if same_file and cursor.offset <= status.st_size else 0
        handle.seek(offset)
        events = []
        for line in handle:
            if not line.endswith(b"\n"):
                break
            offset += len(line)
            try:
                events.append(json.loads(line))
            except ValueError:
                continue  # a damaged line must not block the rest of the audit trail
    return SpoolRead(events, SpoolCursor(status.st_ino, head, offset))


def read_spool(path: Path) -> list[dict[str, Any]]:
    """Every complete JSON line of the spool (a line being written right now is left for the next run)."""
    return read_spool_since(path, None).events


def parse_groups_file(text: str) -> dict[str, list[str]]:
    """user -> groups from Trino's group file (`group:user1,user2`)."""
    by_user: dict[str, list[str]] = {}
    for line in text.splitlines():
        if ":" not in line:
            continue
        group, names = line.split(":", 1)
        for name in filter(None, (n.strip() for n in names.split(","))):
            by_user.setdefault(name, []).append(group.strip())
    return by_user


def load_query_log(
    catalog: Catalog,
    events: Iterable[Mapping[str, Any]],
    groups_by_user: Mapping[str, Iterable[str]],
    cursor: SpoolCursor | None = None,
) -> IngestResult:
    """Append the events not yet in governance.query_log (keyed by query id) in one commit, with ``cursor``
    (where the events were read up to) as the table's watermark, then the lineage of the queries that wrote
    a table (keyed by query id too)."""
    rows: dict[str, dict[str, Any]] = {}
    lineages: dict[str, QueryLineage] = {}
    count = 0
    for event in events:
        count += 1
        row = event_row(event, groups_by_user)
        if row is not None:
            rows[row[KEY]] = row  # Trino may re-send an event: the last copy wins
            lineage = query_lineage(event, row["ended_at"])
            if lineage is not None:
                lineages[row[KEY]] = lineage
    table = ensure_table(catalog, QUERY_LOG, QUERY_LOG_SCHEMA)
    moved = cursor is not None and cursor != SpoolCursor.from_text(watermark(table))
    if not rows and not moved:
        return IngestResult(count, 0, None)
    data = pa.Table.from_pylist(list(rows.values()), schema=QUERY_LOG_SCHEMA)
    # A re-sent event ends when its first copy did: the keys already loaded are looked for in the batch's
    # time span only (all of them when an event has no end time).
    window = "ended_at" if data.num_rows and data.column("ended_at").null_count == 0 else None
    new_watermark = cursor.to_text() if moved and cursor is not None else None
    # No rows (lines that were no completed query): the watermark alone, without looking up any key.
    key = (KEY,) if rows else ()
    result = commit(catalog, QUERY_LOG, data, "append", key=key, window=window, new_watermark=new_watermark)
    if not rows:
        return IngestResult(count, 0, None)
    # After the log: a query's lineage run is never recorded without its log row (who ran what).
    recorded = record_queries(catalog, lineages.values())
    return IngestResult(count, result.rows_written, result.snapshot_id, 0, recorded.runs, recorded.edges)


def count_refusals(path: Path) -> int:
    """Complete lines of the receiver's refusals spool (one per refused post)."""
    if not path.is_file():
        return 0
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.endswith(b"\n"))


def ingest_query_log(settings: Settings) -> IngestResult:
    """Load the stack's spooled query events into governance.query_log (idempotent: keyed by query id)."""
    paths = StackPaths.of(settings)
    groups_file = coordinator_node(settings, paths).etc / "groups.txt"
    groups = parse_groups_file(groups_file.read_text(encoding="utf-8")) if groups_file.is_file() else {}
    loaded = load_spool(open_catalog(settings), spool_path(paths), groups)
    return dataclasses.replace(loaded, refused_posts=count_refusals(refused_path(paths)))


def load_spool(catalog: Catalog, spool: Path, groups_by_user: Mapping[str, Iterable[str]]) -> IngestResult:
    """Load the events the spool gained since the last load (the cursor in governance.query_log's watermark)."""
    table = ensure_table(catalog, QUERY_LOG, QUERY_LOG_SCHEMA)
    read = read_spool_since(spool, SpoolCursor.from_text(watermark(table)))
    return load_query_log(catalog, read.events, groups_by_user, read.cursor)
