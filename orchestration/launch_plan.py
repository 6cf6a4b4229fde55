"""Which assets a run needs to start at all (docs/adr/0017-skip-unchanged-work.md, "the run's plan").

Each derived asset already skips its own work when nothing it reads changed (``orchestration.unchanged``),
but a skipped asset still costs a Dagster step: start-up, events, the carried gates — at every scale about a
third of a full run. So `lakehouse run` first runs what reads the outside world (the raw loads, which find
out whether a department handed over anything new), then asks, for every other selected asset, the same
question the asset would ask itself, from the same records: the code version and inputs its latest
materialization recorded (``unchanged.recorded``) against the code and the inputs' current snapshots
(``unchanged.decide``; dbt models through ``dbt_state.plan_models``). An asset is started when:

- it records nothing to compare (raw loads, governance tables, the KPI measurements): always;
- an input it recorded cannot be resolved now, or differs, or its code version changed, or its table was
  written since (a restore, another writer): the same rule as inside the asset;
- one of its checks has no result yet, last failed, or last ran on other inputs (so a failed gate is
  reported again, as the asset would report it);
- an asset it reads is started in this run (its output may change);
- the gates on a shared table's path no longer agree with its ``gates_on_path`` check.

What lies behind a blocking gate that failed in the first wave is not started (reported skipped, as
Dagster skips it inside one run), and a multi-asset that cannot be subset is started or blocked whole.
Anything else is left out of the run and reported as unchanged. Doubt always starts the asset: the asset's
own check then decides, exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg

from orchestration import dbt_state
from orchestration.defs.quality import FRESHNESS
from orchestration.gate_summary import GATES_CHECK
from orchestration.unchanged import (
    CHECK_CODE,
    MINORS_YEAR_INPUT,
    PSEUDONYM_KEY_INPUT,
    LastCheck,
    carries,
    decide,
    key_digest,
    latest_checks,
    latest_data_version,
    recorded_many,
    snapshot_of,
)

if TYPE_CHECKING:
    from dagster._core.definitions.assets.graph.asset_graph import AssetGraph
    from pyiceberg.catalog import Catalog

# The gates whose verdicts a shared table's `gates_on_path` check summarises.
PATH_GATES = frozenset({"gx_quality_gate", "freshness", "privacy_gate", "no_personal_data"})


@dataclass
class LaunchPlan:
    """The assets to start, and for the others why they are left out (their "unchanged since …" note)."""

    launch: set[dg.AssetKey] = field(default_factory=set)
    unchanged: dict[dg.AssetKey, str] = field(default_factory=dict)
    blocked: dict[dg.AssetKey, str] = field(default_factory=dict)  # behind a blocking gate that failed
    reasons: dict[dg.AssetKey, str] = field(default_factory=dict)  # why each launched asset starts


def first_wave(selected: Iterable[dg.AssetKey]) -> set[dg.AssetKey]:
    """The selected assets that read the outside world first: the raw loads of each domain."""
    return {key for key in selected if key.path[0].startswith("raw_")}


@dataclass
class FirstWave:
    """The raw loads to start; those whose hand-over holds nothing new (with their note), which are not
    started; and the checks of those to evaluate without their load."""

    start: set[dg.AssetKey] = field(default_factory=set)
    quiet: dict[dg.AssetKey, str] = field(default_factory=dict)
    checks: set[dg.AssetCheckKey] = field(default_factory=set)


def plan_first_wave(
    graph: AssetGraph,
    loads: Iterable[dg.AssetKey],
    nothing_new: Callable[[dg.AssetKey], str | None],
    instance: dg.DagsterInstance,
    catalog: Catalog,
) -> FirstWave:
    """Which raw loads to start. ``nothing_new(key)`` says why the load would find nothing new (all the
    hand-over's files loaded, no row past a database's watermark: ``ingest.load.nothing_new``, the question
    the load asks first), else None.

    A load with nothing new is not started. Its freshness check still runs (time passes: a source that stops
    delivering must turn red), and so does any other check of it whose last result would not be carried
    forward: none yet, failed (reported again), or evaluated on another snapshot or by other code than the
    check declares now (``unchanged.CHECK_CODE``)."""
    wave = FirstWave()
    loads = sorted(loads)
    quiet = {key: why for key in loads if (why := nothing_new(key))}
    wave.start = {key for key in loads if key not in quiet}
    own = {key: graph.get(key).check_keys for key in quiet}
    last = latest_checks(instance, sorted((c for checks in own.values() for c in checks), key=str))
    resolve = InputResolver(catalog, instance)
    for key, why in quiet.items():
        wave.quiet[key] = f"nothing new: {why}"
        for check in own[key]:
            if check.name == FRESHNESS or not _carried(graph, check, last.get(check), resolve):
                wave.checks.add(check)
    return wave


def unevaluated_freshness(
    graph: AssetGraph, loads: Iterable[dg.AssetKey], evaluated: Iterable[dg.AssetCheckKey]
) -> set[dg.AssetCheckKey]:
    """The freshness checks of ``loads`` the first wave did not evaluate (a failed load skipped their op)."""
    freshness = {check for key in loads for check in graph.get(key).check_keys if check.name == FRESHNESS}
    return freshness.difference(evaluated)


def hand_over_checker(catalog: Catalog, location: Path) -> Callable[[dg.AssetKey], str | None]:
    """``nothing_new`` for :func:`plan_first_wave`: why a raw load would find nothing new, else None."""
    from governance.contracts import load_contracts
    from ingest.load import nothing_new
    from orchestration.defs.sources import raw_asset_key

    contracts = {raw_asset_key(c): c for c in load_contracts().values()}
    return lambda key: nothing_new(contracts[key], location, catalog) if key in contracts else None


def _carried(
    graph: AssetGraph, check: dg.AssetCheckKey, found: LastCheck | None, resolve: InputResolver
) -> bool:
    """The check's last result would stand if it ran now: it passed, on the inputs it would read now, by
    the code it declares."""
    code = graph.get_check_spec(check).metadata.get(CHECK_CODE)
    if found is None or not found.passed or found.state is None or not isinstance(code, str):
        return False
    return carries(found, code, resolve.resolve(found.state.inputs))


class InputResolver:
    """The current value of an input name an asset recorded: a table's snapshot id, a mart's data version,
    or one of the few settings a derived table depends on. Unknown names resolve to None (never skip)."""

    def __init__(self, catalog: Catalog, instance: dg.DagsterInstance, today: date | None = None) -> None:
        self._catalog = catalog
        self._instance = instance
        self._today = today or date.today()
        self._cache: dict[str, str | None] = {}
        self._settings: dict[str, Callable[[], str | None]] = {
            PSEUDONYM_KEY_INPUT: self._pseudonym_key,
            MINORS_YEAR_INPUT: lambda: str(self._today.year),
        }

    @staticmethod
    def _pseudonym_key() -> str:
        from governance.masking.keys import load_pseudonym_key

        return key_digest(load_pseudonym_key())

    def __call__(self, name: str) -> str | None:
        if name not in self._cache:
            self._cache[name] = self._resolve(name)
        return self._cache[name]

    def _resolve(self, name: str) -> str | None:
        if name in self._settings:
            return self._settings[name]()
        if "/" in name:  # an asset key: a mart's gates are judged on its data version
            return latest_data_version(self._instance, dg.AssetKey.from_user_string(name))
        if name.count(".") == 1:  # namespace.table
            return snapshot_of(self._catalog, name)
        return None

    def resolve(self, names: Iterable[str]) -> dict[str, str | None]:
        return {name: self(name) for name in names}


def _checks_carry(
    last: Mapping[dg.AssetCheckKey, LastCheck | None], code: str | None, inputs: Mapping[str, str | None]
) -> str | None:
    """Why the asset's own checks need it to run, or None when each one's last result stands."""
    for check_key, found in sorted(last.items(), key=lambda item: str(item[0])):
        if check_key.name == GATES_CHECK:
            continue  # a summary of other gates: judged by the path (see plan_launch)
        if found is None:
            return f"{check_key.name} has no result yet"
        if not found.passed:
            return f"{check_key.name} last failed: reported again"
        if found.state is not None and not carries(found, code or "", inputs):
            return f"{check_key.name} last ran on other inputs"
    return None


def _path_changed(
    graph: AssetGraph, key: dg.AssetKey, last: Mapping[dg.AssetCheckKey, LastCheck | None]
) -> str | None:
    """Why a shared table's `gates_on_path` check must be read again: its verdict is not the one the gates
    on its path give now (a gate turned red, or green, since)."""
    own = next((c for c in graph.get(key).check_keys if c.name == GATES_CHECK), None)
    if own is None:
        return None
    summary = last.get(own)
    if summary is None:
        return f"{GATES_CHECK} has no result yet"
    gates = [
        check
        for ancestor in graph.get_ancestor_asset_keys(key)
        for check in graph.get(ancestor).check_keys
        if check.name in PATH_GATES
    ]
    passing = all(getattr(last.get(check), "passed", False) for check in gates)
    if passing != summary.passed:
        return (
            f"the gates on its path now {'pass' if passing else 'do not pass'}: {GATES_CHECK} is read again"
        )
    return None


def plan_launch(
    graph: AssetGraph,
    selected: set[dg.AssetKey],
    instance: dg.DagsterInstance,
    catalog: Catalog,
    today: date | None = None,
    done: Iterable[dg.AssetKey] = (),
) -> LaunchPlan:
    """Decide, before a run starts, which of ``selected`` must run (see the module docstring). ``done``: the
    assets this run already ran (the first wave); what lies behind one of their blocking gates that failed
    is not started, as Dagster skips it inside one run."""
    plan = LaunchPlan()
    resolve = InputResolver(catalog, instance, today)
    order = [key for key in graph.toposorted_asset_keys if key in selected]
    ran = set(done)
    dbt_keys = [key for key in order if key.path[0] == "dbt"]
    # dbt's own tests are read by the dbt decision; the marts' gates (on dbt keys too) by the paths.
    check_keys = {
        check
        for key in [*order, *ran]
        for check in graph.get(key).check_keys
        if key.path[0] != "dbt" or check.name in PATH_GATES
    }
    last = latest_checks(instance, sorted(check_keys, key=str))
    previously = recorded_many(instance, [key for key in order if key.path[0] != "dbt"])
    stopped = {
        key
        for key in ran
        for check in graph.get(key).check_keys
        if graph.get_check_spec(check).blocking and not getattr(last.get(check), "passed", True)
    }
    dbt_plan: dbt_state.DbtPlan | None = None

    def start(key: dg.AssetKey, reason: str) -> None:
        plan.launch.add(key)
        plan.reasons[key] = reason

    for key in order:
        node = graph.get(key)
        behind = sorted(a for a in graph.get_ancestor_asset_keys(key) if a in stopped or a in plan.blocked)
        if behind:
            plan.blocked[key] = f"a blocking gate of {behind[0].to_user_string()} did not pass"
            continue
        started = sorted(p for p in node.parent_keys if p in plan.launch)
        if started:
            start(key, f"{started[0].to_user_string()} runs in this run")
            continue
        if key.path[0] == "dbt":
            # The dbt op decides for all its models at once: ask it the same way, once.
            if dbt_plan is None:
                dbt_plan = _dbt_plan(graph, dbt_keys, instance, today)
            read = {**dbt_plan.checks, **last}
            failed = sorted(c.name for c in node.check_keys if not getattr(read.get(c), "passed", False))
            if not dbt_plan.skip:
                start(key, dbt_plan.decision.reason)
            elif failed:
                start(key, f"{failed[0]} has no passing result: reported again")
            else:
                plan.unchanged[key] = dbt_plan.decision.note
            continue
        previous, _ = previously[key]
        if previous is None:
            start(key, "records nothing to compare: always runs")
            continue
        inputs = resolve.resolve(previous.inputs)
        outputs = resolve.resolve(previous.outputs)
        decision = decide(previous, node.code_version or "", inputs, outputs)
        if not decision.skip:
            start(key, decision.reason)
            continue
        own = {check: last.get(check) for check in node.check_keys}
        if why := _checks_carry(own, node.code_version, inputs):
            start(key, why)
            continue
        if why := _path_changed(graph, key, last):
            start(key, why)
            continue
        plan.unchanged[key] = decision.note
    _whole_multi_assets(graph, plan)
    return plan


def _whole_multi_assets(graph: AssetGraph, plan: LaunchPlan) -> None:
    """A multi-asset that cannot be subset (the lineage tables, a governance table and its history) runs
    all its assets or none: one started starts the others, one blocked blocks them all (as its op is
    skipped inside one run when an input is)."""
    changed = True
    while changed:
        changed = False
        for key in sorted(plan.launch):
            together = set(dg.AssetSelection.assets(key).required_multi_asset_neighbors().resolve(graph))
            blocked = sorted(k for k in together if k in plan.blocked)
            if blocked:
                plan.launch.discard(key)
                plan.blocked[key] = f"computed together with {blocked[0].to_user_string()}, which is blocked"
                changed = True
                continue
            for other in sorted(together - plan.launch):
                plan.unchanged.pop(other, None)
                plan.launch.add(other)
                plan.reasons[other] = f"computed together with {key.to_user_string()}"
                changed = True


def _dbt_plan(
    graph: AssetGraph, keys: list[dg.AssetKey], instance: dg.DagsterInstance, today: date | None
) -> dbt_state.DbtPlan:
    code_versions = {key: graph.get(key).code_version for key in keys}
    checks = {check for key in keys for check in graph.get(key).check_keys}
    return dbt_state.plan_models(instance, keys, code_versions, checks, today, read_checks=latest_checks)
