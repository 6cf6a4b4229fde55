"""Pay only for what changed (docs/adr/0017-skip-unchanged-work.md).

An asset that derives a table (staging, exchange) records with its materialization what went in — the Iceberg
snapshot id of each input table, its code version, and the few settings that change its output (the
pseudonym key's digest, the year minors are counted in) — and the snapshot it wrote. On the next run, when
every one of those is the same and its own table still holds that snapshot, the asset returns at once with
the same Dagster data version and metadata saying "unchanged since snapshot N" instead of masking, gating and
writing again. A gate whose table is unchanged reports its last result again (a failed one stays failed),
saying so in its metadata. Anything unknown — no previous materialization, another code version, a missing
snapshot, a table rewritten by someone else — runs the work.

The decision (:func:`decide`) is a pure function; the rest reads Dagster's own records (the latest
materialization of the asset, its provenance, the latest evaluation of a check) and Iceberg's current
snapshot ids.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg

from infra.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog

# Metadata entry of a materialization or check evaluation holding what went in (JSON, ids and digests only).
STATE = "skip_state"
# Input names of the settings a derived table depends on (besides the snapshots of the tables it reads),
# recorded by the asset and resolved again by the run's plan (launch_plan.InputResolver).
PSEUDONYM_KEY_INPUT = "pseudonym_key"  # staging: which pseudonym key masked the table
MINORS_YEAR_INPUT = "minors_counted_in"  # exchange: the year minors are counted in
# Metadata entry of a check's definition: the code version its results record (for the run's plan, which
# decides before the check runs whether its last result would stand).
CHECK_CODE = "code_version"
UNCHANGED = "unchanged"
# The packages whose code a derived table depends on: a change anywhere in them re-runs the work once.
CODE_PACKAGES = ("infra", "governance", "quality")
# The libraries that compute the tables (Presidio, GX, pyiceberg, dbt …) are code too: their pinned versions.
LOCK_FILE = PROJECT_ROOT / "uv.lock"
# dbt and its adapters are locked apart (infra/dbt_env, ADR 0025): a new dbt builds the marts again.
DBT_LOCK_FILE = PROJECT_ROOT / "infra" / "dbt_env" / "uv.lock"
NO_SNAPSHOT = "none"
_CARRIED = re.compile(r"^(carried forward, [^:]*: )+")


@dataclass(frozen=True)
class Recorded:
    """What a previous materialization (or check evaluation) was computed from."""

    code_version: str | None
    inputs: Mapping[str, str] = field(default_factory=dict)
    outputs: Mapping[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"code_version": self.code_version, "inputs": dict(self.inputs), "outputs": dict(self.outputs)}

    @classmethod
    def from_json(cls, value: object) -> Recorded | None:
        if not isinstance(value, Mapping):
            return None
        inputs, outputs = value.get("inputs"), value.get("outputs")
        if not isinstance(inputs, Mapping) or not isinstance(outputs, Mapping):
            return None
        code = value.get("code_version")
        return cls(
            None if code is None else str(code),
            {str(k): str(v) for k, v in inputs.items()},
            {str(k): str(v) for k, v in outputs.items()},
        )


@dataclass(frozen=True)
class Decision:
    skip: bool
    reason: str
    since: str | None = None  # the snapshot (or data version) the unchanged result is from
    since_what: str = "snapshot"

    @property
    def note(self) -> str:
        return f"unchanged since {self.since_what} {self.since}" if self.skip else f"ran: {self.reason}"


def _missing(values: Mapping[str, str | None]) -> list[str]:
    return sorted(k for k, v in values.items() if v is None or v in ("", NO_SNAPSHOT))


def decide(
    previous: Recorded | None,
    code_version: str,
    inputs: Mapping[str, str | None],
    outputs: Mapping[str, str | None],
) -> Decision:
    """Skip only when the previous run saw the same code, the same inputs (every one known) and its outputs
    are still what it wrote; otherwise say why the work runs."""
    if previous is None:
        return Decision(False, "no previous materialization recorded")
    if previous.code_version != code_version:
        return Decision(False, f"code version {previous.code_version} → {code_version}")
    if missing := _missing(inputs):
        return Decision(False, f"no snapshot known for {', '.join(missing)}")
    if missing := _missing(outputs):
        return Decision(False, f"{', '.join(missing)} does not exist or has no snapshot")
    if set(previous.inputs) != set(inputs):
        return Decision(False, "inputs differ from the previous run's")
    changed = sorted(k for k in inputs if previous.inputs[k] != inputs[k])
    if changed:
        first = changed[0]
        return Decision(
            False,
            f"{first} changed ({previous.inputs[first]} → {inputs[first]})"
            + (f" and {len(changed) - 1} more" if len(changed) > 1 else ""),
        )
    if set(previous.outputs) != set(outputs):
        return Decision(False, "outputs differ from the previous run's")
    moved = sorted(k for k in outputs if previous.outputs[k] != outputs[k])
    if moved:
        first = moved[0]
        return Decision(False, f"{first} was written since ({previous.outputs[first]} → {outputs[first]})")
    since = ", ".join(str(outputs[k]) for k in sorted(outputs)) or ", ".join(
        str(inputs[k]) for k in sorted(inputs)
    )
    return Decision(True, "inputs, code and outputs unchanged", since)


def carry_check(
    previous_passed: bool | None,
    previous_state: Recorded | None,
    code_version: str,
    inputs: Mapping[str, str | None],
) -> Decision:
    """A gate may report its last result again only if that result was for the same inputs and code. The
    result is carried as it was: a failed gate stays failed."""
    if previous_passed is None:
        return Decision(False, "no previous result recorded")
    return decide(previous_state, code_version, inputs, {})


# ---- versions of code and settings -------------------------------------------------------------------------


@cache
def _package_digest(packages: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for package in packages:
        for path in sorted((PROJECT_ROOT / package).rglob("*")):
            if (
                path.is_file()
                and path.suffix in (".py", ".yaml", ".yml", ".json", ".sql")
                and "__pycache__" not in path.parts
            ):
                digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode())
                digest.update(b"\0")
                digest.update(path.read_bytes())
    digest.update(_dependencies())
    return digest.hexdigest()


def _dependencies() -> bytes:
    """The versions of every library installed: the lock file the environment was synced from (the checkout,
    the image), or, without one (an install from a wheel), the installed distributions themselves. A new
    Presidio or GX re-runs the masking and the gates once instead of carrying results its predecessor made;
    dbt's own lock is part of it, so a new dbt or adapter builds the marts again."""
    dbt = DBT_LOCK_FILE.read_bytes() if DBT_LOCK_FILE.is_file() else b""
    if LOCK_FILE.is_file():
        return LOCK_FILE.read_bytes() + dbt
    from importlib.metadata import distributions

    return "\n".join(sorted(f"{d.name}=={d.version}" for d in distributions())).encode() + dbt


