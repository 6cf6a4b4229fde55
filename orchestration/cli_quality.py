"""`lakehouse report quality [--json]`: pass/fail per dataset at its last validation, plus freshness."""

from __future__ import annotations

import json

import click

from orchestration.cli_output import echo_table

STATUS_MARK = {
    "passed": "✔ passed",
    "failed": "✘ failed",
    "stale": "⚠ stale",
    "not validated": "- not validated",
}


@click.group("report", help="Reports for auditors (quality, masking, sharing).")
def report() -> None:
    pass


@report.command("quality")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def quality(as_json: bool) -> None:
    """Quality gates per dataset at its last validation (from governance.quality_results), with
    freshness against the contract's update frequency. Failures name expectations and keys, never values.
    Exits with 1 when any dataset did not pass."""
    from infra.catalog import open_catalog
    from infra.clock import format_china
    from infra.settings import load_settings
    from quality.docs import docs_root, index_page
    from quality.report import summarise

    settings = load_settings()
    summaries = summarise(open_catalog(settings))
    docs = index_page(docs_root(settings))
    if as_json:
        payload = {
            "datasets": [s.as_dict() for s in summaries],
            "passed": sum(s.status == "passed" for s in summaries),
            "total": len(summaries),
            "data_docs": str(docs) if docs.exists() else None,
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
        return

    rows = [
        {
            "table": s.table,  # zone-qualified, as in every report
            "status": STATUS_MARK.get(s.status, s.status),
            "expectations": f"{s.expectations - s.failed}/{s.expectations}" if s.expectations else "-",
            "fresh": "-" if s.fresh is None else ("yes" if s.fresh else "NO"),
            "validated (China time)": format_china(s.validated_at, "utc", missing="-"),  # stored naive UTC
            "first failure": (
                f"{s.failures[0]['expectation']} ({s.failures[0]['unexpected_count']} rows)"
                if s.failures and s.failures[0]["unexpected_count"] is not None
                else (s.failures[0]["expectation"] if s.failures else "")
            ),
        }
        for s in summaries
    ]
    echo_table(rows, ["table", "status", "expectations", "fresh", "validated (China time)", "first failure"])
    passed = sum(s.status == "passed" for s in summaries)
    click.echo(
        f"\n{passed} of {len(summaries)} datasets passed" + (f"; Data Docs: {docs}" if docs.exists() else "")
    )
    if passed < len(summaries):
        raise SystemExit(1)  # a failed gate fails the command too, so scripts and CI can rely on it
