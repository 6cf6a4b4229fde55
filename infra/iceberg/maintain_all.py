"""Maintain every table of a catalog (or some), each under its lock: what the CLI and the weekly job run.

The embedded profile rewrites with pyiceberg; the stack asks Trino (infra/iceberg/maintenance_trino.py).
"""

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
    known = all_tables(catalog)
    chosen = list(only) or known
    unknown = [t for t in chosen if t not in known]
    if unknown:
        raise LookupError(f"no table {', '.join(unknown)}; `lakehouse tables` lists them")
    results = []
    now_ms = int(time.time() * 1000)
    for count, name in enumerate(chosen, start=1):
        # The lock keeps our own loads out; on the stack Trino's commits are optimistic besides, so a load
        # through another door makes a rewrite fail rather than lose rows.
        with exclusive(settings.home / "locks", name):
            if settings.profile == "embedded":
                result = maintain(catalog.load_table(name), name, policy, now_ms=now_ms, dry_run=dry_run)
            else:
                # The Trino client is imported on the stack only (the embedded definitions import this module).
                from infra.iceberg.maintenance_trino import maintain_on_trino

                result = maintain_on_trino(settings, catalog, name, policy, now_ms=now_ms, dry_run=dry_run)
        progress(f"[{count}/{len(chosen)}] {name}: {result.summary()['files']} files")
        results.append(result)
    return results
