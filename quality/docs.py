"""GX Data Docs for auditors: static HTML under ``$LAKEHOUSE_HOME/reports/quality/``.

Each validation stores its sanitised result (JSON, under ``gx-store/``) and rebuilds only its own page
plus the index, not the whole site; GX's builders and views run with their templates compiled and the stored
results read once per process (``quality.docs_site``). Only the newest ``KEEP_PER_SUITE`` results of a suite
are kept, which bounds the index build. The pages it rebuilds are made offline (``quality.docs_offline``:
vendored scripts and styles instead of CDNs), so that the site renders on an intranet.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra.settings import Settings
from quality.docs_offline import make_offline
from quality.gx_runtime import DOCS_SITE

if TYPE_CHECKING:
    from quality.validate import ValidationOutcome

KEEP_PER_SUITE = 30


def docs_root(settings: Settings) -> Path:
    return settings.reports_dir / "quality"


def publish(ctx: Any, result: Any, suite_name: str, outcome: ValidationOutcome, root: Path) -> Path:
    """Store one sanitised validation result and render its page; returns the page's path."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    run_time = outcome.validated_at.replace(tzinfo=None)
    run = RunIdentifier(run_name=outcome.run_id, run_time=run_time)
    result.meta["run_id"] = run
    result.meta["validation_time"] = run_time
    result.meta["lakehouse"] = {
        "dataset": outcome.dataset,
        "table": outcome.table,
        "snapshot_id": outcome.snapshot_id,
        "rows": outcome.row_count,
    }
    batch = f"snapshot-{outcome.snapshot_id}" if outcome.snapshot_id is not None else outcome.layer
    suite_id = ExpectationSuiteIdentifier(name=suite_name)
    key = ValidationResultIdentifier(
        expectation_suite_identifier=suite_id, run_id=run, batch_identifier=batch
    )
    ctx.validation_results_store.set(key, result)
    _prune(ctx, suite_id, root)
    ctx.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=[key, suite_id])
    page = root.joinpath("validations", *key.to_tuple()).with_suffix(".html")
    # The build rewrote the index, this result's page and the suites' pages: make them offline again.
    make_offline(root, [index_page(root), page, *sorted((root / "expectations").rglob("*.html"))])
    return page


def _prune(ctx: Any, suite_id: Any, root: Path) -> None:
    """Drop the oldest stored results (and their pages) of a suite beyond ``KEEP_PER_SUITE``."""
    store = ctx.validation_results_store
    # Only the suite's own folder of the store, not every result of every suite (docs/adr/0021-gate-cost.md).
    listed = store.store_backend.list_keys(prefix=suite_id.to_tuple())
    keys = [k for k in map(store.tuple_to_key, listed) if k.expectation_suite_identifier == suite_id]
    keys.sort(key=lambda k: k.run_id.run_time)
    for old in keys[:-KEEP_PER_SUITE] if len(keys) > KEEP_PER_SUITE else []:
        store.remove_key(old)
        root.joinpath("validations", *old.to_tuple()).with_suffix(".html").unlink(missing_ok=True)


def index_page(root: Path) -> Path:
    return root / "index.html"
