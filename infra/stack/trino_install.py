"""Trino 476 server (core tarball + Iceberg plugin) unpacked once into the downloads cache."""

from __future__ import annotations

import shutil
import tarfile
import zipfile
from pathlib import Path

from infra.stack import maven
from infra.stack.model import Progress, StackError
from infra.stack.paths import StackPaths, cache_lock

VERSION = "476"
SERVER = f"io.trino:trino-server-core:{VERSION}:tar.gz"
PLUGINS = {"iceberg": f"io.trino:trino-iceberg:{VERSION}:zip"}
# password-authenticators ships in server-core and provides the password file and the group file.
KEEP_PLUGINS = {"iceberg", "password-authenticators"}
MARKER = ".lakehouse-ready"


def install_dir(paths: StackPaths) -> Path:
    return paths.cache / f"trino-server-core-{VERSION}"


def ensure_installed(paths: StackPaths, progress: Progress) -> Path:
    """The unpacked server with only the plugins we use (fewer plugins, faster start-up)."""
    target = install_dir(paths)
    if (target / MARKER).is_file():
        return target
    with cache_lock(paths.cache):
        if (target / MARKER).is_file():  # another process finished it while we waited
            return target
        _install(paths, target, progress)
    return target


def _install(paths: StackPaths, target: Path, progress: Progress) -> None:
    tarball = maven.fetch(paths.m2, SERVER, progress)
    zips = {name: maven.fetch(paths.m2, coords, progress) for name, coords in PLUGINS.items()}
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    progress(f"unpacking {tarball.name}")
    with tarfile.open(tarball) as archive:
        archive.extractall(staging, filter="tar")
    (top,) = [p for p in staging.iterdir() if p.is_dir()]
    for plugin in (top / "plugin").iterdir():
        if plugin.name not in KEEP_PLUGINS:
            shutil.rmtree(plugin)
    for name, archive_path in zips.items():
        progress(f"unpacking {archive_path.name} into plugin/{name}")
        _unzip_plugin(archive_path, top / "plugin" / name)
    (top / MARKER).write_text(VERSION + "\n")
    shutil.rmtree(target, ignore_errors=True)
    top.rename(target)
    shutil.rmtree(staging, ignore_errors=True)


def _unzip_plugin(archive_path: Path, dest: Path) -> None:
    """A plugin zip holds one folder of jars; its content becomes plugin/<name>/."""
    dest.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive_path) as archive:
        for info in archive.infolist():
            parts = Path(info.filename).parts
            if info.is_dir() or len(parts) < 2:
                continue
            if ".." in parts:
                raise StackError(f"unsafe path in {archive_path.name}: {info.filename}")
            out = dest.joinpath(*parts[1:])
            out.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, out.open("wb") as dst:
                shutil.copyfileobj(src, dst)
