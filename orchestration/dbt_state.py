"""Whether `dbt build` has anything to do (docs/adr/0017-skip-unchanged-work.md).

Each dbt model's materialization records what it was built from: the Iceberg snapshot id of every source
table it reads (directly or through other models), the checksum of its own SQL and of every model it reads,
a digest of the project's macros and settings, and the day for a model that reads the clock
(``current_date``). Its Dagster data version is a digest of exactly that, so the marts' gates and anything
else downstream can tell a rebuilt-but-identical mart from a changed one.

When every model Dagster selected was built from what is there now, the dbt op does not start dbt at all: it
reports each model unchanged (same data version) and each dbt test's last result again, a failed one as
failed. Anything unknown — no previous materialization, another checksum, a missing snapshot, a profile
other than the embedded one (dbt's tables live outside the Iceberg catalog there) or no DuckDB file — builds.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

import dagster as dg

from infra.dbt_manifest import DBT_DIR, DbtManifest, DbtModel, load_manifest
from orchestration.unchanged import (
    Decision,
    LastCheck,
    carried_check_result,
    code_version,
    decide,
    last_checks,
    recorded_many,
    snapshots,
    state_metadata,
)

# SQL that reads the clock: such a model's inputs include the day it is built on.
_CLOCK = re.compile(r"\b(current_date|current_timestamp|now\s*\(|today\s*\()", re.IGNORECASE)


@cache
def _project_digest() -> str:
    """The dbt project's settings, macros and model yml (columns, tests, contracts, sources: a model's
    checksum covers its SQL only, and the marts' GX suites are derived from the yml)."""
    files = [
        DBT_DIR / "dbt_project.yml",
        DBT_DIR / "profiles.yml",
        *sorted((DBT_DIR / "macros").rglob("*.sql")),
        *sorted((DBT_DIR / "models").rglob("*.yml")),
    ]
    return code_version(*files, packages=("infra",))


def _reads_clock(model: DbtModel) -> bool:
    path = DBT_DIR / model.original_file_path if model.original_file_path else None
    try:
        text = path.read_text(encoding="utf-8") if path is not None else ""
    except OSError:
        return True  # unknown: treat it as reading the clock, so it is rebuilt each day
    return bool(_CLOCK.search(text))


def model_inputs(
    manifest: DbtManifest, model: DbtModel, source_snapshots: Mapping[str, str | None], today: date
) -> dict[str, str | None]:
    """What a model is built from: its sources' snapshots, the SQL of it and of every model it reads, the
    project's macros and settings, and the day if one of those models reads the clock."""
    inputs: dict[str, str | None] = {"dbt_project": _project_digest()}
    seen: set[str] = set()
    stack = [model.unique_id]
    clock = False
    while stack:
        uid = stack.pop()
        if uid in seen:
            continue
        seen.add(uid)
        if uid in manifest.sources:
            table = str(manifest.sources[uid])
            inputs[table] = source_snapshots.get(table)
            continue
        found = manifest.models.get(uid)
        if found is None:
            inputs[uid] = None  # a seed, snapshot or something we cannot see: never skip on it
            continue
        inputs[uid] = found.checksum or None
        clock = clock or _reads_clock(found)
        stack.extend(found.depends_on)
    if clock:
        inputs["day"] = today.isoformat()
    return inputs


def _depth(manifest: DbtManifest, uid: str, seen: frozenset[str] = frozenset()) -> int:
    """How many models lie on the longest path from a source to this model (0 for one reading sources only)."""
    model = manifest.models.get(uid)
    if model is None or uid in seen:
        return 0
    upstream = [d for d in model.depends_on if d in manifest.models]
    return max((1 + _depth(manifest, d, seen | {uid}) for d in upstream), default=0)


