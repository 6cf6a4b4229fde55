"""The city's two targets side by side: 网上共享率 and 网上预审率, each with its gap list.

Reads what the pipeline wrote (kpi.sharing_rate, kpi.sharing_gaps, kpi.online_prereview_rate); it measures
nothing itself, so the report shows exactly the figures every reader of the kpi zone sees, with the time
each was measured. Text for the terminal, a dict for JSON, one offline HTML page (inline SVG, no CDN).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import NoSuchTableError

from governance.sharing.report import gap_lines, rate_lines
from infra.clock import format_china, to_china
from infra.vocabulary import DEPARTMENTS
from infra.zones import KPI, SHARING_GAPS, SHARING_RATE

PRE_REVIEW = KPI.table("online_prereview_rate")
TARGET = 1.0  # the action plan: 100% shared online, 100% pre-reviewed online


class KpiNotAvailable(RuntimeError):
    """A kpi table does not exist yet (no pipeline run has written it)."""


@dataclass(frozen=True)
class KpiReport:
    sharing: list[dict[str, Any]]  # rows of kpi.sharing_rate
    sharing_gaps: list[dict[str, Any]]  # rows of kpi.sharing_gaps
    prereview: list[dict[str, Any]]  # rows of kpi.online_prereview_rate

    def overall_sharing(self) -> dict[str, Any] | None:
        return next((r for r in self.sharing if r["department"] == "all"), None)

    def overall_prereview(self) -> dict[str, Any] | None:
        return next((r for r in self.prereview if r["scope_kind"] == "all"), None)

    def prereview_gaps(self, kind: str) -> list[dict[str, Any]]:
        """Items (``kind='item'``) or departments below 100%, the most applications missed first."""
        rows = [r for r in self.prereview if r["scope_kind"] == kind and r["online_prereview_rate"] < TARGET]
        return sorted(rows, key=lambda r: (-missed(r), r["scope"]))

    def sharing_gap_resources(self) -> list[str]:
        return sorted({g["resource_id"] for g in self.sharing_gaps})


def missed(row: dict[str, Any]) -> int:
    """Applications not pre-reviewed online."""
    return int(row["applications"]) - int(row["prereviewed_online"])


def _rows(catalog: Catalog, table: str) -> list[dict[str, Any]]:
    try:
        return catalog.load_table(table).scan().to_arrow().to_pylist()
    except NoSuchTableError as exc:
        raise KpiNotAvailable(
            f"{table} does not exist yet: run the pipeline (lakehouse demo / make demo)"
        ) from exc


def read_report(catalog: Catalog) -> KpiReport:
    return KpiReport(
        sharing=_rows(catalog, SHARING_RATE),
        sharing_gaps=_rows(catalog, SHARING_GAPS),
        prereview=_rows(catalog, PRE_REVIEW),
    )


def _percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.1%}"


def _when(at: datetime | None) -> str:
    return format_china(at, "china", missing="?")  # kpi tables store naive China time


def _pad(text: str, width: int) -> str:
    # CJK characters take two terminal columns
    return text + " " * max(0, width - sum(2 if ord(ch) > 0x2E80 else 1 for ch in text))


def prereview_line(row: dict[str, Any]) -> str:
    name = row["scope_name"] if row["scope_kind"] != "item" else f"{row['scope']} {row['scope_name']}"
    return (
        f"{_pad(name, 36)} {_percent(row['online_prereview_rate']):>6}  "
        f"({row['prereviewed_online']}/{row['applications']} pre-reviewed, {missed(row)} not)"
    )


def summary_lines(report: KpiReport, top: int | None = None) -> list[str]:
    """Both KPIs and their gaps; ``top`` keeps the first few gaps of each list (the demo's short form)."""

    def cut(lines: list[str], what: str) -> list[str]:
        if top is None or len(lines) <= top:
            return lines
        return [*lines[:top], f"… {len(lines) - top} more {what}"]

    sharing, pre = report.overall_sharing(), report.overall_prereview()
    lines = [
        f"网上共享率 sharing rate   {_percent(sharing and sharing['sharing_rate']):>6}  target 100%  "
        f"measured {_when(sharing and sharing['measured_at'])}",
    ]
    by_department = [line for line in rate_lines(report.sharing) if not line.startswith("all ")]
    lines += ["  " + line for line in cut(by_department, "departments")]
    gaps = gap_lines(report.sharing_gaps)
    lines.append(f"  gaps: {len(report.sharing_gap_resources())} resources not yet shared online")
    lines += ["    " + line for line in cut(gaps, "resources")]
    lines.append(
        f"网上预审率 pre-review rate {_percent(pre and pre['online_prereview_rate']):>6}  target 100%  "
        f"measured {_when(pre and pre['measured_at'])}"
        + (f"  ({pre['prereviewed_online']}/{pre['applications']} applications)" if pre else "")
    )
    for kind, label in (("department", "departments"), ("item", "approval items")):
        below = report.prereview_gaps(kind)
        lines.append(f"  {label} below 100%: {len(below)}")
        lines += ["    " + line for line in cut([prereview_line(r) for r in below], label)]
    return lines


def as_dict(report: KpiReport) -> dict[str, Any]:
    def plain(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {k: (to_china(v, "china").isoformat() if isinstance(v, datetime) else v) for k, v in r.items()}
            for r in rows
        ]

    return {
        "sharing_rate": plain(report.sharing),
        "sharing_gaps": plain(report.sharing_gaps),
        "online_prereview_rate": plain(report.prereview),
        "online_prereview_gaps": {
            "departments": plain(report.prereview_gaps("department")),
            "items": plain(report.prereview_gaps("item")),
        },
    }


def svg_bars(title: str, bars: list[tuple[str, float | None, str]]) -> str:
    """Horizontal bars (label, rate, note) against a dashed 100% target line; drawn here, no library."""
    label_width, bar_width, row_height, top = 220, 400, 26, 30
    height = top + row_height * len(bars) + 12
    width = label_width + bar_width + 170
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(title)}">',
        "<style>text{font:13px sans-serif}</style>",
        f'<text x="{label_width}" y="18">{html.escape(title)} (目标 100%)</text>',
    ]
    for index, (label, rate, note) in enumerate(bars):
        y, value = top + index * row_height, min(max(rate or 0.0, 0.0), 1.0)
        colour = "#2f855a" if value >= TARGET else "#dd6b20"
        parts += [
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end">{html.escape(label)}</text>',
            f'<rect x="{label_width}" y="{y + 4}" width="{bar_width}" height="16" fill="#edf2f7"/>',
            f'<rect class="bar" x="{label_width}" y="{y + 4}" width="{bar_width * value:.1f}" height="16" '
            f'fill="{colour}"/>',
            f'<text x="{label_width + bar_width + 8}" y="{y + 16}">{_percent(rate)} {html.escape(note)}</text>',
        ]
    x = label_width + bar_width
    parts.append(
        f'<line class="target" x1="{x}" y1="{top}" x2="{x}" y2="{height - 8}" stroke="#c53030" '
        'stroke-dasharray="4 3"/>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def to_html(report: KpiReport) -> str:
    sharing_bars = [
        (
            "全部部门" if r["department"] == "all" else DEPARTMENTS.get(r["department"], r["department"]),
            r["sharing_rate"],
            f"({r['shared_online']}/{r['resources'] - r['exempt']})",
        )
        for r in sorted(report.sharing, key=lambda r: (r["department"] != "all", r["department"]))
    ]
    pre_rows = sorted(
        (r for r in report.prereview if r["scope_kind"] in ("all", "department")),
        key=lambda r: (r["scope_kind"] != "all", r["scope"]),
    )
    pre_bars = [
        (
            "全部审批事项" if r["scope_kind"] == "all" else r["scope_name"],
            r["online_prereview_rate"],
            f"({r['prereviewed_online']}/{r['applications']})",
        )
        for r in pre_rows
    ]
    sharing, pre = report.overall_sharing(), report.overall_prereview()
    gaps = _table(
        ["资源", "提供部门", "原因", "说明"],
        [
            [g["resource_id"], g["provider_department_name"], g["reason_label"], g["detail"]]
            for g in report.sharing_gaps
        ],
    )
    pre_gaps = "".join(
        f"<h3>{title}</h3>"
        + _table(
            ["范围", "名称", "申请数", "网上预审数", "未预审", "网上预审率"],
            [
                [
                    r["scope"],
                    r["scope_name"],
                    r["applications"],
                    r["prereviewed_online"],
                    missed(r),
                    _percent(r["online_prereview_rate"]),
                ]
                for r in report.prereview_gaps(kind)
            ],
        )
        for kind, title in (("department", "低于100%的部门"), ("item", "低于100%的审批事项"))
    )
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>临港城市数据 KPI: 网上共享率与网上预审率</title>
<style>body{{font:14px sans-serif;margin:2em}}table{{border-collapse:collapse;margin:.5em 0 1.5em}}
td,th{{border:1px solid #cbd5e0;padding:3px 8px;text-align:left}}</style></head><body>
<h1>网上共享率与网上预审率 (目标均为 100%)</h1>
<h2>网上共享率 {_percent(sharing and sharing["sharing_rate"])}</h2>
<p>计算时间 (北京时间): {_when(sharing and sharing["measured_at"])}</p>
{svg_bars("网上共享率", sharing_bars)}
<h3>共享缺口 ({len(report.sharing_gap_resources())} 个资源)</h3>
{gaps}
<h2>网上预审率 {_percent(pre and pre["online_prereview_rate"])}</h2>
<p>计算时间 (北京时间): {_when(pre and pre["measured_at"])}</p>
{svg_bars("网上预审率", pre_bars)}
{pre_gaps}
</body></html>
"""
