"""网上政务大厅 (online service hall): applications, their approval steps, and supervision inspections.

Applications follow a real workflow (pre-review → acceptance → review → decision) with realistic delays,
cut at the export moment: steps not started yet do not exist, a running step has no end and outcome
``pending``, and the application's status and ``updated_at`` reflect only what happened before the cutoff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from ingest.simulator.clock import DAYLIGHT, OFFICE, compact, times_in_day
from ingest.simulator.context import SimContext
from ingest.simulator.table import Chunk, Table, concat, nullable, sequence_ids, timestamps

DATASETS = ("approval_applications", "approval_steps", "inspection_records")

APPLICATIONS_AT_SCALE_1 = 3_000
INSPECTIONS_AT_SCALE_1 = 60
SERVICE_CENTRE = "行政服务中心"
HOUR = 3600
DAY = 86_400


@dataclass(frozen=True)
class Item:
    code: str
    name: str
    department: str
    for_enterprise: bool
    review_days: float  # typical time the department needs to review
    weight: float


ITEMS = (
    Item("310115-XK-0101", "企业设立登记", "市场监管局临港分局", True, 1, 10),
    Item("310115-XK-0102", "食品经营许可", "市场监管局临港分局", True, 5, 6),
    Item("310115-XK-0201", "建设工程规划许可证核发", "规划和自然资源处", True, 10, 3),
    Item("310115-XK-0202", "建筑工程施工许可证核发", "建设和交通管理处", True, 7, 3),
    Item("310115-XK-0301", "公共场所卫生许可", "卫生健康委", True, 5, 4),
    Item("310115-XK-0401", "城镇污水排入排水管网许可", "生态环境局", True, 7, 2),
    Item("310115-XK-0501", "户外广告设施设置许可", "城市管理局", True, 5, 2),
    Item("310115-GG-0601", "人才引进落户", "人力资源和社会保障局", False, 10, 12),
    Item("310115-GG-0602", "居住证办理", "公安临港分局", False, 3, 20),
    Item("310115-GG-0603", "社会保障卡申领", "人力资源和社会保障局", False, 2, 14),
    Item("310115-GG-0604", "生育登记", "卫生健康委", False, 1, 8),
    Item("310115-GG-0605", "残疾人证办理", "民政局", False, 5, 3),
    Item("310115-GG-0606", "公共租赁住房申请", "住房保障中心", False, 10, 13),
)
INSPECTORS = ("市场监管局临港分局", "应急管理局", "生态环境局", "消防救援支队", "建设和交通管理处")


def _applications_day(ctx: SimContext, day: date) -> tuple[Table, list[tuple]]:
    rng = ctx.rng("approval_applications", day)
    pop = ctx.population
    res = pop.residents
    n = ctx.per_day(APPLICATIONS_AT_SCALE_1, day, weekend_factor=0.3)
    cutoff = int(ctx.cutoff)
    weights = np.array([it.weight for it in ITEMS])
    item_idx = rng.choice(len(ITEMS), size=n, p=weights / weights.sum())
    submitted = times_in_day(rng, day, n, DAYLIGHT)
    adults = np.flatnonzero(res.age_on(day) >= 18)
    applicant = rng.choice(adults, size=n)
    enterprise = rng.integers(0, len(pop.enterprises), n)
    for_enterprise = np.array([ITEMS[i].for_enterprise for i in item_idx])
    online = rng.random(n) < 0.85
    fate = rng.random(n)
    u = rng.random((n, 8))

    status, decided, updated = [], [], []
    steps: list[tuple] = []  # (application index, step, department, started, finished|None, outcome)
    for i in range(n):
        item = ITEMS[item_idx[i]]
        t = int(submitted[i]) + int(60 + u[i, 0] * 540)
        events = [int(submitted[i])]
        state, decided_at = "submitted", None
        plan: list[tuple[str, str, int, str]] = []  # (step, department, duration, outcome)
        if online[i]:
            plan.append(("prereview", SERVICE_CENTRE, int(HOUR * (0.3 + u[i, 1] * 6)), "passed"))
            if fate[i] < 0.03:  # incomplete materials: returned at pre-review, application closed
                plan[-1] = (*plan[-1][:3], "returned")
        if not (online[i] and fate[i] < 0.03):
            plan.append(("acceptance", SERVICE_CENTRE, int(HOUR * (0.2 + u[i, 2] * 3)), "passed"))
            if not 0.03 <= fate[i] < 0.06:
                review = int(DAY * item.review_days * (0.4 + u[i, 3] * 1.2))
                plan.append(("review", item.department, review, "passed"))
                outcome = "rejected" if fate[i] < 0.13 else "passed"
                plan.append(("decision", item.department, int(HOUR * (0.2 + u[i, 4] * 4)), outcome))
        for k, (step, dept, duration, outcome) in enumerate(plan):
            if k:
                t += int(600 + u[i, 5] * 4 * HOUR)  # waiting in the next desk's queue
            if t >= cutoff:
                break
            end = t + duration
            if end >= cutoff:
                steps.append((i, step, dept, t, None, "pending"))
                events.append(t)
                break
            steps.append((i, step, dept, t, end, outcome))
            events += [t, end]
            if step == "prereview":
                state = "prereviewed" if outcome == "passed" else "rejected"
                decided_at = end if outcome == "returned" else None
            elif step == "acceptance":
                state = "accepted"
            elif step == "decision":
                state = "approved" if outcome == "passed" else "rejected"
                decided_at = end
            t = end
        else:
            if 0.03 <= fate[i] < 0.06 and state == "accepted":
                withdrawn_at = t + int(HOUR + u[i, 6] * 2 * DAY)  # the applicant withdraws after acceptance
                if withdrawn_at < cutoff:
                    state = "withdrawn"
                    events.append(withdrawn_at)
        status.append(state)
        decided.append(decided_at)
        updated.append(max(events))

    agent_is_person = ~for_enterprise | (rng.random(n) < 0.97)
    missing_mobile = rng.random(n) < 0.02
    town = np.where(for_enterprise, pop.enterprises.town[enterprise], res.town[applicant])
    decided_arr = np.array([d if d is not None else 0 for d in decided], dtype=np.int64)
    table = {
        "application_id": sequence_ids("SP", compact(day), n, 6),
        "item_code": np.array([ITEMS[i].code for i in item_idx]),
        "item_name": np.array([ITEMS[i].name for i in item_idx]),
        "applicant_name": nullable(res.name[applicant], ~agent_is_person),
        "applicant_id_number": nullable(res.id_number[applicant], ~agent_is_person),
        "applicant_mobile": nullable(res.mobile[applicant], ~agent_is_person | missing_mobile),
        "enterprise_uscc": nullable(pop.enterprises.uscc[enterprise], ~for_enterprise),
        "town": town,
        "online_prereview": online,
        "submitted_at": timestamps(submitted),
        "decided_at": timestamps(decided_arr, np.array([d is None for d in decided], dtype=bool)),
        "status": np.array(status),
        "updated_at": timestamps(np.array(updated, dtype=np.int64)),
    }
    return table, steps


def _steps_table(applications: Table, steps: list[tuple]) -> Table:
    finished = np.array([s[4] if s[4] is not None else 0 for s in steps], dtype=np.int64)
    return {
        "application_id": applications["application_id"][np.array([s[0] for s in steps], dtype=np.int64)],
        "step_name": np.array([s[1] for s in steps], dtype=object),
        "handler_department": np.array([s[2] for s in steps], dtype=object),
        "started_at": timestamps(np.array([s[3] for s in steps], dtype=np.int64)),
        "finished_at": timestamps(finished, np.array([s[4] is None for s in steps], dtype=bool)),
        "outcome": np.array([s[5] for s in steps], dtype=object),
    }


def _with_step_ids(steps: Table) -> Table:
    """Step ids are issued in start order as ``<yyyymmdd of start><sequence>``: like an auto-increment that
    never repeats across days or runs (the ingest uses step_id as its watermark)."""
    order = np.argsort(steps["started_at"], kind="stable")
    out = {k: v[order] for k, v in steps.items()}
    day_key = np.char.replace(np.datetime_as_string(out["started_at"].astype("datetime64[D]")), "-", "")
    day_key = day_key.astype(np.int64)
    first_of_day = np.r_[0, np.flatnonzero(np.diff(day_key)) + 1]
    seq = np.arange(len(day_key)) - np.repeat(first_of_day, np.diff(np.r_[first_of_day, len(day_key)])) + 1
    return {"step_id": day_key * 1_000_000 + seq, **out}


def _inspections_day(ctx: SimContext, day: date) -> Table:
    rng = ctx.rng("inspection_records", day)
    ent = ctx.population.enterprises
    n = ctx.per_day(INSPECTIONS_AT_SCALE_1, day, weekend_factor=0.0)
    result = rng.choice(np.array(["合格", "限期整改", "不合格"]), size=n, p=[0.74, 0.21, 0.05])
    issues = np.where(
        result == "合格",
        rng.binomial(1, 0.1, n),
        np.where(result == "限期整改", rng.integers(1, 6, n), rng.integers(3, 16, n)),
    )
    return {
        "inspection_id": sequence_ids("JC", compact(day), n, 5),
        "enterprise_uscc": ent.uscc[rng.integers(0, len(ent), n)],
        "inspected_at": timestamps(times_in_day(rng, day, n, OFFICE)),
        "inspector_department": rng.choice(np.array(INSPECTORS), size=n),
        "result": result,
        "issues_found": issues.astype(np.int64),
    }


def generate(ctx: SimContext) -> dict[str, list[Chunk]]:
    apps: list[Table] = []
    steps: list[Table] = []
    for day in ctx.days:
        table, day_steps = _applications_day(ctx, day)
        apps.append(table)
        steps.append(_steps_table(table, day_steps))
    return {
        "approval_applications": [Chunk(None, concat(apps))],
        "approval_steps": [Chunk(None, _with_step_ids(concat(steps)))],
        "inspection_records": [Chunk(None, _inspections_day(ctx, day)) for day in ctx.days],
    }
