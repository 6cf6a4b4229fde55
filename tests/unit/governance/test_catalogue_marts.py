"""Marts in the resource catalogue (ADR 0013): every exchange/kpi mart is an entry whose attributes follow its
inputs' contracts, whose sharing type is the access policy's answer, and which the exports carry.

Expectations are derived from the contracts and dbt's manifest, never written out: a changed contract or mart
changes what the tests expect."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest

from governance.access.policy import STEWARDS, AccessPolicy
from governance.access.resources import access_resources, load_marts
from governance.catalogue import MART, CatalogueError, build_catalogue, entry_items
from governance.catalogue_marts import derived_from
from governance.column_docs import table_doc
from governance.sharing.exports import to_csv, to_dcat_jsonld
from governance.sharing.rules import RequestError, refuse_mart_request
from infra.dbt_manifest import load_manifest
from infra.vocabulary import (
    CLASSIFICATIONS,
    DEPARTMENTS,
    OPEN_TYPES,
    STEWARD_DEPARTMENT,
    UPDATE_FREQUENCIES,
)
from infra.zones import KPI

NOW = datetime(2026, 11, 30, 12, 0)
# The vocabularies list their values from the least to the most restrictive (open_type, classification) and
# from the most to the least often updated (update_frequency): the strictest input is the one listed last.
ORDERS = {
    "open_type": list(OPEN_TYPES),
    "classification": list(CLASSIFICATIONS),
    "update_frequency": list(UPDATE_FREQUENCIES),
}


@pytest.fixture(scope="module")
def contracts():
    from governance.contracts import load_contracts

    return load_contracts()


@pytest.fixture(scope="module")
def manifest():
    return load_manifest()


@pytest.fixture(scope="module")
def catalogue(contracts, manifest):
    return {e["dataset"]: e for e in build_catalogue(contracts, manifest).to_pylist()}


def _marts(catalogue):
    return {name: e for name, e in catalogue.items() if e["resource_kind"] == MART}


def _with(contracts, name, **update):
    """The project's contracts with one input changed, as a steward's edit of its contract would."""
    return {**contracts, name: contracts[name].model_copy(update=update)}


def _mart_entry(contracts, manifest, name):
    return next(e for e in build_catalogue(contracts, manifest).to_pylist() if e["dataset"] == name)


def test_every_vocabulary_value_has_its_place_in_the_strictness_orders():
    """A value added to a vocabulary must be placed in its order (else a mart reading it cannot be derived)."""
    from governance.catalogue_marts import CLASSIFICATION_ORDER, FREQUENCY_ORDER, OPEN_ORDER

    orders = {
        "open_type": OPEN_ORDER,
        "classification": CLASSIFICATION_ORDER,
        "update_frequency": FREQUENCY_ORDER,
    }
    assert {a: list(o) for a, o in orders.items()} == ORDERS


def test_every_exchange_and_kpi_mart_is_an_entry_provided_by_the_data_office(catalogue, contracts, manifest):
    marts = _marts(catalogue)
    assert set(marts) == {m.name for m in manifest.marts()}
    for model in manifest.marts():
        entry = marts[model.name]
        assert entry["resource_id"] == entry["exchange_table"] == str(model.table)
        assert entry["provider_department"] == STEWARD_DEPARTMENT
        assert entry["raw_table"] is None and entry["legal_basis"] is None
        inputs = [i["dataset"] for i in derived_from(entry)["inputs"]]
        assert inputs == list(manifest.upstream_datasets(model))
        # 信息项: every column of the model, with the business name its yml description gives it (the one
        # reading of those descriptions, as Trino's column comments and Superset's labels show them).
        items = entry_items(entry)
        doc = table_doc(str(model.table), contracts, manifest)
        assert [(i["name"], i["label"]) for i in items] == [
            (c.name, doc.column(c.name).label) for c in model.columns
        ]
        assert all(
            i["label"] and i["label"] in c.description for i, c in zip(items, model.columns, strict=True)
        )
        assert entry["title"] == doc.title and entry["title"] in model.description
        assert all(i["shared"] and i["sharing_type"] == entry["sharing_type"] for i in items)


def test_open_type_classification_and_frequency_are_the_strictest_inputs(catalogue, contracts):
    for name, entry in _marts(catalogue).items():
        derivation = derived_from(entry)
        inputs = [contracts[i["dataset"]] for i in derivation["inputs"]]
        for attribute, order in ORDERS.items():
            values = {c.name: str(getattr(c, attribute)) for c in inputs}
            strictest = max(values.values(), key=order.index)
            assert entry[attribute] == strictest, (name, attribute)
            deciders = sorted(n for n, v in values.items() if v == strictest)
            assert derivation["decided_by"][attribute] == deciders, (name, attribute)


def test_the_sharing_type_is_what_the_access_policy_enforces(catalogue, contracts):
    """Unconditional exactly when every department reads the mart without a grant; kpi marts always."""
    policy = AccessPolicy.of(access_resources(contracts, load_marts()), [], NOW)
    for name, entry in _marts(catalogue).items():
        readers = set(policy.readers(entry["exchange_table"])) - {STEWARDS}
        assert (entry["sharing_type"] == "unconditional") == (readers == set(DEPARTMENTS)), name
        if entry["exchange_table"].startswith(f"{KPI.name}."):
            assert (
                entry["sharing_type"] == "unconditional" and derived_from(entry)["sharing_rule"] == "zone:kpi"
            )


def test_a_mart_follows_a_change_of_its_inputs_sharing_type(contracts, manifest):
    model = next(m for m in load_marts(manifest) if m.name == "enterprise_profile")
    conditional = [n for n in model.inputs if contracts[n].sharing_type == "conditional"]
    assert conditional, "enterprise_profile should read a conditional input for this test to mean anything"
    before = _mart_entry(contracts, manifest, "enterprise_profile")
    assert before["sharing_type"] == "conditional"
    assert derived_from(before)["decided_by"]["sharing_type"] == sorted(conditional)

    opened = contracts
    for name in conditional:
        opened = _with(opened, name, sharing_type="unconditional")
    after = _mart_entry(opened, manifest, "enterprise_profile")
    assert after["sharing_type"] == "unconditional"
    assert derived_from(after)["decided_by"]["sharing_type"] == sorted(model.inputs)
    assert {i["sharing_type"] for i in entry_items(after)} == {"unconditional"}

    # And back: one unconditional input turned conditional makes the mart conditional, naming it.
    first = sorted(set(model.inputs) - set(conditional))[0]
    closed = _mart_entry(_with(opened, first, sharing_type="conditional"), manifest, "enterprise_profile")
    assert (closed["sharing_type"], derived_from(closed)["decided_by"]["sharing_type"]) == (
        "conditional",
        [first],
    )


def test_open_type_classification_and_frequency_follow_a_changed_input(contracts, manifest):
    model = next(m for m in manifest.marts() if m.name == "building_energy")
    changed = manifest.upstream_datasets(model)[0]
    strictest = {attribute: order[-1] for attribute, order in ORDERS.items()}
    entry = _mart_entry(_with(contracts, changed, **strictest), manifest, "building_energy")
    derivation = derived_from(entry)
    for attribute, value in strictest.items():
        assert entry[attribute] == value
        assert changed in derivation["decided_by"][attribute]


def test_a_mart_reading_an_uncatalogued_input_is_refused(contracts, manifest):
    model = next(m for m in manifest.marts() if m.name == "hotline_tickets_by_street")
    missing = {k: v for k, v in contracts.items() if k not in manifest.upstream_datasets(model)}
    with pytest.raises(CatalogueError, match="no contract describes"):
        build_catalogue(missing, manifest)
    assert not [
        e for e in build_catalogue(missing, manifest, marts=False).to_pylist() if e["resource_kind"] == MART
    ]


def test_a_personal_mart_column_carries_its_inputs_class_and_masking(catalogue, contracts):
    resources = {r.table: r for r in access_resources(contracts, load_marts())}
    for entry in _marts(catalogue).values():
        resource = resources.get(entry["exchange_table"])
        if resource is None:
            continue  # kpi marts: not an exchange access resource
        personal = {i["name"]: i for i in entry_items(entry) if i["pii"]}
        assert set(personal) == set(resource.personal_columns)
        for name, item in personal.items():
            origins = [
                c
                for i in resource.inputs
                for c in contracts[i.dataset].columns
                if c.name == name and c.pii == item["pii"]
            ]
            assert origins and item["masking"] in {c.masking for c in origins}


def test_exports_carry_every_mart_with_its_inputs_and_derivation(catalogue):
    entries = list(catalogue.values())
    marts = _marts(catalogue)
    document = json.loads(to_dcat_jsonld(entries))
    datasets = {d["dct:identifier"]: d for d in document["dcat:dataset"]}
    for entry in marts.values():
        dataset = datasets[entry["resource_id"]]
        derivation = derived_from(entry)
        assert dataset["lg:resourceKind"] == MART
        assert dataset["dct:publisher"]["dct:identifier"] == STEWARD_DEPARTMENT
        assert [s["@id"] for s in dataset["dct:source"]] == [
            f"urn:lingang:resource:{i['resource_id']}" for i in derivation["inputs"]
        ]
        assert dataset["lg:derivedFrom"]["@value"] == derivation
        assert dataset["lg:sharingType"] == entry["sharing_type"]
    rows = {r["资源标识"]: r for r in csv.DictReader(io.StringIO(to_csv(entries).removeprefix("\ufeff")))}
    for entry in marts.values():
        row = rows[entry["resource_id"]]
        derivation = derived_from(entry)
        assert row["资源类型"].endswith("(mart)") and row["提供部门"] == DEPARTMENTS[STEWARD_DEPARTMENT]
        assert all(i["resource_id"] in row["输入资源"] for i in derivation["inputs"])
        for decider in derivation["decided_by"]["classification"]:
            assert decider in row["派生依据"]
    assert not [
        r
        for r in rows.values()
        if r["资源类型"] != "信息资源" and r["资源标识"] not in {e["resource_id"] for e in marts.values()}
    ]


def test_a_mart_is_not_requested_itself_the_refusal_names_what_to_request(catalogue, contracts):
    for name, entry in _marts(catalogue).items():
        inputs = derived_from(entry)["inputs"]
        conditional = [i for i in inputs if i["sharing_type"] == "conditional"]
        not_shared = [i for i in inputs if i["sharing_type"] == "not_shared"]
        outsider = next(d for d in DEPARTMENTS if d not in {i["provider_department"] for i in inputs})
        with pytest.raises(RequestError) as refused:
            refuse_mart_request(entry, outsider)
        message = str(refused.value)
        if entry["sharing_type"] == "unconditional":
            assert "无条件共享" in message, name
        elif not_shared:
            assert "no request can open it" in message and all(i["dataset"] in message for i in not_shared)
        else:
            assert all(i["dataset"] in message for i in conditional), name
            assert "without a row condition" in message
