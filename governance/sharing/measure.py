"""The measured 网上共享率: which catalogue resources are actually shared online, per department and overall.

A resource counts as shared online only if all of these hold (docs/adr/0006-sharing-rate-definition.md):
* its exchange table exists and has data;
* that table was refreshed within the window its update frequency allows;
* its quality gate and its leak scan passed on their latest run (a gate that has not run is a gap);
* someone besides the provider (and the stewards) may read it, as the access policy answers
  (`governance.access.policy`, the same answer Trino and Superset enforce): unconditional → every
  department; conditional → the provider plus departments holding a live, valid grant that matches rows of
  the exchange table when measured (a grant whose row condition matches nothing shares nothing), so a
  conditional resource with no such grant is a gap.
不予共享 resources (with their legal basis) are exempt: counted apart, neither shared nor a gap, and not in
the denominator. dbt marts are catalogued but not counted (docs/adr/0013-marts-in-the-catalogue.md): the rate
counts each resource a department provides once, and a mart re-publishes its inputs.

``measure`` is pure (catalogue entries + observed facts → states and rates) so it can be tested on small
fixtures; ``observe`` gathers the facts from the Iceberg catalog, the gate tables and the grant store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pyarrow as pa
from pyiceberg.catalog import Catalog

from governance.access.grant import Grant
from governance.access.policy import STEWARDS, AccessPolicy
from governance.access.resources import resource_of_entry
from governance.access.row_filter import RowConditionError
from governance.access.row_match import matched_rows
from governance.catalogue import SOURCE, read_catalogue, resource_kind
from governance.freshness import max_age
from governance.sharing.deadlines import CST, now_cst, to_cst
from governance.sharing.gates import NOT_RUN, GateStatus, read_leak_gate, read_quality_gate
from governance.sharing.grants import grants_at
from governance.sharing.store import RequestStore
from infra.iceberg.docs import TableDocs
from infra.vocabulary import DEPARTMENTS, UPDATE_FREQUENCIES
from infra.zones import SHARING_GAPS, SHARING_RATE

ALL = "all"

# The data centre refreshes the exchange zone once a day (schedule lakehouse_daily, 02:00): no exchange
# table can be fresher than that, so it is the floor of every window. Lower it when the schedule tightens.
PIPELINE_CADENCE = timedelta(days=1)
# Slack for a run that starts late or takes long.
GRACE = timedelta(hours=6)

GAP_REASONS: dict[str, str] = {
    "missing_exchange_table": "未发布共享表",
    "stale": "未按更新周期更新",
    "quality_failed": "质量校验未通过",
    "quality_not_run": "质量校验未运行",
    "leak_scan_failed": "泄露扫描未通过",
    "leak_scan_not_run": "泄露扫描未运行",
    "no_grant": "无部门获授权",
    "grant_matches_no_rows": "授权行条件无匹配数据",
}


def freshness_window(update_frequency: str) -> timedelta:
    """The quality gate's allowed age for the source, but never less than one pipeline cycle: an exchange
    table cannot be fresher than the run that publishes it."""
    return max(max_age(update_frequency), PIPELINE_CADENCE + GRACE)


@dataclass(frozen=True)
class Gap:
    reason: str
    detail: str

    @property
    def label(self) -> str:
        return GAP_REASONS[self.reason]


@dataclass(frozen=True)
class ResourceState:
    resource_id: str
    dataset: str
    title: str
    provider_department: str
    sharing_type: str
    update_frequency: str
    exchange_table: str | None
    last_refreshed: datetime | None
    readers: tuple[str, ...]
    exempt: bool
    gaps: tuple[Gap, ...] = ()

    @property
    def shared_online(self) -> bool:
        return not self.exempt and not self.gaps


@dataclass(frozen=True)
class DepartmentRate:
    department: str
    department_name: str
    resources: int
    exempt: int
    shared_online: int

    @property
    def in_scope(self) -> int:
        return self.resources - self.exempt

    @property
    def gaps(self) -> int:
        return self.in_scope - self.shared_online

    @property
    def sharing_rate(self) -> float | None:
        return None if self.in_scope == 0 else round(self.shared_online / self.in_scope, 4)

    def as_row(self) -> dict:
        """The KPI row, as stored in kpi.sharing_rate and shown in reports."""
        return {
            "department": self.department,
            "department_name": self.department_name,
            "resources": self.resources,
            "exempt": self.exempt,
            "in_scope": self.in_scope,
            "shared_online": self.shared_online,
            "gaps": self.gaps,
            "sharing_rate": self.sharing_rate,
        }


@dataclass(frozen=True)
class Observed:
    """What the measurement looks at; everything keyed by dataset name or table identifier."""

    refreshed: dict[str, datetime | None]  # exchange table → last commit (CST), None if absent or empty
    quality: dict[str, GateStatus]
    leak_scan: dict[str, GateStatus]
    grants: list[Grant] = field(default_factory=list)
    # Rows of its exchange table each grant matches now; None: not counted (every grant counts).
    matched_rows: dict[Grant, int] | None = None

    def sharing_grants(self) -> list[Grant]:
        """The grants that share something: each matches at least one row (all, when not counted)."""
        if self.matched_rows is None:
            return list(self.grants)
        return [g for g in self.grants if self.matched_rows.get(g, 0) > 0]


@dataclass(frozen=True)
class Measurement:
    at: datetime
    resources: list[ResourceState]
    rates: list[DepartmentRate]

    def overall(self) -> DepartmentRate:
        return next(r for r in self.rates if r.department == ALL)

    def gaps(self) -> list[tuple[ResourceState, Gap]]:
        return [(r, g) for r in self.resources for g in r.gaps]


def assess(
    entry: dict, observed: Observed, at: datetime, policy: AccessPolicy, empty: Iterable[Grant] = ()
) -> ResourceState:
    """One catalogue entry against the observed facts and who may read it: exempt, shared online, or its gaps."""
    sharing_type = entry["sharing_type"]
    table = entry.get("exchange_table")
    dataset = entry["dataset"]
    base = {
        "resource_id": entry["resource_id"],
        "dataset": dataset,
        "title": entry["title"],
        "provider_department": entry["provider_department"],
        "sharing_type": sharing_type,
        "update_frequency": entry["update_frequency"],
        "exchange_table": table,
    }
    if sharing_type == "not_shared":
        return ResourceState(**base, last_refreshed=None, readers=(), exempt=True)

    gaps: list[Gap] = []
    refreshed = observed.refreshed.get(table) if table else None
    if refreshed is None:
        gaps.append(Gap("missing_exchange_table", f"{table or dataset} does not exist or holds no snapshot"))
    else:
        window = freshness_window(entry["update_frequency"])
        age = at - refreshed
        if age > window:
            gaps.append(
                Gap(
                    "stale",
                    f"last refreshed {refreshed:%Y-%m-%d %H:%M}, {_hours(age)} ago; "
                    f"{UPDATE_FREQUENCIES[entry['update_frequency']]} allows {_hours(window)}",
                )
            )
    for gate, statuses, prefix in (
        ("quality gate", observed.quality, "quality"),
        ("leak scan", observed.leak_scan, "leak_scan"),
    ):
        status = statuses.get(dataset, NOT_RUN)
        if status.state == "failed":
            gaps.append(Gap(f"{prefix}_failed", f"{gate} run {status.run_id}: {status.detail}"))
        elif status.state == "not_run":
            gaps.append(Gap(f"{prefix}_not_run", f"no {gate} result for {dataset}"))

    allowed = set(policy.readers(table)) if table else set()
    if not allowed - {entry["provider_department"], STEWARDS}:
        idle = sorted(g.grant_id or g.department for g in empty if str(g.table) == table)
        if idle:
            detail = f"live grant(s) {', '.join(idle)} match no row of {table} now"
            gaps.append(Gap("grant_matches_no_rows", detail))
        else:
            gaps.append(Gap("no_grant", "conditional resource with no live grant to another department"))
    return ResourceState(
        **base, last_refreshed=refreshed, readers=tuple(sorted(allowed)), exempt=False, gaps=tuple(gaps)
    )


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} h" if hours < 72 else f"{hours / 24:.0f} d"


def rates(states: Iterable[ResourceState]) -> list[DepartmentRate]:
    states = list(states)
    departments = sorted({s.provider_department for s in states})

    def rate(department: str, name: str, members: list[ResourceState]) -> DepartmentRate:
        return DepartmentRate(
            department,
            name,
            resources=len(members),
            exempt=sum(s.exempt for s in members),
            shared_online=sum(s.shared_online for s in members),
        )

    result = [rate(ALL, "全部部门", states)]
    for department in departments:
        members = [s for s in states if s.provider_department == department]
        result.append(rate(department, DEPARTMENTS.get(department, department), members))
    return result


def counted(entries: Iterable[dict]) -> list[dict]:
    """The catalogue entries the rate counts: source resources, not marts (ADR 0013)."""
    return [e for e in entries if resource_kind(e) == SOURCE]


def measure(entries: Iterable[dict], observed: Observed, at: datetime) -> Measurement:
    moment = to_cst(at)
    entries = sorted(counted(entries), key=lambda e: e["resource_id"])
    # Who reads what: the access policy over these entries and the grants, as Trino enforces it.
    resources = [r for r in (resource_of_entry(e) for e in entries) if r is not None]
    sharing = observed.sharing_grants()
    policy = AccessPolicy.of(resources, sharing, moment)
    empty = [g for g in observed.grants if g not in sharing]
    states = [assess(e, observed, moment, policy, empty) for e in entries]
    return Measurement(moment, states, rates(states))


def last_refreshed(catalog: Catalog, identifier: str) -> datetime | None:
    """When the table's current snapshot was committed (CST), or None if it does not exist or is empty."""
    if not catalog.table_exists(identifier):
        return None
    snapshot = catalog.load_table(identifier).current_snapshot()
    if snapshot is None:
        return None
    return datetime.fromtimestamp(snapshot.timestamp_ms / 1000, CST).replace(tzinfo=None)


