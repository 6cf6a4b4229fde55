"""HTML of the dossier: Chinese headings, English identifiers, China time, one self-contained file per page
(inline CSS and SVG; no script, font, image or style sheet from anywhere else)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape

from governance.dossier.columns import ColumnStory
from governance.dossier.model import TableDossier, page_name
from infra.clock import format_china
from infra.zones import STAGING

ACCESS_KINDS = {"full": "全部字段", "masked": "个人信息字段遮盖", "granted": "按授权（字段/行/期限）"}
STYLE = """
body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#212529}
h1{font-size:22px;margin-bottom:4px} h2{font-size:17px;margin-top:28px;border-bottom:1px solid #dee2e6}
table{border-collapse:collapse;margin:8px 0;font-size:13px} th,td{border:1px solid #dee2e6;padding:4px 8px;
text-align:left;vertical-align:top} th{background:#f1f3f5} code{font-size:12px;color:#495057}
.mark{display:inline-block;padding:0 6px;border-radius:3px;font-weight:bold;white-space:nowrap}
.pass{background:#d3f9d8;color:#2b8a3e} .fail{background:#ffe3e3;color:#c92a2a} .none{background:#f1f3f5;color:#868e96}
.meta{color:#868e96;font-size:12px} .graph{overflow-x:auto;border:1px solid #dee2e6;padding:8px;background:#fff}
.masked{color:#c2410c}
"""


def _e(value: object) -> str:
    return escape("—" if value is None or value == "" else str(value))


def _time(moment: datetime | None) -> str:
    return format_china(moment, "china")  # the dossier's times are naive China time (evidence.china)


def mark(passed: bool | None) -> str:
    if passed is None:
        return '<span class="mark none">– 未验证</span>'
    return '<span class="mark pass">✔ 通过</span>' if passed else '<span class="mark fail">✘ 未通过</span>'


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], css: str = "") -> str:
    """Cells are HTML already (escaped by the caller)."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _lines(items: Sequence[str]) -> str:
    return "<br>".join(escape(i) for i in items) if items else "—"


def _column_row(story: ColumnStory, personal: set[str]) -> list[str]:
    served = '<span class="masked">对未授权部门遮盖</span>' if story.name in personal else "—"
    return [
        f"<code>{escape(story.name)}</code>" + (f"<br>{escape(story.doc)}" if story.doc else ""),
        _lines(story.origins),
        _lines(story.steps),
        f'<span class="masked">{_lines(story.masking)}</span>' if story.masking else "—",
        _lines(story.pii),
        _lines(story.sensitive),
        served,
        '<span class="mark pass">✔ 已追溯</span>'
        if story.traced
        else '<span class="mark fail">✘ 无来源</span>',
    ]


def _head(title: str) -> str:
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
    )


def page_html(d: TableDossier, generated: datetime, quality_docs: str | None) -> str:
    personal = {r for reader in d.access.readers for r in reader.masked}
    out = [
        _head(f"审计档案 {d.table}"),
        '<p class="meta"><a href="index.html">← 审计档案索引 index</a></p>',
        f"<h1>{escape(d.title)} <code>{escape(d.table)}</code></h1>",
        f'<p>{escape(d.kind)} · {_e(d.description)}</p><p class="meta">行数 rows: {_e(d.rows)} · '
        f"当前快照 snapshot: {_time(d.updated_at)} · 本页生成 generated: {_time(generated)}（北京时间 China time, "
        f"Asia/Shanghai）· 血缘 lineage: {escape(d.lineage)}</p>",
        f"<p>路径上的门禁 gates on the path: {mark(d.passed)}</p>",
        "<h2>血缘图 Lineage</h2>",
        f'<div class="graph">{d.graph_svg}</div>',
        '<p class="meta">橙色连线：脱敏步骤 (mask:&lt;policy&gt;)。'
        "`lakehouse lineage TABLE.COLUMN` 可逐字段追溯。</p>",
        "<h2>字段 Columns</h2>",
        _table(
            [
                "字段 column",
                "来源 origin",
                "处理 transforms",
                "脱敏策略 masking",
                "个人信息分类 PII class",
                "敏感个人信息 PIPL 28",
                "访问遮盖 served",
                "血缘 traced",
            ],
            (_column_row(s, personal) for s in d.columns),
            "columns",
        ),
        "<h2>质量 Quality</h2>",
        _table(
            [
                "表 table",
                "门禁 gate",
                "结果 result",
                "期望 expectations",
                "未通过 failed",
                "验证时间 validated",
            ],
            (
                [
                    f"<code>{escape(g.table)}</code>",
                    escape(g.suite),
                    mark(g.passed),
                    str(g.expectations),
                    _lines(g.failed),
                    _time(g.validated_at),
                ]
                for g in d.gates
            ),
            "gates",
        )
        if d.gates
        else "<p>路径上尚无验证结果 (no validation recorded).</p>",
        _table(
            [
                "表 table",
                "泄露扫描 leak scan",
                "泄露数 leaks",
                "再识别检查 re-identification",
                "k",
                "l",
                "抑制行 suppressed",
                "检查时间 checked",
            ],
            (
                [
                    f"<code>{escape(STAGING.table(p.dataset))}</code>",  # the gate judges the staged table
                    mark(p.leak_scan_passed),
                    str(p.leaks_found),
                    mark(p.reidentification_passed),
                    _e(p.k),
                    _e(p.l),
                    _e(p.rows_suppressed),
                    _time(p.checked_at),
                ]
                for p in d.privacy
            ),
            "privacy",
        )
        if d.privacy
        else "",
        _leak_scan(d),
        f'<p class="meta">GX Data Docs: <a href="{escape(quality_docs)}">质量报告</a></p>'
        if quality_docs
        else "",
        "<h2>访问 Access</h2>",
        _table(["目录项 catalogue", "值 value"], ([escape(k), escape(v)] for k, v in d.access.catalogue)),
        f'<p class="meta">以下按访问策略 (governance.access.policy) 于 {_time(d.access.as_of)} 计算。</p>',
        _table(
            [
                "部门 department",
                "读取方式 access",
                "遮盖字段 masked",
                "字段 columns",
                "行限制 rows",
                "依据授权 grants",
            ],
            (
                [
                    f"{escape(r.department_name)} <code>{escape(r.department)}</code>",
                    escape(ACCESS_KINDS[r.kind]),
                    _lines(r.masked),
                    "全部" if r.columns is None else _lines(r.columns),
                    "有行过滤条件" if r.row_limited else "全部行",
                    _lines(r.grant_ids),
                ]
                for r in d.access.readers
            ),
            "readers",
        ),
        "<h3>有效授权 live grants</h3>",
        _table(
            ["授权 grant", "部门 department", "字段 columns", "行 rows", "授权时间 granted", "到期 expires"],
            (
                [
                    f"<code>{escape(g.grant_id)}</code>",
                    f"{escape(g.department_name)} <code>{escape(g.department)}</code>",
                    _lines(g.columns) if g.columns else "全部",
                    "有行过滤条件" if g.row_limited else "全部行",
                    _time(g.granted_at),
                    _time(g.expires_at),
                ]
                for g in d.access.grants
            ),
        )
        if d.access.grants
        else "<p>无有效授权 (no live grant on this table).</p>",
        "<h2>查询 Queries</h2>",
        _queries(d),
        "<h2>加载 Loads</h2>",
        _table(
            [
                "数据集 dataset",
                "开始 started",
                "读入 in",
                "入库 loaded",
                "隔离 quarantined",
                "重复 duplicates",
                "状态 status",
            ],
            (
                [
                    f"<code>{escape(x.table)}</code>",
                    _time(x.started_at),
                    str(x.rows_in),
                    str(x.rows_loaded),
                    str(x.rows_quarantined),
                    str(x.rows_duplicate),
                    escape(x.status),
                ]
                for x in d.loads
            ),
            "loads",
        )
        if d.loads
        else "<p>无加载记录 (no load recorded for the datasets on the path).</p>",
        "</body></html>",
    ]
    return "\n".join(out)


def _queries(d: TableDossier) -> str:
    if d.queries is None:
        return "<p>无查询日志 (governance.query_log 不存在：嵌入式部署没有 Trino).</p>"
    if not d.queries:
        return "<p>尚无针对此表的查询 (no query recorded).</p>"
    return (
        _table(
            ["时间 at", "用户组 groups", "状态 state", "读取字段 columns", "遮盖字段 masked", "返回行 rows"],
            (
                [
                    _time(q.at),
                    _lines(q.groups),
                    escape(q.state),
                    str(q.columns),
                    str(q.masked_columns),
                    _e(q.output_rows),
                ]
                for q in d.queries
            ),
            "queries",
        )
        + '<p class="meta">查询文本与用户名不在此列出（可能含个人信息）；审计员可在 governance.query_log 中查阅。</p>'
    )


def index_html(dossiers: Sequence[TableDossier], generated: datetime, lineage: str) -> str:
    rows = (
        [
            f'<a href="{escape(page_name(d.table))}"><code>{escape(d.table)}</code></a>',
            escape(d.title),
            escape(d.kind),
            _e(d.rows),
            str(len(d.access.readers)),
            str(sum(1 for c in d.columns if c.traced)) + f" / {len(d.columns)}",
            mark(d.passed),
        ]
        for d in dossiers
    )
    return "\n".join(
        [
            _head("审计档案 Auditors' dossier"),
            "<h1>审计档案 Auditors' dossier</h1>",
            f'<p class="meta">生成时间 generated: {_time(generated)}（北京时间 China time, Asia/Shanghai）· '
            f"血缘 lineage: {escape(lineage)}</p>",
            _table(
                [
                    "表 table",
                    "名称 title",
                    "类型 kind",
                    "行数 rows",
                    "可读部门 readers",
                    "已追溯字段 traced",
                    "门禁 gates",
                ],
                rows,
                "index",
            ),
            "</body></html>",
        ]
    )


def _leak_scan(d: TableDossier) -> str:
    """A mart's own leak scan, the blocking check before it was published."""
    scan = d.leak_scan
    if scan is None:
        return ""
    return _table(
        [
            "汇总表泄露扫描 mart leak scan",
            "行 rows",
            "列 columns",
            "发现 findings",
            "涉及列 columns",
            "运行 run",
            "时间 at",
        ],
        [
            [
                mark(scan.passed),
                str(scan.rows_scanned),
                str(scan.columns_scanned),
                str(scan.findings),
                _lines(scan.columns_with_findings),
                f"<code>{escape(scan.run_id)}</code>",
                _time(scan.scanned_at),
            ]
        ],
        "mart-leak-scan",
    )
