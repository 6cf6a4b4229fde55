"""Load and validate contracts: ODCS JSON schema first, then our own attributes, then cross-field rules.

Every failure names the file and the field, so a steward can fix the YAML without reading code.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from open_data_contract_standard.model import OpenDataContractStandard
from pydantic import ValidationError

from governance.contracts.model import (
    NOT_PERSONAL,
    Column,
    DatasetContract,
    LoadSpec,
    PartitionField,
    ReidentificationSpec,
    SourceSpec,
)
from infra.settings import PROJECT_ROOT
from infra.vocabulary import (
    DEPARTMENTS,
    DOMAINS,
    MASKING_POLICIES,
    NO_PII,
    PII_CLASSES,
    REFUSED_CLASSIFICATIONS,
    SENSITIVE_CATEGORIES,
    VALIDATORS,
)

CONTRACTS_DIR = Path(__file__).resolve().parent
# libyaml's safe loader where PyYAML was built with it: the same documents, five times faster than the
# pure-Python one (every process that loads the definitions reads every contract).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# One empty file per contract text that passed the ODCS schema (see _odcs_errors), in the checkout's
# git-ignored cache folder.
ODCS_PASSED = PROJECT_ROOT / ".cache" / "odcs-passed"
_COLUMN_PROPERTIES = {
    "pii",
    "sensitive",
    "quasi_identifier",
    "sharing_type",
    "masking",
    "masking_option",
    "validator",
    "source_field",
    "derived_from",
}
# Logical types a birth year or birth date can have: the age of a data subject is read from them.
_AGE_TYPES = ("string", "integer", "date", "timestamp")


class ContractError(ValueError):
    """A contract that cannot be used; names the file and the field at fault."""

    def __init__(self, path: Path, field: str, message: str) -> None:
        self.path = path
        self.field = field
        super().__init__(f"{path}: {field}: {message}")


@cache
def _odcs_schema() -> str:
    return resources.files("open_data_contract_standard").joinpath("schema.json").read_text()


@cache
def _odcs_validator() -> jsonschema.Draft201909Validator:
    return jsonschema.Draft201909Validator(json.loads(_odcs_schema()))


@cache
def _validation_version() -> str:
    """What an ODCS verdict also depends on: the schema, jsonschema, and how the YAML was read."""
    parts = [_odcs_schema(), metadata.version("jsonschema"), yaml.__version__, _YAML_LOADER.__name__]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _odcs_errors(text: str, document: dict[str, Any]) -> list[jsonschema.ValidationError]:
    """The document's ODCS schema errors, by path.

    jsonschema takes a tenth of a second over the contracts, and every process that loads the Dagster
    definitions reads them all: a text that passed (with the same schema and libraries) is not checked
    again. Only a pass is remembered, so a broken contract reports its errors every time.
    """
    passed = ODCS_PASSED / hashlib.sha256(f"{_validation_version()}\0{text}".encode()).hexdigest()
    if passed.exists():
        return []
    errors = sorted(_odcs_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    if not errors:
        try:
            passed.parent.mkdir(parents=True, exist_ok=True)
            passed.touch()
        except OSError:
            pass  # a read-only checkout: checked again next time
    return errors


def _custom(items: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {item["property"]: item.get("value") for item in items or []}


def _valid_values(prop: dict[str, Any]) -> tuple[Any, ...] | None:
    for rule in prop.get("quality") or []:
        if rule.get("metric") == "invalidValues":
            values = (rule.get("arguments") or {}).get("validValues")
            if values:
                return tuple(values)
    return None


def _column(path: Path, index: int, prop: dict[str, Any]) -> Column:
    where = f"schema[0].properties[{index}] ({prop.get('name')})"
    custom = _custom(prop.get("customProperties"))
    unknown = set(custom) - _COLUMN_PROPERTIES
    if unknown:
        raise ContractError(path, where, f"unknown customProperties {sorted(unknown)}")
    if "pii" not in custom:
        raise ContractError(
            path,
            f"{where}.pii",
            "the column is not classified: declare its PII class, `not_personal` (reviewed: looks "
            f"personal, is not) or `{NO_PII}` (holds no personal identifier)",
        )
    declared = custom["pii"]
    if declared != NO_PII and declared not in PII_CLASSES:
        raise ContractError(
            path, f"{where}.pii", f"{declared!r} is not one of {sorted(PII_CLASSES)} or {NO_PII!r}"
        )
    # `none` is a reviewed statement; the model spells it None, as the masking and access code expect.
    custom["pii"] = None if declared == NO_PII else declared
    options = prop.get("logicalTypeOptions") or {}
    try:
        column = Column(
            name=prop["name"],
            logical_type=prop.get("logicalType", "string"),
            business_name=prop.get("businessName"),
            description=prop.get("description"),
            required=bool(prop.get("required", False)),
            primary_key=bool(prop.get("primaryKey", False)),
            valid_values=_valid_values(prop),
            minimum=options.get("minimum"),
            maximum=options.get("maximum"),
            **{k: custom[k] for k in _COLUMN_PROPERTIES if k in custom},
        )
    except ValidationError as exc:
        raise ContractError(path, where, _pydantic_message(exc)) from exc
    _check_privacy(path, where, column)
    if column.validator is not None and column.validator not in VALIDATORS:
        raise ContractError(
            path, f"{where}.validator", f"{column.validator!r} is not one of {list(VALIDATORS)}"
        )
    if column.masking not in MASKING_POLICIES:
        raise ContractError(
            path, f"{where}.masking", f"{column.masking!r} is not one of {sorted(MASKING_POLICIES)}"
        )
    if column.pii and column.pii != "not_personal" and column.masking == "keep":
        raise ContractError(
            path, f"{where}.masking", f"personal data ({column.pii}) needs a masking policy other than keep"
        )
    if column.pii == "free_text" and column.masking not in ("tag_text", "drop"):
        raise ContractError(path, f"{where}.masking", "free text can only be masked by tag_text or drop")
    return column


def _check_privacy(path: Path, where: str, column: Column) -> None:
    """Sensitive categories and quasi-identifiers: known names, and no contradiction with the rest."""
    if column.sensitive is not None:
        if column.sensitive not in SENSITIVE_CATEGORIES:
            raise ContractError(
                path,
                f"{where}.sensitive",
                f"{column.sensitive!r} is not one of {sorted(SENSITIVE_CATEGORIES)} (PIPL Art. 28)",
            )
        if column.pii == NOT_PERSONAL:
            raise ContractError(path, f"{where}.sensitive", "a not_personal column cannot be sensitive")
    if column.quasi_identifier and column.masking == "drop":
        raise ContractError(
            path, f"{where}.quasi_identifier", "a dropped column never reaches a table: it identifies nobody"
        )
    tells_age = column.logical_type in _AGE_TYPES and column.masking != "drop"
    if column.sensitive == "minor_under_14" and not tells_age:
        raise ContractError(
            path,
            f"{where}.sensitive",
            "minor_under_14 marks the column that tells a subject's age (a birth year or date, "
            "not dropped): rows of subjects under 14 are withheld from the exchange table",
        )


def _pydantic_message(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}" for e in exc.errors())


def load_contract(path: Path) -> DatasetContract:
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        document = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise ContractError(path, "yaml", str(exc)) from exc
    if not isinstance(document, dict):
        raise ContractError(path, "document", "expected a mapping at the top level")

    errors = _odcs_errors(text, document)
    if errors:
        first = errors[0]
        field = ".".join(str(p) for p in first.absolute_path) or "document"
        raise ContractError(path, field, f"not valid ODCS v3: {first.message}")
    odcs = OpenDataContractStandard.model_validate(document)
    if not odcs.schema_ or len(odcs.schema_) != 1:
        raise ContractError(path, "schema", "exactly one schema object (the dataset's table) is expected")

    top = _custom(document.get("customProperties"))
    table = document["schema"][0]
    table_custom = _custom(table.get("customProperties"))
    where_source = "customProperties.source"
    try:
        source = SourceSpec(**(top.get("source") or {}))
    except ValidationError as exc:
        raise ContractError(path, where_source, _pydantic_message(exc)) from exc
    try:
        load = LoadSpec(**(top.get("load") or {"write_mode": "append"}))
    except ValidationError as exc:
        raise ContractError(path, "customProperties.load", _pydantic_message(exc)) from exc
    try:
        reidentification = ReidentificationSpec(**(top.get("reidentification") or {}))
    except (ValidationError, TypeError) as exc:
        message = _pydantic_message(exc) if isinstance(exc, ValidationError) else str(exc)
        raise ContractError(path, "customProperties.reidentification", message) from exc
    try:
        partitioning = tuple(PartitionField(**p) for p in table_custom.get("partitioning") or [])
    except (ValidationError, TypeError) as exc:
        raise ContractError(path, "schema[0].customProperties.partitioning", str(exc)) from exc

    columns = tuple(_column(path, i, p) for i, p in enumerate(table.get("properties") or []))
    classification = top.get("classification")
    if classification in REFUSED_CLASSIFICATIONS:
        raise ContractError(
            path,
            "customProperties.classification",
            "secret data (国家秘密/工作秘密) is out of scope and may never enter the data centre",
        )
    fields: dict[str, Any] = {
        "id": document["id"],
        "name": document.get("name") or table["name"],
        "domain": document.get("domain"),
        "version": document["version"],
        "title": table.get("businessName") or table["name"],
        "purpose": ((document.get("description") or {}).get("purpose") or "").strip(),
        "provider_department": top.get("provider_department"),
        "sharing_type": top.get("sharing_type"),
        "open_type": top.get("open_type"),
        "update_frequency": top.get("update_frequency"),
        "classification": classification,
        "legal_basis": top.get("legal_basis"),
        "source": source,
        "load": load,
        "partitioning": partitioning,
        "reidentification": reidentification,
        "columns": columns,
        "path": path,
    }
    try:
        contract = DatasetContract(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ContractError(path, f"customProperties.{field}", first["msg"]) from exc
    _check_rules(contract)
    return contract


def _check_rules(contract: DatasetContract) -> None:
    path = contract.path
    if contract.domain not in DOMAINS:
        raise ContractError(path, "domain", f"{contract.domain!r} is not one of {sorted(DOMAINS)}")
    if contract.id != f"{contract.domain}.{contract.name}":
        raise ContractError(path, "id", f"expected '{contract.domain}.{contract.name}'")
    if contract.provider_department not in DEPARTMENTS:
        raise ContractError(
            path,
            "customProperties.provider_department",
            f"{contract.provider_department!r} is not a department id ({', '.join(DEPARTMENTS)})",
        )
    if contract.sharing_type == "not_shared" and not (contract.legal_basis or "").strip():
        raise ContractError(
            path,
            "customProperties.legal_basis",
            "a resource that is not shared (不予共享) must cite its legal basis",
        )
    names = [c.name for c in contract.columns]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ContractError(path, "schema[0].properties", f"duplicate columns {sorted(duplicates)}")
    if not contract.primary_key:
        raise ContractError(path, "schema[0].properties", "no column has primaryKey: true")
    for part in contract.partitioning:
        if part.source not in names:
            raise ContractError(
                path,
                "schema[0].customProperties.partitioning",
                f"partition source {part.source!r} is no column",
            )
    for col in contract.columns:
        if col.derived_from and col.derived_from not in names:
            raise ContractError(path, f"column {col.name}.derived_from", f"{col.derived_from!r} is no column")
    for col in contract.sensitive_columns:
        if contract.sensitive_release(col) is None:
            raise ContractError(
                path,
                f"column {col.name}.sensitive",
                f"{col.sensitive} data would reach the {contract.sharing_type} exchange table row by row: "
                "drop or generalise it, withhold it (sharing_type: not_shared), or share the resource "
                "conditionally so that only a grant naming the column opens it",
            )
    if contract.source.watermark and contract.source.watermark not in names:
        raise ContractError(
            path, "customProperties.source.watermark", f"{contract.source.watermark!r} is no column"
        )


def contract_paths(root: Path = CONTRACTS_DIR) -> list[Path]:
    return sorted(p for p in root.glob("*/*.yaml"))


def load_contracts(root: Path = CONTRACTS_DIR) -> dict[str, DatasetContract]:
    """All contracts, keyed by dataset name (names are unique across domains).

    Parsed once per set of file versions: asset factories, checks and the CLI all ask for them, and a
    contract edited on disk is read again.
    """
    versions = tuple((path, path.stat().st_mtime_ns) for path in contract_paths(root))
    return dict(_load_versions(versions))


@cache
def _load_versions(versions: tuple[tuple[Path, int], ...]) -> tuple[tuple[str, DatasetContract], ...]:
    contracts: dict[str, DatasetContract] = {}
    for path, _ in versions:
        contract = load_contract(path)
        if contract.name in contracts:
            raise ContractError(path, "name", f"dataset name also used by {contracts[contract.name].path}")
        if path.parent.name != contract.domain:
            raise ContractError(
                path, "domain", f"file lives under {path.parent.name}/ but says {contract.domain}"
            )
        contracts[contract.name] = contract
    return tuple(contracts.items())
