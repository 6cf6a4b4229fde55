"""Whether a staging or exchange asset that must run may append only the new rows (docs/adr/0019-…).

Reads what Dagster recorded (``orchestration.unchanged``) and the input table's history, and hands both to
the pure decision ``governance.incremental.plan``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pyiceberg.catalog import Catalog

from governance.incremental import Plan, enabled, plan, snapshot_operations
from orchestration.unchanged import LastCheck, Recorded, carries


def increment_plan(
    catalog: Catalog,
    source: str,
    code: str,
    inputs: Mapping[str, str | None],
    outputs: Mapping[str, str | None],
    previous: Recorded | None,
    blockers: Sequence[str] = (),
    last_gate: LastCheck | None = None,
    gated: bool = False,
) -> Plan:
    """The plan for an asset reading ``source``; ``gated``: the asset's own gate (``last_gate``) must have
    passed on the recorded inputs, with the same code, for the old rows not to be judged again."""
    operations = None
    if previous is not None and not blockers and enabled():
        operations = snapshot_operations(catalog, source, previous.inputs.get(source), inputs.get(source))
    passed: bool | None = True
    if gated:
        passed = (
            last_gate.passed
            if previous is not None and carries(last_gate, code, previous.inputs) and last_gate is not None
            else None
        )
    return plan(
        source=source,
        code=code,
        inputs=inputs,
        outputs=outputs,
        recorded_code=previous.code_version if previous else None,
        recorded_inputs=previous.inputs if previous else None,
        recorded_outputs=previous.outputs if previous else None,
        operations=operations,
        blockers=blockers,
        last_gate_passed=passed,
        switched_on=enabled(),
    )
