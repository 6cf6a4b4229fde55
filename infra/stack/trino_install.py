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
# The HTTP event listener (query audit) is not published on Maven Central as a plugin zip; the full server
# tarball (~820 MB, cached like the rest) carries it, and only that plugin folder is extracted from it.
FULL_SERVER = f"io.trino:trino-server:{VERSION}:tar.gz"
FROM_FULL_SERVER = ("http-event-listener",)
# password-authenticators ships in server-core and provides the password file and the group file.
KEEP_PLUGINS = {"iceberg", "password-authenticators"}
MARKER = ".lakehouse-ready"


def install_dir(paths: StackPaths) -> Path:
    return paths.cache / f"trino-server-core-{VERSION}"


def ensure_installed(paths: StackPaths, progress: Progress) -> Path:
    """The unpacked server with only the plugins we use (fewer plugins, faster start-up)."""
    target = install_dir(paths)
    if (target / MARKER).is_file() and not _missing_plugins(target):
        return target
    with cache_lock(paths.cache):
        if not (target / MARKER).is_file():  # another process may have finished it while we waited
            _install(paths, target, progress)
        if missing := _missing_plugins(target):
            # An install made by an older version of this code gets the plugins added later.
            _add_from_full_server(paths, target, missing, progress)
    return target


def _missing_plugins(target: Path) -> list[str]:
    return [name for name in FROM_FULL_SERVER if not _plugin_marker(target, name).is_file()]


def _plugin_marker(target: Path, name: str) -> Path:
    # Outside plugin/: Trino puts every file of a plugin folder on that plugin's class path.
    return target / f".plugin-{name}-ready"


def _partial(target: Path, name: str) -> Path:
    # Outside plugin/ too, or Trino would load a half-extracted folder as a plugin.
    return target / f".partial-plugin-{name}"


def _add_from_full_server(paths: StackPaths, target: Path, names: list[str], progress: Progress) -> None:
    tarball = maven.fetch(paths.m2, FULL_SERVER, progress)
    progress(f"extracting plugin(s) {', '.join(names)} from {tarball.name}")
    for name in names:
        shutil.rmtree(target / "plugin" / name, ignore_errors=True)
        shutil.rmtree(_partial(target, name), ignore_errors=True)
    with tarfile.open(tarball) as archive:
        for member in archive:
            parts = Path(member.name).parts
            # <top>/plugin/<name>/<file>
            if len(parts) != 4 or parts[1] != "plugin" or parts[2] not in names:
                continue
            if not (member.isfile() or member.islnk()) or ".." in parts:
                continue
            out = _partial(target, parts[2]) / parts[3]
            out.parent.mkdir(parents=True, exist_ok=True)
            # Most plugin jars are hard links to lib/ jars that server-core already unpacked.
            same = target / Path(*Path(member.linkname).parts[1:]) if member.islnk() else None
            if same is not None and same.is_file():
                shutil.copyfile(same, out)
                continue
            source = archive.extractfile(member)
            if source is None:
                raise StackError(f"cannot read {member.name} from {tarball.name}")
            with source, out.open("wb") as dst:
                shutil.copyfileobj(source, dst)
    for name in names:
        partial = _partial(target, name)
        if not partial.is_dir():
            raise StackError(f"plugin/{name} not found in {tarball}")
        partial.rename(target / "plugin" / name)
        _plugin_marker(target, name).write_text(VERSION + "\n")


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
