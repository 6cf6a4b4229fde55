"""The one reader of the dbt project: models, columns, descriptions, dependencies and tests, from dbt's own
``manifest.json`` (what dbt itself resolved), never from our own parsing of SQL or yml.

``dbt parse`` runs only when the manifest is missing or older than a model, macro or the project file, and
only when someone asks for the manifest, never at import.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from infra.settings import PROJECT_ROOT, load_settings
from infra.zones import MART_ZONES, STAGING, TableName

DBT_DIR = PROJECT_ROOT / "dbt_project"
MANIFEST = DBT_DIR / "target" / "manifest.json"
# dbt's own environment (infra/dbt_env, made by `make install`; docs/adr/0025-…): dbt-core is never imported
# by the process that loads the definitions. LAKEHOUSE_DBT_ENV points elsewhere (an image, a shared install).
DBT_ENVIRONMENT = Path(os.environ.get("LAKEHOUSE_DBT_ENV") or PROJECT_ROOT / ".venv-dbt")
DBT_EXECUTABLE = DBT_ENVIRONMENT / "bin" / "dbt"
# The target the project is described by (manifest, compiled SQL for lineage), whichever target builds the
# marts: DuckDB's SQL, compiled against the Iceberg tables of the active profile (docs/adr/0016-…).
DESCRIBING_TARGET = "embedded"
# Set in the environment of a compile that only describes the project: the Iceberg source plugin then
# registers each source empty instead of copying its rows (compiled SQL never reads them), so the compile
# works in a home whose tables do not exist yet and costs nothing per row.
DESCRIBE_ONLY_ENV = "LAKEHOUSE_DBT_DESCRIBE_ONLY"
# Where the embedded target's DuckDB file is, when not the home's (profiles.yml): a describing compile
# writes its own, so that it never touches (or waits for) the file the home's builds use.
DUCKDB_PATH_ENV = "LAKEHOUSE_DBT_DUCKDB_PATH"


class DbtNotInstalledError(RuntimeError):
    """dbt's environment is missing: what to run to make it."""


def dbt_executable() -> Path:
    """dbt's executable in its own environment, or an error that says how to install it."""
    if not DBT_EXECUTABLE.is_file():
        raise DbtNotInstalledError(
            f"dbt is not installed: {DBT_EXECUTABLE} does not exist. Run `make install` (it creates "
            f"{DBT_ENVIRONMENT.name} from infra/dbt_env/uv.lock), or set LAKEHOUSE_DBT_ENV to dbt's environment."
        )
    return DBT_EXECUTABLE


def dbt_package_version(name: str) -> str | None:
    """A package's version in dbt's environment (None: not installed there), read from its installed
    metadata: no `dbt --version` subprocess, which costs ~2 CPU s."""
    from importlib.metadata import distributions

    site = [str(p) for p in sorted(DBT_ENVIRONMENT.glob("lib/python*/site-packages"))]
    return next((dist.version for dist in distributions(name=name, path=site)), None)


def dbt_core_version() -> str:
    """The dbt-core version dbt's environment runs."""
    found = dbt_package_version("dbt-core")
    if found is None:
        raise DbtNotInstalledError(f"no dbt-core in {DBT_ENVIRONMENT}: run `make install`")
    return found


def build_target(home: Path) -> Path:
    """Where the dbt builds of one home write: a folder per build (manifest, compiled SQL, dbt.log) and the
    partial parse state the home's next build starts from (docs/adr/0022-dbt-stage-cost.md)."""
    return home / "dbt-target"


class ManifestError(RuntimeError):
    """The dbt project could not be parsed, or names something that is not there."""


@dataclass(frozen=True)
class DbtColumn:
    name: str
    description: str
    data_type: str
    meta: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    tests: frozenset[str] = frozenset()  # generic test names attached to the column: unique, not_null …


