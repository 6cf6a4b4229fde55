"""`lakehouse scan-pii`, `lakehouse mask-text` and `lakehouse report masking`: the steward's privacy tools."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # pyarrow only when a command reads data, not for every `lakehouse … --help`
    import pyarrow as pa


def _read_any(location: str) -> tuple[str, pa.Table]:
    """A zone-qualified Iceberg table (exchange.parks) or a file (CSV in any Chinese encoding, xlsx,
    NDJSON, JSON, Parquet), as text columns where the format has no types."""
    import pyarrow as pa

    from infra.catalog import open_catalog
    from ingest.connectors.csv_files import read_csv
    from ingest.connectors.files import read_ndjson, read_parquet, read_xlsx, xlsx_first_row

    path = Path(location)
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix in (".csv", ".txt"):
            return path.name, read_csv(path, None).table
        if suffix in (".ndjson", ".jsonl"):
            return path.name, read_ndjson(path).table
        if suffix == ".parquet":
            return path.name, read_parquet(path).table
        if suffix == ".xlsx":
            return path.name, read_xlsx(path, xlsx_first_row(path)).table
        if suffix == ".json":
            records = json.loads(path.read_text(encoding="utf-8-sig"))
            if isinstance(records, dict):
                records = next((v for v in records.values() if isinstance(v, list)), [])
            return path.name, pa.Table.from_pylist(records)
        raise click.ClickException(f"{path}: unsupported file type {suffix}")
    catalog = open_catalog()
    if "." in location and catalog.table_exists(location):
        return location, catalog.load_table(location).scan().to_arrow()
    raise click.ClickException(f"{location}: neither a file nor a table (zone.table, see `lakehouse tables`)")


@click.command("scan-pii")
@click.argument("path_or_table")
@click.option("--json", "as_json", is_flag=True)
@click.option(
    "--sample", type=int, default=5000, show_default=True, help="Rows sampled in structured columns."
)
def scan_pii(path_or_table: str, as_json: bool, sample: int) -> None:
    """Classify every column of a file or table and count personal data found (values are never shown)."""
    from governance.pii.classify import classify_table
    from governance.privacy_scan import scan_table
    from ingest.connectors import SourceError

    try:
        name, table = _read_any(path_or_table)
    except SourceError as exc:  # names the file and what to do, without its contents
        raise click.ClickException(str(exc)) from exc
    except (OSError, ValueError) as exc:  # e.g. a .json file that is not JSON: its text may quote the file
        raise click.ClickException(
            f"{path_or_table}: cannot be read ({type(exc).__name__}); check that the file is what its name says"
        ) from exc
    findings: dict[str, list] = {}
    for finding in scan_table(table, sample_rows=sample):
        findings.setdefault(finding.column, []).append(finding)
    rows = []
    for column, found in classify_table(table).items():
        rows.append(
            {
                "column": column,
                "class": found.pii_class,
                "confidence": found.confidence,
                "findings": {f.pii_class: f.count for f in findings.get(column, [])},
                "examples_masked": [f.example_masked for f in findings.get(column, [])],
            }
        )
    if as_json:
        click.echo(
            json.dumps(
                {"source": name, "rows": table.num_rows, "columns": rows}, ensure_ascii=False, indent=2
            )
        )
        return
    click.echo(f"{name}: {table.num_rows} rows")
    for row in rows:
        counts = ", ".join(f"{n} × {c}" for c, n in row["findings"].items())
        flag = f"  found {counts} (e.g. {', '.join(row['examples_masked'])})" if counts else ""
        click.echo(f"  {row['column']:<28} {row['class'] or '-':<16} {row['confidence']:.2f}{flag}")


@click.command("mask-text")
@click.argument("text")
def mask_text(text: str) -> None:
    """Mask one string as free-text columns are masked (for a steward checking a rule)."""
    from governance.pii.text import mask_one

    masked, found = mask_one(text)
    click.echo(masked)
    if found:
        click.echo("found: " + ", ".join(f"{k} × {v}" for k, v in sorted(found.items())), err=True)


@click.command("masking")
@click.option("--json", "as_json", is_flag=True)
def masking_report(as_json: bool) -> None:
    """Masking report of the last run per dataset and the marts' last leak scans, by run and table, in
    China time -> LAKEHOUSE_HOME/reports/masking/ (HTML + JSON)."""
    from governance.leak_scans import latest_scans
    from governance.masking_report import latest_report, render
    from governance.masking_report_html import measured, table_of
    from infra.catalog import open_catalog
    from infra.clock import format_china
    from infra.settings import load_settings

    catalog = open_catalog()
    rows = latest_report(catalog)
    if rows.num_rows == 0:
        raise click.ClickException(
            "no masking report yet: run `lakehouse demo` (or materialise staging assets)"
        )
    scans = latest_scans(catalog)
    json_path, html_path = render(rows, load_settings().reports_dir / "masking", scans)
    if as_json:
        click.echo(json_path.read_text(encoding="utf-8"))
        return
    tables: dict[str, list[dict]] = {}
    for r in rows.to_pylist():
        tables.setdefault(table_of(r), []).append(r)
    for table, records in sorted(tables.items()):
        passed = all(r["leak_scan_passed"] for r in records)
        masked = sum(r["policy"] != "keep" for r in records)
        first = records[0]
        click.echo(
            f"  {table:<36} {'passed' if passed else 'FAILED':<7} {masked:>2} masked columns  "
            f"run {first['run_id']}  {format_china(measured(first))}"
        )
    for scan in scans.to_pylist():
        click.echo(
            f"  {scan['table_name']:<36} {'clean' if scan['passed'] else 'FOUND':<7} "
            f"{scan['findings_total']:>2} findings in {scan['rows_scanned']} rows  "
            f"run {scan['run_id']}  {format_china(scan['scanned_at'])}"
        )
    click.echo(f"written {html_path} and {json_path}")
