"""One dossier page's facts, collected by ``build`` and rendered by ``html``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from governance.dossier.access import AccessFacts
from governance.dossier.columns import ColumnStory
from governance.dossier.evidence import Gate, Load, MartLeakScan, PrivacyCheck, Query


@dataclass(frozen=True)
class TableDossier:
    table: str
    title: str
    kind: str  # 共享资源 | 汇总表 | 指标
    description: str
    rows: int | None
    updated_at: datetime | None  # China time of the current snapshot
    columns: tuple[ColumnStory, ...]
    graph_svg: str
    gates: tuple[Gate, ...]
    privacy: tuple[PrivacyCheck, ...]
    loads: tuple[Load, ...]
    leak_scan: MartLeakScan | None  # marts only: the scan before publication
    queries: tuple[Query, ...] | None
    access: AccessFacts
    lineage: str  # which lineage run the page was drawn from

    @property
    def passed(self) -> bool | None:
        """Every gate and privacy check on the path passed (None: nothing validated yet)."""
        marks = [g.passed for g in self.gates] + [p.leak_scan_passed for p in self.privacy]
        marks += [self.leak_scan.passed] if self.leak_scan is not None else []
        marks += [p.reidentification_passed for p in self.privacy if p.reidentification_passed is not None]
        return all(marks) if marks else None


def page_name(table: str) -> str:
    return f"{table}.html"
