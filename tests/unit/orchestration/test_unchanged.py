"""The skip decision (docs/adr/0017-skip-unchanged-work.md) as pure functions: given what the previous run
recorded and the current snapshot ids, skip or not, and why."""

from __future__ import annotations

from datetime import date

import pytest

from infra.dbt_manifest import DbtManifest, DbtModel
from infra.zones import TableName
from orchestration.dbt_state import _depth, model_inputs, version_of
from orchestration.unchanged import Recorded, carries, decide, key_digest

CODE = "c0de"
INPUTS = {"raw_transport.rental_trips": "11", "pseudonym_key": "k1"}
OUTPUTS = {"staging.rental_trips": "21"}
PREVIOUS = Recorded(CODE, INPUTS, OUTPUTS)


def test_same_code_inputs_and_outputs_skip_saying_since_which_snapshot() -> None:
    decision = decide(PREVIOUS, CODE, INPUTS, OUTPUTS)
    assert decision.skip
    assert decision.note == "unchanged since snapshot 21"


@pytest.mark.parametrize(
    ("previous", "code", "inputs", "outputs", "reason"),
    [
        (None, CODE, INPUTS, OUTPUTS, "no previous materialization"),
        (PREVIOUS, "other", INPUTS, OUTPUTS, "code version c0de → other"),
        (
            PREVIOUS,
            CODE,
            {**INPUTS, "raw_transport.rental_trips": "12"},
            OUTPUTS,
            "rental_trips changed (11 → 12)",
        ),
        (PREVIOUS, CODE, {**INPUTS, "pseudonym_key": "k2"}, OUTPUTS, "pseudonym_key changed"),
        (PREVIOUS, CODE, {**INPUTS, "raw_transport.rental_trips": None}, OUTPUTS, "no snapshot known"),
        (PREVIOUS, CODE, {**INPUTS, "extra.table": "1"}, OUTPUTS, "inputs differ"),
        (PREVIOUS, CODE, INPUTS, {"staging.rental_trips": None}, "does not exist"),
        (PREVIOUS, CODE, INPUTS, {"staging.rental_trips": "22"}, "written since (21 → 22)"),
        (Recorded(CODE, INPUTS, {}), CODE, INPUTS, OUTPUTS, "outputs differ"),
        (Recorded(None, INPUTS, OUTPUTS), CODE, INPUTS, OUTPUTS, "code version None → c0de"),
    ],
)
def test_anything_changed_or_unknown_runs_the_work(previous, code, inputs, outputs, reason) -> None:
    decision = decide(previous, code, inputs, outputs)
    assert not decision.skip
    assert reason in decision.reason
    assert decision.note.startswith("ran: ")


def test_recorded_state_round_trips_through_json_and_rejects_garbage() -> None:
    assert Recorded.from_json(PREVIOUS.as_json()) == PREVIOUS
    assert Recorded.from_json("not a mapping") is None
    assert Recorded.from_json({"code_version": CODE, "inputs": []}) is None


def test_a_gate_result_carries_only_for_the_same_code_and_inputs() -> None:
    from orchestration.unchanged import LastCheck

    def last(state: Recorded | None, passed: bool = True) -> LastCheck:
        return LastCheck(passed, "18 of 18 expectations passed", {}, None, state)  # type: ignore[arg-type]

    recorded = Recorded(CODE, {"raw.x": "5"}, {})
    assert carries(last(recorded), CODE, {"raw.x": "5"})
    assert carries(last(recorded, passed=False), CODE, {"raw.x": "5"})  # a failed result carries as failed
    assert not carries(None, CODE, {"raw.x": "5"})
    assert not carries(last(None), CODE, {"raw.x": "5"})
    assert not carries(last(recorded), CODE, {"raw.x": "6"})
    assert not carries(last(recorded), "other", {"raw.x": "5"})
    assert not carries(last(Recorded(CODE, {"raw.x": "None"}, {})), CODE, {"raw.x": None})


def test_the_key_digest_names_the_key_without_revealing_it() -> None:
    assert key_digest(b"one key") == key_digest(b"one key") != key_digest(b"another key")
    assert "one key" not in key_digest(b"one key")


def _manifest(tmp_path) -> DbtManifest:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "mart.sql").write_text("select * from {{ ref('stg') }}", encoding="utf-8")
    (tmp_path / "models" / "clock.sql").write_text("select current_date as d", encoding="utf-8")
    stg = DbtModel("model.p.stg", "stg", "stg", "", (), ("source.p.staging.parks",), checksum="s1")
    mart = DbtModel(
        "model.p.mart",
        "mart",
        "exchange",
        "",
        (),
        ("model.p.stg",),
        original_file_path="models/mart.sql",
        checksum="m1",
    )
    clock = DbtModel(
        "model.p.clock",
        "clock",
        "kpi",
        "",
        (),
        ("model.p.mart",),
        original_file_path="models/clock.sql",
        checksum="c1",
    )
    return DbtManifest(
        models={m.unique_id: m for m in (stg, mart, clock)},
        sources={"source.p.staging.parks": TableName("staging", "parks")},
    )


