"""The resource catalogue: validation failures, item-level attributes, and the exports."""

import csv
import io
import json
from pathlib import Path

import pytest
import yaml

from governance.catalogue import CatalogueError, build_catalogue, catalogue_entry, entry_items
from governance.contracts import ContractError, load_contract
from governance.sharing.exports import items_to_csv, to_csv, to_dcat_jsonld
from infra.dbt_manifest import load_manifest
from infra.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def marts():
    """The dbt project's shared marts (exchange and kpi), each of which the catalogue lists too."""
    return load_manifest().marts()


EXAMPLE = PROJECT_ROOT / "governance" / "contracts" / "health" / "kiosk_checks.yaml"


def _write(tmp_path: Path, mutate) -> Path:
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    custom = {item["property"]: item for item in document["customProperties"]}
    mutate(document, custom)
    path = tmp_path / "health" / "kiosk_checks.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def _not_shared_without_basis(document, custom):
    custom["sharing_type"]["value"] = "not_shared"
    document["customProperties"] = [i for i in document["customProperties"] if i["property"] != "legal_basis"]


def _blank_basis(document, custom):
    custom["sharing_type"]["value"] = "not_shared"
    document["customProperties"].append({"property": "legal_basis", "value": "   "})


def _secret(document, custom):
    custom["classification"]["value"] = "secret"


@pytest.mark.parametrize(
    ("mutate", "field", "words"),
    [
        (_not_shared_without_basis, "customProperties.legal_basis", "legal basis"),
        (_blank_basis, "customProperties.legal_basis", "legal basis"),
        (_secret, "customProperties.classification", "国家秘密/工作秘密"),
    ],
)
def test_a_contract_that_may_not_enter_the_catalogue_fails_validation(tmp_path, mutate, field, words):
    path = _write(tmp_path, mutate)
    with pytest.raises(ContractError, match=words) as failure:
        load_contract(path)
    assert failure.value.field == field
    assert failure.value.path == path


def test_the_catalogue_itself_refuses_what_validation_would(contracts):
    # Contracts built around validation (e.g. in code) must still not reach the catalogue or its exports.
    kiosk = contracts["kiosk_checks"]
    secret = kiosk.model_construct(**{**kiosk.__dict__, "classification": "secret"})
    with pytest.raises(CatalogueError, match="refused"):
        catalogue_entry(secret)
    no_basis = kiosk.model_construct(**{**kiosk.__dict__, "sharing_type": "not_shared", "legal_basis": None})
    with pytest.raises(CatalogueError, match="legal basis"):
        catalogue_entry(no_basis)
    with pytest.raises(CatalogueError):
        build_catalogue({**contracts, "kiosk_checks": secret})


def test_every_resource_is_listed_with_its_attributes(contracts, marts):
    entries = {e["dataset"]: e for e in build_catalogue(contracts).to_pylist()}
    assert set(entries) == set(contracts) | {m.name for m in marts}
    assert {n for n, e in entries.items() if e["resource_kind"] == "source"} == set(contracts)
    clinic = entries["clinic_visits"]
    assert clinic["sharing_type_label"] == "不予共享" and clinic["legal_basis"]
    assert clinic["exchange_table"] is None
    parking = entries["parking_sessions"]
    assert (parking["provider_department"], parking["sharing_type"], parking["update_frequency"]) == (
        "transport",
        "conditional",
        "hourly",
    )
    assert parking["exchange_table"] == "exchange.parking_sessions"


def test_item_level_attributes_follow_masking(contracts):
    entry = catalogue_entry(contracts["hotline_tickets"])
    items = {i["name"]: i for i in entry_items(entry)}
    assert items["caller_name"]["sharing_type"] == "not_shared"  # dropped by masking: never leaves
    assert items["caller_name"]["shared"] is False
    assert items["caller_mobile"]["sharing_type"] == "conditional"
    assert items["caller_mobile"]["pii_label"] == "手机号"
    assert items["caller_mobile"]["masking_label"] == "假名化"
    assert items["street"]["sharing_type"] == "conditional"


def test_csv_export_has_chinese_headers_and_one_row_per_resource(contracts, marts):
    entries = build_catalogue(contracts).to_pylist()
    text = to_csv(entries)
    assert text.startswith("\ufeff")  # Excel opens it as UTF-8
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert len(rows) == len(contracts) + len(marts)
    assert {
        "资源标识",
        "资源名称",
        "提供部门",
        "共享属性",
        "开放属性",
        "更新周期",
        "数据分级",
        "共享表",
    } <= set(rows[0])
    hotline = next(r for r in rows if r["资源标识"] == "government.hotline_tickets")
    assert hotline["共享属性"] == "有条件共享" and hotline["提供部门"] == "城市管理"
    assert "姓名" not in hotline["信息项"].split("、")  # the dropped caller name is not offered
    items = list(csv.DictReader(io.StringIO(items_to_csv(entries).removeprefix("\ufeff"))))
    assert len(items) == sum(len(c.columns) for c in contracts.values()) + sum(len(m.columns) for m in marts)
    assert {"信息项代码", "信息项名称", "共享属性", "脱敏方式"} <= set(items[0])


def test_dcat_export_is_json_ld_with_a_dataset_per_resource(contracts, marts):
    entries = build_catalogue(contracts).to_pylist()
    document = json.loads(to_dcat_jsonld(entries))
    assert document["@type"] == "dcat:Catalog"
    assert {"dcat", "dct", "csvw"} <= set(document["@context"])
    datasets = {d["dct:identifier"]: d for d in document["dcat:dataset"]}
    assert len(datasets) == len(contracts) + len(marts)
    parks = datasets["development.parks"]
    assert parks["dct:accessRights"]["@id"].endswith("/PUBLIC")
    assert parks["dct:accrualPeriodicity"]["@id"].endswith("/MONTHLY")
    assert parks["dcat:distribution"][0]["dcat:accessURL"]["@id"] == "urn:lingang:table:exchange.parks"
    clinic = datasets["health.clinic_visits"]
    assert "dcat:distribution" not in clinic and clinic["lg:legalBasis"]["@value"]
    assert clinic["dct:accessRights"]["@id"].endswith("/NON_PUBLIC")
    columns = parks["csvw:tableSchema"]["csvw:column"]
    assert [c["csvw:name"] for c in columns] == [c.name for c in contracts["parks"].columns]


def test_dcat_modified_carries_the_china_offset(contracts):
    from datetime import datetime

    entries = build_catalogue(contracts).to_pylist()
    document = json.loads(to_dcat_jsonld(entries, issued=datetime(2026, 11, 30, 23, 5)))  # naive CST
    assert document["dct:modified"]["@value"] == "2026-11-30T23:05:00+08:00"
