"""健康云 (health cloud): resident health records and outpatient visits (one SQLite database).

Every record belongs to a resident of the population (about 60% are registered); visits are made by
registered residents, more often by the elderly and small children. About 20% of doctors' notes quote the
patient's name, phone, ID number or address.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from ingest.simulator import places, text
from ingest.simulator.clock import ANYTIME, CLINIC, day_seconds, times_in_day
from ingest.simulator.context import SimContext
from ingest.simulator.table import Chunk, Table, nullable, timestamps

DATASETS = ("resident_health_records", "clinic_visits")
VISITS_AT_SCALE_1 = 5_000
FIRST_RECORD_DAY = np.datetime64("2010-01-01")

HOSPITAL_DEPARTMENTS = (
    "内科",
    "外科",
    "儿科",
    "妇产科",
    "眼科",
    "口腔科",
    "皮肤科",
    "中医科",
    "心内科",
    "急诊科",
)
COMMUNITY_DEPARTMENTS = ("全科", "中医科", "预防保健科", "口腔科")
# ICD-10 codes by who typically carries them: (code, weight for the young, weight for the old).
DIAGNOSES = (
    ("I10", 0.3, 6), ("E11.9", 0.3, 4), ("J06.9", 6, 2), ("J20.9", 3, 2), ("K29.7", 2, 2), ("M54.5", 2, 2),
    ("R51", 1.5, 1), ("H10.9", 1, 0.5), ("K02.9", 1.5, 0.8), ("L30.9", 1.2, 0.6), ("I25.1", 0.1, 2),
    ("E78.5", 0.4, 2), ("Z00.0", 2, 1.5), ("N39.0", 0.8, 0.8),
)  # fmt: skip
CHRONIC = ("高血压", "糖尿病", "冠心病", "慢阻肺", "高脂血症")


def registered(ctx: SimContext) -> np.ndarray:
    """Indices of residents with a health record, in record-id order."""
    return np.flatnonzero(ctx.population.residents.health_registered)


def _records(ctx: SimContext) -> Table:
    rng = ctx.rng("resident_health_records")
    res = ctx.population.residents
    idx = registered(ctx)
    n = len(idx)
    age = res.age_on(ctx.days[0])[idx]
    born = res.birth_date[idx]
    first = np.maximum(FIRST_RECORD_DAY, born)
    span = (np.datetime64(ctx.days[0]) - first).astype(np.int64)
    registered_on = first + (rng.random(n) * np.maximum(span, 1)).astype(np.int64)
    # Most records were last touched long ago; some are updated during the simulated days (the watermark).
    recent = rng.random(n) < 0.02 * len(ctx.days)
    last_touch = day_seconds(ctx.days[0]) - (rng.random(n) * 400 * 86_400).astype(np.int64)
    reg_seconds = registered_on.astype("datetime64[s]").astype(np.int64) + 9 * 3600
    updated = np.where(
        recent,
        day_seconds(ctx.days[0]) + (rng.random(n) * 86_400 * len(ctx.days)).astype(np.int64),
        np.maximum(last_touch, reg_seconds + rng.integers(0, 86_400 * 30, n)),
    )
    updated = np.minimum(updated, ctx.cutoff - 1)
    # Chronic conditions rise with age: one or two tags, semicolon separated, as the system stores them.
    p_chronic = np.clip((age - 35) / 80, 0.0, 0.6)
    has = rng.random(n) < p_chronic
    first_tag = rng.integers(0, len(CHRONIC), n)
    second_tag = (first_tag + rng.integers(1, len(CHRONIC), n)) % len(CHRONIC)
    two = rng.random(n) < 0.3
    chronic = np.full(n, None, dtype=object)
    for i in np.flatnonzero(has):
        chronic[i] = CHRONIC[first_tag[i]] + (f";{CHRONIC[second_tag[i]]}" if two[i] else "")
    return {
        "record_id": np.char.add("HR310115", np.char.zfill(np.arange(1, n + 1).astype(str), 8)),
        "resident_name": res.name[idx],
        "resident_id_number": res.id_number[idx],
        "sex": res.sex[idx],
        "mobile": nullable(res.mobile[idx], rng.random(n) < 0.05),
        "address": nullable(res.address[idx], rng.random(n) < 0.03),
        "town": res.town[idx],
        "chronic_conditions": chronic,
        "registered_on": registered_on.astype("datetime64[D]"),
        "updated_at": timestamps(updated),
    }


def _visits_day(ctx: SimContext, day: date) -> Table:
    rng = ctx.rng("clinic_visits", day)
    res = ctx.population.residents
    pool = registered(ctx)
    age = res.age_on(day)[pool]
    weight = 1.0 + 2.0 * (age >= 60) + 1.5 * (age < 6)
    n = ctx.per_day(VISITS_AT_SCALE_1, day, weekend_factor=0.55)
    who = pool[rng.choice(len(pool), size=n, p=weight / weight.sum())]
    old = res.age_on(day)[who] >= 50
    at_hospital = rng.random(n) < 0.45
    clinic = np.where(
        at_hospital, places.HOSPITAL, np.array([places.COMMUNITY_CLINICS[t] for t in res.town[who]])
    )
    department = np.where(
        at_hospital,
        np.array(HOSPITAL_DEPARTMENTS)[rng.integers(0, len(HOSPITAL_DEPARTMENTS), n)],
        np.array(COMMUNITY_DEPARTMENTS)[rng.integers(0, len(COMMUNITY_DEPARTMENTS), n)],
    )
    emergency = department == "急诊科"
    visited = np.where(emergency, times_in_day(rng, day, n, ANYTIME), times_in_day(rng, day, n, CLINIC))
    codes = np.array([d[0] for d in DIAGNOSES])
    p_young = np.array([d[1] for d in DIAGNOSES])
    p_old = np.array([d[2] for d in DIAGNOSES])
    diagnosis = np.where(
        old,
        rng.choice(codes, size=n, p=p_old / p_old.sum()),
        rng.choice(codes, size=n, p=p_young / p_young.sum()),
    )
    diagnosis = nullable(diagnosis, rng.random(n) < 0.04)
    notes = text.clinic_notes(
        rng, diagnosis, {k: getattr(res, k)[who] for k in ("name", "mobile", "id_number", "address")}
    )
    order = np.argsort(visited, kind="stable")
    table = {
        "resident_id_number": res.id_number[who],
        "clinic": clinic,
        "department": nullable(department, rng.random(n) < 0.02),
        "visited_at": timestamps(visited),
        "diagnosis_code": diagnosis,
        "note": notes,
    }
    table = {k: v[order] for k, v in table.items()}
    # Visit ids: <yyyymmdd><sequence>, increasing with time like the HIS auto-increment (the watermark).
    day_key = int(day.strftime("%Y%m%d"))
    return {"visit_id": day_key * 1_000_000 + np.arange(1, n + 1, dtype=np.int64), **table}


def generate(ctx: SimContext) -> dict[str, list[Chunk]]:
    return {
        "resident_health_records": [Chunk(None, _records(ctx))],
        "clinic_visits": [Chunk(day.isoformat(), _visits_day(ctx, day)) for day in ctx.days],
    }
