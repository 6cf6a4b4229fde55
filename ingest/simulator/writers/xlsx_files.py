"""Excel workbooks as health-kiosk exports look: a title row, a blank row, then business-name headers.

openpyxl stamps the wall-clock time into the workbook properties and the zip entries; both are pinned to
the export day here so the same seed gives byte-identical files.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, time
from pathlib import Path

from openpyxl import Workbook

from governance.contracts import DatasetContract
from ingest.simulator.table import Chunk
from ingest.simulator.writers.cells import header_label, source_rows, target_path

_W3CDTF = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def _exported_at(tag: str | None) -> datetime:
    day = date.fromisoformat(tag) if tag else date(2026, 1, 1)
    return datetime.combine(day, time(23, 59, 59))


def _pinned(raw: bytes, stamp: datetime) -> bytes:
    """Re-pack the workbook with fixed zip timestamps and document dates."""
    out = io.BytesIO()
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _W3CDTF.sub(rb"\g<1>" + iso + rb"\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, data)
    return out.getvalue()


def write(out: Path, contract: DatasetContract, chunks: list[Chunk]) -> list[Path]:
    written = []
    for chunk in chunks:
        path = target_path(out, contract, chunk.tag)
        path.parent.mkdir(parents=True, exist_ok=True)
        stamp = _exported_at(chunk.tag)
        wb = Workbook(write_only=True)
        wb.properties.created = stamp
        wb.properties.creator = contract.source.system
        ws = wb.create_sheet(title=contract.title[:31])
        ws.append([chunk.title or f"{contract.title}数据导出 {chunk.tag or ''}".strip()])
        ws.append([])
        ws.append([header_label(contract, c) for c in contract.source_columns])
        for row in source_rows(contract, chunk.table, "excel"):
            ws.append(row)
        buffer = io.BytesIO()
        wb.save(buffer)
        path.write_bytes(_pinned(buffer.getvalue(), stamp))
        written.append(path)
    return written