def observe(
    catalog: Catalog, entries: list[dict], store: RequestStore | None = None, at: datetime | None = None
) -> Observed:
    moment = to_cst(at or now_cst())
    tables = {e["exchange_table"] for e in entries if e.get("exchange_table")}
    store = store or RequestStore.open()
    grants = grants_at(store.list(state="approved"), moment)
    return Observed(
        refreshed={t: last_refreshed(catalog, t) for t in sorted(tables)},
        quality=read_quality_gate(catalog),
        leak_scan=read_leak_gate(catalog),
        grants=grants,
        matched_rows=count_grant_rows(catalog, entries, grants),
    )


def count_grant_rows(catalog: Catalog, entries: Iterable[dict], grants: Iterable[Grant]) -> dict[Grant, int]:
    """Rows of its exchange table each grant matches now, re-counted at every measurement: a grant whose
    rows are gone (or never were) stops counting as sharing. A grant the count cannot evaluate (its
    condition no longer fits the table) matches nothing here, as Trino's rules drop it too."""
    columns = {
        r.table: r.columns for r in (resource_of_entry(e) for e in entries) if r is not None and not r.is_mart
    }
    counted: dict[Grant, int] = {}
    for grant in grants:
        shared = columns.get(grant.table)
        try:
            counted[grant] = (
                0 if shared is None else matched_rows(catalog, str(grant.table), grant.row_condition, shared)
            )
        except RowConditionError:
            counted[grant] = 0
    return counted


