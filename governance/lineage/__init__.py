"""Lineage as data (issue #15): column-level edges from the contracts and dbt's compiled SQL, recorded in
``governance.lineage_edges`` / ``governance.lineage_runs`` and walked up- or downstream."""

from governance.lineage.graph import Hop, LineageGraph, UnknownNode
from governance.lineage.model import Edge
from governance.lineage.record import Extraction, code_version, extract, record_lineage
from governance.lineage.store import LineageRun, latest_run, read_edges

__all__ = [
    "Edge",
    "Extraction",
    "Hop",
    "LineageGraph",
    "LineageRun",
    "UnknownNode",
    "code_version",
    "extract",
    "latest_run",
    "read_edges",
    "record_lineage",
]
