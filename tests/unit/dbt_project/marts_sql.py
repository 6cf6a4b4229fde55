"""Run a mart's SQL on small DuckDB tables made by code, without dbt: `{{ ref('x') }}` becomes table `x`."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import jinja2

from infra.dbt_manifest import DBT_DIR

REF = re.compile(r"\{\{\s*ref\('([a-z0-9_]+)'\)\s*\}\}")


def model_source(model: str) -> str:
    (path,) = (DBT_DIR / "models" / "marts").rglob(f"{model}.sql")
    return Path(path).read_text(encoding="utf-8")


class _DuckDB:
    """dbt's `adapter` as the dialect macros see it on the embedded target: `dispatch` picks `default__…`."""

    macros: object = None

    def dispatch(self, name: str) -> object:
        return getattr(self.macros, f"default__{name}")


DIALECT_MACROS = ("seconds_between", "hour_series", "timestamp_type")


def _render(text: str) -> str:
    """The dialect macros (macros/dialect.sql) rendered as on the embedded target, with dbt's `return`."""
    adapter = _DuckDB()
    env = jinja2.Environment()
    env.globals.update({"return": lambda value: value, "adapter": adapter})
    adapter.macros = env.from_string((DBT_DIR / "macros" / "dialect.sql").read_text(encoding="utf-8")).module
    return env.from_string(text).render({name: getattr(adapter.macros, name) for name in DIALECT_MACROS})


def mart_sql(model: str, text: str | None = None) -> str:
    """The model's SQL with refs as plain table names and the DuckDB spelling of the dialect macros (``text``
    overrides the file, e.g. an old version)."""
    plain = REF.sub(lambda m: m.group(1), model_source(model) if text is None else text)
    return _render(plain)


def refs(model: str) -> set[str]:
    """The models it reads."""
    return set(REF.findall(model_source(model)))


def fixture_db() -> duckdb.DuckDBPyConnection:
    """Two parks, three buildings with several enterprises each (the fan-out case), hourly meter readings,
    inspections, applications and their steps."""
    con = duckdb.connect()
    con.execute(
        "create table stg_development__parks (park_id varchar, park_name varchar, developer varchar, town varchar)"
    )
    con.execute(
        "insert into stg_development__parks values ('P1', '园一', '临港集团', '南汇新城镇'), ('P2', '园二', '港城集团', '泥城镇')"
    )
    con.execute(
        "create table stg_development__buildings (building_id varchar, building_name varchar, bim_id varchar,"
        " park_id varchar, floor_area_m2 double)"
    )
    buildings = [("B1", "P1", 12000.0), ("B2", "P1", 8000.0), ("B3", "P2", 5000.0)]
    for b, p, area in buildings:
        con.execute(
            "insert into stg_development__buildings values (?, ?, ?, ?, ?)",
            [b, f"楼{b}", f"BIM-{b}", p, area],
        )
    con.execute(
        "create table stg_development__enterprises (uscc varchar, enterprise_name varchar, industry varchar,"
        " registered_capital_wan double, established_on date, employees bigint, legal_representative varchar,"
        " park_id varchar, building_id varchar)"
    )
    tenants = {"B1": 6, "B2": 3, "B3": 1}  # B1 holds six enterprises: its energy must not count six times
    n = 0
    for b, p, _ in buildings:
        for _ in range(tenants[b]):
            n += 1
            con.execute(
                "insert into stg_development__enterprises values (?, ?, '制造业', 100, date '2020-01-01', 10, '张*', ?, ?)",
                [f"U{n:03d}", f"企业{n}", p, b],
            )
    con.execute(
        "create table stg_development__energy_readings (building_id varchar, read_at timestamp, kwh double)"
    )
    start = datetime(2026, 11, 1)
    for i, (b, _, _) in enumerate(buildings):
        for h in range(24):
            con.execute(
                "insert into stg_development__energy_readings values (?, ?, ?)",
                [b, start + timedelta(hours=h), 10.0 * (i + 1) + h],
            )
    con.execute(
        "create table stg_government__inspection_records (enterprise_uscc varchar, result varchar, inspected_at timestamp)"
    )
    con.execute(
        "insert into stg_government__inspection_records values ('U001', '合格', ?), ('U001', '不合格', ?), ('U007', '合格', ?)",
        [start, start, start],
    )
    con.execute(
        "create table stg_government__approval_applications (application_id varchar, item_code varchar,"
        " item_name varchar, enterprise_uscc varchar, online_prereview boolean, status varchar,"
        " submitted_at timestamp, decided_at timestamp)"
    )
    con.execute("create table stg_government__approval_steps (application_id varchar, outcome varchar)")
    for i in range(30):
        decided = start + timedelta(hours=5 + i) if i % 3 else None
        con.execute(
            "insert into stg_government__approval_applications values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                f"A{i}",
                "310115-XK-0101" if i % 2 else "310115-GG-0602",
                "企业设立登记" if i % 2 else "居住证办理",
                f"U{i % 10 + 1:03d}" if i % 2 else None,
                i % 4 != 0,
                "approved" if decided else "submitted",
                start + timedelta(days=i % 3),
                decided,
            ],
        )
        for k in range(i % 3 + 1):
            con.execute(
                "insert into stg_government__approval_steps values (?, ?)",
                [f"A{i}", "returned" if k else "passed"],
            )
    return con
