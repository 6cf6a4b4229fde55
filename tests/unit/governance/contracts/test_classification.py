"""Every contract column is classified; sensitive categories (PIPL Art. 28) and quasi-identifiers are declared
and checked when the contract is loaded."""

from pathlib import Path

import pytest
import yaml

from governance.catalogue import catalogue_items
from governance.contracts import ContractError, load_contract, load_contracts
from governance.contracts.loader import contract_paths
from infra.settings import PROJECT_ROOT
from infra.vocabulary import NO_PII, PII_CLASSES, SENSITIVE_CATEGORIES

EXAMPLE = PROJECT_ROOT / "governance" / "contracts" / "government" / "approval_applications.yaml"


def _write(tmp_path: Path, document: dict) -> Path:
    path = tmp_path / "government" / "approval_applications.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def _document() -> dict:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def _prop(document: dict, column: str) -> dict:
    return next(p for p in document["schema"][0]["properties"] if p["name"] == column)


def _set(document: dict, column: str, name: str, value) -> None:
    custom = _prop(document, column).setdefault("customProperties", [])
    custom[:] = [c for c in custom if c["property"] != name] + [{"property": name, "value": value}]


def _unset(document: dict, column: str, name: str) -> None:
    prop = _prop(document, column)
    prop["customProperties"] = [c for c in prop.get("customProperties") or [] if c["property"] != name]


def _set_top(document: dict, name: str, value) -> None:
    items = [c for c in document["customProperties"] if c["property"] != name]
    document["customProperties"] = [*items, {"property": name, "value": value}]


def _error(tmp_path: Path, document: dict) -> str:
    path = _write(tmp_path, document)
    with pytest.raises(ContractError) as caught:
        load_contract(path)
    message = str(caught.value)
    assert str(path) in message  # every error names the file
    return message


def test_every_column_of_every_contract_declares_its_class_in_the_yaml():
    allowed = set(PII_CLASSES) | {NO_PII}
    paths = contract_paths()
    assert len(paths) == 16
    for path in paths:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for prop in document["schema"][0]["properties"]:
            custom = {c["property"]: c.get("value") for c in prop.get("customProperties") or []}
            assert custom.get("pii") in allowed, f"{path.name}: {prop['name']} is not classified"


def test_a_column_without_classification_is_an_error_naming_file_and_column(tmp_path):
    document = _document()
    _unset(document, "town", "pii")
    message = _error(tmp_path, document)
    assert "(town).pii" in message and "not classified" in message


def test_an_unknown_sensitive_category_is_an_error(tmp_path):
    document = _document()
    _set(document, "town", "sensitive", "shoe_size")
    message = _error(tmp_path, document)
    assert "(town).sensitive" in message and "shoe_size" in message and "Art. 28" in message


def test_a_sensitive_column_kept_in_an_unconditional_resource_is_refused(tmp_path):
    document = _document()
    _set_top(document, "sharing_type", "unconditional")
    message = _error(tmp_path, document)  # item_code is specific_identity and kept as is
    assert "item_code.sensitive" in message and "row by row" in message


def test_a_sensitive_column_may_stay_in_a_conditional_resource_only_by_named_grant(tmp_path):
    contract = load_contract(_write(tmp_path, _document()))
    item = contract.column("item_code")
    assert item.sensitive == "specific_identity"
    assert contract.sensitive_release(item) == "named_grant"


@pytest.mark.parametrize(("masking", "release"), [("drop", "drop"), ("withheld", "withheld")])
def test_withholding_or_dropping_makes_a_sensitive_column_publishable_unconditionally(
    tmp_path, masking, release
):
    document = _document()
    _set_top(document, "sharing_type", "unconditional")
    for column in ("item_code", "item_name"):
        if masking == "drop":
            _set(document, column, "masking", "drop")
        else:
            _set(document, column, "sharing_type", "not_shared")
    contract = load_contract(_write(tmp_path, document))
    assert contract.sensitive_release(contract.column("item_code")) == release
    assert "item_code" not in {c.name for c in contract.exchange_columns}


def test_the_vocabulary_holds_the_seven_categories_of_pipl_article_28():
    assert SENSITIVE_CATEGORIES == {
        "biometrics": "生物识别",
        "religion": "宗教信仰",
        "specific_identity": "特定身份",
        "health": "医疗健康",
        "financial_account": "金融账户",
        "location_track": "行踪轨迹",
        "minor_under_14": "不满十四周岁未成年人",
    }


def test_chronic_conditions_are_health_data_kept_for_aggregates_but_never_shared_row_by_row():
    contract = load_contracts()["resident_health_records"]
    column = contract.column("chronic_conditions")
    assert column.sensitive == "health"
    assert column.name in {c.name for c in contract.staged_columns}  # resident_health_summary counts them
    assert column.name not in {c.name for c in contract.exchange_columns}
    items = {i["name"]: i for i in catalogue_items(contract)}
    assert items["chronic_conditions"]["sharing_type"] == "not_shared"
    assert not items["chronic_conditions"]["shared"]
    assert contract.quasi_identifiers == ("birth_year", "sex", "address", "town")
    assert contract.column("birth_year").sensitive == "minor_under_14"


def test_no_contract_lets_a_sensitive_column_through_without_a_release():
    for contract in load_contracts().values():
        for column in contract.sensitive_columns:
            assert contract.sensitive_release(column) is not None, f"{contract.id}.{column.name}"


def test_reidentification_defaults_and_override(tmp_path):
    document = _document()
    document["customProperties"] = [
        c for c in document["customProperties"] if c["property"] != "reidentification"
    ]
    spec = load_contract(_write(tmp_path, document)).reidentification
    assert (spec.k, spec.l, spec.on_failure) == (5, 2, "block")
    _set_top(document, "reidentification", {"k": 10, "l": 3, "on_failure": "suppress_rows"})
    spec = load_contract(_write(tmp_path, document)).reidentification
    assert (spec.k, spec.l, spec.on_failure) == (10, 3, "suppress_rows")


@pytest.mark.parametrize(
    ("value", "words"),
    [({"k": 1}, "k"), ({"on_failure": "ignore"}, "on_failure"), ({"t": 0.2}, "t")],
)
def test_a_broken_reidentification_setting_names_the_field(tmp_path, value, words):
    document = _document()
    _set_top(document, "reidentification", value)
    message = _error(tmp_path, document)
    assert "customProperties.reidentification" in message and words in message


def test_a_dropped_quasi_identifier_and_a_minor_marker_without_age_are_errors(tmp_path):
    document = _document()
    _set(document, "applicant_name", "masking", "drop")
    assert "(applicant_name).quasi_identifier" in _error(tmp_path, document)
    document = _document()
    _set(document, "online_prereview", "sensitive", "minor_under_14")
    assert "(online_prereview).sensitive" in _error(tmp_path, document)
