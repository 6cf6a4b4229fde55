"""Expectation suites: derived from a dataset's contract (raw tables) or a dbt model's yml (marts).

Derivation returns plain ``Rule`` lists; ``to_gx_suite`` turns them into a GX ``ExpectationSuite`` (the
only function here that imports GX, lazily).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from governance.contracts.model import DatasetContract
from governance.pii.patterns import SHAPES, WRITTEN, whole
from infra.dbt_manifest import DbtModel
from infra.vocabulary import VALIDATORS
from quality.custom_rules import extra_rules
from quality.rules import Rule

if TYPE_CHECKING:
    from great_expectations import ExpectationSuite

# GX infers Python value types on Arrow-backed pandas columns: these are the names it reports.
PYTHON_TYPES = {
    "string": "str",
    "integer": "int",
    "number": "float",
    "boolean": "bool",
    "date": "date",
    "timestamp": "datetime",
}
DBT_TYPES = {
    "varchar": "str",
    "text": "str",
    "bigint": "int",
    "integer": "int",
    "double": "float",
    "float": "float",
    "boolean": "bool",
    "date": "date",
    "timestamp": "datetime",
}


# Shapes only: check digits are verified by ingest (rows failing them are quarantined). Raw keeps
# values as they were written, so the shapes are the written spellings ingest accepts (3101 1519 …,
# +86 138-1234-5678, full width); a gate failure on one means something wrote to raw without going
# through ingest. governance.pii.patterns is the one home of these shapes and imports nothing heavy.
@cache
def validator_patterns() -> dict[str, str]:
    return {name: whole(SHAPES[name](WRITTEN)) for name in VALIDATORS}


# Mart columns holding a share: a rate outside [0, 1] is a broken formula, not data.
RATE_SUFFIXES = ("_rate", "utilisation")


def raw_suite_name(contract: DatasetContract) -> str:
    return contract.raw_table


def mart_suite_name(schema: str, name: str) -> str:
    return f"{schema}.{name}"


def is_personal(contract: DatasetContract, column: str) -> bool:
    """Whether a column holds personal data (its values never appear in results or Data Docs)."""
    try:
        pii = contract.column(column).pii
    except KeyError:
        return False
    return pii is not None and pii != "not_personal"


def row_count_rule(previous_rows: int | None) -> Rule:
    """Raw zones only grow: appends skip known keys and merges replace rows by key, so fewer rows than
    the last load that passed its gate means rows were lost or deleted outside ingest."""
    minimum = max(1, previous_rows or 0)
    note = f"at least the {previous_rows} rows of the last passed load" if previous_rows else "not empty"
    return Rule("expect_table_row_count_to_be_between", {"min_value": minimum}, origin="contract", note=note)


def contract_rules(contract: DatasetContract, previous_rows: int | None = None) -> list[Rule]:
    """Every expectation a contract implies for its raw table, then the dataset's hand-written ones."""
    columns = contract.source_columns
    rules = [
        Rule(
            "expect_table_columns_to_match_set",
            {"column_set": [c.name for c in columns], "exact_match": False},
            note="every contract column is present",
        ),
        row_count_rule(previous_rows),
    ]
    key = contract.primary_key
    if len(key) == 1:
        rules.append(Rule("expect_column_values_to_be_unique", {"column": key[0]}, note="primary key"))
    elif key:
        rules.append(
            Rule("expect_compound_columns_to_be_unique", {"column_list": list(key)}, note="primary key")
        )
    for col in columns:
        rules.append(
            Rule(
                "expect_column_values_to_be_of_type",
                {"column": col.name, "type_": PYTHON_TYPES[col.logical_type]},
                note=f"logical type {col.logical_type}",
            )
        )
        if col.required or col.primary_key:
            rules.append(Rule("expect_column_values_to_not_be_null", {"column": col.name}, note="required"))
        if col.valid_values:
            rules.append(
                Rule(
                    "expect_column_values_to_be_in_set",
                    {"column": col.name, "value_set": list(col.valid_values)},
                    note="allowed values",
                )
            )
        if col.minimum is not None or col.maximum is not None:
            bounds: dict[str, Any] = {"column": col.name}
            if col.minimum is not None:
                bounds["min_value"] = col.minimum
            if col.maximum is not None:
                bounds["max_value"] = col.maximum
            rules.append(Rule("expect_column_values_to_be_between", bounds, note="contract range"))
        if col.validator in validator_patterns():
            rules.append(
                Rule(
                    "expect_column_values_to_match_regex",
                    {"column": col.name, "regex": validator_patterns()[col.validator]},
                    note=f"validator {col.validator}",
                )
            )
    rules.extend(extra_rules(contract.name))
    return rules


def mart_keys(model: DbtModel) -> tuple[str, ...]:
    """Columns naming a mart row in failure samples: the unique-tested column, else the not-null
    dimension columns (text and dates), which are the mart's grain."""
    unique = tuple(c.name for c in model.columns if "unique" in c.tests)
    if unique:
        return unique
    return tuple(
        c.name
        for c in model.columns
        if "not_null" in c.tests and DBT_TYPES.get(c.data_type.lower()) in ("str", "date", "datetime")
    )


def mart_rules(model: DbtModel) -> list[Rule]:
    """Generic mart expectations: non-empty, the yml's types and not_null / unique tests, shares in [0, 1],
    counts non-negative."""
    rules = [
        Rule(
            "expect_table_columns_to_match_set",
            {"column_set": list(model.column_names), "exact_match": True},
            origin="dbt_model",
            note="columns of the model contract",
        ),
        Rule("expect_table_row_count_to_be_between", {"min_value": 1}, origin="generic", note="not empty"),
    ]
    for column in model.columns:
        name = column.name
        python_type = DBT_TYPES.get(column.data_type.lower())
        tests = column.tests
        if python_type:
            rules.append(
                Rule(
                    "expect_column_values_to_be_of_type",
                    {"column": name, "type_": python_type},
                    origin="dbt_model",
                    note=f"data type {column.data_type}",
                )
            )
        if "not_null" in tests:
            rules.append(Rule("expect_column_values_to_not_be_null", {"column": name}, origin="dbt_model"))
        if "unique" in tests:
            rules.append(Rule("expect_column_values_to_be_unique", {"column": name}, origin="dbt_model"))
        if python_type == "float" and name.endswith(RATE_SUFFIXES):
            rules.append(
                Rule(
                    "expect_column_values_to_be_between",
                    {"column": name, "min_value": 0, "max_value": 1},
                    origin="generic",
                    note="a share lies in [0, 1]",
                )
            )
        elif python_type == "int":
            rules.append(
                Rule(
                    "expect_column_values_to_be_between",
                    {"column": name, "min_value": 0},
                    origin="generic",
                    note="a count is not negative",
                )
            )
    return rules


def to_gx_suite(name: str, rules: list[Rule], meta: dict[str, Any] | None = None) -> ExpectationSuite:
    """The GX suite for ``rules`` (imports GX)."""
    from quality.gx_runtime import gx

    gx_module = gx()
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    suite = gx_module.ExpectationSuite(name=name, meta=meta or {})
    for rule in rules:
        config = ExpectationConfiguration(
            type=rule.expectation,
            kwargs=dict(rule.kwargs),
            meta={"origin": rule.origin, "note": rule.note},
            notes=rule.note or None,
        )
        suite.add_expectation_configuration(config)
    return suite
