"""CSV exports: declared encoding (GB18030, UTF-8 with BOM, UTF-8), header of business names or field names,
standard quoting so free text may hold commas, quotes and line breaks. CRLF line ends, as Windows tools write."""

from __future__ import annotations

import csv
from pathlib import Path

from governance.contracts import DatasetContract
from ingest.simulator.table import Chunk
from ingest.simulator.writers.cells import header_label, source_rows, target_path


def write(out: Path, contract: DatasetContract, chunks: list[Chunk]) -> list[Path]:
    written = []
    for chunk in chunks:
        path = target_path(out, contract, chunk.tag)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding=contract.source.encoding or "utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow([header_label(contract, c) for c in contract.source_columns])
            writer.writerows(source_rows(contract, chunk.table, "text"))
        written.append(path)
    return written