def code_version(*files: Path | str, packages: Iterable[str] = CODE_PACKAGES) -> str:
    """A short digest of the code a derived table depends on: the given files (a contract, the defs module),
    every source file of ``packages`` and the locked library versions. Computed when the definitions load, so
    a changed checkout is a new code version."""
    digest = hashlib.sha256(_package_digest(tuple(packages)).encode())
    for item in files:
        path = Path(item)
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"(missing)")
    return digest.hexdigest()[:16]


def key_digest(key: bytes) -> str:
    """Which pseudonym key masked a table, without revealing anything about it (a keyed digest)."""
    return hmac.new(key, b"lakehouse skip-state key digest", hashlib.sha256).hexdigest()[:16]


def snapshot_of(catalog: Catalog, identifier: str) -> str | None:
    """The table's current snapshot id, None when the table or its snapshot does not exist."""
    if not catalog.table_exists(identifier):
        return None
    snapshot = catalog.load_table(identifier).current_snapshot()
    return None if snapshot is None else str(snapshot.snapshot_id)


def snapshots(catalog: Catalog, identifiers: Iterable[str]) -> dict[str, str | None]:
    return {identifier: snapshot_of(catalog, identifier) for identifier in identifiers}


# ---- what Dagster recorded ---------------------------------------------------------------------------------


def _state_of(metadata: Mapping[str, Any]) -> Recorded | None:
    value = metadata.get(STATE)
    data = getattr(value, "data", value)  # a JsonMetadataValue, or the raw mapping
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return None
    return Recorded.from_json(data)


def previous_materialization(
    context: dg.AssetExecutionContext, key: dg.AssetKey
) -> tuple[Recorded | None, str | None]:
    """What the asset's latest materialization recorded, and its data version (see :func:`recorded`)."""
    return recorded(context.instance, key)


