"""The catalogue in open formats for the provincial/national integrated platform.

* DCAT-AP (3.0) JSON-LD: one ``dcat:Catalog`` with a ``dcat:Dataset`` per resource; the access right
  follows the open attribute (开放属性) with the EU access-right vocabulary, the update frequency maps to
  the EU frequency vocabulary, the item-level attributes are a CSVW table schema, and the Chinese sharing
  attributes (共享属性, 数据分级, 法律依据) keep their glossary identifiers under the ``lg:`` prefix.
* CSV with Chinese headers (UTF-8 with BOM, which Excel and the provincial import tools open as UTF-8):
  one row per resource, or one row per data item (信息项).
Marts (``resource_kind`` mart, docs/adr/0013-marts-in-the-catalogue.md) are datasets like the rest, with
their inputs as ``dct:source`` and the derivation of their attributes under ``lg:derivedFrom``; in the CSV
their inputs and which input decided each attribute (派生依据).
Identifiers are URNs, not web addresses: the platform assigns its own when it harvests the catalogue.
"""

from __future__ import annotations

import json
from datetime import datetime

from governance.catalogue import entry_items, resource_kind
from governance.catalogue_marts import derived_from
from infra.clock import to_china
from infra.csv_export import to_csv as write_csv
from infra.vocabulary import (
    CLASSIFICATIONS,
    DEPARTMENTS,
    DOMAINS,
    SHARING_TYPES,
    STEWARD_DEPARTMENT,
    UPDATE_FREQUENCIES,
)

CATALOGUE_URN = "urn:lingang:catalogue"
EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
EU_ACCESS_RIGHT = "http://publications.europa.eu/resource/authority/access-right/"
FREQUENCIES = {
    "realtime": "UPDATE_CONT",
    "hourly": "HOURLY",
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "yearly": "ANNUAL",
}
ACCESS_RIGHTS = {"open": "PUBLIC", "on_request": "RESTRICTED", "closed": "NON_PUBLIC"}
KIND_LABELS = {"source": "信息资源", "mart": "汇总资源 (mart)"}
# The attributes a mart derives from its inputs, as the CSV's 派生依据 names them.
DERIVED_LABELS = {
    "sharing_type": "共享属性",
    "open_type": "开放属性",
    "classification": "数据分级",
    "update_frequency": "更新周期",
}
CSVW_TYPES = {
    "string": "string",
    "integer": "integer",
    "number": "double",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "dateTime",
}
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "csvw": "http://www.w3.org/ns/csvw#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "lg": "urn:lingang:vocab#",
}


def _zh(text: str | None) -> dict | None:
    return None if text is None else {"@value": text, "@language": "zh-CN"}


def _agent(department: str) -> dict:
    return {
        "@id": f"urn:lingang:department:{department}",
        "@type": "foaf:Agent",
        "foaf:name": _zh(DEPARTMENTS.get(department, department)),
        "dct:identifier": department,
    }


def _domains(entry: dict) -> list[str]:
    """The domain labels of an entry; a mart's domain lists its inputs' (comma-separated)."""
    return [DOMAINS.get(d, d) for d in entry["domain"].split(",")]


def _resource_urn(resource_id: str) -> str:
    return f"urn:lingang:resource:{resource_id}"


def dcat_dataset(entry: dict) -> dict:
    items = entry_items(entry)
    dataset: dict = {
        "@id": _resource_urn(entry["resource_id"]),
        "@type": "dcat:Dataset",
        "dct:identifier": entry["resource_id"],
        "dct:title": _zh(entry["title"]),
        "dct:description": _zh(entry.get("purpose") or entry["title"]),
        "dct:publisher": _agent(entry["provider_department"]),
        "dct:accrualPeriodicity": {"@id": EU_FREQUENCY + FREQUENCIES[entry["update_frequency"]]},
        "dct:accessRights": {
            "@id": EU_ACCESS_RIGHT + ACCESS_RIGHTS[entry["open_type"]],
            "lg:openType": entry["open_type"],
            "lg:openTypeLabel": _zh(entry["open_type_label"]),
        },
        "dcat:keyword": [_zh(d) for d in _domains(entry)],
        "dcat:version": entry["contract_version"],
        "lg:sharingType": entry["sharing_type"],
        "lg:sharingTypeLabel": _zh(entry["sharing_type_label"]),
        "lg:classification": entry["classification"],
        "lg:classificationLabel": _zh(entry["classification_label"]),
        "lg:updateFrequency": entry["update_frequency"],
        "lg:resourceKind": resource_kind(entry),
        "csvw:tableSchema": {
            "@type": "csvw:Schema",
            "csvw:column": [
                {
                    "@type": "csvw:Column",
                    "csvw:name": item["name"],
                    "csvw:titles": _zh(item["label"]),
                    "csvw:datatype": {"@id": "xsd:" + CSVW_TYPES.get(item["type"], "string")},
                    "lg:sharingType": item["sharing_type"],
                    "lg:personalData": item["pii"],
                    "lg:masking": item["masking"],
                }
                for item in items
            ],
        },
    }
    if entry.get("legal_basis"):
        dataset["lg:legalBasis"] = _zh(entry["legal_basis"])
    derivation = derived_from(entry)
    if derivation is not None:
        # DCAT-AP's dct:source: the datasets this one is derived from.
        dataset["dct:source"] = [{"@id": _resource_urn(i["resource_id"])} for i in derivation["inputs"]]
        dataset["lg:derivedFrom"] = {"@type": "@json", "@value": derivation}
    if entry.get("exchange_table"):
        # The table is reached through the data centre's SQL service; the URN names it without a host.
        dataset["dcat:distribution"] = [
            {
                "@id": f"urn:lingang:distribution:{entry['exchange_table']}",
                "@type": "dcat:Distribution",
                "dct:title": _zh(f"{entry['title']}（共享表 {entry['exchange_table']}）"),
                "dcat:accessURL": {"@id": f"urn:lingang:table:{entry['exchange_table']}"},
                "dct:format": "Apache Iceberg table (SQL via Trino)",
            }
        ]
    return dataset


