"""The raw loads of a run's first wave (orchestration/launch_plan.py `plan_first_wave`) on a one-asset graph
and a real ephemeral Dagster instance: a load whose hand-over holds nothing new is not started, its
freshness is read again, and its gate runs without it only when its last result would not stand. The
catalog is a stand-in holding a snapshot id (our own logic under test, not pyiceberg)."""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg
import pytest

from orchestration.launch_plan import plan_first_wave
from orchestration.unchanged import CHECK_CODE, state_metadata
from tests.fake_tables import FakeTable

RAW = dg.AssetKey(["raw_x", "a"])
GATE = dg.AssetCheckKey(RAW, "gx_quality_gate")
FRESHNESS = dg.AssetCheckKey(RAW, "freshness")


@dataclass
class World:
    snapshot: str = "1"
    gate_passes: bool = True
    gate_code: str = "gate-1"  # what the gate's definition declares now
    nothing_new: str | None = "1 hand-over file(s) already loaded, none read"


class _Catalog:
    def __init__(self, world: World) -> None:
        self.world = world

    def table_exists(self, identifier: str) -> bool:
        return identifier == "raw_x.a"

    def load_table(self, identifier: str) -> FakeTable:
        return FakeTable(self.world.snapshot)


def _job(world: World, declared: bool = True) -> dg.JobDefinition:
    metadata = {CHECK_CODE: world.gate_code} if declared else {}

    @dg.asset(
        key=RAW,
        check_specs=[
            dg.AssetCheckSpec("gx_quality_gate", asset=RAW, blocking=True, metadata=metadata),
            dg.AssetCheckSpec("freshness", asset=RAW),
        ],
    )
    def raw():
        yield dg.MaterializeResult()
        inputs = {"raw_x.a": world.snapshot}
        yield dg.AssetCheckResult(
            check_name="gx_quality_gate",
            passed=world.gate_passes,
            metadata=state_metadata(world.gate_code, inputs, {}),
        )
        yield dg.AssetCheckResult(check_name="freshness", passed=True)

    return dg.Definitions(assets=[raw]).resolve_implicit_global_asset_job_def()


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


def _wave(job: dg.JobDefinition, instance: dg.DagsterInstance, world: World):
    graph = job.asset_layer.asset_graph
    return plan_first_wave(graph, {RAW}, lambda _key: world.nothing_new, instance, _Catalog(world))


def test_nothing_new_leaves_the_load_out_and_reads_freshness_again(instance) -> None:
    world = World()
    job = _job(world)
    assert job.execute_in_process(instance=instance).success
    wave = _wave(job, instance, world)
    assert wave.start == set()
    assert "1 hand-over file(s) already loaded" in wave.quiet[RAW]
    assert wave.checks == {FRESHNESS}  # the gate's last result stands: same snapshot, same code


def test_a_new_file_starts_the_load_with_its_own_checks(instance) -> None:
    world = World()
    job = _job(world)
    job.execute_in_process(instance=instance)
    world.nothing_new = None  # something in the hand-over is not loaded yet
    wave = _wave(job, instance, world)
    assert wave.start == {RAW} and wave.quiet == {} and wave.checks == set()


@pytest.mark.parametrize(
    "change",
    ["gate failed", "no result yet", "table written since", "gate code changed", "no code declared"],
)
def test_a_gate_whose_last_result_would_not_stand_runs_without_the_load(instance, change: str) -> None:
    world = World(gate_passes=change != "gate failed")
    job = _job(world, declared=change != "no code declared")
    if change != "no result yet":
        job.execute_in_process(instance=instance, raise_on_error=False)
    if change == "table written since":
        world.snapshot = "2"  # another writer (or a restore) moved the table
    if change == "gate code changed":
        world.gate_code = "gate-2"
        job = _job(world)
    wave = _wave(job, instance, world)
    assert wave.start == set()
    assert wave.checks == {GATE, FRESHNESS}, change


def test_freshness_the_first_wave_did_not_evaluate_is_read_again() -> None:
    from orchestration.launch_plan import unevaluated_freshness

    graph = _job(World()).asset_layer.asset_graph
    assert unevaluated_freshness(graph, {RAW}, {GATE}) == {FRESHNESS}  # a failed load skipped the op
    assert unevaluated_freshness(graph, {RAW}, {GATE, FRESHNESS}) == set()
    assert unevaluated_freshness(graph, set(), set()) == set()  # no load selected: nothing of ours to read
