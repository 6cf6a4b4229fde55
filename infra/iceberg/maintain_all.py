"""Maintain every table of a catalog (or some), each under its lock: what the CLI and the weekly job run."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from pyiceberg.catalog import Catalog

from infra.iceberg.maintenance import MaintenancePolicy, MaintenanceResult, maintain
from infra.locks import exclusive
from infra.settings import load_settings

DAY_MS = 24 * 3600 * 1000


def maintenance_policy(
    retention_days: float = 7, keep_last: int = 5, orphan_hours: float = 72
) -> MaintenancePolicy:
    return MaintenancePolicy(
        snapshot_retention_ms=int(retention_days * DAY_MS),
        keep_last=keep_last,
        orphan_window_s=orphan_hours * 3600,
    )


def all_tables(catalog: Catalog) -> list[str]:
    return sorted(".".join(i) for ns in catalog.list_namespaces() for i in catalog.list_tables(ns))


def maintain_tables(
    catalog: Catalog,
    only: Iterable[str],
    policy: MaintenancePolicy,
    *,
    dry_run: bool,
    progress: Callable[[str], None] = lambda _: None,
) -> list[MaintenanceResult]:
    settings = load_settings()
    if settings.profile != "embedded":
        raise LookupError(
            f"profile {settings.profile!r}: tables on the stack are maintained by Trino "
            "(ALTER TABLE … EXECUTE optimize / expire_snapshots / remove_orphan_files); not wired here yet"
        )
    known = all_tables(catalog)
    chosen = list(only) or known
    unknown = [t for t in chosen if t not in known]
    if unknown:
        raise LookupError(f"no table {', '.join(unknown)}; `lakehouse tables` lists them")
    results = []
    now_ms = int(time.time() * 1000)
    for count, name in enumerate(chosen, start=1):
        with exclusive(settings.home / "locks", name):
            result = maintain(catalog.load_table(name), name, policy, now_ms=now_ms, dry_run=dry_run)
        progress(f"[{count}/{len(chosen)}] {name}: {result.summary()['files']} files")
        results.append(result)
    return results