def to_dcat_jsonld(entries: list[dict], issued: datetime | None = None) -> str:
    document = {
        "@context": CONTEXT,
        "@id": CATALOGUE_URN,
        "@type": "dcat:Catalog",
        "dct:title": _zh("临港城市云数据中心信息资源目录"),
        "dct:description": _zh(
            "临港新片区管委会非涉密政务信息资源目录，含共享属性、开放属性、更新周期与信息项。"
        ),
        "dct:publisher": _agent(STEWARD_DEPARTMENT),
        "dct:language": {"@id": "http://publications.europa.eu/resource/authority/language/ZHO"},
        "dcat:dataset": [dcat_dataset(e) for e in entries],
    }
    if issued is not None:
        # xsd:dateTime with its offset: a platform elsewhere must not read China time as its own (naive = CST).
        stamped = to_china(issued, "china").isoformat(timespec="seconds")
        document["dct:modified"] = {"@value": stamped, "@type": "xsd:dateTime"}
    return json.dumps(document, ensure_ascii=False, indent=2)


RESOURCE_HEADERS = [
    ("resource_id", "资源标识"),
    ("title", "资源名称"),
    ("purpose", "资源摘要"),
    ("domain_label", "领域"),
    ("provider_department", "提供部门代码"),
    ("provider_department_name", "提供部门"),
    ("sharing_type_label", "共享属性"),
    ("open_type_label", "开放属性"),
    ("update_frequency_label", "更新周期"),
    ("classification_label", "数据分级"),
    ("legal_basis", "不予共享法律依据"),
    ("exchange_table", "共享表"),
    ("resource_kind_label", "资源类型"),
    ("inputs", "输入资源"),
    ("derivation", "派生依据"),
    ("items", "信息项"),
    ("contract_version", "版本"),
]
ITEM_HEADERS = [
    ("resource_id", "资源标识"),
    ("title", "资源名称"),
    ("name", "信息项代码"),
    ("label", "信息项名称"),
    ("type", "数据类型"),
    ("sharing_type_label", "共享属性"),
    ("pii_label", "个人信息类别"),
    ("masking_label", "脱敏方式"),
]


def _derivation_cells(entry: dict) -> dict:
    """A mart's inputs with their 共享属性, and which input decided each derived attribute."""
    derivation = derived_from(entry)
    if derivation is None:
        return {"inputs": None, "derivation": None}
    inputs = "、".join(
        f"{i['resource_id']}({SHARING_TYPES.get(i['sharing_type'], i['sharing_type'])})"
        for i in derivation["inputs"]
    )
    decided = derivation["decided_by"]
    parts = [
        f"{label}←{'、'.join(decided[key]) or derivation['sharing_rule']}"
        for key, label in DERIVED_LABELS.items()
    ]
    return {"inputs": inputs, "derivation": "；".join(parts)}


def to_csv(entries: list[dict]) -> str:
    rows = []
    for entry in entries:
        items = entry_items(entry)
        rows.append(
            {
                **entry,
                **_derivation_cells(entry),
                "resource_kind_label": KIND_LABELS[resource_kind(entry)],
                "domain_label": "、".join(_domains(entry)),
                "update_frequency_label": UPDATE_FREQUENCIES[entry["update_frequency"]],
                "classification_label": CLASSIFICATIONS[entry["classification"]],
                "items": "、".join(i["label"] for i in items if i["shared"]),
            }
        )
    return write_csv(RESOURCE_HEADERS, rows)


def items_to_csv(entries: list[dict]) -> str:
    rows = [
        {"resource_id": e["resource_id"], "title": e["title"], **item}
        for e in entries
        for item in entry_items(e)
    ]
    return write_csv(ITEM_HEADERS, rows)
