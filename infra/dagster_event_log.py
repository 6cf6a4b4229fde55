"""The embedded Dagster instance's storage: Dagster's own SQLite storage, with the event log index kept open.

Dagster's SQLite event log builds a new SQLAlchemy engine, opens a connection, commits and closes it for every
statement group (``SqliteEventLogStorage._connect``); storing one asset event takes several, and reading what
the run's plan and the skip decisions ask takes more. Counted in a scale-0.1 run that started every asset:
3,696 connections, 2,545 of them to the cross-run index (``index.db``), each paying ``create_engine``,
SQLite's open, and on close the WAL checkpoint the last connection to a database runs (docs/adr/0023-…).

Here the index keeps one engine whose pool keeps its connection open between statements, with
``synchronous=NORMAL`` (SQLite's setting for WAL: a commit no longer waits for the disk; a power cut may lose
the last events, never corrupt the file). A run's own database still gets a connection per statement group,
closed after, as Dagster does it: the UI's live event stream watches that file for changes
(``SqliteEventLogStorageWatchdog``), and an open connection would hold the run's writes in the WAL instead;
only its engine is built once per run. Everything else (the layout under ``$DAGSTER_HOME``, run and schedule
storage, migrations) is Dagster's ``DagsterSqliteStorage``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
)
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool, QueuePool

# Dagster's own busy timeout for SQLite (seconds): another process's write waits, it does not fail.
BUSY_TIMEOUT_SECONDS = 30
# Connections beyond the one kept: Dagster's schema check opens a second while the first is open.
OVERFLOW = 4
# The runs whose engines (no open connection: a NullPool) are kept; a process writes one run at a time.
RUN_ENGINES_KEPT = 8


def _wal_settings(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class IndexKeptOpenEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log whose index database keeps its connection between statements."""

    def __init__(self, base_dir: str, inst_data: Any = None) -> None:
        self._index_engine: Engine | None = None
        self._run_engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data)

    def _index(self) -> Engine:
        if self._index_engine is None:
            engine = create_engine(
                self.conn_string_for_shard(INDEX_SHARD_NAME),
                poolclass=QueuePool,
                pool_size=1,
                max_overflow=OVERFLOW,
                # One thread at a time uses it (Dagster's lock around every connection), not always the same.
                connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            event.listen(engine, "connect", _wal_settings)
            self._index_engine = engine
        return self._index_engine

    def _run_engine(self, shard: str) -> Engine:
        """A run's database: Dagster's connection per statement group (closed after, so the file changes and
        the UI's watcher sees it), only the engine is built once instead of every time."""
        engine = self._run_engines.pop(shard, None) or create_engine(
            self.conn_string_for_shard(shard),
            poolclass=NullPool,
            connect_args={"timeout": BUSY_TIMEOUT_SECONDS},
        )
        self._run_engines[shard] = engine
        while len(self._run_engines) > RUN_ENGINES_KEPT:
            self._run_engines.popitem(last=False)
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._index() if shard == INDEX_SHARD_NAME else self._run_engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        with self._db_lock:
            if self._index_engine is not None:
                self._index_engine.dispose()
                self._index_engine = None
            self._run_engines.clear()
        super().dispose()


class LakehouseSqliteStorage(DagsterSqliteStorage):
    """``DagsterSqliteStorage`` (same layout under ``base_dir``) with :class:`IndexKeptOpenEventLogStorage`."""

    def __init__(self, base_dir: str, inst_data: Any = None) -> None:
        super().__init__(base_dir, inst_data)
        self._event_log_storage = IndexKeptOpenEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(cls, inst_data: Any, config_value: Any) -> LakehouseSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)
