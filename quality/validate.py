"""Validate an Arrow table against a suite; results carry failing-key samples, never personal data.

GX runs with ``exclude_unexpected_values`` so no failing value leaves the validation at all; failing
rows are named by key columns only, and a key column that is itself personal data is never sampled.
What GX returns is sanitised once more before it is stored or rendered into Data Docs.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from governance.contracts import DatasetContract, load_contracts
from infra.dbt_manifest import DbtModel, load_manifest
from quality.rules import Rule
from quality.suites import contract_rules, is_personal, mart_keys, mart_rules, mart_suite_name, raw_suite_name

SAMPLE_KEYS = 5
# Result fields that can hold cell values; dropped from everything stored or rendered.
VALUE_FIELDS = (
    "partial_unexpected_list",
    "partial_unexpected_counts",
    "unexpected_list",
    "unexpected_rows",
    "unexpected_index_query",
)


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str  # label, e.g. expect_column_values_to_be_unique(session_id)
    expectation_type: str
    columns: tuple[str, ...]
    origin: str
    note: str
    success: bool
    observed_value: str | None = None
    unexpected_count: int | None = None
    element_count: int | None = None
    failing_keys: tuple[dict[str, Any], ...] = ()
    error: str | None = None

    def describe(self) -> str:
        if self.error:
            return f"{self.expectation}: could not be evaluated ({self.error})"
        parts = [self.expectation]
        if self.unexpected_count is not None:
            parts.append(f"failed on {self.unexpected_count} of {self.element_count} rows")
        elif self.observed_value is not None:
            parts.append(f"observed {self.observed_value}")
        if self.note:
            parts.append(f"[{self.note}]")
        if self.failing_keys:
            parts.append("keys: " + "; ".join(_format_key(k) for k in self.failing_keys))
        return " ".join(parts)


@dataclass(frozen=True)
class ValidationOutcome:
    dataset: str  # contract name, or zone.model for marts
    table: str  # where the data was read: raw_transport.parking_sessions, exchange.enterprise_profile
    suite: str
    layer: str  # raw | mart
    success: bool
    row_count: int
    results: tuple[ExpectationOutcome, ...]
    run_id: str
    snapshot_id: int | None
    validated_at: datetime  # UTC, naive (Iceberg timestamp)
    key_columns: tuple[str, ...] = ()
    docs_page: Path | None = field(default=None, compare=False)

    @property
    def failures(self) -> tuple[ExpectationOutcome, ...]:
        return tuple(r for r in self.results if not r.success)

    def describe(self) -> str:
        """One line of verdict, then one line per failed expectation (keys only, never values)."""
        head = (
            f"{self.suite}: {len(self.results) - len(self.failures)} of {len(self.results)} expectations "
            f"passed on {self.row_count} rows"
            + (f" (snapshot {self.snapshot_id})" if self.snapshot_id is not None else "")
        )
        return "\n".join([head, *(f"- {f.describe()}" for f in self.failures)])


def _format_key(key: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in key.items())


def _plain(value: Any) -> Any:
    """JSON-able form of a key value or observed value (timestamps as ISO text, NA as None)."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _observed(value: Any) -> str | None:
    if value is None:
        return None
    plain = _plain(value)
    return plain if isinstance(plain, str) else json.dumps(plain, ensure_ascii=False, default=str)


def _key_rows(index_list: Sequence[Any] | None, keys: Sequence[str]) -> list[dict[str, Any]]:
    """GX gives failing rows either as row dicts or (with values excluded) as one dict of key lists."""
    rows: list[dict[str, Any]] = []
    for entry in index_list or []:
        if not isinstance(entry, dict):
            continue
        if keys and all(isinstance(entry.get(k), list) for k in keys):
            for values in zip(*(entry[k] for k in keys), strict=False):
                rows.append({k: _plain(v) for k, v in zip(keys, values, strict=True)})
        elif keys:
            rows.append({k: _plain(entry.get(k)) for k in keys})
    return rows


def _error(exception_info: Any) -> str | None:
    """GX reports exceptions either flat or keyed by metric; keep the messages, drop tracebacks."""
    if not isinstance(exception_info, dict):
        return None
    infos = [exception_info] if "raised_exception" in exception_info else list(exception_info.values())
    messages = sorted(
        {str(i.get("exception_message")) for i in infos if isinstance(i, dict) and i.get("raised_exception")}
    )
    return "; ".join(messages)[:300] or None


def _sanitise(result: Any, keys: Sequence[str]) -> None:
    """Strip every cell value from a GX validation result before it is stored or rendered."""
    for item in result.results:
        data = item.result or {}
        for name in VALUE_FIELDS:
            data.pop(name, None)
        for name in ("partial_unexpected_index_list", "unexpected_index_list"):
            if name in data:
                data[name] = _key_rows(data[name], keys)
        info = item.exception_info or {}
        message = _error(info)
        if message:
            item.exception_info = {
                "raised_exception": True,
                "exception_message": message,
                "exception_traceback": None,
            }


