"""Quality gates (GX, issue #4): a blocking check on every raw table (staging waits for it) and on every
exchange/kpi dbt mart (its Iceberg publication waits for it), plus a freshness check per dataset.

Every validation is appended to ``governance.quality_results`` and rendered into the Data Docs under
``$LAKEHOUSE_HOME/reports/quality/``. GX itself is imported on the first check that runs, not here.
"""

from collections.abc import Iterator

import dagster as dg

from governance.contracts import DatasetContract, load_contracts
from governance.publish import read_mart
from orchestration.automation import schedule_status
from orchestration.defs.marts import mart_models
from orchestration.defs.sources import raw_asset_key
from orchestration.resources import LakehouseResource
from orchestration.unchanged import (
    CHECK_CODE,
    carried_check_result,
    carries,
    code_version,
    decide,
    last_check,
    mart_check,
    state_metadata,
    with_state,
)
from quality.docs import docs_root
from quality.freshness import FreshnessStatus, check_freshness, format_age
from quality.results import append_freshness_many, append_outcome, previous_row_count
from quality.validate import ValidationOutcome, validate_mart, validate_table

GATE = "gx_quality_gate"
FRESHNESS = "freshness"
# Dagster shows descriptions in the UI and run logs; the failing-expectation lines come first.
MAX_DESCRIPTION = 3000


def _check_result(outcome: ValidationOutcome) -> dg.AssetCheckResult:
    failures = [
        {
            "expectation": f.expectation,
            "unexpected_count": f.unexpected_count,
            "observed_value": f.observed_value,
            "failing_keys": list(f.failing_keys),
            "error": f.error,
        }
        for f in outcome.failures
    ]
    metadata: dict[str, dg.RawMetadataValue] = {
        "suite": outcome.suite,
        "rows": outcome.row_count,
        "expectations": len(outcome.results),
        "failed_expectations": len(failures),
        "failures": dg.MetadataValue.json(failures),
    }
    if outcome.snapshot_id is not None:
        metadata["snapshot_id"] = str(outcome.snapshot_id)
    if outcome.docs_page is not None:
        metadata["data_docs"] = dg.MetadataValue.path(str(outcome.docs_page))
    return dg.AssetCheckResult(
        passed=outcome.success,
        severity=dg.AssetCheckSeverity.ERROR,
        description=outcome.describe()[:MAX_DESCRIPTION],
        metadata=metadata,
    )


def _raw_gate(contract: DatasetContract) -> dg.AssetChecksDefinition:
    code = code_version(contract.path, __file__)

    def state(inputs: dict[str, str | None]) -> dict:
        return state_metadata(code, inputs, {})

    @dg.asset_check(
        asset=raw_asset_key(contract),
        name=GATE,
        blocking=True,
        metadata={CHECK_CODE: code},  # what the run's plan compares before it starts the check
        description=f"GX suite from the contract of {contract.id} (types, required, key, values, ranges, "
        "validators, row count vs. the last passed load) plus hand-written rules; blocks staging.",
    )
    def gate(context: dg.AssetCheckExecutionContext, lakehouse: LakehouseResource) -> dg.AssetCheckResult:
        catalog = lakehouse.catalog
        if not catalog.table_exists(contract.raw_table):
            return dg.AssetCheckResult(passed=False, description=f"{contract.raw_table} does not exist")
        table = catalog.load_table(contract.raw_table)
        snapshot = table.current_snapshot()
        # The same snapshot validated by the same suite: its last result stands and is reported again, a
        # failed one as failed (ADR 0017).
        inputs = {contract.raw_table: str(snapshot.snapshot_id) if snapshot is not None else None}
        last = last_check(context.instance, dg.AssetCheckKey(raw_asset_key(contract), GATE))
        if carries(last, code, inputs):
            return carried_check_result(last, decide(last.state, code, inputs, {}), state(inputs))
        # Read the snapshot we name in the results, even if a load commits while we validate.
        data = (
            table.scan(snapshot_id=snapshot.snapshot_id).to_arrow()
            if snapshot is not None
            else contract.raw_arrow_schema().empty_table()
        )
        outcome = validate_table(
            contract,
            data,
            previous_rows=previous_row_count(catalog, contract.raw_table),
            run_id=context.run.run_id,
            snapshot_id=snapshot.snapshot_id if snapshot is not None else None,
            docs_root=docs_root(lakehouse.settings),
        )
        append_outcome(catalog, outcome)
        return with_state(_check_result(outcome), state(inputs))

    return gate