def recorded(instance: dg.DagsterInstance, key: dg.AssetKey) -> tuple[Recorded | None, str | None]:
    """What the asset's latest materialization recorded, and its data version.

    The code version comes from Dagster's provenance of that materialization, the snapshot ids from its
    metadata; a materialization without either is treated as unknown. Read the same way inside an asset
    and by a run's plan before it starts (``orchestration.launch_plan``).
    """
    return _recorded_in(instance.get_latest_materialization_event(key))


def recorded_many(
    instance: dg.DagsterInstance, keys: Iterable[dg.AssetKey]
) -> dict[dg.AssetKey, tuple[Recorded | None, str | None]]:
    """:func:`recorded` for many assets in one query of the event log."""
    wanted = list(keys)
    entries = instance.event_log_storage.get_latest_materialization_events(wanted) if wanted else {}
    return {key: _recorded_in(entries.get(key)) for key in wanted}


def _recorded_in(entry: Any) -> tuple[Recorded | None, str | None]:
    from dagster._core.definitions.data_version import extract_data_provenance_from_entry

    if entry is None or entry.asset_materialization is None:
        return None, None
    state = _state_of(entry.asset_materialization.metadata)
    provenance = extract_data_provenance_from_entry(entry)
    if state is None or provenance is None:
        return None, None
    state = Recorded(provenance.code_version, state.inputs, state.outputs)
    tags = entry.asset_materialization.tags or {}
    return state, tags.get("dagster/data_version")


def state_metadata(code: str, inputs: Mapping[str, str | None], outputs: Mapping[str, str | None]) -> dict:
    recorded = Recorded(code, {k: str(v) for k, v in inputs.items()}, {k: str(v) for k, v in outputs.items()})
    return {STATE: dg.MetadataValue.json(recorded.as_json())}


def data_version_of(outputs: Mapping[str, str | None]) -> dg.DataVersion:
    """The data version of a derived table: the snapshot it holds (several tables: a digest of them)."""
    values = [str(outputs[k]) for k in sorted(outputs)]
    if len(values) == 1:
        return dg.DataVersion(values[0])
    return dg.DataVersion(hashlib.sha256("\0".join(values).encode()).hexdigest()[:16])


def unchanged_result(
    decision: Decision, previous_metadata: Mapping[str, Any], state: dict, data_version: str | None
) -> dg.MaterializeResult:
    """The materialization of an asset whose work was skipped: the last figures again, said to be unchanged."""
    carried = {k: v for k, v in previous_metadata.items() if k not in (STATE, UNCHANGED, "skipped_because")}
    return dg.MaterializeResult(
        metadata={**carried, UNCHANGED: decision.note, "skipped_because": decision.reason, **state},
        data_version=dg.DataVersion(data_version) if data_version else None,
    )


def latest_metadata(context: dg.AssetExecutionContext, key: dg.AssetKey) -> Mapping[str, Any]:
    entry = context.instance.get_latest_materialization_event(key)
    if entry is None or entry.asset_materialization is None:
        return {}
    return entry.asset_materialization.metadata


# ---- gates: the last result, carried forward ---------------------------------------------------------------


@dataclass(frozen=True)
class LastCheck:
    passed: bool
    description: str | None
    metadata: Mapping[str, Any]
    severity: dg.AssetCheckSeverity
    state: Recorded | None


def last_check(instance: dg.DagsterInstance, check_key: dg.AssetCheckKey) -> LastCheck | None:
    """The latest completed evaluation of a check (the current run's own is only planned)."""
    from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

    records = instance.event_log_storage.get_asset_check_execution_history(
        check_key,
        limit=1,
        status={AssetCheckExecutionRecordStatus.SUCCEEDED, AssetCheckExecutionRecordStatus.FAILED},
    )
    return next((found for found in map(_as_last_check, records) if found is not None), None)


def _as_last_check(record: Any) -> LastCheck | None:
    event = getattr(record, "event", None)
    evaluation = getattr(getattr(event, "dagster_event", None), "event_specific_data", None)
    if evaluation is None or not hasattr(evaluation, "passed"):
        return None
    return LastCheck(
        passed=bool(evaluation.passed),
        description=evaluation.description,
        metadata=evaluation.metadata,
        severity=evaluation.severity,
        state=_state_of(evaluation.metadata),
    )


