"""The run's plan (orchestration/launch_plan.py) on a two-asset graph and a real ephemeral Dagster instance:
unchanged inputs leave the derived asset out, a new input snapshot starts it, a failed blocking gate in the
first wave blocks it, and a derived asset's failed check starts it so the failure is reported again.
The catalog is a stand-in holding snapshot ids (our own logic under test, not pyiceberg)."""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg
import pytest

from orchestration.launch_plan import plan_launch
from orchestration.unchanged import state_metadata
from tests.fake_tables import FakeTable

RAW = dg.AssetKey(["raw_x", "a"])
STAGED = dg.AssetKey(["staging", "a"])
CODE = "code-1"


@dataclass
class World:
    raw_snapshot: str = "1"
    staging_snapshot: str = "10"
    gate_passes: bool = True
    privacy_passes: bool = True


class _Catalog:
    def __init__(self, world: World) -> None:
        self.world = world

    def table_exists(self, identifier: str) -> bool:
        return identifier in ("raw_x.a", "staging.a")

    def load_table(self, identifier: str) -> FakeTable:
        return FakeTable(
            {"raw_x.a": self.world.raw_snapshot, "staging.a": self.world.staging_snapshot}[identifier]
        )


def _definitions(world: World) -> dg.Definitions:
    @dg.asset(key=RAW, check_specs=[dg.AssetCheckSpec("gx_quality_gate", asset=RAW, blocking=True)])
    def raw():
        yield dg.MaterializeResult()
        yield dg.AssetCheckResult(check_name="gx_quality_gate", passed=world.gate_passes)

    @dg.asset(
        key=STAGED,
        deps=[RAW],
        code_version=CODE,
        check_specs=[dg.AssetCheckSpec("privacy_gate", asset=STAGED)],
    )
    def staged():
        inputs = {"raw_x.a": world.raw_snapshot}
        state = state_metadata(CODE, inputs, {"staging.a": world.staging_snapshot})
        yield dg.MaterializeResult(metadata=state, data_version=dg.DataVersion(world.staging_snapshot))
        yield dg.AssetCheckResult(
            check_name="privacy_gate", passed=world.privacy_passes, metadata=state_metadata(CODE, inputs, {})
        )

    return dg.Definitions(assets=[raw, staged])


@pytest.fixture
def setup():
    world = World()
    definitions = _definitions(world)
    job = definitions.resolve_implicit_global_asset_job_def()
    with dg.DagsterInstance.ephemeral() as instance:
        yield world, job, instance


def _plan(job, instance, world):
    return plan_launch(job.asset_layer.asset_graph, {STAGED}, instance, _Catalog(world), done={RAW})


def test_nothing_changed_leaves_the_derived_asset_out(setup) -> None:
    world, job, instance = setup
    assert job.execute_in_process(instance=instance).success
    plan = _plan(job, instance, world)
    assert plan.launch == set() and STAGED in plan.unchanged


def test_a_new_input_snapshot_or_a_rewritten_output_starts_it(setup) -> None:
    world, job, instance = setup
    job.execute_in_process(instance=instance)
    world.raw_snapshot = "2"
    assert "raw_x.a changed" in _plan(job, instance, world).reasons[STAGED]
    world.raw_snapshot = "1"
    world.staging_snapshot = "11"  # someone else wrote the table since
    assert STAGED in _plan(job, instance, world).launch


def test_a_failed_blocking_gate_in_the_first_wave_blocks_what_lies_behind_it(setup) -> None:
    world, job, instance = setup
    job.execute_in_process(instance=instance)
    world.gate_passes, world.raw_snapshot = False, "2"
    job.execute_in_process(instance=instance, asset_selection=[RAW], raise_on_error=False)
    plan = _plan(job, instance, world)
    assert STAGED in plan.blocked and STAGED not in plan.launch


def test_a_failed_check_of_the_asset_starts_it_to_report_it_again(setup) -> None:
    world, job, instance = setup
    world.privacy_passes = False
    job.execute_in_process(instance=instance, raise_on_error=False)
    plan = _plan(job, instance, world)
    assert "privacy_gate last failed" in plan.reasons[STAGED]


def test_a_multi_asset_that_cannot_be_subset_is_blocked_or_started_whole() -> None:
    """The lineage tables are one op: edges read the marts, runs read nothing; both go or neither does."""
    edges, runs = dg.AssetKey(["governance", "edges"]), dg.AssetKey(["governance", "runs"])
    world = World()

    @dg.multi_asset(specs=[dg.AssetSpec(edges, deps=[STAGED]), dg.AssetSpec(runs)])
    def lineage():
        yield dg.MaterializeResult(asset_key=edges)
        yield dg.MaterializeResult(asset_key=runs)

    base = _definitions(world)
    definitions = dg.Definitions(assets=[*base.assets, lineage])
    job = definitions.resolve_implicit_global_asset_job_def()
    graph = job.asset_layer.asset_graph
    with dg.DagsterInstance.ephemeral() as instance:
        job.execute_in_process(instance=instance)
        plan = plan_launch(graph, {STAGED, edges, runs}, instance, _Catalog(world), done={RAW})
        assert {edges, runs} <= plan.launch  # records nothing: both start, together
        world.gate_passes, world.raw_snapshot = False, "2"
        job.execute_in_process(instance=instance, asset_selection=[RAW], raise_on_error=False)
        plan = plan_launch(graph, {STAGED, edges, runs}, instance, _Catalog(world), done={RAW})
        assert {STAGED, edges, runs} <= set(plan.blocked) and not plan.launch & {edges, runs}
