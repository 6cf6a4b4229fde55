"""How `lakehouse run` reads --select, cuts a run by day and reports a run, on a small real Dagster graph:
dataset names and Dagster's selection syntax resolve to keys (a typo names the closest), days run the
partitioned assets once per day with what they read before and the rest after, and a run's events become
one line per asset (materialised with rows, failed with the user's error, skipped) plus gate counts, while
every record goes to the log and nothing to the terminal."""

from __future__ import annotations

import io

import dagster as dg
import pytest

from orchestration.run import SelectionError, _plan, resolve_selection
from orchestration.run_events import RunRecorder, format_line, recorder_logger

DAILY = dg.DailyPartitionsDefinition(start_date="2026-11-01", timezone="Asia/Shanghai")


@dg.asset(key=["raw_transport", "parking_lots"])
def lots() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows_loaded": 9})


@dg.asset(key=["raw_transport", "parking_sessions"], deps=[lots], partitions_def=DAILY)
def sessions() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows_loaded": 600})


@dg.asset(
    key=["staging", "parking_sessions"],
    deps=[sessions],
    check_specs=[dg.AssetCheckSpec("privacy_gate", asset=["staging", "parking_sessions"], blocking=True)],
)
def staged():
    yield dg.MaterializeResult(metadata={"rows": 598})
    yield dg.AssetCheckResult(passed=True)


@dg.asset(key=["exchange", "parking_sessions"], deps=[staged])
def published() -> None:
    raise ValueError("exchange.parking_sessions: k 3 is under 5\nsecond line of detail")


@dg.asset(key=["kpi", "sharing_rate"], deps=[published])
def rate() -> None:
    pass


@dg.asset(key=["raw_health", "kiosk_checks"])
def kiosks() -> None:
    pass


DEFS = dg.Definitions(assets=[lots, sessions, staged, published, rate, kiosks])


@pytest.fixture(scope="module")
def job() -> dg.JobDefinition:
    return DEFS.resolve_implicit_global_asset_job_def()


@pytest.fixture(scope="module")
def graph(job):
    return job.asset_layer.asset_graph


def _names(keys) -> list[str]:
    return sorted(k.to_user_string() for k in keys)


def test_a_dataset_name_selects_its_raw_staging_and_exchange_path(graph) -> None:
    assert _names(resolve_selection(["parking_sessions"], graph)) == [
        "exchange/parking_sessions",
        "raw_transport/parking_sessions",
        "staging/parking_sessions",
    ]


@pytest.mark.parametrize(
    ("select", "expected"),
    [
        ("raw_transport/*", ["raw_transport/parking_lots", "raw_transport/parking_sessions"]),
        ("exchange/parking_sessions+", ["exchange/parking_sessions", "kpi/sharing_rate"]),
        ("+staging/parking_sessions", ["raw_transport/parking_sessions", "staging/parking_sessions"]),
        ("group:default and key:raw_health/*", ["raw_health/kiosk_checks"]),
        ("key:kpi/sharing_rate", ["kpi/sharing_rate"]),
    ],
)
def test_dagster_selection_syntax(graph, select: str, expected: list[str]) -> None:
    assert _names(resolve_selection([select], graph)) == expected


def test_no_selection_is_everything_and_a_typo_names_the_closest(graph) -> None:
    assert len(resolve_selection([], graph)) == 6
    with pytest.raises(SelectionError, match="did you mean raw_transport/parking_sessions"):
        resolve_selection(["raw_transport/parking_sesions"], graph)
    with pytest.raises(SelectionError, match="selects no asset"):
        resolve_selection(["group:nonesuch"], graph)