def validate_rules(
    *,
    dataset: str,
    table_name: str,
    suite_name: str,
    layer: str,
    rules: Sequence[Rule],
    table: pa.Table,
    key_columns: Sequence[str] = (),
    personal_columns: Iterable[str] = (),
    run_id: str | None = None,
    snapshot_id: int | None = None,
    docs_root: Path | None = None,
    suite_meta: dict[str, Any] | None = None,
) -> ValidationOutcome:
    """Run ``rules`` as a GX suite on ``table`` (in-process, pandas on Arrow-backed columns)."""
    import pandas as pd

    from quality.gx_runtime import batch_definition, context
    from quality.suites import to_gx_suite

    personal = set(personal_columns)
    keys = [k for k in key_columns if k in table.column_names and k not in personal]
    run_id = run_id or uuid.uuid4().hex
    validated_at = datetime.now(UTC).replace(tzinfo=None)
    indexed = list(rules)

    ctx = context(docs_root)
    suite = to_gx_suite(
        suite_name, indexed, meta={"dataset": dataset, "table": table_name, **(suite_meta or {})}
    )
    for position, expectation in enumerate(suite.expectations):
        expectation.meta = {**(expectation.meta or {}), "rule": position}
    suite = ctx.suites.add_or_update(suite)
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    result_format: dict[str, Any] = {
        "result_format": "SUMMARY",
        "partial_unexpected_count": 20,
        "exclude_unexpected_values": True,
        "return_unexpected_index_query": False,
    }
    if keys:
        result_format["unexpected_index_column_names"] = keys
    batch = batch_definition(ctx, suite_name).get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(suite, result_format=result_format)
    _sanitise(result, keys)

    outcomes: list[ExpectationOutcome] = []
    for item in sorted(result.results, key=lambda i: (i.expectation_config.meta or {}).get("rule", 0)):
        rule = indexed[(item.expectation_config.meta or {}).get("rule", 0)]
        data = item.result or {}
        error = _error(item.exception_info)
        outcomes.append(
            ExpectationOutcome(
                expectation=rule.label,
                expectation_type=rule.expectation,
                columns=rule.columns,
                origin=rule.origin,
                note=rule.note,
                success=bool(item.success) and not error,
                observed_value=_observed(data.get("observed_value")),
                unexpected_count=data.get("unexpected_count"),
                element_count=data.get("element_count"),
                failing_keys=tuple(_key_rows(data.get("partial_unexpected_index_list"), keys)[:SAMPLE_KEYS]),
                error=error,
            )
        )
    outcome = ValidationOutcome(
        dataset=dataset,
        table=table_name,
        suite=suite_name,
        layer=layer,
        success=all(o.success for o in outcomes),
        row_count=table.num_rows,
        results=tuple(outcomes),
        run_id=run_id,
        snapshot_id=snapshot_id,
        validated_at=validated_at,
        key_columns=tuple(keys),
    )
    if docs_root is not None:
        from quality.docs import publish

        page = publish(ctx, result, suite_name, outcome, docs_root)
        outcome = replace(outcome, docs_page=page)
    return outcome


def validate_table(
    contract_or_name: DatasetContract | str,
    table: pa.Table,
    *,
    previous_rows: int | None = None,
    run_id: str | None = None,
    snapshot_id: int | None = None,
    docs_root: Path | None = None,
) -> ValidationOutcome:
    """Validate a raw table against the suite derived from its contract (plus hand-written rules)."""
    contract = load_contracts()[contract_or_name] if isinstance(contract_or_name, str) else contract_or_name
    return validate_rules(
        dataset=contract.name,
        table_name=contract.raw_table,
        suite_name=raw_suite_name(contract),
        layer="raw",
        rules=contract_rules(contract, previous_rows),
        table=table,
        key_columns=contract.primary_key,
        personal_columns=[c.name for c in contract.columns if is_personal(contract, c.name)],
        run_id=run_id,
        snapshot_id=snapshot_id,
        docs_root=docs_root,
        suite_meta={"contract": contract.id, "contract_version": contract.version},
    )


def validate_mart(
    schema: str,
    name: str,
    table: pa.Table,
    *,
    model: DbtModel | None = None,
    run_id: str | None = None,
    docs_root: Path | None = None,
) -> ValidationOutcome:
    """Validate a dbt mart (read from DuckDB) against generic rules from its dbt model (the manifest)."""
    model = model or load_manifest().mart(f"{schema}.{name}")
    return validate_rules(
        dataset=mart_suite_name(schema, name),
        table_name=f"{schema}.{name}",
        suite_name=mart_suite_name(schema, name),
        layer="mart",
        rules=mart_rules(model),
        table=table,
        key_columns=mart_keys(model),
        run_id=run_id,
        docs_root=docs_root,
        suite_meta={"dbt_model": name},
    )