def last_checks(
    instance: dg.DagsterInstance, check_keys: Iterable[dg.AssetCheckKey]
) -> dict[dg.AssetCheckKey, LastCheck | None]:
    """The latest completed evaluation of many checks (inside a run: its own are only planned)."""
    keys = list(check_keys)
    summaries = instance.event_log_storage.get_asset_check_summary_records(keys) if keys else {}
    found: dict[dg.AssetCheckKey, LastCheck | None] = {}
    for key in keys:
        summary = summaries.get(key)
        record = summary.last_completed_check_execution_record if summary is not None else None
        found[key] = _as_last_check(record) if record is not None else None
    return found


def latest_checks(
    instance: dg.DagsterInstance, check_keys: Iterable[dg.AssetCheckKey]
) -> dict[dg.AssetCheckKey, LastCheck | None]:
    """The latest evaluation of many checks in one query, for use between runs: a check whose latest
    execution did not complete (a run that died) is read as :func:`last_checks` reads it."""
    keys = list(check_keys)
    records = instance.event_log_storage.get_latest_asset_check_execution_by_key(keys) if keys else {}
    found = {key: _as_last_check(records[key]) if key in records else None for key in keys}
    unfinished = [key for key in keys if key in records and found[key] is None]
    return {**found, **last_checks(instance, unfinished)} if unfinished else found


def carried_check_result(
    last: LastCheck,
    decision: Decision,
    state: dict,
    asset_key: dg.AssetKey | None = None,
    name: str | None = None,
) -> dg.AssetCheckResult:
    """The last result reported again: same verdict, severity and figures, saying it was not re-evaluated."""
    carried = {
        k: v for k, v in last.metadata.items() if k not in (STATE, "carried_forward", "skipped_because")
    }
    evaluated = _CARRIED.sub("", last.description or "")  # the evaluation's own words, not nested notes
    description = f"carried forward, {decision.note}: {evaluated}".strip()
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=name,
        passed=last.passed,
        severity=last.severity,
        description=description[:3000],
        metadata={
            **carried,
            "carried_forward": f"not re-evaluated: {decision.note}; the last result stands "
            f"({'passed' if last.passed else 'FAILED'})",
            "skipped_because": decision.reason,
            **state,
        },
    )


def carries(last: LastCheck | None, code: str, inputs: Mapping[str, str | None]) -> bool:
    """The last result of a check was computed by the same code from the same inputs."""
    return (
        last is not None
        and last.state is not None
        and last.state.code_version == code
        and dict(last.state.inputs) == {k: str(v) for k, v in inputs.items()}
        and not _missing(inputs)
    )


def with_state(result: dg.AssetCheckResult, state: dict) -> dg.AssetCheckResult:
    """A freshly evaluated check's result, recording what it was evaluated on."""
    return dg.AssetCheckResult(
        asset_key=result.asset_key,
        check_name=result.check_name,
        passed=result.passed,
        severity=result.severity,
        description=result.description,
        metadata={**result.metadata, **state},
    )


def latest_data_version(instance: dg.DagsterInstance, key: dg.AssetKey) -> str | None:
    """The data version of the asset's latest materialization (this run's, once it has materialised)."""
    entry = instance.get_latest_materialization_event(key)
    if entry is None or entry.asset_materialization is None:
        return None
    return (entry.asset_materialization.tags or {}).get("dagster/data_version")


def mart_check(
    context: dg.AssetCheckExecutionContext, asset_key: dg.AssetKey, name: str, code: str
) -> tuple[dict, dg.AssetCheckResult | None]:
    """For a gate on a dbt mart: what it is evaluated on (the mart's data version) and, when that and the
    code are what its last result was for, that result carried forward."""
    from infra.settings import load_settings

    inputs = {asset_key.to_user_string(): latest_data_version(context.instance, asset_key)}
    state = state_metadata(code, inputs, {})
    # Only where dbt itself may skip (embedded): elsewhere dbt rebuilt the table, so it is judged again.
    if load_settings().profile != "embedded":
        return state, None
    last = last_check(context.instance, dg.AssetCheckKey(asset_key, name))
    if last is not None and carries(last, code, inputs):
        decision = decide(last.state, code, inputs, {})
        decision = Decision(True, decision.reason, inputs[asset_key.to_user_string()], "data version")
        return state, carried_check_result(last, decision, state)
    return state, None
