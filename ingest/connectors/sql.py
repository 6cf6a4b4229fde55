"""Databases by URL (SQLite files, PostgreSQL), read incrementally by a watermark column.

The watermark is only advanced by the writer's commit: a failed load reads the same rows again.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

from ingest.connectors.base import SourceError, SourceUnit


def _column_types(engine: sa.Engine, table: str, display: str) -> dict[str, Any]:
    """The table's columns and their types, or a SourceError that says what the database holds instead."""
    inspector = sa.inspect(engine)
    if inspector.has_table(table):
        return {c["name"]: c["type"] for c in inspector.get_columns(table)}
    others = sorted(inspector.get_table_names())
    holds = (
        f"it holds {len(others)} other table(s): {', '.join(others[:10])}{' …' if len(others) > 10 else ''}"
        if others
        else "it holds no table at all: an empty or unfinished export? ask the provider to resend it"
    )
    raise SourceError(f"{display}: the database has no table '{table}'; {holds}")


def read_table(
    url: str, table: str, fields: list[str], watermark: str | None, after: str | None, display: str
) -> SourceUnit:
    engine = sa.create_engine(url)
    try:
        reflected = _column_types(engine, table, display)
        present = list(reflected)
        selected = [f for f in fields if f in present] + [c for c in present if c not in fields]
        source = sa.table(table, *(sa.column(name) for name in selected))
        query = sa.select(*source.columns)
        if watermark:
            mark = source.c[watermark]
            if after is not None:
                # The stored watermark is text; compare in the column's own type (bigint, timestamp …).
                query = query.where(mark > sa.cast(sa.bindparam("after", after), reflected[watermark]))
            query = query.order_by(mark)
        with engine.connect() as connection:
            result = connection.execute(query)
            rows = result.fetchall()
    except sa.exc.SQLAlchemyError as exc:
        raise SourceError(f"{display}: query failed ({exc.__class__.__name__}: {exc.orig or exc})") from exc
    finally:
        engine.dispose()
    columns = {
        name: pa.array([None if r[i] is None else str(r[i]) for r in rows], pa.string())
        for i, name in enumerate(selected)
    }
    data = pa.table(columns)
    high = None
    if watermark and rows:
        high = str(max(r[selected.index(watermark)] for r in rows))
    key_field = watermark or selected[0]
    locators = pa.array([f"{table} {key_field}={r[selected.index(key_field)]}" for r in rows], pa.string())
    span = f"{watermark}>{after}" if after is not None else "full"
    digest = hashlib.sha256(f"{display}|{table}|{span}|{high}|{len(rows)}".encode()).hexdigest()
    return SourceUnit(f"{display}:{table} ({span})", "sql:" + digest, data, locators, watermark=high)


def pending_rows(
    url: str, table: str, watermark: str, after: str | None, display: str
) -> tuple[int, str | None]:
    """How many rows lie past the watermark ``after`` and the highest watermark among them: what a poll
    compares, without reading the rows themselves."""
    engine = sa.create_engine(url)
    try:
        reflected = _column_types(engine, table, display)
        if watermark not in reflected:
            raise SourceError(f"{display}: table '{table}' has no watermark column '{watermark}'")
        mark = sa.column(watermark)
        query = sa.select(sa.func.count(), sa.func.max(mark)).select_from(sa.table(table, mark))
        if after is not None:
            # The same comparison read_table makes, in the column's own type.
            query = query.where(mark > sa.cast(sa.bindparam("after", after), reflected[watermark]))
        with engine.connect() as connection:
            count, high = connection.execute(query).one()
    except sa.exc.SQLAlchemyError as exc:
        raise SourceError(f"{display}: query failed ({exc.__class__.__name__}: {exc.orig or exc})") from exc
    finally:
        engine.dispose()
    return int(count), None if high is None else str(high)
