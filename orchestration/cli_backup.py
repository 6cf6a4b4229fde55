"""`lakehouse backup create|list|verify|restore` and `lakehouse rollback`: 灾备 (embedded and stack profiles)."""

from __future__ import annotations

import getpass
import json
import uuid
from pathlib import Path

import click

from orchestration.cli_output import echo_json, echo_table, open_catalog

_BACKUP_ROOT = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of backups. Default: $LAKEHOUSE_BACKUP_DIR, else <home>-backups beside the home.",
)


def _root(root: Path | None) -> Path:
    from infra.backup.create import default_backup_root
    from infra.settings import load_settings

    return root or default_backup_root(load_settings())


def _backup_folder(name: str, root: Path | None) -> Path:
    """A backup by id (in the backup root) or by path; an unknown one names the backups there are."""
    as_path = Path(name)
    if as_path.is_dir():
        return as_path.resolve()
    folder = _root(root) / name
    if folder.is_dir():
        return folder
    known = sorted(p.name for p in _root(root).glob("*") if (p / "manifest.json").is_file())
    hint = f"backups in {_root(root)}: {', '.join(known)}" if known else f"no backups in {_root(root)}"
    raise click.BadParameter(f"no backup {name!r}; {hint}", param_hint="BACKUP")


@click.group()
def backup() -> None:
    """灾备: point-in-time backups of the catalog, the warehouse files its tables reference and the state databases.

    Embedded: SQLite online backups and the home's files. Stack: pg_dump of PostgreSQL's databases and the
    bucket's objects. Secrets (the pseudonymisation key, stack credentials) are never copied: keep them in
    the key store and put the key back before loading again (docs/operations.md).
    """


@backup.command("create")
@_BACKUP_ROOT
def backup_create(root: Path | None) -> None:
    """Copy the catalog (SQLite online backup / pg_dump), every file its tables reference and the state databases."""
    from infra.backup.create import create_backup
    from infra.backup.manifest import BackupError
    from infra.clock import china_now
    from infra.settings import load_settings

    try:
        folder, manifest = create_backup(load_settings(), root, progress=click.echo, now=china_now())
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backup {manifest.backup_id} written to {folder}")


@backup.command("list")
@_BACKUP_ROOT
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def backup_list(root: Path | None, as_json: bool) -> None:
    """Backups in the backup folder, newest last, with their tables, files and size."""
    from infra.backup.manifest import BackupError, BackupManifest

    rows = []
    for folder in sorted(p for p in _root(root).glob("*") if p.is_dir() and not p.name.endswith(".partial")):
        try:
            manifest = BackupManifest.read(folder)
        except BackupError as exc:
            rows.append({"backup": folder.name, "created_at": "?", "note": str(exc)})
            continue
        rows.append(
            {
                "backup": manifest.backup_id,
                "created_at": manifest.created_at,
                "tables": len(manifest.tables),
                "files": len(manifest.files),
                "bytes": manifest.total_bytes,
                "home": manifest.home,
            }
        )
    if as_json:
        echo_json(rows)
    else:
        echo_table(rows, ["backup", "created_at", "tables", "files", "bytes", "home"])


@backup.command("verify")
@click.argument("name", metavar="BACKUP")
@_BACKUP_ROOT
def backup_verify(name: str, root: Path | None) -> None:
    """Re-read BACKUP (an id or a folder) and check every file against the manifest's size and SHA-256."""
    from infra.backup.manifest import BackupError
    from infra.backup.verify import verify_backup

    folder = _backup_folder(name, root)
    try:
        problems = verify_backup(folder, progress=click.echo)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    for problem in problems:
        click.echo(f"  {problem}", err=True)
    if problems:
        raise click.ClickException(f"{folder.name}: {len(problems)} problems; do not restore from it")
    click.echo(f"{folder.name}: every file matches its manifest")


@backup.command("restore")
@click.argument("name", metavar="BACKUP")
@_BACKUP_ROOT
def backup_restore(name: str, root: Path | None) -> None:
    """Verify BACKUP, then put it back into the empty home (or onto a fresh stack: empty bucket and databases)
    and check every table is at its snapshot."""
    from infra.backup.manifest import BackupError
    from infra.backup.restore import restore_backup
    from infra.settings import load_settings

    try:
        manifest = restore_backup(_backup_folder(name, root), load_settings(), progress=click.echo)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{len(manifest.tables)} tables back at their snapshots of {manifest.created_at}")
    click.echo("not in the backup: " + "; ".join(manifest.excluded))


