"""The project's lineage is described by the SQL of a full build, never by an incremental run's SQL, which
reads the mart itself (docs/adr/0020-incremental-marts.md)."""

from __future__ import annotations

from dataclasses import replace

from infra.dbt_manifest import DbtManifest, DbtModel, _matches

RELATION = '"dbt"."exchange"."hourly"'
FULL_SQL = 'with sessions as (select * from "dbt"."stg"."sessions") select * from sessions'
INCREMENTAL_SQL = f"with built as (select * from {RELATION}), sessions as (select 1) select * from sessions"


def _manifest(compiled: str | None, materialized: str = "incremental") -> DbtManifest:
    model = DbtModel(
        unique_id="model.test.hourly",
        name="hourly",
        schema="exchange",
        description="",
        columns=(),
        depends_on=(),
        relation_name=RELATION,
        checksum="abc",
        compiled_code=compiled,
        config={"materialized": materialized},
    )
    return DbtManifest(models={model.unique_id: model}, sources={})


def test_a_full_builds_compiled_sql_describes_the_project() -> None:
    assert _matches(_manifest(FULL_SQL), _manifest(None))


def test_an_incremental_runs_compiled_sql_does_not() -> None:
    assert not _matches(_manifest(INCREMENTAL_SQL), _manifest(None))
    # A table model naming its own relation (it cannot read itself) is not mistaken for one.
    assert _matches(_manifest(INCREMENTAL_SQL, "table"), _manifest(None, "table"))


def test_another_checksum_still_does_not_match() -> None:
    current = _manifest(None)
    model = replace(current.models["model.test.hourly"], checksum="other")
    assert not _matches(_manifest(FULL_SQL), DbtManifest(models={model.unique_id: model}, sources={}))