def measure_catalog(
    catalog: Catalog, store: RequestStore | None = None, at: datetime | None = None
) -> Measurement:
    """Measure now (or at ``at``) from the published catalogue and what the lakehouse holds."""
    moment = to_cst(at or now_cst())
    entries = counted(read_catalogue(catalog))
    return measure(entries, observe(catalog, entries, store, moment), moment)


def _field(name: str, kind: pa.DataType, doc: str, nullable: bool = False) -> pa.Field:
    # "业务名: description", as every other column doc; pyiceberg makes the "doc" the Iceberg field doc.
    return pa.field(name, kind, nullable=nullable, metadata={"doc": doc})


MEASURED_AT_DOC = "测量时间: when the KPI was measured, naive China time (Asia/Shanghai)"
RATE_SCHEMA = pa.schema(
    [
        _field(
            "department", pa.string(), "提供部门: provider department id (glossary), or 'all' for the city"
        ),
        _field("department_name", pa.string(), "部门名称: the department's name"),
        _field("resources", pa.int64(), "信息资源数: source resources the department catalogues"),
        _field(
            "exempt", pa.int64(), "不予共享数: resources exempt from sharing (不予共享), left out of the rate"
        ),
        _field("in_scope", pa.int64(), "应共享数: non-classified resources, the rate's denominator"),
        _field(
            "shared_online", pa.int64(), "已在线共享数: resources shared online now, the rate's numerator"
        ),
        _field("gaps", pa.int64(), "未共享数: in-scope resources not shared online (see kpi.sharing_gaps)"),
        _field(
            "sharing_rate",
            pa.float64(),
            "网上共享率: shared_online ÷ in_scope (null: nothing in scope)",
            True,
        ),
        _field("measured_at", pa.timestamp("us"), MEASURED_AT_DOC),
    ]
)
GAPS_SCHEMA = pa.schema(
    [
        _field("resource_id", pa.string(), "资源代码: the catalogue's resource id"),
        _field("dataset", pa.string(), "数据集: the dataset's contract name"),
        _field("title", pa.string(), "资源名称: the resource's title"),
        _field("provider_department", pa.string(), "提供部门: provider department id (glossary)"),
        _field("provider_department_name", pa.string(), "部门名称: the provider's name"),
        _field(
            "sharing_type",
            pa.string(),
            "共享属性: unconditional 无条件共享 / conditional 有条件共享 (not_shared is exempt, never a gap)",
        ),
        _field(
            "exchange_table", pa.string(), "共享表: the exchange table, null when none is published", True
        ),
        _field("reason", pa.string(), "未共享原因: the gap's reason code"),
        _field("reason_label", pa.string(), "原因说明: the reason, in words"),
        _field("detail", pa.string(), "详情: what is missing, by name (never a cell value)"),
        _field(
            "last_refreshed",
            pa.timestamp("us"),
            "最近更新: the exchange table's last refresh, China time",
            True,
        ),
        _field("measured_at", pa.timestamp("us"), MEASURED_AT_DOC),
    ]
)


