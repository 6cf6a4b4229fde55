from pathlib import Path

import pytest
import yaml

from governance.contracts import ContractError, load_contract, load_contracts
from governance.contracts.dbt import rendered_files
from infra.settings import PROJECT_ROOT

EXAMPLE = PROJECT_ROOT / "governance" / "contracts" / "government" / "approval_applications.yaml"


def test_all_contracts_load_and_cover_the_four_domains():
    contracts = load_contracts()
    assert len(contracts) >= 14
    assert {c.domain for c in contracts.values()} == {"government", "development", "transport", "health"}
    for contract in contracts.values():
        assert contract.primary_key, contract.id
        for col in contract.columns:
            if col.pii and col.pii != "not_personal":
                assert col.masking != "keep", f"{contract.id}.{col.name} is personal data left unmasked"


def _broken(tmp_path: Path, mutate) -> Path:
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    mutate(document)
    path = tmp_path / "government" / "approval_applications.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def _set_custom(document: dict, name: str, value) -> None:
    for item in document["customProperties"]:
        if item["property"] == name:
            item["value"] = value
            return
    document["customProperties"].append({"property": name, "value": value})


def _set_column(document: dict, column: str, name: str, value) -> None:
    prop = next(p for p in document["schema"][0]["properties"] if p["name"] == column)
    custom = prop.setdefault("customProperties", [])
    custom[:] = [c for c in custom if c["property"] != name] + [{"property": name, "value": value}]


@pytest.mark.parametrize(
    ("mutate", "field", "words"),
    [
        (lambda d: _set_custom(d, "sharing_type", "not_shared"), "legal_basis", "legal basis"),
        (lambda d: _set_custom(d, "classification", "secret"), "classification", "secret"),
        (lambda d: _set_custom(d, "provider_department", "police"), "provider_department", "department id"),
        (lambda d: _set_column(d, "applicant_name", "masking", "keep"), "masking", "masking policy"),
        (lambda d: _set_column(d, "applicant_name", "pii", "shoe_size"), "pii", "shoe_size"),
        (
            lambda d: _set_column(d, "applicant_name", "colour", "red"),
            "applicant_name",
            "unknown customProperties",
        ),
        (lambda d: d["schema"][0]["properties"][0].update(logicalType="uuidish"), "logicalType", "ODCS"),
        (lambda d: _set_custom(d, "load", {"write_mode": "upsert"}), "load", "write_mode"),
    ],
)
def test_a_broken_contract_fails_with_file_and_field(tmp_path, mutate, field, words):
    path = _broken(tmp_path, mutate)
    with pytest.raises(ContractError) as caught:
        load_contract(path)
    message = str(caught.value)
    assert str(path) in message
    assert field in message
    assert words in message


def test_not_shared_with_legal_basis_is_accepted(tmp_path):
    def mutate(document):
        _set_custom(document, "sharing_type", "not_shared")
        _set_custom(document, "legal_basis", "《个人信息保护法》第二十八条")

    assert load_contract(_broken(tmp_path, mutate)).sharing_type == "not_shared"


def test_generated_dbt_files_match_the_contracts():
    staging = PROJECT_ROOT / "dbt_project" / "models" / "staging"
    for path, text in rendered_files(load_contracts(), staging).items():
        assert path.exists(), f"{path} missing: run `lakehouse contracts sync-dbt`"
        assert path.read_text(encoding="utf-8") == text, (
            f"{path} is stale: run `lakehouse contracts sync-dbt`"
        )


def test_contracts_read_by_libyaml_as_by_the_python_safe_loader():
    """The loader uses libyaml for speed; a contract it read differently would silently change a dataset."""
    from governance.contracts.loader import _YAML_LOADER, contract_paths

    assert _YAML_LOADER is yaml.CSafeLoader  # the speed-up is in place (PyYAML built with libyaml)
    for path in contract_paths():
        text = path.read_text(encoding="utf-8")
        assert yaml.load(text, Loader=_YAML_LOADER) == yaml.safe_load(text), path


def test_a_contract_that_passed_the_odcs_schema_is_not_checked_again(tmp_path, monkeypatch):
    import governance.contracts.loader as loader

    monkeypatch.setattr(loader, "ODCS_PASSED", tmp_path / "passed")
    checked: list[dict] = []
    real = loader._odcs_validator()

    class Counting:
        def iter_errors(self, document):
            checked.append(document)
            return real.iter_errors(document)

    monkeypatch.setattr(loader, "_odcs_validator", Counting)
    assert load_contract(EXAMPLE) == load_contract(EXAMPLE)
    assert len(checked) == 1  # the second load (another process, say) found the first one's pass

    # An edit is a new text: checked again. A contract that fails is never remembered.
    broken = _broken(tmp_path, lambda d: d["schema"][0]["properties"][0].update(logicalType="uuidish"))
    for _ in range(2):
        with pytest.raises(ContractError, match="ODCS"):
            load_contract(broken)
    assert len(checked) == 3
