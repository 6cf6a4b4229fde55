"""What a restore must reproduce, read through pyiceberg: per table its snapshot id, row count and a
checksum of `select *` independent of row order (embedded and stack backup tests compare these)."""

from __future__ import annotations

import hashlib
import json

from pyiceberg.catalog import Catalog


def catalog_state(catalog: Catalog) -> dict[str, tuple[int | None, int, str]]:
    found = {}
    for namespace in catalog.list_namespaces():
        for identifier in catalog.list_tables(namespace):
            table = catalog.load_table(identifier)
            rows = table.scan().to_arrow().to_pylist()
            lines = sorted(json.dumps(r, sort_keys=True, default=str, ensure_ascii=False) for r in rows)
            digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
            snapshot = table.current_snapshot()
            found[".".join(identifier)] = (snapshot.snapshot_id if snapshot else None, len(rows), digest)
    return found