def _freshness_spec(contract: DatasetContract) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name=FRESHNESS,
        asset=raw_asset_key(contract),
        blocking=False,
        description=f"更新周期 {contract.update_frequency}: the raw table's last load is at most "
        "one period (plus slack) old. A stale source warns; it does not block.",
    )


def _freshness_result(contract: DatasetContract, status: FreshnessStatus) -> dg.AssetCheckResult:
    metadata: dict[str, dg.RawMetadataValue] = {
        "update_frequency": contract.update_frequency,
        "max_age": format_age(status.max_age),
        "age": format_age(status.age),
    }
    if status.last_updated is not None:
        metadata["last_updated_utc"] = status.last_updated.isoformat(timespec="seconds")
    return dg.AssetCheckResult(
        asset_key=raw_asset_key(contract),
        check_name=FRESHNESS,
        passed=status.fresh,
        severity=dg.AssetCheckSeverity.WARN,
        description=status.describe(),
        metadata=metadata,
    )


def _freshness_checks(contracts: list[DatasetContract]) -> dg.AssetChecksDefinition:
    """One freshness check per dataset, evaluated by one op: the checks a run selects are judged together and
    their rows go to governance.quality_results in one commit (docs/adr/0021-gate-cost.md)."""
    by_key = {dg.AssetCheckKey(raw_asset_key(c), FRESHNESS): c for c in contracts}

    @dg.multi_asset_check(specs=[_freshness_spec(c) for c in contracts], can_subset=True)
    def freshness_checks(
        context: dg.AssetCheckExecutionContext, lakehouse: LakehouseResource
    ) -> Iterator[dg.AssetCheckResult]:
        selected = [c for key, c in by_key.items() if key in context.selected_asset_check_keys]
        statuses = [check_freshness(c, lakehouse.catalog) for c in selected]
        append_freshness_many(lakehouse.catalog, statuses, context.run.run_id)
        for contract, status in zip(selected, statuses, strict=True):
            yield _freshness_result(contract, status)

    return freshness_checks


def _mart_gate(schema: str, name: str) -> dg.AssetChecksDefinition:
    code = code_version(__file__)

    @dg.asset_check(
        asset=dg.AssetKey(["dbt", schema, name]),
        name=GATE,
        blocking=True,
        description=f"GX suite for {schema}.{name} from its dbt model (types, not_null, unique), non-empty, "
        "shares in [0, 1], counts non-negative; blocks publication to Iceberg.",
    )
    def gate(context: dg.AssetCheckExecutionContext, lakehouse: LakehouseResource) -> dg.AssetCheckResult:
        state, carried = mart_check(context, dg.AssetKey(["dbt", schema, name]), GATE, code)
        if carried is not None:  # the same mart (data version) as last validated: that result stands
            return carried
        table = read_mart(lakehouse.settings, lakehouse.catalog, schema, name)  # DuckDB's, or Trino's build
        outcome = validate_mart(
            schema, name, table, run_id=context.run.run_id, docs_root=docs_root(lakehouse.settings)
        )
        append_outcome(lakehouse.catalog, outcome)
        return with_state(_check_result(outcome), state)

    return gate


_contracts = list(load_contracts().values())
raw_gates = [_raw_gate(c) for c in _contracts]
freshness_checks = _freshness_checks(_contracts)
mart_gates = [_mart_gate(schema, name) for schema, name in mart_models()]

# Freshness must also turn red when nothing runs (a source that stopped delivering triggers no run):
# the checks alone, every 30 minutes, without materialising anything.
freshness_job = dg.define_asset_job(
    "quality_freshness",
    selection=dg.AssetSelection.checks(freshness_checks),
    description="Freshness of every dataset against its contract's update frequency.",
)
freshness_schedule = dg.ScheduleDefinition(
    name="quality_freshness_every_30_minutes",
    job=freshness_job,
    cron_schedule="*/30 * * * *",
    execution_timezone="Asia/Shanghai",
    # Safe unattended: checks only, nothing is materialised; it is what turns a silent source red.
    default_status=schedule_status(safe=True),
)

defs = dg.Definitions(
    asset_checks=[*raw_gates, freshness_checks, *mart_gates],
    jobs=[freshness_job],
    schedules=[freshness_schedule],
)
