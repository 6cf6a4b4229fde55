"""Column lineage of compiled SQL (sqlglot) and the dbt edges built from it, on SQL written here."""

from __future__ import annotations

import pytest

from governance.contracts import load_contracts
from governance.lineage.dbt import dbt_edges
from governance.lineage.sql import filter_columns, model_inputs
from infra.dbt_manifest import DbtColumn, DbtManifest, DbtModel
from infra.zones import STAGING

SCHEMA = {
    "db": {
        "s": {
            "orders": {
                "order_id": "VARCHAR",
                "amount": "DOUBLE",
                "placed_at": "TIMESTAMP",
                "shop": "VARCHAR",
            },
            "shops": {"shop": "VARCHAR", "town": "VARCHAR"},
        }
    }
}
ORDERS = '"db"."s"."orders"'
SHOPS = '"db"."s"."shops"'


def _inputs(sql: str, columns: list[str], schema=SCHEMA) -> dict[str, set[tuple[str, str | None, str]]]:
    found, unresolved = model_inputs(sql, columns, schema)
    assert not unresolved
    return {c: {(i.relation, i.column, i.transform) for i in found[c]} for c in columns}


def test_select_star_through_ctes_resolves_to_the_table_columns():
    sql = f"""
        with o as (select * from {ORDERS}), s as (select * from {SHOPS})
        select o.order_id, cast(o.placed_at as date) as placed_on, coalesce(o.amount, 0) as amount, s.town
        from o left join s on o.shop = s.shop
    """
    found = _inputs(sql, ["order_id", "placed_on", "amount", "town"])
    assert found == {
        "order_id": {(ORDERS, "order_id", "copy")},
        "placed_on": {(ORDERS, "placed_at", "cast")},
        "amount": {(ORDERS, "amount", "derive")},
        "town": {(SHOPS, "town", "copy")},
    }


def test_count_star_is_a_table_level_aggregate_of_the_driving_table():
    sql = f"""
        with o as (select * from {ORDERS}),
        per_shop as (select shop, count(*) as orders, sum(amount) as total from o group by shop)
        select per_shop.shop, coalesce(per_shop.orders, 0) as orders, per_shop.total, 'all' as scope
        from per_shop
    """
    found = _inputs(sql, ["shop", "orders", "total", "scope"])
    assert found["orders"] == {(ORDERS, None, "aggregate")}
    assert found["total"] == {(ORDERS, "amount", "aggregate")}
    assert found["shop"] == {(ORDERS, "shop", "copy")}
    assert found["scope"] == set()  # a constant reads nothing


def test_union_branches_are_both_inputs():
    sql = f"select shop as name from {ORDERS} union all select town as name from {SHOPS}"
    assert _inputs(sql, ["name"])["name"] == {(ORDERS, "shop", "copy"), (SHOPS, "town", "copy")}


def test_where_on_a_table_is_a_filter_input_but_an_aggregate_filter_is_lineage():
    sql = f"""
        with big as (select shop, count(*) filter (where amount > 100) as big_orders from {ORDERS}
                     where placed_at is not null group by shop)
        select * from big where big_orders > 1
    """
    assert filter_columns(sql, SCHEMA) == {(ORDERS, "placed_at")}
    found = _inputs(sql, ["big_orders"])
    assert (ORDERS, "amount", "aggregate") in found["big_orders"]


def _model(name: str, schema: str, columns: list[str], sql: str, relation: str) -> DbtModel:
    return DbtModel(
        unique_id=f"model.test.{name}",
        name=name,
        schema=schema,
        description="",
        columns=tuple(DbtColumn(c, "", "") for c in columns),
        depends_on=(),
        relation_name=relation,
        compiled_code=sql,
    )


def test_dbt_edges_go_from_the_staging_table_through_the_view_to_the_mart():
    parks = load_contracts()["parks"]
    names = [c.name for c in parks.staged_columns]
    view = _model(
        "stg_development__parks",
        "stg",
        names,
        'select * from "dbt"."staging"."parks"',
        '"dbt"."stg"."stg_development__parks"',
    )
    mart = _model(
        "park_towns",
        "exchange",
        ["town", "parks", "hectares"],
        'select town, count(*) as parks, sum(area_hectares) as hectares from "dbt"."stg"."stg_development__parks" group by town',
        '"dbt"."exchange"."park_towns"',
    )
    manifest = DbtManifest(
        models={m.unique_id: m for m in (view, mart)},
        sources={"source.test.staging.parks": STAGING.table("parks")},
        source_relations={"source.test.staging.parks": '"dbt"."staging"."parks"'},
    )
    result = dbt_edges(manifest, {"parks": parks})
    edges = {(e.from_table, e.from_column, e.to_table, e.to_column, e.transform) for e in result.edges}
    assert result.models == 2 and not result.unresolved
    # select * in the view resolves to every staged column (the schema comes from the contract).
    for name in names:
        assert ("staging.parks", name, "stg.stg_development__parks", name, "copy") in edges
    assert ("stg.stg_development__parks", "town", "exchange.park_towns", "town", "copy") in edges
    assert ("stg.stg_development__parks", None, "exchange.park_towns", "parks", "aggregate") in edges
    assert (
        "stg.stg_development__parks",
        "area_hectares",
        "exchange.park_towns",
        "hectares",
        "aggregate",
    ) in edges


