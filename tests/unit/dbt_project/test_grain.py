"""Each mart declares its grain and its measures' additivity, and no mart repeats a measure of a coarser grain.

The case behind it: exchange.enterprise_profile once carried `building_energy_kwh`, a building's whole
consumption on each of its enterprises; summed over the mart it gave several times the metered energy.
"""

from __future__ import annotations

import pytest
import yaml

from infra.dbt_manifest import DBT_DIR, DbtModel, load_manifest
from tests.unit.dbt_project.marts_sql import fixture_db, mart_sql, refs

ADDITIVITY = {"additive", "semi_additive", "non_additive"}
NUMERIC = {"bigint", "integer", "double", "decimal", "float", "hugeint"}
MARTS = load_manifest().marts()
FIXTURE_TABLES = {r[0] for r in fixture_db().execute("show tables").fetchall()}
# marts whose every input the fixture provides (the others read transport and health tables)
RUNNABLE = [m for m in MARTS if refs(m.name) <= FIXTURE_TABLES]


def _yml(model: DbtModel) -> dict:
    (path,) = (DBT_DIR / "models" / "marts").rglob(f"{model.name}.yml")
    return yaml.safe_load(path.read_text(encoding="utf-8"))["models"][0]


def _grain(model: DbtModel) -> list[str]:
    return list(model.meta.get("grain") or [])


def test_the_fixture_runs_the_development_and_approval_marts() -> None:
    assert {"enterprise_profile", "building_energy", "approval_progress", "online_prereview_rate"} <= {
        m.name for m in RUNNABLE
    }


@pytest.mark.parametrize("model", MARTS, ids=lambda m: m.name)
def test_every_mart_declares_its_grain_and_tests_it(model: DbtModel) -> None:
    grain = _grain(model)
    assert grain, f"{model.name}: no meta.grain (one row per what?)"
    assert set(grain) <= set(model.column_names), f"{model.name}: grain names unknown columns"
    tests = [
        t["unique_grain"]["arguments"]["columns"]
        for t in _yml(model).get("data_tests", [])
        if "unique_grain" in t
    ]
    assert tests == [grain], f"{model.name}: needs one unique_grain test over exactly its grain"


@pytest.mark.parametrize("model", MARTS, ids=lambda m: m.name)
def test_every_measure_declares_its_additivity(model: DbtModel) -> None:
    for column in model.columns:
        if column.name in _grain(model) or column.data_type.lower() not in NUMERIC:
            continue
        additivity = column.meta.get("additivity")
        assert additivity in ADDITIVITY, f"{model.name}.{column.name}: additivity {additivity!r}"
        if additivity == "semi_additive":
            not_across = column.meta.get("not_across") or []
            assert not_across and set(not_across) <= set(_grain(model)), (
                f"{model.name}.{column.name}: semi_additive must name the grain columns it does not add up over"
            )


@pytest.mark.parametrize("model", RUNNABLE, ids=lambda m: m.name)
def test_the_declared_grain_holds(model: DbtModel) -> None:
    con = fixture_db()
    rows = con.execute(f"select count(*) from ({mart_sql(model.name)})").fetchone()[0]
    keys = ", ".join(_grain(model))
    distinct = con.execute(
        f"select count(*) from (select distinct {keys} from ({mart_sql(model.name)}))"
    ).fetchone()[0]
    assert rows > 0 and rows == distinct


def fanned_out_energy(model_name: str, sql: str) -> dict[str, tuple[float, float]]:
    """Energy columns of a mart whose sum over the mart differs from the metered total: {column: (mart, meter)}."""
    con = fixture_db()
    metered = con.execute("select sum(kwh) from stg_development__energy_readings").fetchone()[0]
    result = con.execute(f"select * from ({sql}) limit 0")
    columns = [d[0] for d in result.description]
    wrong = {}
    for column in columns:
        if "kwh" not in column or column.endswith("_per_m2"):  # a per-m² intensity is a ratio, not a total
            continue
        total = con.execute(f"select sum({column}) from ({sql})").fetchone()[0]
        if abs(total - metered) > 1e-6:
            wrong[column] = (total, metered)
    return wrong


@pytest.mark.parametrize(
    "model", [m for m in RUNNABLE if "stg_development__energy_readings" in refs(m.name)], ids=lambda m: m.name
)
def test_no_mart_fans_out_building_energy(model: DbtModel) -> None:
    """Summing a mart's energy gives the metered energy: no building's consumption is repeated per enterprise."""
    assert fanned_out_energy(model.name, mart_sql(model.name)) == {}


def test_energy_is_published_per_building_and_not_on_enterprises() -> None:
    profile = load_manifest().mart("exchange.enterprise_profile")
    assert not [c for c in profile.column_names if "energy" in c or "kwh" in c]
    building = load_manifest().mart("exchange.building_energy")
    assert (
        _grain(building) == ["building_id"] and building.column("energy_kwh").meta["additivity"] == "additive"
    )


@pytest.mark.parametrize("model", RUNNABLE, ids=lambda m: m.name)
def test_additive_counts_reconcile_with_their_input(model: DbtModel) -> None:
    """Every additive measure that says where it comes from (`meta.reconciles_with`) sums to that input's total."""
    con = fixture_db()
    for column in model.columns:
        source = column.meta.get("reconciles_with")
        if not source:
            continue
        total = con.execute(f"select sum({column.name}) from ({mart_sql(model.name)})").fetchone()[0]
        expected = con.execute(f"select {source['expression']} from {source['model']}").fetchone()[0]
        assert total == pytest.approx(expected), f"{model.name}.{column.name}"
