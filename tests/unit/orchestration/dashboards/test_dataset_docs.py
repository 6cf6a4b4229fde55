"""Superset's dataset columns take their verbose names and descriptions from governance.column_docs."""

from __future__ import annotations

from governance.column_docs import table_doc
from infra.dbt_manifest import load_manifest
from orchestration.dashboards import specs
from orchestration.dashboards.labels import column_doc_fields, column_labels, dataset_doc


def test_every_documented_dataset_column_gets_business_name_and_doc() -> None:
    documented = 0
    for ds in specs.DATASETS:
        doc = table_doc(ds.table)
        for column in doc.columns:
            fields = column_doc_fields(column.name, dataset_doc(ds.table))
            if column.business_name:
                assert fields["verbose_name"] == column.business_name
                assert column_labels(ds.table)[column.name] == column.business_name
                documented += 1
            if column.text:
                assert fields["description"] == column.text
    assert documented > 0


def test_mart_datasets_are_described_by_their_model() -> None:
    marts = {m.table: m for m in load_manifest().marts()}
    described = [ds for ds in specs.DATASETS if ds.table in marts]
    assert described
    for ds in described:
        assert dataset_doc(ds.table).comment == marts[ds.table].description.strip()


def test_an_undocumented_column_keeps_what_superset_has() -> None:
    assert column_doc_fields("no_such_column", dataset_doc("exchange.parking_utilisation_hourly")) == {}
    assert column_doc_fields("rate", dataset_doc("kpi.sharing_rate")) == {}
