"""Paged JSON API responses, saved page by page as a crawler of the platform would store them.

Each page is ``{"code": 0, "msg": "success", "data": {"page", "pageSize", "total", "items"}}`` with
camelCase item keys (the contract's ``source_field``); an empty result is still one page with no items.
"""

from __future__ import annotations

import json
from pathlib import Path

from governance.contracts import DatasetContract
from ingest.simulator.table import Chunk, concat
from ingest.simulator.writers.cells import field_name, source_rows

PAGE_SIZE = 500


def write(out: Path, contract: DatasetContract, chunks: list[Chunk]) -> list[Path]:
    pattern = contract.source.glob or contract.source.file
    assert pattern is not None and "*" in pattern, f"{contract.name}: paged output needs a page-* glob"
    keys = [field_name(c) for c in contract.source_columns]
    items = [
        dict(zip(keys, row, strict=True))
        for row in source_rows(contract, concat([c.table for c in chunks]), "json")
    ]
    pages = max(1, -(-len(items) // PAGE_SIZE))
    written = []
    for p in range(1, pages + 1):
        path = out / pattern.replace("*", f"{p:04d}", 1)
        path.parent.mkdir(parents=True, exist_ok=True)
        body = {
            "code": 0,
            "msg": "success",
            "data": {
                "page": p,
                "pageSize": PAGE_SIZE,
                "total": len(items),
                "items": items[(p - 1) * PAGE_SIZE : p * PAGE_SIZE],
            },
        }
        path.write_text(json.dumps(body, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        written.append(path)
    return written
