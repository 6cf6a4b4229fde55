"""Fetch artifacts with Maven's own client into the cache's local repository (`m2/`)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from infra.stack.model import Progress, StackError
from infra.stack.procs import run


def artifact_path(m2: Path, coords: str) -> Path:
    """Where `group:artifact:version[:type[:classifier]]` lands in a local repository."""
    parts = coords.split(":")
    group, artifact, version = parts[0], parts[1], parts[2]
    ext = parts[3] if len(parts) > 3 else "jar"
    classifier = f"-{parts[4]}" if len(parts) > 4 else ""
    return m2 / Path(*group.split(".")) / artifact / version / f"{artifact}-{version}{classifier}.{ext}"


def fetch(m2: Path, coords: str, progress: Progress) -> Path:
    """The artifact's file, downloaded once; later calls find it in the local repository."""
    target = artifact_path(m2, coords)
    if target.is_file():
        return target
    mvn = shutil.which("mvn")
    if mvn is None:
        raise StackError(
            "Maven (`mvn`) is needed to download the stack; install it (apt-get install -y maven)"
        )
    progress(f"downloading {coords} with Maven (large files take a while)…")
    started = time.monotonic()
    m2.mkdir(parents=True, exist_ok=True)
    run(
        [
            mvn,
            "-q",
            "-B",
            "dependency:get",
            f"-Dartifact={coords}",
            "-Dtransitive=false",
            f"-Dmaven.repo.local={m2}",
        ],
        what=f"download of {coords}",
    )
    if not target.is_file():
        raise StackError(f"Maven reported success but {target} is missing")
    size = target.stat().st_size / 1e6
    progress(f"downloaded {target.name}: {size:.0f} MB in {time.monotonic() - started:.0f} s")
    return target