def test_days_run_partitioned_assets_per_day_between_what_they_read_and_what_reads_them(graph) -> None:
    everything = resolve_selection([], graph)
    plan = [(day, _names(keys)) for day, keys in _plan(graph, everything, ["2026-11-02", "2026-11-03"])]
    assert plan[0] == (None, ["raw_transport/parking_lots"])  # read by the partitioned asset: first
    assert plan[1:3] == [
        ("2026-11-02", ["raw_transport/parking_sessions"]),
        ("2026-11-03", ["raw_transport/parking_sessions"]),
    ]
    assert plan[3] == (
        None,
        [
            "exchange/parking_sessions",
            "kpi/sharing_rate",
            "raw_health/kiosk_checks",
            "staging/parking_sessions",
        ],
    )
    # Without days, or with nothing partitioned selected, one run.
    assert [day for day, _ in _plan(graph, everything, [])] == [None]
    unpartitioned = resolve_selection(["raw_health/*"], graph)
    assert _plan(graph, unpartitioned, ["2026-11-02"]) == [(None, unpartitioned)]


def test_a_run_becomes_one_line_per_asset_and_its_log(job, graph, capfd) -> None:
    log = io.StringIO()
    shown = []
    selected = resolve_selection(["*kpi/sharing_rate"], graph) - {
        dg.AssetKey(["raw_transport", "parking_sessions"])
    }
    steps = {graph.get(k).assets_def.node_def.name: [k.to_user_string()] for k in selected}
    recorder = RunRecorder(log, steps, shown.append)
    result = job.with_logger_defs({"lakehouse_run": recorder_logger(recorder)}).execute_in_process(
        asset_selection=sorted(selected), raise_on_error=False, run_config={"loggers": {"lakehouse_run": {}}}
    )
    record = recorder.finish(k.to_user_string() for k in sorted(selected))
    assert not result.success
    by_asset = {line.asset: line for line in record.assets}
    assert len(record.assets) == len(by_asset) == 4  # each selected asset exactly once
    assert (by_asset["raw_transport/parking_lots"].status, by_asset["raw_transport/parking_lots"].rows) == (
        "materialised",
        9,
    )
    assert by_asset["staging/parking_sessions"].rows == 598
    failed = by_asset["exchange/parking_sessions"]
    assert failed.status == "failed"
    assert failed.error == "ValueError: exchange.parking_sessions: k 3 is under 5"
    assert by_asset["kpi/sharing_rate"].status == "skipped"
    assert (record.gates_passed, record.gates_failed) == (1, [])
    assert shown == record.assets  # reported as they happened, in that order
    assert "STEP_FAILURE" in log.getvalue() and "second line of detail" in log.getvalue()
    out, err = capfd.readouterr()
    assert "STEP_START" not in out + err  # Dagster's console logger is not attached
    line = format_line(failed)
    assert "\n" not in line and line.startswith("  ✘ exchange/parking_sessions") and "k 3 is under 5" in line


def test_a_run_uses_the_stacks_dagster_instance_once_up_configured_it(lakehouse_home, monkeypatch) -> None:
    from orchestration.run import instance_home

    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("LAKEHOUSE_PROFILE", "stack")
    assert instance_home() == lakehouse_home / "dagster"  # no stack instance yet: the home's own
    monkeypatch.delenv("DAGSTER_HOME")
    stack_yaml = lakehouse_home / "stack" / "dagster" / "dagster.yaml"
    stack_yaml.parent.mkdir(parents=True)
    stack_yaml.write_text("telemetry:\n  enabled: false\n")
    assert instance_home() == stack_yaml.parent
    monkeypatch.setenv("DAGSTER_HOME", str(lakehouse_home / "chosen"))
    assert instance_home() == lakehouse_home / "chosen"  # an explicit DAGSTER_HOME always wins


@pytest.mark.parametrize(
    ("days", "said"),
    [
        (["--partition", "2026-11-02", "--from", "2026-11-01", "--to", "2026-11-02"], "not both"),
        (["--from", "2026-11-01"], "--from and --to go together"),
        (["--from", "2026-11-03", "--to", "2026-11-01"], "is after"),
        (["--partition", "2025-12-31"], "outside"),
    ],
)
def test_day_options_that_name_no_range_are_refused_before_anything_runs(lakehouse_home, days, said) -> None:
    from click.testing import CliRunner

    from orchestration.cli import main

    result = CliRunner().invoke(main, ["run", *days])
    assert result.exit_code == 2, result.output
    assert said in result.output
    assert not (lakehouse_home / "logs").exists()  # refused before a run (and its log) began
