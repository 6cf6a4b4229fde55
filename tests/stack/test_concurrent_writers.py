"""Writers at once on the REAL stack (issue 18 item 6): two `lakehouse ingest` processes loading different day
files into one raw table while `lakehouse maintain` has Trino compact it. The PostgreSQL catalog commits
optimistically (a commit names the metadata it was built on and fails if another writer moved it), so at least
one writer is refused and must retry against the fresh table; afterwards every row of both files is there once,
both loads are in the table's load state, and the snapshot history is one unbroken chain holding both loads."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest

from governance.contracts import load_contracts
from infra.catalog import open_catalog
from infra.iceberg.writer import loaded_units
from infra.settings import PROJECT_ROOT
from ingest.simulator import simulate
from tests.stack.stack_cli import LAKEHOUSE, lakehouse, stack_env

pytestmark = pytest.mark.stack
FLOW = load_contracts()["traffic_flow"]
SUMMARY = re.compile(
    r"traffic_flow: committed; rows in (\d+) = loaded (\d+) \+ quarantined (\d+) \+ duplicates skipped (\d+); "
    r"snapshot (\d+)"
)
SMALL_LOADS = 4  # one day partition in this many small files, so that maintenance has a rewrite to commit


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def day_files(tmp_path_factory) -> list[Path]:
    out = tmp_path_factory.mktemp("sources")
    # Days no other stack test loads: the session's stack is shared, and an overlapping day would make the
    # other test's rows duplicates here (or these rows duplicates there).
    simulate(out, scale=0.1, days=3, seed=18, start=date(2027, 3, 1))
    return sorted((out / "traffic").glob("flow_*.ndjson"))


def _small_loads(running, day_file: Path, folder: Path) -> int:
    """The first day loaded in pieces, one commit each: rows loaded."""
    lines = _lines(day_file)
    size = -(-len(lines) // SMALL_LOADS)
    loaded = 0
    for n in range(SMALL_LOADS):
        piece = folder / f"{day_file.stem}_part{n}.ndjson"
        piece.write_text("\n".join(lines[n * size : (n + 1) * size]) + "\n", encoding="utf-8")
        done = lakehouse(running, "ingest", FLOW.name, str(piece))
        assert done.returncode == 0, done.stdout + done.stderr
        loaded += int(SUMMARY.search(done.stdout).group(2))
    return loaded


def _rows(catalog) -> int:
    if not catalog.table_exists(FLOW.raw_table):
        return 0
    return catalog.load_table(FLOW.raw_table).scan().to_arrow().num_rows


def _committed(catalog) -> list[dict]:
    if not catalog.table_exists("governance.load_ledger"):
        return []
    ledger = catalog.load_table("governance.load_ledger").scan().to_arrow().to_pylist()
    return [e for e in ledger if e["dataset"] == FLOW.name and e["status"] == "committed"]


def _start(running, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [LAKEHOUSE, *args],
        env=stack_env(running),
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_two_loads_and_a_maintenance_run_at_once_lose_no_commit(running_stack, day_files, tmp_path) -> None:
    first_day, *racing = day_files
    catalog = open_catalog(running_stack.settings)
    # Earlier tests of the session may have loaded this table already: everything below is counted from here.
    start_rows = _rows(catalog)
    start_committed = _committed(catalog)
    before = start_rows + _small_loads(running_stack, first_day, tmp_path)
    assert _rows(catalog) == before

    processes = [_start(running_stack, "ingest", FLOW.name, str(path)) for path in racing]
    processes.append(_start(running_stack, "maintain", "--table", FLOW.raw_table, "--json"))
    outputs = [p.communicate(timeout=600)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], "\n---\n".join(outputs)

    loads = [SUMMARY.search(out) for out in outputs[:2]]
    assert all(loads), outputs[:2]
    counts = [tuple(int(g) for g in m.groups()[:4]) for m in loads]
    for path, (rows_in, loaded, quarantined, duplicates) in zip(racing, counts, strict=True):
        assert rows_in == len(_lines(path)) == loaded + quarantined + duplicates
    conflicts = sum(out.count("commit conflict, retry") for out in outputs[:2])
    print(
        f"\nconcurrent writers on the stack: {conflicts} commit conflicts retried; {outputs[2].strip()[:400]}"
    )

    table = catalog.load_table(FLOW.raw_table)
    assert _rows(catalog) == before + sum(loaded for _, loaded, _, _ in counts)

    committed = _committed(catalog)
    assert len(committed) - len(start_committed) == SMALL_LOADS + 2
    fingerprints = {fp for entry in committed for fp in json.loads(entry["fingerprints"])}
    assert fingerprints <= loaded_units(table)  # both racing loads are in the load state

    # One chain from the current snapshot back to the first load, every snapshot of the table on it.
    chain = []
    snapshot = table.current_snapshot()
    while snapshot is not None:
        chain.append(snapshot)
        parent = snapshot.parent_snapshot_id
        snapshot = table.metadata.snapshot_by_id(parent) if parent is not None else None
    # (The chain ends at the first load, or where an earlier maintenance run expired the history.)
    assert {s.snapshot_id for s in chain} == {s.snapshot_id for s in table.metadata.snapshots}
    numbers = [s.sequence_number for s in reversed(chain)]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    racing_snapshots = {int(m.group(5)) for m in loads}
    assert racing_snapshots <= {s.snapshot_id for s in chain}
    operations = [(s.summary.operation.value if s.summary else "") for s in reversed(chain)]
    assert operations.count("append") >= SMALL_LOADS + 2, operations
    # Trino's rewrite of the small files committed too, as Iceberg's REPLACE, in the same chain.
    assert re.search(r'"compacted": [1-9]', outputs[2]) and "replace" in operations, (operations, outputs[2])