@dataclass(frozen=True)
class DbtModel:
    unique_id: str
    name: str
    schema: str
    description: str
    columns: tuple[DbtColumn, ...]
    depends_on: tuple[str, ...]  # unique ids of the models and sources it reads directly
    meta: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    original_file_path: str = ""
    # Where dbt builds it ('"dbt"."stg"."stg_x"', the name compiled SQL uses), its source file's checksum and,
    # in a manifest written by `dbt compile` / `dbt build`, its compiled SQL (None in a parsed manifest).
    relation_name: str = ""
    checksum: str = ""
    compiled_code: str | None = field(default=None, hash=False, compare=False)
    # The model's dbt config (materialization, Trino table `properties` …).
    config: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def table(self) -> TableName:
        """Where the mart is published (``exchange.<name>`` / ``kpi.<name>``)."""
        return TableName(self.schema, self.name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> DbtColumn:
        for column in self.columns:
            if column.name == name:
                return column
        raise ManifestError(f"model {self.name} has no column {name!r}")


@dataclass(frozen=True)
class DbtManifest:
    models: dict[str, DbtModel]  # by unique id
    sources: dict[str, TableName]  # source unique id -> the Iceberg table it reads
    # source unique id -> the relation compiled SQL names it by ('"dbt"."staging"."parks"')
    source_relations: dict[str, str] = field(default_factory=dict)
    # The adapter of the target it was made for: 'duckdb' (embedded) or 'trino' (docs/adr/0016-…).
    adapter_type: str = "duckdb"

    @property
    def compiled(self) -> bool:
        """Every model carries its compiled SQL (the manifest of a compile or build of the whole project)."""
        return bool(self.models) and all(m.compiled_code is not None for m in self.models.values())

    def marts(self) -> list[DbtModel]:
        """The models published to a shared zone (exchange, kpi), sorted by table name."""
        zones = {z.name for z in MART_ZONES}
        return sorted((m for m in self.models.values() if m.schema in zones), key=lambda m: m.table)

    def mart(self, table: str) -> DbtModel:
        wanted = TableName.parse(table)
        for model in self.marts():
            if model.table == wanted:
                return model
        known = ", ".join(m.table for m in self.marts())
        raise ManifestError(f"no dbt mart publishes {table}; marts: {known}")

    def upstream_sources(self, model: DbtModel) -> tuple[TableName, ...]:
        """Every Iceberg table the model reads, directly or through other models (dbt's ``depends_on``)."""
        found: set[TableName] = set()
        for uid in self._walk(model):
            if uid in self.sources:
                found.add(self.sources[uid])
        return tuple(sorted(found))

    def upstream_datasets(self, model: DbtModel) -> tuple[str, ...]:
        """The datasets (contract names) whose staging tables the model reads."""
        return tuple(t.table for t in self.upstream_sources(model) if t.zone == STAGING.name)

    def _walk(self, model: DbtModel) -> Iterator[str]:
        seen: set[str] = set()
        stack = list(model.depends_on)
        while stack:
            uid = stack.pop()
            if uid in seen:
                continue
            seen.add(uid)
            yield uid
            if uid in self.models:
                stack.extend(self.models[uid].depends_on)


def _newest_source_mtime(dbt_dir: Path) -> float:
    files = [*dbt_dir.glob("models/**/*"), *dbt_dir.glob("macros/**/*"), dbt_dir / "dbt_project.yml"]
    return max(p.stat().st_mtime for p in files if p.is_file())


def ensure_manifest(dbt_dir: Path = DBT_DIR) -> Path:
    """Parse the dbt project when its manifest is missing or older than a source file (seconds)."""
    manifest = dbt_dir / "target" / "manifest.json"
    if manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime(dbt_dir):
        return manifest
    command = [str(dbt_executable()), "parse", "--quiet", "--project-dir", str(dbt_dir)]
    command += ["--profiles-dir", str(dbt_dir), "--target", DESCRIBING_TARGET]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise ManifestError(f"dbt parse failed in {dbt_dir}:\n{completed.stdout}\n{completed.stderr}")
    return manifest


def _tests_by_column(nodes: dict[str, Any]) -> dict[tuple[str, str], set[str]]:
    tests: dict[tuple[str, str], set[str]] = {}
    for node in nodes.values():
        if node["resource_type"] != "test" or not node.get("test_metadata"):
            continue
        key = (node.get("attached_node") or "", node.get("column_name") or "")
        tests.setdefault(key, set()).add(node["test_metadata"]["name"])
    return tests


def parse_manifest(document: dict[str, Any]) -> DbtManifest:
    nodes = document["nodes"]
    tests = _tests_by_column(nodes)
    models = {}
    for uid, node in nodes.items():
        if node["resource_type"] != "model":
            continue
        columns = tuple(
            DbtColumn(
                name=name,
                description=str(col.get("description") or ""),
                data_type=str(col.get("data_type") or ""),
                meta=dict(col.get("meta") or {}),
                tests=frozenset(tests.get((uid, name), ())),
            )
            for name, col in node["columns"].items()
        )
        config = dict(node.get("config") or {})
        models[uid] = DbtModel(
            unique_id=uid,
            name=node["name"],
            # The zone the model belongs to (its configured schema): on Trino dbt builds every model in one
            # build schema (node["schema"]), on DuckDB the two are the same.
            schema=str(config.get("schema") or node["schema"]),
            description=str(node.get("description") or ""),
            columns=columns,
            depends_on=tuple(node["depends_on"]["nodes"]),
            meta=dict(node.get("meta") or {}),
            original_file_path=node.get("original_file_path", ""),
            relation_name=str(node.get("relation_name") or ""),
            checksum=str((node.get("checksum") or {}).get("checksum") or ""),
            compiled_code=node.get("compiled_code") if node.get("compiled") else None,
            config=config,
        )
    sources = {
        uid: TableName(src["schema"], src["name"])
        for uid, src in document["sources"].items()
        if src["schema"]  # dbt sources are tables of our zones
    }
    relations = {uid: str(document["sources"][uid].get("relation_name") or "") for uid in sources}
    adapter = str((document.get("metadata") or {}).get("adapter_type") or "duckdb")
    return DbtManifest(models=models, sources=sources, source_relations=relations, adapter_type=adapter)


@cache
def _load(path: Path, mtime: float) -> DbtManifest:
    return parse_manifest(json.loads(path.read_text(encoding="utf-8")))


def load_manifest(dbt_dir: Path = DBT_DIR) -> DbtManifest:
    """The project's manifest, parsed once per version of the file."""
    path = ensure_manifest(dbt_dir)
    return _load(path, path.stat().st_mtime)


def _matches(candidate: DbtManifest, current: DbtManifest) -> bool:
    """A compiled manifest of the project as it is now: the same models from the same source files."""
    if candidate.adapter_type != current.adapter_type:  # a Trino build's SQL is not the project's description
        return False
    if not candidate.compiled or set(candidate.models) != set(current.models):
        return False
    if any(_incremental_path(m) for m in candidate.models.values()):
        return False
    return all(candidate.models[uid].checksum == m.checksum for uid, m in current.models.items())


def _incremental_path(model: DbtModel) -> bool:
    """An incremental model compiled for a run that merged into its table: its SQL then reads the table
    itself (docs/adr/0020-incremental-marts.md). The project is described by the full build's SQL, so that
    lineage does not depend on whether the last run was incremental."""
    return model.config.get("materialized") == "incremental" and model.relation_name in (
        model.compiled_code or ""
    )


def newest_first(paths: Iterable[Path]) -> list[Path]:
    """``paths`` by modification time, newest first; one removed since it was listed (another process pruned
    or replaced it) sorts last instead of failing the caller."""

    def modified(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:
            return 0.0

    return sorted(paths, key=modified, reverse=True)


def compiled_manifest(dbt_dir: Path = DBT_DIR, scratch: Path | None = None) -> DbtManifest:
    """The project's manifest with every model's compiled SQL.

    dbt writes compiled SQL into the manifest of every `dbt compile` / `dbt build`; Dagster's dbt runs each
    use a target folder of their own under the home's ``build_target`` (older ones under ``target/``). The
    newest such manifest that compiled every model from today's source files is used as it is; otherwise
    ``dbt compile`` runs into ``scratch`` (a folder of the caller's, so that two users of one checkout never
    write the same target folder).
    """
    current = load_manifest(dbt_dir)
    target = dbt_dir / "target"
    found = [*target.glob("*/manifest.json"), *build_target(load_settings().home).glob("*/manifest.json")]
    for path in [*newest_first(found), target / "manifest.json"]:
        try:
            candidate = _load(path, path.stat().st_mtime)
        except (OSError, ValueError, KeyError):
            continue  # a folder a running dbt is still writing
        if _matches(candidate, current):
            return candidate
    if scratch is None:
        raise ManifestError(
            f"no compiled manifest under {target}; run `dbt compile` or pass a scratch folder"
        )
    scratch.mkdir(parents=True, exist_ok=True)
    command = [str(dbt_executable()), "compile", "--quiet", "--project-dir", str(dbt_dir)]
    command += ["--profiles-dir", str(dbt_dir), "--target", DESCRIBING_TARGET, "--target-path", str(scratch)]
    command += ["--full-refresh"]  # incremental models as a full build reads them (see _incremental_path)
    # Same file name as the home's, so that the compiled SQL names the same database.
    describing = {DESCRIBE_ONLY_ENV: "1", DUCKDB_PATH_ENV: str(scratch / "dbt.duckdb")}
    environment = {**os.environ, **describing}
    completed = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)
    manifest = scratch / "manifest.json"
    if completed.returncode != 0 or not manifest.exists():
        raise ManifestError(f"dbt compile failed in {dbt_dir}:\n{completed.stdout}\n{completed.stderr}")
    compiled = _load(manifest, manifest.stat().st_mtime)
    if not _matches(compiled, current):
        raise ManifestError(f"dbt compile into {scratch} did not compile every model")
    return compiled