RATE_COMMENT = (
    "网上共享率 — shared-online resources ÷ non-classified resources, per provider department and 'all'"
)
GAPS_COMMENT = "未共享资源 — each in-scope resource not shared online now, with the reason"


def _docs(schema: pa.Schema, comment: str) -> TableDocs:
    """The schema's field docs and the table comment, so an existing table is brought up to date too."""
    return TableDocs(comment, {f.name: (f.metadata or {})[b"doc"].decode() for f in schema})


def rate_rows(measurement: Measurement) -> pa.Table:
    rows = [r.as_row() | {"measured_at": measurement.at} for r in measurement.rates]
    return pa.Table.from_pylist(rows, schema=RATE_SCHEMA)


def gap_rows(measurement: Measurement) -> pa.Table:
    rows = [
        {
            "resource_id": s.resource_id,
            "dataset": s.dataset,
            "title": s.title,
            "provider_department": s.provider_department,
            "provider_department_name": DEPARTMENTS.get(s.provider_department, s.provider_department),
            "sharing_type": s.sharing_type,
            "exchange_table": s.exchange_table,
            "reason": g.reason,
            "reason_label": g.label,
            "detail": g.detail,
            "last_refreshed": s.last_refreshed,
            "measured_at": measurement.at,
        }
        for s, g in measurement.gaps()
    ]
    return pa.Table.from_pylist(rows, schema=GAPS_SCHEMA)


def write_kpi(catalog: Catalog, measurement: Measurement) -> tuple[int, int]:
    """Replace kpi.sharing_rate and kpi.sharing_gaps (one commit each); returns their row counts."""
    from governance.publish import write_derived  # publish pulls in the masking stack; only needed here

    rate = rate_rows(measurement)
    gaps = gap_rows(measurement)
    write_derived(catalog, SHARING_RATE, rate, _docs(RATE_SCHEMA, RATE_COMMENT))
    write_derived(catalog, SHARING_GAPS, gaps, _docs(GAPS_SCHEMA, GAPS_COMMENT))
    return rate.num_rows, gaps.num_rows
