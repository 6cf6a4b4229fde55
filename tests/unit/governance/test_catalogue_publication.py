"""The published catalogue table with marts: an existing home's catalogue (published before marts were
catalogued) is read with its marts and evolves in place at the next publication; the sharing KPI counts
source resources only (ADR 0013)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyarrow as pa
import pytest

from governance.catalogue import CATALOGUE_SCHEMA, MART, SOURCE, build_catalogue, read_catalogue
from governance.contracts import load_contracts
from governance.publish import publish_catalogue, write_derived
from governance.sharing.gates import GateStatus
from governance.sharing.measure import Observed, measure
from infra.dbt_manifest import load_manifest
from infra.zones import RESOURCE_CATALOGUE

NEW_COLUMNS = ("resource_kind", "derived_from")
AT = datetime(2026, 11, 30, 12, 0)


@pytest.fixture(scope="module")
def contracts():
    return load_contracts()


def _old_schema() -> pa.Schema:
    """The catalogue's schema before marts: no kind, no derivation, and every resource had a raw table."""
    fields = [f for f in CATALOGUE_SCHEMA if f.name not in NEW_COLUMNS]
    return pa.schema([f.with_nullable(False) if f.name == "raw_table" else f for f in fields])


def _publish_old(catalog, contracts) -> int:
    schema = _old_schema()
    sources = build_catalogue(contracts, marts=False).select(schema.names).cast(schema)
    write_derived(catalog, RESOURCE_CATALOGUE, sources)
    return sources.num_rows


def test_an_old_publication_is_read_with_its_marts_and_evolves_in_place(catalog, contracts):
    published = _publish_old(catalog, contracts)
    marts = {m.name for m in load_manifest().marts()}
    read = read_catalogue(catalog)
    assert [e["dataset"] for e in read if e["resource_kind"] == SOURCE] == sorted(
        contracts, key=lambda n: contracts[n].id
    )
    assert {e["dataset"] for e in read if e["resource_kind"] == MART} == marts
    assert published == len(contracts)

    rows = publish_catalogue(contracts, catalog)
    table = catalog.load_table(RESOURCE_CATALOGUE)
    fields = {f.name: f for f in table.schema().fields}
    assert set(NEW_COLUMNS) <= set(fields) and not fields["raw_table"].required
    stored = table.scan().to_arrow().to_pylist()
    assert rows == len(stored) == len(contracts) + len(marts)
    kinds = {r["dataset"]: r["resource_kind"] for r in stored}
    assert {n for n, k in kinds.items() if k == MART} == marts
    assert all(r["derived_from"] for r in stored if r["resource_kind"] == MART)
    assert not [r for r in stored if r["resource_kind"] == SOURCE and r["derived_from"] is not None]
    assert read_catalogue(catalog) == sorted(
        stored, key=lambda r: (r["resource_kind"] == MART, r["resource_id"])
    )


def test_the_sharing_kpi_counts_source_resources_only(contracts):
    everything = build_catalogue(contracts).to_pylist()
    sources = [e for e in everything if e["resource_kind"] == SOURCE]
    shared = [e for e in everything if e["exchange_table"]]
    passed = GateStatus("passed", "run-1", AT - timedelta(hours=1))
    observed = Observed(
        refreshed={e["exchange_table"]: AT - timedelta(hours=1) for e in shared},
        quality={e["dataset"]: passed for e in shared},
        leak_scan={e["dataset"]: passed for e in shared},
    )
    with_marts, alone = measure(everything, observed, AT), measure(sources, observed, AT)
    assert [s.dataset for s in with_marts.resources] == [s.dataset for s in alone.resources]
    assert [r.as_row() for r in with_marts.rates] == [r.as_row() for r in alone.rates]
    assert with_marts.overall().resources == len(contracts)
    providers = {c.provider_department for c in contracts.values()}
    assert {r.department for r in with_marts.rates} == {"all", *providers}
