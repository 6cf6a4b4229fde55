"""What a benchmark result was measured on: the machine, the library versions and the commit.

A benchmark runs from a clean export of a commit (`git archive`, the commit id in ``SOURCE_COMMIT`` beside
the code) because other work in progress shares the working tree and rewrites e.g. dbt's target folder;
run from a checkout instead, the result names its HEAD and the files modified in it.
"""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def package_versions(packages: Iterable[str]) -> dict[str, str | None]:
    """Each package's version in the project's environment, else in dbt's own (dbt-core, its adapters)."""
    from importlib.metadata import PackageNotFoundError, version

    from infra.dbt_manifest import dbt_package_version

    found: dict[str, str | None] = {}
    for package in packages:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = dbt_package_version(package)
    return found


def source_commit(root: Path) -> tuple[str, list[str]]:
    """The commit the code at ``root`` is, and the tracked files modified in it (none for an export)."""
    exported = root / "SOURCE_COMMIT"
    if exported.exists():
        return exported.read_text().strip(), []
    git = ["git", "-C", str(root)]
    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    status = subprocess.run(
        [*git, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True
    ).stdout
    return commit, [line[3:] for line in status.splitlines() if line.strip()]


def machine_facts(root: Path, packages: Iterable[str]) -> dict[str, Any]:
    commit, modified = source_commit(root)
    meminfo = Path("/proc/meminfo").read_text().split("\n")[0]
    return {
        "cpus": os.cpu_count(),
        "memory": " ".join(meminfo.split()[1:]),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": package_versions(packages),
        "git_commit": commit,
        "git_modified_files": modified,
    }
