"""What a drop folder holds for a dataset, as the units a load would read and with the same fingerprints,
without parsing anything: what a file-arrival sensor compares against the raw table's load state."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from governance.contracts import DatasetContract
from ingest.connectors import drop_files, file_day
from ingest.connectors.base import SourceError, fingerprint_bytes
from ingest.connectors.file_bytes import read_bytes, read_file


@dataclass(frozen=True)
class DroppedUnit:
    """One unit a load would read: a file, or a page set (one unit over all its pages)."""

    name: str  # path under the drop root, as stewards see it in the folder
    fingerprint: str  # equal to the loaded unit's fingerprint (ingest.connectors.base.fingerprint_bytes)
    day: date | None  # the day in a file's name; None for page sets and undated files
    stamp: str  # sizes and modification times: a unit whose stamp is unchanged need not be hashed again


def _stamp(paths: list[Path]) -> tuple[str, float]:
    stats = [p.stat() for p in paths]
    return ";".join(f"{s.st_size}:{s.st_mtime_ns}" for s in stats), max(s.st_mtime for s in stats)


def dropped_units(
    contract: DatasetContract,
    root: Path,
    known: Mapping[str, tuple[str, str]] | None = None,
    settle_seconds: float = 0.0,
) -> tuple[list[DroppedUnit], list[str]]:
    """The units in ``root`` for ``contract``, and the names of files still settling.

    ``known`` maps a unit's name to the (stamp, fingerprint) seen last time, so unchanged files are not
    read again. A file modified less than ``settle_seconds`` ago may still be being copied in: it is
    returned as settling rather than fingerprinted half-written. No files at all is an empty answer, not an
    error (a folder nobody has dropped into yet).
    """
    known = known or {}
    try:
        paths = drop_files(contract, root)
    except SourceError:
        return [], []
    groups: list[tuple[str, list[Path]]]
    if contract.source.format == "json_pages":
        # The load reads every page as one unit (read_json_pages); the sensor must see the same unit.
        groups = [(contract.source.glob or contract.source.file or paths[0].name, paths)]
    else:
        groups = [(p.relative_to(root).as_posix() if p.is_relative_to(root) else p.name, [p]) for p in paths]
    now = time.time()
    units: list[DroppedUnit] = []
    settling: list[str] = []
    for name, files in groups:
        try:
            stamp, newest = _stamp(files)
        except FileNotFoundError:  # replaced or removed between the listing and now: next evaluation
            settling.append(name)
            continue
        if now - newest < settle_seconds:
            settling.append(name)
            continue
        seen = known.get(name)
        if seen is not None and seen[0] == stamp:
            fingerprint = seen[1]
        elif len(files) == 1 and contract.source.format != "json_pages":
            fingerprint = fingerprint_bytes(read_file(files[0]))
        else:
            fingerprint = fingerprint_bytes(b"\0".join(read_bytes(p) for p in files))
        day = file_day(files[0].name) if contract.source.format != "json_pages" else None
        units.append(DroppedUnit(name, fingerprint, day, stamp))
    return units, settling
