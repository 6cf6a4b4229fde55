"""The lineage graph of one table as inline SVG: layered boxes, source systems → raw → staging → dbt views →
marts / exchange, joined by curved paths. Drawn here in Python so that the page needs nothing from outside
(no script, no font, no CDN) and reads the same on an intranet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from governance.lineage import Edge

LAYERS: tuple[tuple[str, str], ...] = (
    ("来源系统", "source"),
    ("原始区", "raw"),
    ("暂存区（已脱敏）", "staging"),
    ("dbt 视图", "stg"),
    ("治理表", "governance"),
    ("共享区 / 指标", "exchange · kpi"),
)
BOX_HEIGHT = 40
ROW_GAP = 14
COLUMN_GAP = 130  # room for a masking label before the box it enters
PAD = 16
HEADER = 34
MASK_COLOUR = "#c2410c"
EDGE_COLOUR = "#868e96"


def layer_of(table: str) -> int:
    """Which column a node is drawn in."""
    if table.startswith("source:"):
        return 0
    zone = table.split(".", 1)[0]
    if zone.startswith("raw_"):
        return 1
    if zone == "staging":
        return 2
    if zone == "stg":
        return 3
    if zone == "governance":
        return 4
    return 5


def _text_width(text: str) -> int:
    # CJK characters are about twice as wide as Latin ones at the same size.
    return sum(13 if ord(ch) > 0x2E80 else 7 for ch in text)


@dataclass(frozen=True)
class Box:
    table: str
    label: str
    x: int
    y: int
    width: int


def _layout(nodes: Sequence[str], labels: Mapping[str, str]) -> tuple[dict[str, Box], int, int]:
    by_layer: dict[int, list[str]] = {}
    for node in sorted(set(nodes)):
        by_layer.setdefault(layer_of(node), []).append(node)
    boxes: dict[str, Box] = {}
    x = PAD
    height = HEADER
    used = [layer for layer in range(len(LAYERS)) if layer in by_layer]
    for layer in used:
        members = by_layer[layer]
        width = max(
            max(_text_width(n), _text_width(labels.get(n, ""))) + 20 for n in [*members, LAYERS[layer][1]]
        )
        for index, node in enumerate(members):
            y = HEADER + PAD + index * (BOX_HEIGHT + ROW_GAP)
            boxes[node] = Box(node, labels.get(node, ""), x, y, width)
            height = max(height, y + BOX_HEIGHT + PAD)
        x += width + COLUMN_GAP
    return boxes, x - COLUMN_GAP + PAD, height


def _edge_label(edge: Edge) -> str:
    masks = [
        t.removeprefix("mask:")
        for t in edge.transform.split(",")
        if t.startswith("mask:") and t != "mask:drop"
    ]
    return f"脱敏 {'/'.join(masks)}" if masks else ""


def render_graph(edges: Sequence[Edge], focus: str, labels: Mapping[str, str]) -> str:
    """SVG of table-level ``edges`` (every node they name), ``focus`` highlighted; ``labels`` are the
    Chinese titles drawn under each identifier."""
    nodes = [focus, *(e.from_table for e in edges), *(e.to_table for e in edges)]
    boxes, width, height = _layout(nodes, labels)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="lineage" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" '
        # Its natural size, scaled down (never up) to the page's width.
        'style="max-width:100%;height:auto">',
        "<title>血缘图 lineage graph</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{EDGE_COLOUR}"/></marker></defs>',
    ]
    seen_layers = sorted({layer_of(t) for t in boxes})
    for layer in seen_layers:
        left = min(b.x for b in boxes.values() if layer_of(b.table) == layer)
        chinese, english = LAYERS[layer]
        out.append(
            f'<text x="{left}" y="22" font-size="13" font-weight="bold" fill="#343a40">'
            f"{escape(chinese)} <tspan fill='#868e96' font-weight='normal'>{escape(english)}</tspan></text>"
        )
    for edge in edges:
        source, target = boxes[edge.from_table], boxes[edge.to_table]
        x1, y1 = source.x + source.width, source.y + BOX_HEIGHT // 2
        x2, y2 = target.x, target.y + BOX_HEIGHT // 2
        bend = max(30, (x2 - x1) // 2)
        label = _edge_label(edge)
        colour = MASK_COLOUR if label else EDGE_COLOUR
        out.append(
            f'<path class="edge" d="M{x1},{y1} C{x1 + bend},{y1} {x2 - bend},{y2} {x2},{y2}" fill="none" '
            f'stroke="{colour}" stroke-width="1.5" marker-end="url(#arrow)">'
            f"<title>{escape(edge.from_table)} → {escape(edge.to_table)}: {escape(edge.transform)}</title></path>"
        )
        if label:  # next to the box it enters: labels of edges into different boxes never overlap
            out.append(
                f'<text x="{x2 - 6}" y="{y2 - 5}" font-size="10" text-anchor="end" '
                f'fill="{MASK_COLOUR}">{escape(label)}</text>'
            )
    for box in boxes.values():
        focus_box = box.table == focus
        fill, stroke = ("#fff4e6", "#d9480f") if focus_box else ("#f8f9fa", "#adb5bd")
        out.append(
            f'<g class="node" data-table="{escape(box.table)}"><rect x="{box.x}" y="{box.y}" '
            f'width="{box.width}" height="{BOX_HEIGHT}" rx="5" fill="{fill}" stroke="{stroke}"/>'
            f'<text x="{box.x + 8}" y="{box.y + 16}" font-size="12" fill="#212529">{escape(box.table)}</text>'
            f'<text x="{box.x + 8}" y="{box.y + 32}" font-size="11" fill="#495057">{escape(box.label)}</text></g>'
        )
    out.append("</svg>")
    return "\n".join(out)