@click.command("rollback")
@click.argument("table", metavar="ZONE.TABLE")
@click.option("--to", "to_snapshot", type=int, help="Snapshot id to make current again.")
@click.option("--before", "before_load", help="A load id from the load ledger: undo it and what came after.")
@click.option("--reason", required=True, help="Why; recorded in governance.load_ledger with who did it.")
@click.option("--by", "who", default=None, help="Who rolls back. Default: the OS account.")
def rollback(
    table: str, to_snapshot: int | None, before_load: str | None, reason: str, who: str | None
) -> None:
    """Undo bad loads of TABLE: make an earlier snapshot current, its load state with it, and record it.

    Tables built from TABLE (see `lakehouse lineage TABLE --downstream`) still hold what they were built
    from; the rollback is reported to Dagster as a new version of TABLE, so the UI marks them stale, and they
    are listed here; they catch up on their next run.
    """
    from infra.iceberg.rollback import RollbackError, parent_of, rollback_to
    from infra.zones import TableName

    if (to_snapshot is None) == (before_load is None):
        raise click.UsageError("give exactly one of --to SNAPSHOT or --before LOAD_ID")
    catalog = open_catalog()
    name = str(TableName.parse(table)) if "." in table else table
    if not catalog.table_exists(name):
        raise click.BadParameter(
            f"no table {table!r}; `lakehouse tables` lists them", param_hint="ZONE.TABLE"
        )
    iceberg_table = catalog.load_table(name)
    try:
        target = (
            to_snapshot
            if to_snapshot is not None
            else parent_of(iceberg_table, _snapshot_of_load(catalog, name, before_load), name)
        )
        done = rollback_to(iceberg_table, target, name)
    except RollbackError as exc:
        raise click.ClickException(str(exc)) from exc
    _record(catalog, name, done, reason, who or getpass.getuser())
    _tell_dagster(name, done, reason, who or getpass.getuser())
    click.echo(
        f"{name}: snapshot {done.from_snapshot} → {done.to_snapshot}, rows {done.rows_before} → {done.rows_after}"
    )
    stale = _downstream_tables(name)
    if stale:
        click.echo("stale until their next run: " + ", ".join(stale))


def _snapshot_of_load(catalog, table: str, load_id: str | None) -> int:
    from infra.zones import LOAD_LEDGER

    if not catalog.table_exists(LOAD_LEDGER):
        raise click.ClickException("no load ledger yet; use --to SNAPSHOT")
    rows = (
        catalog.load_table(LOAD_LEDGER).scan(selected_fields=("load_id", "dataset", "snapshot_id")).to_arrow()
    )
    dataset = table.split(".", 1)[1]
    for row in rows.to_pylist():
        if row["load_id"] == load_id and row["dataset"] == dataset:
            if row["snapshot_id"] is None:
                raise click.ClickException(f"load {load_id} of {dataset} committed nothing; nothing to undo")
            return int(row["snapshot_id"])
    raise click.ClickException(f"no load {load_id!r} of {dataset} in governance.load_ledger")


def _record(catalog, table: str, done, reason: str, who: str) -> None:
    from datetime import datetime

    from ingest.audit_tables import append_ledger

    now = datetime.now()  # the ledger's convention (ingest.load): naive machine-local time
    append_ledger(
        catalog,
        {
            "load_id": f"rollback-{uuid.uuid4().hex[:12]}",
            "dataset": table.split(".", 1)[1],
            "source": f"rollback of {table}",
            "fingerprints": json.dumps(
                {"from_snapshot": done.from_snapshot, "to_snapshot": done.to_snapshot}
            ),
            "rows_in": 0,
            "rows_loaded": 0,
            "rows_quarantined": 0,
            "rows_duplicate": 0,
            "snapshot_id": done.to_snapshot,
            "started_at": now,
            "finished_at": now,
            "status": "rolled_back",
            "message": f"{who}: {reason}",
        },
    )


def _tell_dagster(table: str, done, reason: str, who: str) -> None:
    """A runless materialization of the rolled-back table: Dagster then shows what is built from it as stale
    (its upstream data changed), in the UI and to the automation that refreshes it."""
    import dagster as dg

    from orchestration.keys import table_key
    from orchestration.run import instance_home

    instance_home()
    with dg.DagsterInstance.get() as instance:
        instance.report_runless_asset_event(
            dg.AssetMaterialization(
                asset_key=table_key(table),
                description=f"rolled back by {who}: {reason}",
                metadata={
                    "rolled_back_from": done.from_snapshot if done.from_snapshot is not None else -1,
                    "snapshot_id": done.to_snapshot,
                    "rows": done.rows_after,
                },
            )
        )


def _downstream_tables(table: str) -> list[str]:
    from orchestration.cli_lineage import load_current

    graph = load_current().graph
    if table not in graph.tables():
        return []
    return sorted({hop.edge.to_table for hop in graph.downstream(table)} - {table})
