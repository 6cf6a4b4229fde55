"""The sharing KPI for people: text for the terminal, JSON for machines, HTML with an inline SVG bar chart.

The chart is drawn here (no plotting library): one bar per provider department plus the overall rate,
with the 100% target line the action plan sets.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from governance.sharing.measure import ALL, Measurement
from infra.clock import format_china, to_china
from infra.vocabulary import DEPARTMENTS, SHARING_TYPES


def _percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.0%}"


def as_dict(measurement: Measurement) -> dict:
    return {
        "measured_at": to_china(measurement.at, "china").isoformat(timespec="seconds"),
        "rates": [r.as_row() for r in measurement.rates],
        "resources": [
            {
                "resource_id": s.resource_id,
                "provider_department": s.provider_department,
                "sharing_type": s.sharing_type,
                "exchange_table": s.exchange_table,
                "last_refreshed": to_china(s.last_refreshed, "china").isoformat(timespec="seconds")
                if s.last_refreshed
                else None,
                "exempt": s.exempt,
                "shared_online": s.shared_online,
                "readers": list(s.readers),
                "gaps": [{"reason": g.reason, "label": g.label, "detail": g.detail} for g in s.gaps],
            }
            for s in measurement.resources
        ],
    }


def to_json(measurement: Measurement) -> str:
    return json.dumps(as_dict(measurement), ensure_ascii=False, indent=2)


def rate_lines(rows: list[dict]) -> list[str]:
    """Lines for the rate table; ``rows`` as in kpi.sharing_rate (shared by the CLI and the demo printout)."""
    lines = []
    for row in sorted(rows, key=lambda r: (r["department"] != ALL, r["department"])):
        in_scope = row["resources"] - row["exempt"]
        lines.append(
            f"{row['department']:<16} {_percent(row['sharing_rate']):>5}  "
            f"({row['shared_online']}/{in_scope} shared online, {row['exempt']} exempt by law)"
        )
    return lines


def gap_lines(rows: list[dict]) -> list[str]:
    """Lines for the gap list, one per resource with its reasons; ``rows`` as in kpi.sharing_gaps."""
    by_resource: dict[str, list[dict]] = {}
    for row in rows:
        by_resource.setdefault(row["resource_id"], []).append(row)
    lines = []
    for resource_id, gaps in sorted(by_resource.items()):
        first = gaps[0]
        reasons = "; ".join(f"{g['reason_label']} ({g['reason']})" for g in gaps)
        lines.append(f"{resource_id:<36} {first['provider_department']:<16} {reasons}")
    return lines


def to_text(measurement: Measurement) -> str:
    from governance.sharing.measure import gap_rows, rate_rows

    lines = [f"网上共享率 sharing rate, measured {format_china(measurement.at, 'china')}"]
    lines += ["  " + line for line in rate_lines(rate_rows(measurement).to_pylist())]
    gaps = gap_rows(measurement).to_pylist()
    lines.append(f"gaps: {len({g['resource_id'] for g in gaps})} resources not yet shared online")
    lines += ["  " + line for line in gap_lines(gaps)]
    lines.append("details:")
    lines += [f"  {state.dataset}: {gap.reason}: {gap.detail}" for state, gap in measurement.gaps()]
    exempt = [s for s in measurement.resources if s.exempt]
    if exempt:
        lines.append(
            f"exempt by law ({SHARING_TYPES['not_shared']}): {', '.join(s.resource_id for s in exempt)}"
        )
    return "\n".join(lines)


def svg_chart(measurement: Measurement) -> str:
    """Horizontal bars, one per department (overall first), against the 100% target."""
    rows = sorted(measurement.rates, key=lambda r: (r.department != ALL, r.department))
    label_width, bar_width, row_height, top = 190, 420, 26, 30
    height = top + row_height * len(rows) + 30
    width = label_width + bar_width + 120
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="网上共享率">',
        "<style>text{font:13px sans-serif}</style>",
        f'<text x="{label_width}" y="18">网上共享率 (目标 100%)</text>',
    ]
    for index, rate in enumerate(rows):
        y = top + index * row_height
        value = rate.sharing_rate or 0.0
        name = "全部部门" if rate.department == ALL else DEPARTMENTS.get(rate.department, rate.department)
        colour = "#2b6cb0" if rate.department == ALL else ("#2f855a" if value >= 1 else "#dd6b20")
        parts += [
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end">{html.escape(name)}</text>',
            f'<rect x="{label_width}" y="{y + 4}" width="{bar_width}" height="16" fill="#edf2f7"/>',
            f'<rect x="{label_width}" y="{y + 4}" width="{bar_width * value:.1f}" height="16" '
            f'fill="{colour}"/>',
            f'<text x="{label_width + bar_width + 8}" y="{y + 16}">{_percent(rate.sharing_rate)} '
            f"({rate.shared_online}/{rate.in_scope})</text>",
        ]
    target_x = label_width + bar_width
    parts.append(
        f'<line x1="{target_x}" y1="{top}" x2="{target_x}" y2="{height - 26}" stroke="#c53030" '
        'stroke-dasharray="4 3"/>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def to_html(measurement: Measurement) -> str:
    gap_rows_html = "\n".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(v))}</td>"
            for v in (
                state.resource_id,
                DEPARTMENTS.get(state.provider_department, state.provider_department),
                SHARING_TYPES[state.sharing_type],
                gap.label,
                gap.detail,
            )
        )
        + "</tr>"
        for state, gap in measurement.gaps()
    )
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>网上共享率</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #cbd5e0;padding:4px 8px;text-align:left}}th{{background:#edf2f7}}</style></head>
<body>
<h1>网上共享率 sharing rate</h1>
<p>测量时间 {format_china(measurement.at, "china")}（北京时间）。非涉密信息资源网上共享率 = 已网上共享 ÷ (资源数 − 依法不予共享)。</p>
{svg_chart(measurement)}
<h2>未网上共享的资源 (gaps)</h2>
<table><tr><th>资源</th><th>提供部门</th><th>共享属性</th><th>原因</th><th>说明</th></tr>
{gap_rows_html}
</table>
</body></html>
"""


def write_html(measurement: Measurement, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_html(measurement), encoding="utf-8")
    return path
