"""The stack's components in start order, and the public API: up, down, status."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence

from infra.catalog import open_catalog
from infra.settings import STACK_SECRETS_FILE, Settings, make_private
from infra.stack import audit, dagster, postgres, procs, s3, trino, trino_nodes
from infra.stack.model import ComponentStatus, Progress, StackError
from infra.stack.paths import StackPaths
from infra.stack.secrets import TrinoUser, load_or_create, load_or_create_users, with_secrets
from infra.stack.superset import secrets as superset_secrets
from infra.stack.superset import server as superset

# Writes rules.json and groups.txt into the coordinator's etc/ (governance.access.refresh).
AccessRulesWriter = Callable[[Settings, Sequence[TrinoUser]], object]

COMPONENTS = (
    postgres.NAME,
    s3.NAME,
    audit.NAME,
    trino_nodes.COORDINATOR,
    trino_nodes.WORKER,
    superset.NAME,
    dagster.WEBSERVER,
    dagster.DAEMON,
)
# What `up` starts when no component is named (the Python API; `lakehouse up` adds Superset).
CORE = (postgres.NAME, s3.NAME, audit.NAME, trino_nodes.COORDINATOR)
# Trino reads the PostgreSQL catalog and the S3 bucket; the worker joins the coordinator;
# Superset keeps its metadata in PostgreSQL and queries Trino.
DEPENDS_ON = {
    # The coordinator posts every query event to our audit receiver.
    trino_nodes.COORDINATOR: (postgres.NAME, s3.NAME, audit.NAME),
    trino_nodes.WORKER: (postgres.NAME, s3.NAME, audit.NAME, trino_nodes.COORDINATOR),
    superset.NAME: (postgres.NAME, s3.NAME, trino_nodes.COORDINATOR),
    # Dagster keeps its runs in PostgreSQL; the runs it launches write the catalog and the bucket.
    dagster.WEBSERVER: (postgres.NAME, s3.NAME),
    # After the webserver, which creates Dagster's tables on first start (two creators would race).
    dagster.DAEMON: (postgres.NAME, s3.NAME, dagster.WEBSERVER),
}


def stack_settings(settings: Settings, create: bool = True) -> Settings:
    """Settings with the generated credentials filled in (created at the first `up`)."""
    paths = StackPaths.of(settings)
    if not create and not (paths.secrets / STACK_SECRETS_FILE).is_file():
        return settings
    paths.ensure()
    return with_secrets(settings, load_or_create(paths.secrets))


def resolve(components: Iterable[str] | None, with_worker: bool) -> list[str]:
    """Requested components plus what they need, in start order."""
    wanted = set(components) if components else set(CORE)
    if with_worker:
        wanted.add(trino_nodes.WORKER)
    unknown = wanted - set(COMPONENTS)
    if unknown:
        raise StackError(
            f"unknown component(s): {', '.join(sorted(unknown))}; known: {', '.join(COMPONENTS)}"
        )
    for name in list(wanted):
        wanted.update(DEPENDS_ON.get(name, ()))
    return [name for name in COMPONENTS if name in wanted]


def up(
    settings: Settings,
    components: Iterable[str] | None = None,
    with_worker: bool = False,
    progress: Progress = print,
    access_rules: AccessRulesWriter | None = None,
    workers: int = 0,
) -> list[ComponentStatus]:
    """Install (cached), configure and start the components; already running ones are left alone.

    ``workers`` Trino workers (``with_worker`` or naming `trino-worker` means at least one); each has its
    own port, data dir and PID file. Workers already running are left alone, and any beyond the count too.

    ``access_rules(settings, users)`` writes Trino's rules and groups before the coordinator starts (the
    governance layer generates them; this layer knows only where they go). Without it Trino starts
    with the fail-closed default: stewards only.
    """
    started = time.monotonic()
    settings = stack_settings(settings)
    paths = StackPaths.of(settings)
    # Homes from before files were private keep 0644 files until tightened (a stat per file: cheap).
    make_private(paths.home, paths.traversable)
    stack = load_or_create(paths.secrets)
    if workers < 0:
        raise StackError(f"the number of Trino workers cannot be negative ({workers})")
    names = resolve(components, with_worker or workers > 0)
    workers = max(workers, 1 if trino_nodes.WORKER in names else 0)
    if superset.NAME in names:
        # Before Trino is configured: its password file must include Superset's service account.
        superset_secrets.ensure_service_user(paths.secrets)
    users = load_or_create_users(paths.secrets)
    results: list[ComponentStatus] = []
    for name in names:
        if name == postgres.NAME:
            results.append(postgres.up(settings, paths, progress))
        elif name == s3.NAME:
            results.append(s3.up(settings, paths, progress))
        elif name == superset.NAME:
            results.append(superset.up(settings, paths, progress))
        elif name == audit.NAME:
            results.append(audit.up(settings, paths, stack.audit_token, progress))
        elif name in dagster.NAMES:
            results.append(dagster.up(name, settings, paths, progress))
        else:
            if name == trino_nodes.COORDINATOR:
                # Trino needs the JDBC catalog tables; pyiceberg creates them (V1 layout) and the zones.
                open_catalog(settings)
                node = trino_nodes.coordinator_node(settings, paths)
                if access_rules is not None:
                    # Generated access rules and groups are in place before Trino reads them.
                    access_rules(settings, users)
                results.append(trino.up(node, settings, paths, stack, users, progress))
            else:
                # One after another: each waits until the coordinator lists it as active.
                for node in trino_nodes.worker_nodes(settings, paths, workers):
                    results.append(trino.up(node, settings, paths, stack, users, progress))
    progress(f"stack up in {time.monotonic() - started:.0f} s")
    return results


def down(settings: Settings) -> list[str]:
    """Stop every process recorded under stack/run/*.pid (reverse start order); returns what was stopped."""
    paths = StackPaths.of(settings)
    stopped: list[str] = []
    for name in reversed(COMPONENTS):
        if name == postgres.NAME:
            pid = postgres.stop(paths)
        elif name == s3.NAME:
            pid = s3.stop(paths)
        elif name == superset.NAME:
            pid = superset.stop(paths)
        elif name == audit.NAME:
            pid = audit.stop(paths)
        elif name in dagster.NAMES:
            pid = dagster.stop(name, paths)
        elif name == trino_nodes.WORKER:
            # The extra workers first (highest number first), then the first; each by its recorded PID.
            for node in reversed(trino.known_workers(settings, paths)):
                pid = trino.stop(node.name, paths)
                if pid is not None:
                    stopped.append(f"{node.name} (pid {pid})")
            continue
        else:
            pid = trino.stop(name, paths)
        if pid is not None:
            stopped.append(f"{name} (pid {pid})")
    # Anything else recorded there (a component from a newer version of this code) goes too.
    for pid_file in sorted(paths.run.glob("*.pid")) if paths.run.is_dir() else []:
        pid = procs.running_pid(pid_file)
        if pid is not None:
            procs.stop_pid(pid)
            stopped.append(f"{pid_file.stem} (pid {pid})")
        pid_file.unlink(missing_ok=True)
    return stopped


def status(
    settings: Settings,
    include_worker: bool = False,
    include_superset: bool = False,
    include_dagster: bool = False,
) -> list[ComponentStatus]:
    """Health of each component; the worker and Superset are listed while running (or when asked for),
    Dagster's webserver and daemon once `up` configured them (so `status` shows them down after `down`)."""
    settings = stack_settings(settings, create=False)
    paths = StackPaths.of(settings)
    result = [postgres.status(settings, paths), s3.status(settings, paths), audit.status(settings, paths)]
    result.append(trino.status(trino_nodes.coordinator_node(settings, paths), paths))
    workers = trino.known_workers(settings, paths)
    if include_worker and not workers:
        workers = [trino_nodes.worker_node(settings, paths)]
    result += [trino.status(worker, paths) for worker in workers]
    if include_superset or paths.pid_file(superset.NAME).exists():
        result.append(superset.status(settings, paths))
    if include_dagster or dagster.configured(paths) or any(paths.pid_file(n).exists() for n in dagster.NAMES):
        result += [dagster.status(name, settings, paths) for name in dagster.NAMES]
    return result
