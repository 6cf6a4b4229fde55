"""NDJSON file drops: one JSON object per line, UTF-8, every key present (null when missing)."""

from __future__ import annotations

import json
from pathlib import Path

from governance.contracts import DatasetContract
from ingest.simulator.table import Chunk
from ingest.simulator.writers.cells import field_name, source_rows, target_path


def write(out: Path, contract: DatasetContract, chunks: list[Chunk]) -> list[Path]:
    keys = [field_name(c) for c in contract.source_columns]
    written = []
    for chunk in chunks:
        path = target_path(out, contract, chunk.tag)
        path.parent.mkdir(parents=True, exist_ok=True)
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        lines = [
            dumps(dict(zip(keys, row, strict=True))) for row in source_rows(contract, chunk.table, "json")
        ]
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        written.append(path)
    return written
