"""dbt sources and staging models derived from the contracts (``lakehouse contracts sync-dbt``).

The generated files are committed so that dbt, sqlfluff and reviewers see them; a test fails when they
drift from the contracts.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from governance.contracts.model import DatasetContract

HEADER = "# Generated from governance/contracts by `lakehouse contracts sync-dbt`. Do not edit by hand.\n"
SQL_HEADER = "-- Generated from {path}\n-- by `lakehouse contracts sync-dbt`. Do not edit by hand.\n"


def staging_model_name(contract: DatasetContract) -> str:
    return f"stg_{contract.domain}__{contract.name}"


def _column_doc(contract: DatasetContract, name: str) -> dict:
    col = contract.column(name)
    description = col.label + (f" — {col.description}" if col.description else "")
    if col.masking != "keep":
        description += f" [masked: {col.masking}{':' + col.masking_option if col.masking_option else ''}]"
    doc: dict = {"name": name, "description": description}
    tests: list = []
    if col.primary_key:
        tests += ["unique", "not_null"]
    elif col.required and col.masking in ("keep", "pseudonym", "mask", "generalise"):
        tests.append("not_null")
    if col.valid_values and col.masking == "keep":
        tests.append({"accepted_values": {"arguments": {"values": list(col.valid_values)}}})
    if tests:
        doc["data_tests"] = tests
    return doc


def render_sources(contracts: dict[str, DatasetContract]) -> str:
    tables = [
        {
            "name": c.name,
            "description": f"{c.title} — {c.purpose} (masked copy of {c.raw_table})",
        }
        for c in sorted(contracts.values(), key=lambda c: (c.domain, c.name))
    ]
    # No governance-zone source: the sharing KPI, its only reader, is measured in Python
    # (governance.sharing.measure) because it needs table snapshots, gate results and grants.
    document = {
        "version": 2,
        "sources": [
            {
                "name": "staging",
                "description": "Iceberg staging zone: raw tables after contract masking (no unmasked personal data).",
                "schema": "staging",
                "meta": {"plugin": "iceberg_lakehouse"},
                "tables": tables,
            },
        ],
    }
    return HEADER + yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=120)


def render_staging_sql(contract: DatasetContract) -> str:
    columns = [c.name for c in contract.staged_columns]
    select = ",\n".join(f"    {name}" for name in columns)
    relative = f"governance/contracts/{contract.domain}/{contract.path.name}"
    return (
        SQL_HEADER.format(path=relative)
        + f"select\n{select}\nfrom {{{{ source('staging', '{contract.name}') }}}}\n"
    )


def render_staging_yml(contract: DatasetContract) -> str:
    document = {
        "version": 2,
        "models": [
            {
                "name": staging_model_name(contract),
                "description": contract.purpose,
                "columns": [_column_doc(contract, c.name) for c in contract.staged_columns],
            }
        ],
    }
    return HEADER + yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=120)


def rendered_files(contracts: dict[str, DatasetContract], staging_dir: Path) -> dict[Path, str]:
    files = {staging_dir / "_sources.yml": render_sources(contracts)}
    for contract in contracts.values():
        stem = staging_dir / staging_model_name(contract)
        files[stem.with_suffix(".sql")] = render_staging_sql(contract)
        files[stem.with_suffix(".yml")] = render_staging_yml(contract)
    return files


def sync(contracts: dict[str, DatasetContract], staging_dir: Path) -> list[Path]:
    """Write the generated files; returns those that changed. Stale generated models are removed."""
    wanted = rendered_files(contracts, staging_dir)
    changed = []
    staging_dir.mkdir(parents=True, exist_ok=True)
    for path, text in wanted.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    for path in staging_dir.glob("stg_*"):
        if path not in wanted:
            path.unlink()
            changed.append(path)
    return changed