def test_a_dbt_models_inputs_are_its_sources_snapshots_and_the_sql_it_reads(tmp_path, monkeypatch) -> None:
    import orchestration.dbt_state as dbt_state

    monkeypatch.setattr(dbt_state, "DBT_DIR", tmp_path)
    monkeypatch.setattr(dbt_state, "_project_digest", lambda: "p1")
    manifest = _manifest(tmp_path)
    day = date(2026, 11, 30)
    mart = model_inputs(manifest, manifest.models["model.p.mart"], {"staging.parks": "7"}, day)
    assert mart == {"dbt_project": "p1", "model.p.mart": "m1", "model.p.stg": "s1", "staging.parks": "7"}
    # A model that reads the clock is built from the day too; one whose source has no snapshot never skips.
    clock = model_inputs(manifest, manifest.models["model.p.clock"], {"staging.parks": "7"}, day)
    assert clock["day"] == "2026-11-30"
    assert model_inputs(manifest, manifest.models["model.p.mart"], {}, day)["staging.parks"] is None
    # The data version follows the inputs: a new snapshot is a new version, the same inputs the same one.
    newer = model_inputs(manifest, manifest.models["model.p.mart"], {"staging.parks": "8"}, day)
    assert version_of(mart) == version_of(dict(mart)) != version_of(newer)


def test_unchanged_models_are_reported_upstream_first(tmp_path) -> None:
    """Dagster refuses a model yielded before a model it reads: the skip reports them by depth."""
    manifest = _manifest(tmp_path)
    assert [_depth(manifest, uid) for uid in ("model.p.stg", "model.p.mart", "model.p.clock")] == [0, 1, 2]


def test_a_result_carried_again_and_again_keeps_its_own_words_and_verdict() -> None:
    import dagster as dg

    from orchestration.unchanged import Decision, LastCheck, carried_check_result

    decision = Decision(True, "inputs, code and outputs unchanged", "21")
    last = LastCheck(False, "2 of 18 expectations failed", {}, dg.AssetCheckSeverity.ERROR, None)
    once = carried_check_result(last, decision, {})
    twice = carried_check_result(LastCheck(False, once.description, {}, once.severity, None), decision, {})
    assert (
        twice.description
        == once.description
        == ("carried forward, unchanged since snapshot 21: 2 of 18 expectations failed")
    )
    assert twice.passed is False and twice.severity == dg.AssetCheckSeverity.ERROR
    assert "FAILED" in twice.metadata["carried_forward"].value


def test_an_unchanged_asset_says_so_on_its_line() -> None:
    from orchestration.run_events import AssetLine, format_line

    line = format_line(AssetLine("staging/parks", "materialised", rows=5, seconds=0.2, note="unchanged"))
    assert line.endswith("0.2 s  unchanged") and "✔ staging/parks" in line


def test_a_new_library_version_is_a_new_code_version(tmp_path, monkeypatch) -> None:
    """Upgrading Presidio or GX must re-run the masking and the gates: the lock file is part of the digest."""
    from orchestration import unchanged

    lock = tmp_path / "uv.lock"
    monkeypatch.setattr(unchanged, "LOCK_FILE", lock)
    versions = []
    for text in (
        'name = "presidio-analyzer"\nversion = "2.2.360"\n',
        'name = "presidio-analyzer"\nversion = "2.2.361"\n',
    ):
        lock.write_text(text, encoding="utf-8")
        unchanged._package_digest.cache_clear()
        versions.append(unchanged.code_version(packages=("quality",)))
    lock.unlink()  # no lock file (a wheel install): the installed distributions decide
    unchanged._package_digest.cache_clear()
    versions.append(unchanged.code_version(packages=("quality",)))
    unchanged._package_digest.cache_clear()
    assert len(set(versions)) == 3
    assert unchanged.code_version(packages=("quality",)) == versions[2]  # the same environment: stable
    unchanged._package_digest.cache_clear()


def test_a_new_dbt_is_a_new_code_version(tmp_path, monkeypatch) -> None:
    """dbt is locked in its own environment (ADR 0025): a new dbt-core or adapter must build the marts again."""
    from orchestration import unchanged

    lock = tmp_path / "uv.lock"
    monkeypatch.setattr(unchanged, "DBT_LOCK_FILE", lock)
    versions = []
    for text in ('name = "dbt-core"\nversion = "1.11.16"\n', 'name = "dbt-core"\nversion = "1.11.17"\n'):
        lock.write_text(text, encoding="utf-8")
        unchanged._package_digest.cache_clear()
        versions.append(unchanged.code_version(packages=("quality",)))
    unchanged._package_digest.cache_clear()
    assert versions[0] != versions[1]
