"""Publishing the same rows again commits nothing (docs/adr/0017-skip-unchanged-work.md): a derived table's
snapshot records a digest of what it holds, and a write of identical content returns that snapshot."""

from __future__ import annotations

import pyarrow as pa

from governance.publish import write_derived
from infra.iceberg.writer import CONTENT_DIGEST, content_digest


def test_writing_identical_rows_again_keeps_the_snapshot_and_new_rows_commit(catalog) -> None:
    catalog.create_namespace_if_not_exists("exchange")
    data = pa.table({"name": ["a", "b"], "n": [1, 2]})
    first = write_derived(catalog, "exchange.same_content", data)
    table = catalog.load_table("exchange.same_content")
    assert table.current_snapshot().summary[CONTENT_DIGEST] == content_digest(data)
    # The same rows, in other chunks or another order: nothing is committed.
    again = pa.concat_tables([data.slice(0, 1), data.slice(1)])
    assert write_derived(catalog, "exchange.same_content", again) == first
    assert write_derived(catalog, "exchange.same_content", data.take([1, 0])) == first
    assert len(catalog.load_table("exchange.same_content").history()) == len(table.history())
    # Other rows, or a changed schema, commit a new snapshot.
    changed = pa.table({"name": ["a", "b"], "n": [1, 3]})
    assert write_derived(catalog, "exchange.same_content", changed) != first
    wider = changed.append_column("m", pa.array([0, 0]))
    assert write_derived(catalog, "exchange.same_content", wider) not in (first, None)