def version_of(inputs: Mapping[str, str | None]) -> str:
    text = "\n".join(f"{k}={inputs[k]}" for k in sorted(inputs))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class DbtPlan:
    """The dbt op's decision for this run: build, or report every selected model unchanged."""

    decision: Decision
    inputs: dict[dg.AssetKey, dict[str, str | None]] = field(default_factory=dict)
    previous_versions: dict[dg.AssetKey, str | None] = field(default_factory=dict)
    code_versions: dict[dg.AssetKey, str | None] = field(default_factory=dict)
    depths: dict[dg.AssetKey, int] = field(default_factory=dict)  # models read on the longest path to it
    checks: dict[dg.AssetCheckKey, LastCheck | None] = field(default_factory=dict)  # dbt tests' last results

    @property
    def skip(self) -> bool:
        return self.decision.skip

    def _state(self, key: dg.AssetKey) -> dict:
        return state_metadata(self.code_versions.get(key) or "", self.inputs.get(key, {}), {})

    def unchanged(self, context: dg.AssetExecutionContext) -> Iterator[Any]:
        """Every selected model unchanged (same data version) and every selected dbt test's last result.
        Models are reported upstream first, as Dagster requires within one op."""
        for key in sorted(context.selected_asset_keys, key=lambda k: (self.depths.get(k, 0), k)):
            yield dg.MaterializeResult(
                asset_key=key,
                metadata={
                    "unchanged": f"unchanged since data version {self.previous_versions.get(key)}: "
                    "no source snapshot and no model code changed",
                    "skipped_because": self.decision.reason,
                    **self._state(key),
                },
                data_version=dg.DataVersion(version_of(self.inputs[key])),
            )
        for check_key in sorted(self.checks, key=str):
            last = self.checks[check_key]
            assert last is not None  # plan() builds when a selected check has no result yet
            yield carried_check_result(last, self.decision, {}, check_key.asset_key, check_key.name)

    def versioned(self, context: dg.AssetExecutionContext, events: Iterator[Any]) -> Iterator[Any]:
        """dbt's events, each model's output carrying its data version and what it was built from."""
        for event in events:
            if isinstance(event, dg.Output):
                key = context.asset_key_for_output(event.output_name)
                if key in self.inputs:
                    event = dg.Output(
                        event.value,
                        event.output_name,
                        metadata={**event.metadata, **self._state(key)},
                        data_version=dg.DataVersion(version_of(self.inputs[key])),
                        tags=event.tags,
                    )
            yield event


def plan(context: dg.AssetExecutionContext, today: date | None = None) -> DbtPlan:
    """Decide for the selected dbt models whether `dbt build` must run (see the module docstring)."""
    return plan_models(
        context.instance,
        context.selected_asset_keys,
        context.assets_def.code_versions_by_key,
        context.selected_asset_check_keys,
        today,
    )


def plan_models(
    instance: dg.DagsterInstance,
    selected: Iterable[dg.AssetKey],
    code_versions: Mapping[dg.AssetKey, str | None],
    check_keys: Iterable[dg.AssetCheckKey],
    today: date | None = None,
    read_checks: Callable[
        [dg.DagsterInstance, Iterable[dg.AssetCheckKey]], dict[dg.AssetCheckKey, LastCheck | None]
    ] = last_checks,
) -> DbtPlan:
    """The dbt op's decision for these models and dbt tests; also asked by a run's plan before it starts
    (``orchestration.launch_plan``), so the op and the plan cannot disagree."""
    from infra.catalog import open_catalog
    from infra.settings import load_settings

    settings = load_settings()
    today = today or date.today()
    manifest = load_manifest()
    by_key = {dg.AssetKey(["dbt", m.schema, m.name]): m for m in manifest.models.values()}
    catalog = open_catalog(settings)
    sources = snapshots(catalog, sorted({str(t) for t in manifest.sources.values()}))
    result = DbtPlan(Decision(True, "no source snapshot and no model code changed"))
    previously = recorded_many(instance, [key for key in selected if key in by_key])
    for key in sorted(selected):
        model = by_key.get(key)
        if model is None:
            result.decision = Decision(False, f"{key.to_user_string()} is not a model of the manifest")
            continue
        inputs = model_inputs(manifest, model, sources, today)
        result.inputs[key] = inputs
        result.depths[key] = _depth(manifest, model.unique_id)
        result.code_versions[key] = code_versions.get(key)
        if not result.skip:
            continue
        previous, version = previously[key]
        result.previous_versions[key] = version
        decision = decide(previous, code_versions.get(key) or "", inputs, {})
        if decision.skip and version != version_of(inputs):
            decision = Decision(
                False, f"{key.to_user_string()}: data version {version} is not of these inputs"
            )
        if not decision.skip:
            result.decision = Decision(False, f"{key.to_user_string()}: {decision.reason}")
    if result.skip and settings.profile != "embedded":
        result.decision = Decision(
            False, f"dbt's tables live outside the catalog on the {settings.profile} profile"
        )
    if result.skip and not settings.duckdb_path.exists():
        result.decision = Decision(False, f"{settings.duckdb_path} does not exist")
    if result.skip:
        result.checks = read_checks(instance, check_keys)
        for check_key, last in result.checks.items():
            if last is None:
                result.decision = Decision(
                    False, f"{check_key.name} on {check_key.asset_key.to_user_string()}: no result yet"
                )
                break
    return result