def test_a_model_without_compiled_sql_is_reported_not_guessed():
    manifest = DbtManifest(
        models={"model.test.x": DbtModel("model.test.x", "x", "exchange", "", (DbtColumn("a", "", ""),), ())},
        sources={},
    )
    result = dbt_edges(manifest, {})
    assert result.edges == [] and result.unresolved == ["x.*"]


@pytest.mark.parametrize("column", ["nope"])
def test_an_unknown_output_column_is_unresolved(column):
    found, unresolved = model_inputs(f"select order_id from {ORDERS}", [column], SCHEMA)
    assert unresolved == [column] and column not in found


def _parks_manifest(mart_sql: str) -> DbtManifest:
    """A fresh manifest object each call, as each dbt build writes a manifest file of its own."""
    parks = load_contracts()["parks"]
    view = _model(
        "stg_development__parks",
        "stg",
        [c.name for c in parks.staged_columns],
        'select * from "dbt"."staging"."parks"',
        '"dbt"."stg"."stg_development__parks"',
    )
    mart = _model("park_towns", "exchange", ["town"], mart_sql, '"dbt"."exchange"."park_towns"')
    return DbtManifest(
        models={m.unique_id: m for m in (view, mart)},
        sources={"source.test.staging.parks": STAGING.table("parks")},
        source_relations={"source.test.staging.parks": '"dbt"."staging"."parks"'},
    )


def test_dbt_edges_are_traced_once_per_version_of_the_compiled_sql(monkeypatch):
    import governance.lineage.dbt as dbt

    traced: list[str] = []
    real = dbt.model_edges

    def counting(model, schema, nodes):
        traced.append(model.name)
        return real(model, schema, nodes)

    monkeypatch.setattr(dbt, "model_edges", counting)
    monkeypatch.setattr(dbt, "_TRACED", {})
    contracts = {"parks": load_contracts()["parks"]}
    sql = 'select town from "dbt"."stg"."stg_development__parks"'
    first = dbt_edges(_parks_manifest(sql), contracts)
    # The definitions and the lineage asset of one run: the same SQL in another manifest object is not
    # traced again, and what the first caller did to its result does not reach the second.
    first.edges.clear()
    again = dbt_edges(_parks_manifest(sql), contracts)
    assert traced == ["stg_development__parks", "park_towns"]
    assert ("stg.stg_development__parks", "town", "exchange.park_towns", "town") in {
        e.key for e in again.edges
    }
    # Changed SQL is traced anew.
    changed = dbt_edges(_parks_manifest(sql + " where town is not null"), contracts)
    assert len(traced) == 4
    assert any(e.transform == "filter" for e in changed.edges)


def test_traced_edges_kept_on_disk_serve_the_next_process(monkeypatch, tmp_path):
    import governance.lineage.dbt as dbt

    monkeypatch.setattr(dbt, "_TRACED", {})
    contracts = {"parks": load_contracts()["parks"]}
    manifest = _parks_manifest('select town from "dbt"."stg"."stg_development__parks" where town is not null')
    first = dbt_edges(manifest, contracts, store=tmp_path)
    assert len(list(tmp_path.glob("*.json"))) == 1

    # The next process: nothing in memory, and tracing would fail.
    def untraceable(*_):
        raise AssertionError("traced again")

    monkeypatch.setattr(dbt, "_TRACED", {})
    monkeypatch.setattr(dbt, "model_edges", untraceable)
    again = dbt_edges(manifest, contracts, store=tmp_path)
    assert (again.edges, again.models, again.unresolved) == (first.edges, first.models, first.unresolved)

    # A file it cannot read is traced again, not trusted.
    (stored,) = tmp_path.glob("*.json")
    stored.write_text("{", encoding="utf-8")
    monkeypatch.setattr(dbt, "_TRACED", {})
    with pytest.raises(AssertionError, match="traced again"):
        dbt_edges(manifest, contracts, store=tmp_path)
